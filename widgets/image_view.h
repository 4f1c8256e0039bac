#pragma once
// A view of one step output, or of two side by side (compare mode): zoom with the wheel
// around the cursor, fit (0) and 1:1 (1), pan by dragging, the value under the cursor,
// a colormap for real and complex data, and in compare mode a divider that splits the
// view between the two images (input against output, CPU against GPU) and follows the
// mouse when dragged.

#include "image_data.h"

#include <QPointF>
#include <QRectF>
#include <QWidget>

#include <optional>

namespace wb::widgets {

class ImageView : public QWidget {
    Q_OBJECT

public:
    explicit ImageView(QWidget* parent = nullptr);

    void setImage(const ImageData& image);
    // The second image of compare mode, drawn right of the divider; nullopt leaves it.
    void setCompareImage(const std::optional<ImageData>& image);
    bool comparing() const { return m_compare.has_value(); }
    void setRenderOptions(const RenderOptions& options);
    const RenderOptions& renderOptions() const { return m_options; }
    // With RenderOptions::colorScale and a colormapped image: the range its bar spans
    // (`image` is empty); nullopt when no scale is drawn.
    const std::optional<Rendered>& colorScale() const { return m_scale; }

    double zoom() const { return m_zoom; }
    // The divider's place as a fraction of the width, in (0, 1).
    double divider() const { return m_divider; }
    void setDivider(double fraction);
    // Widget position -> image pixel (may lie outside the image).
    QPointF toImage(QPointF widgetPosition) const;

public slots:
    void fitToWindow();
    void actualSize();
    void zoomBy(double factor, QPointF around);

signals:
    // The pixel under the cursor as text (pixelText()), with the image's name in compare
    // mode; empty when the cursor is outside.
    void pixelHovered(const QString& text);
    void zoomChanged(double zoom);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void rerender();
    bool nearDivider(QPointF position) const;
    void reportPixel(QPointF position);
    void drawColorScale(QPainter& painter) const;

    ImageData m_image;
    std::optional<ImageData> m_compare;
    RenderOptions m_options;
    QImage m_rendered;
    std::optional<Rendered> m_scale; // the range of the colours, while a colour scale is drawn
    QImage m_renderedCompare;
    double m_zoom = 1.0;
    QPointF m_offset; // widget position of image pixel (0, 0)
    double m_divider = 0.5;
    bool m_fit = true; // keep fitting on resize until the user zooms or pans
    enum class Drag { None, Pan, Divider } m_drag = Drag::None;
    QPointF m_dragFrom;
};

} // namespace wb::widgets
