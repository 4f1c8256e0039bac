#pragma once
// Device and host memory over a run, from the engine's `memory` events (docs/protocol.md:
// one every 50 ms while a run is in progress): the current figure as a solid line and the
// peak since the run started as a dashed one, device in the GPU's colour and host in the
// CPU's; the latest figures in a line under the title. Device memory is left out while
// no GPU runs (its figures are null then).

#include "plot_common.h"
#include "run_figures.h"

#include <qcustomplot.h>

#include <QJsonObject>

namespace wb::widgets {

class MemoryPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit MemoryPlot(QWidget* parent = nullptr);

    // Appends one `memory` event's fields; the replot is queued. A sample older than the
    // last starts over (see MemorySeries). Fails as MemorySample::fromJson does.
    bool addSample(const QJsonObject& sample, QString* error = nullptr);
    void addSample(const MemorySample& sample);
    // Forgets the samples: call at `run_started`.
    void clear();

    const MemorySeries& series() const { return m_series; }
    enum class Curve { DeviceCurrent, DevicePeak, HostCurrent, HostPeak };
    QCPGraph* curve(Curve which) const { return m_curves[static_cast<int>(which)]; }
    QString summary() const { return m_summary->text(); }

private:
    void updateRanges();

    MemorySeries m_series;
    QCPGraph* m_curves[4];
    QCPTextElement* m_summary;
    double m_highest = 0;
};

} // namespace wb::widgets
