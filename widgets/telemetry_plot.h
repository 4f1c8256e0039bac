#pragma once
// The machine over the last minute, from the engine's `telemetry` events (docs/protocol.md,
// typically 10 Hz): four strips over one time axis that scrolls, "now" at the right edge:
// GPU utilisation with the CPU load (both in %), SM clock (MHz), board power (W) and GPU
// temperature (°C), one line per GPU. Samples older than the window are dropped as new
// ones come, from the plot and from its series alike, so a day-long session costs no more
// than a minute. Without GPU figures (no driver, NVML failed) the engine's reason is shown
// where they would be.

#include "plot_common.h"
#include "run_figures.h"

#include <qcustomplot.h>

#include <QJsonObject>
#include <QMap>

namespace wb::widgets {

class TelemetryPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit TelemetryPlot(QWidget* parent = nullptr, double windowSeconds = 60);

    // Appends one `telemetry` event's fields; the replot is queued. Fails as
    // TelemetrySample::fromJson does.
    bool addSample(const QJsonObject& sample, QString* error = nullptr);
    void addSample(const TelemetrySample& sample);
    void clear();
    // "NVIDIA H200" for the legend's "GPU 0 · NVIDIA H200" (from the devices document).
    void setGpuName(int index, const QString& name);

    const TelemetrySeries& series() const { return m_series; }
    enum class Strip { Utilization, SmClock, Power, Temperature };
    QCPAxisRect* strip(Strip which) const { return m_strips[static_cast<int>(which)]; }
    // The line of GPU `index` in a strip; null before that GPU was seen.
    QCPGraph* gpuGraph(int index, Strip which) const;
    QCPGraph* cpuGraph() const { return m_cpu; }
    QString gpuReason() const { return m_noGpu->text(); }

private:
    struct GpuLines {
        QCPGraph* lines[4] = {};
    };
    GpuLines& linesFor(int index);
    void updateRanges();

    TelemetrySeries m_series;
    QCPAxisRect* m_strips[4];
    QCPGraph* m_cpu;
    QMap<int, GpuLines> m_gpus;
    QHash<int, QString> m_gpuNames;
    QSharedPointer<RecentTimeTicker> m_ticker;
    QCPItemText* m_noGpu;
};

} // namespace wb::widgets
