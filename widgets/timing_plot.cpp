#include "timing_plot.h"

#include <algorithm>
#include <cmath>

namespace wb::widgets {

namespace {

QString seriesKey(int run, const QString& backend) { return QStringLiteral("%1\n%2").arg(run).arg(backend); }

} // namespace

TimingPlot::TimingPlot(QWidget* parent)
    : CategoryPlot(parent)
    , m_group(new QCPBarsGroup(this))
{
    setAutoAddPlottableToLegend(false);
    m_group->setSpacingType(QCPBarsGroup::stPlotCoords);
    m_group->setSpacing(0.02);
    yAxis->setLabel(QStringLiteral("median time (ms)"));
    yAxis->setNumberFormat(QStringLiteral("gb"));
    addTitle(*this, QStringLiteral("Median time per step"));
    placeLegendBelow(*this, 3);
}

QCPBars* TimingPlot::stepBars(int run, const QString& backend) const
{
    return m_series.value(seriesKey(run, backend)).steps;
}

QCPBars* TimingPlot::transferBars(int run, const QString& backend) const
{
    return m_series.value(seriesKey(run, backend)).transfers;
}

TimingPlot::Series& TimingPlot::series(int run, const QString& backend)
{
    Series& series = m_series[seriesKey(run, backend)];
    if (series.steps)
        return series;
    const QColor color = seriesColor(backendIndex(backend));
    const QColor light = transferColor(color);
    series.steps = new QCPBars(xAxis, yAxis);
    series.transfers = new QCPBars(xAxis, yAxis);
    series.transfers->moveAbove(series.steps);
    series.steps->setName(describeBackend(run, backend));
    series.transfers->setName(describeBackend(run, backend, false) + QStringLiteral(" uploads, downloads"));
    series.steps->setPen(QPen(color.darker(125), 1));
    series.transfers->setPen(QPen(color.darker(110), 1));
    series.steps->setBrush(run == 0 ? QBrush(color) : comparisonBrush(color));
    series.transfers->setBrush(run == 0 ? QBrush(light) : comparisonBrush(light));
    series.steps->setStackingGap(0);
    series.transfers->setStackingGap(0);
    arrange();
    return series;
}

void TimingPlot::arrange()
{
    // Side by side per category: backend by backend, the two runs of a backend together.
    QList<QPair<QPair<int, int>, Series>> order;
    for (auto it = m_series.begin(); it != m_series.end(); ++it) {
        const int run = it.key().section(QLatin1Char('\n'), 0, 0).toInt();
        const QString backend = it.key().section(QLatin1Char('\n'), 1);
        order.append({{backendIndex(backend), run}, it.value()});
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    m_group->clear();
    const double width = barWidth(static_cast<int>(order.size()), m_group->spacing());
    for (const auto& entry : order) {
        m_group->append(entry.second.steps);
        m_group->append(entry.second.transfers);
        entry.second.steps->setWidth(width);
        entry.second.transfers->setWidth(width);
    }
    orderLegend();
}

void TimingPlot::orderLegend()
{
    // As the bars stand: backend by backend, A before B; then the transfers likewise. A
    // row of the legend per backend when comparing.
    legend->clearItems();
    legend->setWrap(runCount() == 2 ? 2 : 3);
    for (const bool transfers : {false, true}) {
        for (QCPBars* bars : m_group->bars()) {
            if ((bars->barBelow() != nullptr) == transfers && bars->dataCount() > 0)
                bars->addToLegend();
        }
    }
}

void TimingPlot::addRow(int run, int row)
{
    const StepFigures& figures = this->run(run).steps()[row];
    const int key = categoryOf(run, row);
    Series& bars = series(run, figures.backend);
    QCPBars* target = figures.transfer ? bars.transfers : bars.steps;
    const bool first = target->dataCount() == 0;
    target->addData(key, figures.medianMs);
    if (first)
        orderLegend();
    registerTip(target, key, describeRow(figures, this->run(run).deviceName(figures.backend)));
    double& height = m_heights[QStringLiteral("%1\n%2").arg(seriesKey(run, figures.backend)).arg(key)];
    height += figures.medianMs;
    m_highest = std::max(m_highest, height);
    if (figures.medianMs > 0 && (m_lowestPositive == 0 || figures.medianMs < m_lowestPositive))
        m_lowestPositive = figures.medianMs;
}

void TimingPlot::clearContent()
{
    m_group->clear();
    for (const Series& series : m_series) {
        removePlottable(series.transfers);
        removePlottable(series.steps);
    }
    m_series.clear();
    m_heights.clear();
    m_highest = 0;
    m_lowestPositive = 0;
}

void TimingPlot::updateValueRange()
{
    // Outlines only while a bar is wide enough to show its fill inside them.
    const bool outlined = barPixels(m_group->bars().isEmpty() ? 0.5 : m_group->bars().front()->width()) >= 4;
    for (const Series& series : m_series) {
        for (QCPBars* bars : {series.steps, series.transfers}) {
            QPen pen = bars->pen();
            pen.setStyle(outlined ? Qt::SolidLine : Qt::NoPen);
            bars->setPen(pen);
        }
    }
    if (logScale()) {
        const double low = m_lowestPositive > 0 ? m_lowestPositive : 0.01;
        const double high = std::max(m_highest, low * 10);
        // Whole decades, so that the axis starts at a labelled tick.
        yAxis->setRange(std::pow(10.0, std::floor(std::log10(low / 1.5))), high * 1.8);
    } else {
        yAxis->setRange(0, m_highest > 0 ? m_highest * 1.08 : 1.0);
    }
}

} // namespace wb::widgets
