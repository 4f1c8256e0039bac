#include "plot_common.h"

#include <QFontMetrics>

#include <algorithm>
#include <array>
#include <cmath>

namespace wb::widgets {

namespace {

// Colour-blind-safe (Okabe-Ito), blue and green first: CPU and GPU in the common case.
constexpr std::array<QRgb, 6> kPalette = {0x0072B2, 0x009E73, 0xD55E00, 0xCC79A7, 0xE69F00, 0x56B4E9};

constexpr double kKiB = 1024.0;
constexpr std::array<const char*, 5> kByteUnits = {"B", "KiB", "MiB", "GiB", "TiB"};

// The largest binary unit not above `bytes`, as an index into kByteUnits.
int byteUnit(double bytes)
{
    int unit = 0;
    bytes = std::fabs(bytes);
    while (unit + 1 < static_cast<int>(kByteUnits.size()) && bytes >= kKiB) {
        bytes /= kKiB;
        ++unit;
    }
    return unit;
}

} // namespace

QColor seriesColor(int index) { return QColor(kPalette[static_cast<std::size_t>(std::abs(index)) % kPalette.size()]); }

QColor transferColor(const QColor& base)
{
    // Halfway to white: the same hue, clearly the lesser part of the bar.
    return QColor((base.red() + 255) / 2, (base.green() + 255) / 2, (base.blue() + 255) / 2);
}

QBrush comparisonBrush(const QColor& color) { return QBrush(color, Qt::BDiagPattern); }

QColor failedColor() { return QColor(0x80, 0x80, 0x80); }

QBrush failedBrush() { return QBrush(failedColor(), Qt::DiagCrossPattern); }

QCPTextElement* addTitle(QCustomPlot& plot, const QString& text)
{
    QFont font = plot.font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.15);
    plot.plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(&plot, text, font);
    plot.plotLayout()->addElement(0, 0, title);
    return title;
}

void placeLegendBelow(QCustomPlot& plot, int columns)
{
    QCPLegend* legend = plot.legend;
    QCPLayoutInset* inset = plot.axisRect()->insetLayout();
    if (inset->elements(false).contains(legend))
        inset->take(legend);
    // Centred in its row: empty cells either side take the spare width.
    auto* row = new QCPLayoutGrid;
    const int index = plot.plotLayout()->rowCount();
    plot.plotLayout()->addElement(index, 0, row);
    plot.plotLayout()->setRowStretchFactor(index, 0.001);
    plot.plotLayout()->setRowSpacing(2);
    row->addElement(0, 0, new QCPLayoutElement(&plot));
    row->addElement(0, 1, legend);
    row->addElement(0, 2, new QCPLayoutElement(&plot));
    row->setColumnStretchFactors({1, 0.001, 1});
    legend->setVisible(true);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setWrap(columns);
    legend->setBorderPen(Qt::NoPen);
    legend->setBrush(Qt::NoBrush);
    legend->setMargins(QMargins(4, 0, 4, 2));
    legend->setRowSpacing(0);
    legend->setColumnSpacing(12);
    legend->setIconSize(18, 10);
}

double barWidth(int bars, double spacing) { return std::min(0.8 / std::max(bars, 1) - spacing, 0.5); }

QString formatBytes(double bytes)
{
    if (std::isnan(bytes))
        return QStringLiteral("–");
    const int unit = byteUnit(bytes);
    const double value = bytes / std::pow(kKiB, unit);
    return QStringLiteral("%1 %2").arg(QString::number(value, 'g', unit == 0 ? 6 : 3), kByteUnits[unit]);
}

QString formatMs(double ms)
{
    if (ms >= 1000)
        return QStringLiteral("%1 s").arg(QString::number(ms / 1000, 'g', 3));
    return QStringLiteral("%1 ms").arg(QString::number(ms, 'g', ms < 1 ? 3 : 4));
}

QString formatSpeedup(double speedup)
{
    const QString number = speedup >= 1000 ? QString::number(speedup, 'f', 0) : QString::number(speedup, 'g', 3);
    return number + QChar(0x00D7);
}

void CategoryTicker::setLabel(int index, const QString& label)
{
    if (index < 0)
        return;
    if (index >= m_labels.size())
        m_labels.resize(index + 1);
    QString text = label;
    if (text.size() > kMaxLabelChars)
        text = text.left(kMaxLabelChars - 1) + QChar(0x2026);
    m_labels[index] = text;
}

double CategoryTicker::getTickStep(const QCPRange& range)
{
    m_stride = 1;
    const bool wasRotated = m_rotated;
    m_rotated = false;
    if (!m_labels.isEmpty() && range.size() > 0) {
        const QFontMetrics metrics(m_axis->tickLabelFont());
        const int first = std::max(0, static_cast<int>(std::ceil(range.lower)));
        const int last = std::min(static_cast<int>(m_labels.size()) - 1, static_cast<int>(std::floor(range.upper)));
        int widest = 0;
        for (int i = first; i <= last; ++i)
            widest = std::max(widest, metrics.horizontalAdvance(m_labels[i]));
        // The axis rect is laid out after the ticks are made: judge from the viewport,
        // less the usual margins, which is right for exports at another size too.
        const double pixels = std::max(60, m_axis->parentPlot()->viewport().width() - 110);
        const double perCategory = pixels / range.size();
        const int gap = metrics.horizontalAdvance(QLatin1Char('M'));
        m_rotated = widest + gap > perCategory;
        // Turned by 45°, neighbours stand a line's height / sin 45° apart along the axis.
        const double needed = m_rotated ? metrics.height() * 1.45 : widest + gap;
        m_stride = std::max(1, static_cast<int>(std::ceil(needed / perCategory)));
        // A turned label ends at its tick and reaches left: keep the first inside the plot.
        if (m_rotated) {
            const int overhang = static_cast<int>(widest * 0.71 - perCategory * 0.5);
            QCPAxisRect* rect = m_axis->axisRect();
            QMargins margins = rect->minimumMargins();
            margins.setLeft(std::max(overhang, 0));
            rect->setMinimumMargins(margins);
        }
    }
    if (m_rotated != wasRotated) {
        m_axis->setTickLabelRotation(m_rotated ? -45 : 0);
        if (!m_rotated) {
            QMargins margins = m_axis->axisRect()->minimumMargins();
            margins.setLeft(0);
            m_axis->axisRect()->setMinimumMargins(margins);
        }
    }
    return m_stride;
}

int CategoryTicker::getSubTickCount(double) { return 0; }

QString CategoryTicker::getTickLabel(double tick, const QLocale&, QChar, int)
{
    const auto index = static_cast<qsizetype>(std::lround(tick));
    return index >= 0 && index < m_labels.size() ? m_labels[index] : QString();
}

QVector<double> CategoryTicker::createTickVector(double, const QCPRange& range)
{
    QVector<double> ticks;
    const int first = std::max(0, static_cast<int>(std::ceil(range.lower)));
    const int last = std::min(static_cast<int>(m_labels.size()) - 1, static_cast<int>(std::floor(range.upper)));
    for (int i = first; i <= last; ++i) {
        if (i % m_stride == 0)
            ticks.append(i);
    }
    return ticks;
}

double ByteTicker::getTickStep(const QCPRange& range)
{
    // The unit of the step, so that ticks are round in it: 200 MiB apart, not 0.2 GiB.
    m_unit = byteUnit(range.size() / (mTickCount + 1e-10));
    const double unit = std::pow(kKiB, m_unit);
    return cleanMantissa(range.size() / unit / (mTickCount + 1e-10)) * unit;
}

QString ByteTicker::getTickLabel(double tick, const QLocale&, QChar, int)
{
    if (std::fabs(tick) < 0.5)
        return QStringLiteral("0");
    return QStringLiteral("%1 %2").arg(QString::number(tick / std::pow(kKiB, m_unit), 'g', 4), kByteUnits[m_unit]);
}

double RecentTimeTicker::getTickStep(const QCPRange& range)
{
    return cleanMantissa(range.size() / (mTickCount + 1e-10));
}

QString RecentTimeTicker::getTickLabel(double tick, const QLocale&, QChar, int)
{
    const double before = tick - m_now;
    if (std::fabs(before) < 0.05)
        return QStringLiteral("now");
    return QStringLiteral("%1 s").arg(QString::number(before, 'f', 0));
}

QVector<double> RecentTimeTicker::createTickVector(double tickStep, const QCPRange& range)
{
    QVector<double> ticks;
    if (!(tickStep > 0))
        return ticks;
    for (double tick = m_now; tick >= range.lower - tickStep; tick -= tickStep)
        ticks.prepend(tick);
    return ticks;
}

} // namespace wb::widgets
