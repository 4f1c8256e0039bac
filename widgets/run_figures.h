#pragma once
// The figures the live-results plots draw, read from the engine's JSON: a run's rows
// (the run record's `steps` entries, which are also the `step_finished` events' fields,
// docs/run-record.md), the `memory` samples of a run and the `telemetry` samples of the
// engine (docs/protocol.md). Only QtCore: no widget here, so the parsing is tested alone
// and could serve a command-line tool. Not thread-safe; the plots use them on the GUI
// thread.

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <deque>
#include <optional>

namespace wb::widgets {

// One row of a run: a step, an upload or a download on one backend.
struct StepFigures {
    QString step;    // "C1", "2 * x", "upload img", "download spec"
    int line = 0;    // the statement's line; for transfers, the value's statement's
    QString backend; // "cpu", "cuda:0"
    bool transfer = false;
    int n = 0;           // measured repetitions
    double medianMs = 0; // over the measured repetitions, milliseconds
    double minMs = 0;
    double maxMs = 0;
    double flops = 0;                  // per run of the step
    double bytes = 0;                  // read and written once per run; a transfer's array size
    QStringList fused;                 // the steps merged into this one; empty when not fused
    std::optional<double> maxRelError; // second backend only; missing when not a finite number
    std::optional<double> tolerance;   // missing where the backends differ by design (randn)
    bool verified = false;             // maxRelError <= tolerance
    std::optional<double> speedup;     // first backend's median / this one's; verified rows only
    qint64 peakDeviceBytes = 0;
    qint64 peakHostBytes = 0;
    // Why the step did not run on this backend ("launch() runs on the GPU"); empty when it ran.
    QString skipped;
    // launch() steps: the kernel's compile (or disk-cache read) time and whether it was a
    // cache hit, never part of medianMs; compileMs is missing for other steps.
    std::optional<double> compileMs;
    bool cacheHit = false;

    // Reads one `steps` entry or a `step_finished` event (extra fields such as `run`,
    // `type` and `sent_us` are ignored). Needs step, backend and median_ms; the other
    // fields take the defaults above when missing or null. nullopt with the reason in
    // `error` when a needed field is missing or of the wrong type.
    static std::optional<StepFigures> fromJson(const QJsonObject& object, QString* error = nullptr);

    // The array a transfer moves ("img" for "upload img"); the step itself otherwise.
    QString valueName() const;
    // "y (+10 fused)" for a fused step, as the CLI's table writes it; the step otherwise.
    QString displayName() const;
};

// The rows of one run, as they arrive or as a record holds them, with what the plots say
// about where they ran: the machine, and the device behind each GPU backend.
class RunFigures {
public:
    // Appends a row; fails (nothing added) as StepFigures::fromJson does.
    bool addStep(const QJsonObject& figures, QString* error = nullptr);
    void addStep(const StepFigures& figures);
    void clear(); // rows and totals; the label and environment stay

    const QVector<StepFigures>& steps() const { return m_steps; }
    // Backends in the order their first row came (the record's order: the first is the
    // reference every speedup is measured against).
    const QStringList& backends() const { return m_backends; }

    // Per backend the sum of its rows' medians, transfers included: the record's
    // `total_ms`, or the `run_finished` event's. Unknown until the run has finished.
    void setTotals(const QHash<QString, double>& totalMs) { m_totalMs = totalMs; }
    // From `run_finished`'s `total_ms` object (backend name to milliseconds).
    void setTotals(const QJsonObject& totalMs);
    std::optional<double> totalMs(const QString& backend) const;
    bool finished() const { return !m_totalMs.isEmpty(); }

    // The run's whole speedup on `backend`: the reference's total / this backend's, with
    // transfers. Counted as verified when every row of `backend` that was compared (one
    // with a tolerance) was verified; rows without a tolerance (randn) count neither way.
    struct Total {
        double speedup = 0;
        bool verified = false;
    };
    std::optional<Total> totalSpeedup(const QString& backend) const;

    // Machine and devices: the `host` and `cuda` objects of a run record or of the
    // `devices` document (the same head, docs/run-record.md). Keeps what it finds.
    void setEnvironment(const QJsonObject& head);
    QString machine() const { return m_machine; } // the CPU's model, "AMD EPYC"
    void setMachine(const QString& machine) { m_machine = machine; }
    // "NVIDIA H200" for "cuda:0"; the CPU's model for "cpu"; empty when unknown.
    QString deviceName(const QString& backend) const;
    void setDeviceName(const QString& backend, const QString& name) { m_devices.insert(backend, name); }
    // A name for legends: "A", "H200 run of 2026-12-01"; empty by default.
    QString label() const { return m_label; }
    void setLabel(const QString& label) { m_label = label; }
    QString date() const { return m_date; }

    // A `run` record (docs/run-record.md): its rows, totals (`total_ms` in the order of
    // `parameters.backends`) and environment. nullopt with the reason when it is not an
    // object with a `steps` array or a row cannot be read.
    static std::optional<RunFigures> fromRecord(const QJsonObject& record, QString* error = nullptr);
    // The same from a file holding a record.
    static std::optional<RunFigures> fromFile(const QString& path, QString* error = nullptr);

private:
    QVector<StepFigures> m_steps;
    QStringList m_backends;
    QHash<QString, double> m_totalMs;
    QString m_machine;
    QHash<QString, QString> m_devices;
    QString m_label;
    QString m_date;
};

// One `memory` event. Bytes as doubles so that a missing figure (no GPU: device null) is
// NaN, which the plots draw as a gap.
struct MemorySample {
    double seconds = 0; // since run_started (t_ms / 1000)
    double deviceCurrent = 0;
    double devicePeak = 0;
    double hostCurrent = 0;
    double hostPeak = 0;

    // Needs t_ms, host_current and host_peak; device_* may be null (NaN here).
    static std::optional<MemorySample> fromJson(const QJsonObject& object, QString* error = nullptr);
};

// The memory samples of one run, in time order.
class MemorySeries {
public:
    // A sample older than the last one starts a new run: the series is cleared first, so
    // that a missed clear() (the engine restarted) never draws a line backwards in time.
    bool append(const QJsonObject& sample, QString* error = nullptr);
    void append(const MemorySample& sample);
    void clear() { m_samples.clear(); }
    const QVector<MemorySample>& samples() const { return m_samples; }
    bool hasDevice() const; // some sample had device figures

private:
    QVector<MemorySample> m_samples;
};

// One GPU of a `telemetry` event; NaN where NVML did not say.
struct GpuTelemetry {
    int index = 0;
    double utilizationPct = 0;
    double memoryUsed = 0;
    double memoryTotal = 0;
    double smClockMhz = 0;
    double powerW = 0;
    double temperatureC = 0;
};

// One `telemetry` event.
struct TelemetrySample {
    double seconds = 0; // the engine's sampler clock (t_ms / 1000)
    QVector<GpuTelemetry> gpus;
    QString gpuReason;     // why there are no GPU figures; empty when NVML gave them
    double cpuLoadPct = 0; // busy share of all cores, 0-100; NaN when unknown
    double processCpuPct = 0;

    // Needs t_ms and a `gpus` array (possibly empty).
    static std::optional<TelemetrySample> fromJson(const QJsonObject& object, QString* error = nullptr);
};

// The telemetry of the last `windowSeconds`, by the samples' own clock: appending a
// sample drops those more than the window older than it. A sample older than the last
// (a restarted engine's clock) clears the series first.
class TelemetrySeries {
public:
    explicit TelemetrySeries(double windowSeconds = 60)
        : m_window(windowSeconds)
    {
    }

    bool append(const QJsonObject& sample, QString* error = nullptr);
    void append(const TelemetrySample& sample);
    void clear() { m_samples.clear(); }
    const std::deque<TelemetrySample>& samples() const { return m_samples; }
    double windowSeconds() const { return m_window; }
    // The GPU indices seen in the window, ascending.
    QVector<int> gpuIndices() const;

private:
    double m_window;
    std::deque<TelemetrySample> m_samples;
};

} // namespace wb::widgets
