// The image view and the conversions behind it, offscreen: pictures drawn as they are,
// other data through the colormap, values under the cursor, zoom around the cursor, fit
// and 1:1, panning, and the compare divider.

#include "image_view.h"

#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <cmath>
#include <complex>
#include <cstring>
#include <vector>

using namespace wb;
using namespace wb::widgets;

namespace {

template <typename T> ImageData makeImage(DType dtype, QList<qint64> shape, const std::vector<T>& values)
{
    ImageData data;
    data.name = "img";
    data.dtype = dtype;
    data.shape = shape;
    data.bytes = QByteArray(reinterpret_cast<const char*>(values.data()), static_cast<int>(values.size() * sizeof(T)));
    return data;
}

// A 4x2 f32 ramp 0..7.
ImageData ramp() { return makeImage<float>(DType::F32, {2, 4}, {0, 1, 2, 3, 4, 5, 6, 7}); }

} // namespace

class TestImageView : public QObject {
    Q_OBJECT

private slots:
    void validatesShapeAndBytes()
    {
        QVERIFY(ramp().isValid());
        ImageData bad = ramp();
        bad.bytes.chop(1);
        QVERIFY(!bad.isValid());
        QVERIFY(!makeImage<float>(DType::F32, {2, 1, 5}, std::vector<float>(10)).isValid()); // 5 channels
        QVERIFY(render(bad).image.isNull());
    }

    void picturesAreDrawnAsTheyAre()
    {
        const ImageData rgb = makeImage<unsigned char>(DType::U8, {1, 2, 3}, {255, 0, 0, 10, 20, 30});
        const Rendered out = render(rgb);
        QCOMPARE(out.image.size(), QSize(2, 1));
        QCOMPARE(out.image.pixel(0, 0), qRgb(255, 0, 0));
        QCOMPARE(out.image.pixel(1, 0), qRgb(10, 20, 30));
        const ImageData deep = makeImage<std::uint16_t>(DType::U16, {1, 1}, {65535});
        QCOMPARE(render(deep).image.pixel(0, 0), qRgb(255, 255, 255));
    }

    void floatsSpanTheColormap()
    {
        RenderOptions options;
        options.colormap = Colormap::Gray;
        const Rendered out = render(ramp(), options);
        QCOMPARE(out.low, 0.0);
        QCOMPARE(out.high, 7.0);
        QCOMPARE(out.image.pixel(0, 0), qRgb(0, 0, 0));
        QCOMPARE(out.image.pixel(3, 1), qRgb(255, 255, 255));
        options.low = 2;
        options.high = 4;
        QCOMPARE(render(ramp(), options).image.pixel(3, 0), qRgb(128, 128, 128)); // 3 is halfway
        QCOMPARE(colormapColor(Colormap::Viridis, 0), qRgb(68, 1, 84));
        QCOMPARE(colormapColor(Colormap::Viridis, 1), qRgb(253, 231, 37));
    }

    void heatMapAndItsColourScale()
    {
        QCOMPARE(colormapColor(Colormap::Heat, 0), qRgb(0, 0, 0));
        QCOMPARE(colormapColor(Colormap::Heat, 0.365), qRgb(255, 0, 0));
        QCOMPARE(colormapColor(Colormap::Heat, 0.746), qRgb(255, 255, 0));
        QCOMPARE(colormapColor(Colormap::Heat, 1), qRgb(255, 255, 255));

        ImageView view;
        view.resize(200, 120);
        RenderOptions options;
        options.colormap = Colormap::Heat;
        view.setRenderOptions(options);
        view.setImage(ramp());
        QVERIFY(!view.colorScale()); // not asked for
        options.colorScale = true;
        view.setRenderOptions(options);
        QVERIFY(view.colorScale());
        QCOMPARE(view.colorScale()->low, 0.0);
        QCOMPARE(view.colorScale()->high, 7.0);
        // The bar at the right edge: the highest colour at its top, the lowest at its bottom.
        const QImage shot = view.grab().toImage();
        const int barHeight = 120 * 3 / 5;
        const int top = (120 - barHeight) / 2;
        const double step = 1.0 / (barHeight - 1); // one row of the bar, inside its outline
        QCOMPARE(shot.pixel(200 - 16, top + 1), colormapColor(Colormap::Heat, 1 - step));
        QCOMPARE(shot.pixel(200 - 16, top + barHeight - 2), colormapColor(Colormap::Heat, step));
        // A picture shows as it is: no colours to read, no scale.
        view.setImage(makeImage<std::uint8_t>(DType::U8, {1, 2}, {0, 255}));
        QVERIFY(!view.colorScale());
    }

    void nanIsMagenta()
    {
        const ImageData data = makeImage<float>(DType::F32, {1, 2}, {NAN, 1});
        QCOMPARE(render(data).image.pixel(0, 0), qRgb(255, 0, 255));
    }

    void complexShowsItsMagnitudeOnALogScale()
    {
        using C = std::complex<float>;
        const ImageData spectrum = makeImage<C>(DType::C64, {1, 3}, {C(0, 0), C(3, 4), C(0, -1)});
        RenderOptions options;
        options.logScale = true;
        const Rendered out = render(spectrum, options);
        QCOMPARE(out.high, std::log1p(5.0));
        options.complexPart = ImageData::Part::Imag;
        options.logScale = false;
        QCOMPARE(render(spectrum, options).low, -1.0);
        QCOMPARE(pixelText(spectrum, 1, 0), QString("(1, 0) 3+4j"));
        QCOMPARE(pixelText(spectrum, 2, 0), QString("(2, 0) 0-1j"));
    }

    void pixelTextNamesThePixelAndItsValue()
    {
        QCOMPARE(pixelText(ramp(), 1, 1), QString("(1, 1) 5"));
        const ImageData rgb = makeImage<unsigned char>(DType::U8, {1, 1, 3}, {1, 2, 3});
        QCOMPARE(pixelText(rgb, 0, 0), QString("(0, 0) [1, 2, 3]"));
        QVERIFY(pixelText(ramp(), 4, 0).isEmpty());
        QVERIFY(pixelText(ramp(), -1, 0).isEmpty());
        const ImageData half = makeImage<std::uint16_t>(DType::F16, {1, 1}, {0x3c00}); // 1.0
        QCOMPARE(pixelText(half, 0, 0), QString("(0, 0) 1"));
    }

    void fitsAndZoomsAroundTheCursor()
    {
        ImageView view;
        view.resize(400, 200);
        view.setImage(ramp()); // 4x2: fits at 100x
        QCOMPARE(view.zoom(), 100.0);
        QSignalSpy zoomed(&view, &ImageView::zoomChanged);
        const QPointF cursor(150, 120);
        const QPointF before = view.toImage(cursor);
        QWheelEvent wheel(cursor, view.mapToGlobal(cursor), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(&view, &wheel);
        QCOMPARE(zoomed.count(), 1);
        QCOMPARE(view.zoom(), 125.0);
        const QPointF after = view.toImage(cursor);
        QVERIFY(std::abs(after.x() - before.x()) < 1e-9 && std::abs(after.y() - before.y()) < 1e-9);
        QTest::keyClick(&view, Qt::Key_1);
        QCOMPARE(view.zoom(), 1.0);
        QTest::keyClick(&view, Qt::Key_0);
        QCOMPARE(view.zoom(), 100.0);
    }

    void dragPansAndReportsThePixel()
    {
        ImageView view;
        view.resize(400, 200);
        view.setImage(ramp());
        QSignalSpy hovered(&view, &ImageView::pixelHovered);
        // A hover without a button; QTest::mouseMove needs a shown window for that.
        const QPointF over(250, 150); // pixel (2, 1)
        QMouseEvent move(QEvent::MouseMove, over, view.mapToGlobal(over), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
        QApplication::sendEvent(&view, &move);
        QVERIFY(!hovered.isEmpty());
        QCOMPARE(hovered.last().at(0).toString(), QString("(2, 1) 6"));
        const QPointF before = view.toImage(QPointF(0, 0));
        QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(250, 150));
        QTest::mouseMove(&view, QPoint(150, 150));
        QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(150, 150));
        QCOMPARE(view.toImage(QPointF(0, 0)).x(), before.x() + 1.0); // 100 px at 100x
    }

    void compareSplitsTheViewAtADraggableDivider()
    {
        ImageView view;
        view.resize(400, 200);
        ImageData cpu = makeImage<float>(DType::F32, {2, 4}, std::vector<float>(8, 0.0f));
        cpu.source = "cpu";
        ImageData gpu = makeImage<float>(DType::F32, {2, 4}, std::vector<float>(8, 1.0f));
        gpu.source = "cuda:0";
        RenderOptions options;
        options.colormap = Colormap::Gray;
        options.low = 0;
        options.high = 1;
        view.setRenderOptions(options);
        view.setImage(cpu);
        view.setCompareImage(gpu);
        QVERIFY(view.comparing());
        QImage shot = view.grab().toImage();
        QCOMPARE(QColor(shot.pixel(100, 150)), QColor(0, 0, 0));
        QCOMPARE(QColor(shot.pixel(300, 150)), QColor(255, 255, 255));
        QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(200, 100));
        QTest::mouseMove(&view, QPoint(80, 100));
        QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(80, 100));
        QCOMPARE(view.divider(), 0.2);
        shot = view.grab().toImage();
        QCOMPARE(QColor(shot.pixel(100, 150)), QColor(255, 255, 255)); // now right of the divider
        view.setCompareImage(std::nullopt);
        QVERIFY(!view.comparing());
    }
};

QTEST_MAIN(TestImageView)
#include "test_image_view.moc"
