#include "image_view.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace wb::widgets {

namespace {

constexpr double kMinZoom = 1.0 / 64;
constexpr double kMaxZoom = 256;
constexpr double kWheelStep = 1.25; // per notch of 120 units
constexpr double kDividerGrab = 5;  // pixels either side of the divider that grab it

} // namespace

ImageView::ImageView(QWidget* parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setMinimumSize(64, 64);
}

void ImageView::setImage(const ImageData& image)
{
    const bool sameSize = m_image.isValid() && image.width() == m_image.width() && image.height() == m_image.height();
    m_image = image;
    rerender();
    if (!sameSize || m_fit)
        fitToWindow();
    update();
}

void ImageView::setCompareImage(const std::optional<ImageData>& image)
{
    m_compare = image;
    rerender();
    update();
}

void ImageView::setRenderOptions(const RenderOptions& options)
{
    m_options = options;
    rerender();
    update();
}

void ImageView::setDivider(double fraction)
{
    m_divider = std::clamp(fraction, 0.01, 0.99);
    update();
}

QPointF ImageView::toImage(QPointF widgetPosition) const { return (widgetPosition - m_offset) / m_zoom; }

void ImageView::fitToWindow()
{
    m_fit = true;
    if (m_rendered.isNull() || width() <= 0 || height() <= 0)
        return;
    m_zoom = std::clamp(std::min(width() / static_cast<double>(m_rendered.width()),
                                 height() / static_cast<double>(m_rendered.height())),
                        kMinZoom, kMaxZoom);
    m_offset = QPointF((width() - m_rendered.width() * m_zoom) / 2, (height() - m_rendered.height() * m_zoom) / 2);
    emit zoomChanged(m_zoom);
    update();
}

void ImageView::actualSize() { zoomBy(1.0 / m_zoom, QPointF(width() / 2.0, height() / 2.0)); }

void ImageView::zoomBy(double factor, QPointF around)
{
    const double zoom = std::clamp(m_zoom * factor, kMinZoom, kMaxZoom);
    // The image point under `around` stays under it.
    const QPointF fixed = toImage(around);
    m_zoom = zoom;
    m_offset = around - fixed * m_zoom;
    m_fit = false;
    emit zoomChanged(m_zoom);
    update();
}

void ImageView::rerender()
{
    Rendered rendered = widgets::render(m_image, m_options);
    m_rendered = rendered.image;
    m_scale.reset();
    if (m_options.colorScale && rendered.colormapped)
        m_scale = Rendered{QImage(), rendered.low, rendered.high, true};
    m_renderedCompare = m_compare ? widgets::render(*m_compare, m_options).image : QImage();
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), QColor(40, 40, 44));
    if (m_rendered.isNull()) {
        painter.setPen(QColor(170, 170, 170));
        painter.drawText(rect(), Qt::AlignCenter, tr("No image"));
        return;
    }
    // Magnified pixels stay crisp squares; reduced images are smoothed.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, m_zoom < 1);
    const QRectF target(m_offset, QSizeF(m_rendered.width() * m_zoom, m_rendered.height() * m_zoom));
    if (!m_compare) {
        painter.drawImage(target, m_rendered);
        drawColorScale(painter);
        return;
    }
    const double split = width() * m_divider;
    painter.save();
    painter.setClipRect(QRectF(0, 0, split, height()));
    painter.drawImage(target, m_rendered);
    painter.restore();
    painter.save();
    painter.setClipRect(QRectF(split, 0, width() - split, height()));
    const QRectF compareTarget(m_offset,
                               QSizeF(m_renderedCompare.width() * m_zoom, m_renderedCompare.height() * m_zoom));
    painter.drawImage(compareTarget, m_renderedCompare);
    painter.restore();
    painter.setPen(QPen(QColor(255, 255, 255, 220), 2));
    painter.drawLine(QPointF(split, 0), QPointF(split, height()));
    painter.setPen(QColor(255, 255, 255));
    const QString left = m_image.name + (m_image.source.isEmpty() ? "" : " (" + m_image.source + ")");
    const QString right = m_compare->name + (m_compare->source.isEmpty() ? "" : " (" + m_compare->source + ")");
    painter.drawText(QRectF(6, 4, split - 12, 20), Qt::AlignLeft | Qt::AlignVCenter, left);
    painter.drawText(QRectF(split + 6, 4, width() - split - 12, 20), Qt::AlignRight | Qt::AlignVCenter, right);
    drawColorScale(painter);
}

// A vertical bar of the colormap at the right edge, high at the top, with both ends' values,
// so that a colour can be read as a number.
void ImageView::drawColorScale(QPainter& painter) const
{
    if (!m_scale)
        return;
    const int barHeight = std::max(40, height() * 3 / 5);
    const QRect bar(width() - 22, (height() - barHeight) / 2, 12, barHeight);
    for (int y = 0; y < bar.height(); ++y) {
        const double t = 1.0 - y / std::max(1.0, bar.height() - 1.0);
        painter.setPen(QColor(colormapColor(m_options.colormap, t)));
        painter.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
    }
    painter.setPen(QColor(220, 220, 220));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));
    const QRectF labels(0, 0, bar.left() - 4, 16);
    painter.drawText(labels.translated(0, bar.top() - 2), Qt::AlignRight | Qt::AlignTop,
                     QString::number(m_scale->high, 'g', 4));
    painter.drawText(labels.translated(0, bar.bottom() - 14), Qt::AlignRight | Qt::AlignBottom,
                     QString::number(m_scale->low, 'g', 4));
}

void ImageView::resizeEvent(QResizeEvent*)
{
    if (m_fit)
        fitToWindow();
}

void ImageView::wheelEvent(QWheelEvent* event)
{
    const double notches = event->angleDelta().y() / 120.0;
    if (notches != 0)
        zoomBy(std::pow(kWheelStep, notches), event->position());
    event->accept();
}

bool ImageView::nearDivider(QPointF position) const
{
    return m_compare && std::abs(position.x() - width() * m_divider) <= kDividerGrab;
}

void ImageView::mousePressEvent(QMouseEvent* event)
{
    if (event->button() != Qt::LeftButton)
        return;
    m_drag = nearDivider(event->position()) ? Drag::Divider : Drag::Pan;
    m_dragFrom = event->position();
    if (m_drag == Drag::Pan)
        setCursor(Qt::ClosedHandCursor);
}

void ImageView::mouseMoveEvent(QMouseEvent* event)
{
    const QPointF position = event->position();
    if (m_drag == Drag::Divider) {
        setDivider(position.x() / std::max(1, width()));
    } else if (m_drag == Drag::Pan) {
        m_offset += position - m_dragFrom;
        m_dragFrom = position;
        m_fit = false;
        update();
    } else {
        setCursor(nearDivider(position) ? Qt::SplitHCursor : Qt::CrossCursor);
    }
    reportPixel(position);
}

void ImageView::mouseReleaseEvent(QMouseEvent*)
{
    m_drag = Drag::None;
    unsetCursor();
}

void ImageView::keyPressEvent(QKeyEvent* event)
{
    const QPointF centre(width() / 2.0, height() / 2.0);
    switch (event->key()) {
    case Qt::Key_0: fitToWindow(); return;
    case Qt::Key_1: actualSize(); return;
    case Qt::Key_Plus:
    case Qt::Key_Equal: zoomBy(kWheelStep, centre); return;
    case Qt::Key_Minus: zoomBy(1 / kWheelStep, centre); return;
    default: QWidget::keyPressEvent(event);
    }
}

void ImageView::leaveEvent(QEvent*) { emit pixelHovered(QString()); }

void ImageView::reportPixel(QPointF position)
{
    const QPointF at = toImage(position);
    const int x = static_cast<int>(std::floor(at.x()));
    const int y = static_cast<int>(std::floor(at.y()));
    const bool right = m_compare && position.x() > width() * m_divider;
    const ImageData& shown = right ? *m_compare : m_image;
    const QString text = pixelText(shown, x, y);
    emit pixelHovered(text.isEmpty() || !m_compare ? text : shown.name + " " + text);
}

} // namespace wb::widgets
