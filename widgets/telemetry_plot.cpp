#include "telemetry_plot.h"

#include "plot_export.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wb::widgets {

namespace {

constexpr int kStrips = 4;
// The CPU load's line: a colour no GPU gets first.
const QColor kCpuColor(0x44, 0x44, 0x44);

double figure(const GpuTelemetry& gpu, TelemetryPlot::Strip strip)
{
    switch (strip) {
    case TelemetryPlot::Strip::Utilization: return gpu.utilizationPct;
    case TelemetryPlot::Strip::SmClock: return gpu.smClockMhz;
    case TelemetryPlot::Strip::Power: return gpu.powerW;
    case TelemetryPlot::Strip::Temperature: return gpu.temperatureC;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

} // namespace

TelemetryPlot::TelemetryPlot(QWidget* parent, double windowSeconds)
    : QCustomPlot(parent)
    , m_series(windowSeconds)
    , m_ticker(new RecentTimeTicker)
{
    setMinimumSize(240, 240);
    setAutoAddPlottableToLegend(false);
    addTitle(*this, QStringLiteral("Telemetry, last %1 s").arg(windowSeconds));
    const char* labels[kStrips] = {"busy (%)", "SM clock (MHz)", "power (W)", "temp. (°C)"};
    auto* margins = new QCPMarginGroup(this);
    for (int i = 0; i < kStrips; ++i) {
        QCPAxisRect* rect = i == 0 ? axisRect() : new QCPAxisRect(this);
        if (i > 0)
            plotLayout()->addElement(i + 1, 0, rect);
        rect->setMarginGroup(QCP::msLeft | QCP::msRight, margins);
        rect->axis(QCPAxis::atBottom)->setTicker(m_ticker);
        rect->axis(QCPAxis::atBottom)->setTickLabels(i == kStrips - 1);
        rect->axis(QCPAxis::atLeft)->setLabel(QString::fromUtf8(labels[i]));
        rect->axis(QCPAxis::atLeft)->setNumberFormat(QStringLiteral("g"));
        rect->setRangeDrag(Qt::Orientations());
        rect->setRangeZoom(Qt::Orientations());
        m_strips[i] = rect;
    }
    strip(Strip::Temperature)->axis(QCPAxis::atBottom)->setLabel(QStringLiteral("time (s before now)"));
    strip(Strip::Utilization)->axis(QCPAxis::atLeft)->setRange(0, 105);
    placeLegendBelow(*this, 4);

    m_cpu =
        addGraph(strip(Strip::Utilization)->axis(QCPAxis::atBottom), strip(Strip::Utilization)->axis(QCPAxis::atLeft));
    m_cpu->setName(QStringLiteral("CPU load (all cores)"));
    m_cpu->setPen(QPen(kCpuColor, 1.5, Qt::DashLine));
    m_cpu->addToLegend();

    m_noGpu = new QCPItemText(this);
    m_noGpu->setClipAxisRect(strip(Strip::SmClock));
    m_noGpu->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_noGpu->position->setAxisRect(strip(Strip::SmClock));
    m_noGpu->position->setCoords(0.5, 0.5);
    m_noGpu->setColor(QColor(0x60, 0x60, 0x60));
    m_noGpu->setVisible(false);
    connect(this, &QCustomPlot::beforeReplot, this, &TelemetryPlot::updateRanges);
    installPlotMenu(*this);
}

QCPGraph* TelemetryPlot::gpuGraph(int index, Strip which) const
{
    const auto it = m_gpus.find(index);
    return it == m_gpus.end() ? nullptr : it->lines[static_cast<int>(which)];
}

void TelemetryPlot::setGpuName(int index, const QString& name)
{
    m_gpuNames.insert(index, name);
    if (QCPGraph* graph = gpuGraph(index, Strip::Utilization))
        graph->setName(QStringLiteral("GPU %1 · %2").arg(index).arg(name));
}

TelemetryPlot::GpuLines& TelemetryPlot::linesFor(int index)
{
    auto it = m_gpus.find(index);
    if (it != m_gpus.end())
        return *it;
    GpuLines lines;
    const QColor color = seriesColor(1 + static_cast<int>(m_gpus.size())); // green first, as in the run plots
    for (int i = 0; i < kStrips; ++i) {
        lines.lines[i] = addGraph(m_strips[i]->axis(QCPAxis::atBottom), m_strips[i]->axis(QCPAxis::atLeft));
        lines.lines[i]->setPen(QPen(color, 2));
        lines.lines[i]->setName(QStringLiteral("GPU %1").arg(index));
    }
    if (m_gpuNames.contains(index))
        lines.lines[0]->setName(QStringLiteral("GPU %1 · %2").arg(index).arg(m_gpuNames.value(index)));
    lines.lines[0]->addToLegend(); // one entry per GPU; the other strips use the same colour
    return *m_gpus.insert(index, lines);
}

bool TelemetryPlot::addSample(const QJsonObject& sample, QString* error)
{
    const std::optional<TelemetrySample> parsed = TelemetrySample::fromJson(sample, error);
    if (!parsed)
        return false;
    addSample(*parsed);
    return true;
}

void TelemetryPlot::addSample(const TelemetrySample& sample)
{
    // An older time is a new engine's clock (it restarted): start over, as the series does.
    if (!m_series.samples().empty() && sample.seconds < m_series.samples().back().seconds)
        clear();
    m_series.append(sample);
    const double oldest = m_series.samples().front().seconds; // what the series kept
    for (const GpuTelemetry& gpu : sample.gpus) {
        GpuLines& lines = linesFor(gpu.index);
        for (int i = 0; i < kStrips; ++i)
            lines.lines[i]->addData(sample.seconds, figure(gpu, static_cast<Strip>(i)));
    }
    m_cpu->addData(sample.seconds, sample.cpuLoadPct);
    // Cheap: QCPDataContainer only moves its start past what it drops.
    for (int i = 0; i < graphCount(); ++i)
        graph(i)->data()->removeBefore(oldest);
    m_ticker->setNow(sample.seconds);
    const bool noGpu = sample.gpus.isEmpty();
    m_noGpu->setVisible(noGpu);
    if (noGpu)
        m_noGpu->setText(QStringLiteral("no GPU telemetry: %1")
                             .arg(sample.gpuReason.isEmpty() ? QStringLiteral("no GPU") : sample.gpuReason));
    replot(rpQueuedReplot);
}

void TelemetryPlot::clear()
{
    m_series.clear();
    for (int i = 0; i < graphCount(); ++i)
        graph(i)->data()->clear();
    replot(rpQueuedReplot);
}

void TelemetryPlot::updateRanges()
{
    const double now = m_series.samples().empty() ? 0 : m_series.samples().back().seconds;
    m_ticker->setNow(now);
    for (QCPAxisRect* rect : m_strips)
        rect->axis(QCPAxis::atBottom)->setRange(now - m_series.windowSeconds(), now);
    // The other strips fit what the window holds, from zero (temperature: around it).
    for (const Strip which : {Strip::SmClock, Strip::Power, Strip::Temperature}) {
        double low = std::numeric_limits<double>::infinity();
        double high = -low;
        for (const TelemetrySample& sample : m_series.samples()) {
            for (const GpuTelemetry& gpu : sample.gpus) {
                const double value = figure(gpu, which);
                if (!std::isnan(value)) {
                    low = std::min(low, value);
                    high = std::max(high, value);
                }
            }
        }
        QCPAxis* axis = strip(which)->axis(QCPAxis::atLeft);
        if (!(high >= low))
            axis->setRange(0, 1);
        else if (which == Strip::Temperature)
            axis->setRange(std::max(0.0, low - 5), high + 5);
        else
            axis->setRange(0, high > 0 ? high * 1.15 : 1);
    }
}

} // namespace wb::widgets
