#include "memory_plot.h"

#include "plot_export.h"

#include <algorithm>
#include <cmath>

namespace wb::widgets {

MemoryPlot::MemoryPlot(QWidget* parent)
    : QCustomPlot(parent)
{
    setMinimumSize(240, 160);
    setAutoAddPlottableToLegend(false);
    addTitle(*this, QStringLiteral("Memory"));
    m_summary = new QCPTextElement(this, QStringLiteral("no samples yet"));
    m_summary->setTextColor(QColor(0x40, 0x40, 0x40));
    plotLayout()->insertRow(1);
    plotLayout()->addElement(1, 0, m_summary);
    placeLegendBelow(*this, 4);

    xAxis->setLabel(QStringLiteral("time since the run started (s)"));
    yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new ByteTicker));
    yAxis->setLabel(QStringLiteral("memory"));
    const struct {
        const char* name;
        QColor color;
        Qt::PenStyle style;
        QCPGraph::LineStyle line;
    } curves[] = {
        {"device, current", seriesColor(1), Qt::SolidLine, QCPGraph::lsLine},
        {"device, peak", seriesColor(1), Qt::DashLine, QCPGraph::lsStepLeft},
        {"host, current", seriesColor(0), Qt::SolidLine, QCPGraph::lsLine},
        {"host, peak", seriesColor(0), Qt::DashLine, QCPGraph::lsStepLeft},
    };
    for (int i = 0; i < 4; ++i) {
        m_curves[i] = addGraph();
        m_curves[i]->setName(QLatin1String(curves[i].name));
        m_curves[i]->setPen(QPen(curves[i].color, curves[i].style == Qt::SolidLine ? 2 : 1.5, curves[i].style));
        m_curves[i]->setLineStyle(curves[i].line);
    }
    // Host memory is always there; device memory only once a GPU reported some.
    curve(Curve::HostCurrent)->addToLegend();
    curve(Curve::HostPeak)->addToLegend();
    connect(this, &QCustomPlot::beforeReplot, this, &MemoryPlot::updateRanges);
    installPlotMenu(*this);
}

bool MemoryPlot::addSample(const QJsonObject& sample, QString* error)
{
    const std::optional<MemorySample> parsed = MemorySample::fromJson(sample, error);
    if (!parsed)
        return false;
    addSample(*parsed);
    return true;
}

void MemoryPlot::addSample(const MemorySample& sample)
{
    // Older than the last: a new run whose clear() was missed (MemorySeries starts over too).
    if (!m_series.samples().isEmpty() && sample.seconds < m_series.samples().back().seconds)
        clear();
    m_series.append(sample);
    const double values[4] = {sample.deviceCurrent, sample.devicePeak, sample.hostCurrent, sample.hostPeak};
    for (int i = 0; i < 4; ++i) {
        m_curves[i]->addData(sample.seconds, values[i]);
        if (!std::isnan(values[i]))
            m_highest = std::max(m_highest, values[i]);
    }
    QString text =
        QStringLiteral("host %1 (peak %2)").arg(formatBytes(sample.hostCurrent), formatBytes(sample.hostPeak));
    if (!std::isnan(sample.deviceCurrent)) {
        if (!legend->hasItemWithPlottable(curve(Curve::DeviceCurrent))) {
            curve(Curve::DeviceCurrent)->addToLegend();
            curve(Curve::DevicePeak)->addToLegend();
        }
        text = QStringLiteral("device %1 (peak %2) · ")
                   .arg(formatBytes(sample.deviceCurrent), formatBytes(sample.devicePeak)) +
               text;
    }
    m_summary->setText(QStringLiteral("at %1 s: ").arg(QString::number(sample.seconds, 'f', 2)) + text);
    replot(rpQueuedReplot);
}

void MemoryPlot::clear()
{
    m_series.clear();
    for (QCPGraph* graph : m_curves)
        graph->data()->clear();
    m_highest = 0;
    curve(Curve::DeviceCurrent)->removeFromLegend();
    curve(Curve::DevicePeak)->removeFromLegend();
    m_summary->setText(QStringLiteral("no samples yet"));
    replot(rpQueuedReplot);
}

void MemoryPlot::updateRanges()
{
    const double last = m_series.samples().isEmpty() ? 0 : m_series.samples().back().seconds;
    xAxis->setRange(0, std::max(last, 1.0));
    yAxis->setRange(0, m_highest > 0 ? m_highest * 1.1 : 1024.0 * 1024.0);
}

} // namespace wb::widgets
