#include "run_figures.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>
#include <limits>

namespace wb::widgets {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTimeSlack = 1e-9; // seconds

bool fail(QString* error, const QString& message)
{
    if (error)
        *error = message;
    return false;
}

// A needed number: present and a JSON number.
bool readNumber(const QJsonObject& object, const char* field, double& out, QString* error)
{
    const QJsonValue value = object.value(QLatin1String(field));
    if (!value.isDouble())
        return fail(error, QStringLiteral("\"%1\" is missing or not a number").arg(QLatin1String(field)));
    out = value.toDouble();
    return true;
}

// A figure that may be null or missing (JSON has no NaN: docs/run-record.md).
std::optional<double> optionalNumber(const QJsonObject& object, const char* field)
{
    const QJsonValue value = object.value(QLatin1String(field));
    if (!value.isDouble())
        return std::nullopt;
    return value.toDouble();
}

double numberOrNaN(const QJsonObject& object, const char* field)
{
    return optionalNumber(object, field).value_or(kNaN);
}

} // namespace

std::optional<StepFigures> StepFigures::fromJson(const QJsonObject& object, QString* error)
{
    StepFigures row;
    const QJsonValue step = object.value(QLatin1String("step"));
    const QJsonValue backend = object.value(QLatin1String("backend"));
    if (!step.isString() || step.toString().isEmpty()) {
        fail(error, QStringLiteral("\"step\" is missing or not a text"));
        return std::nullopt;
    }
    if (!backend.isString() || backend.toString().isEmpty()) {
        fail(error, QStringLiteral("\"backend\" is missing or not a text"));
        return std::nullopt;
    }
    row.step = step.toString();
    row.backend = backend.toString();
    if (!readNumber(object, "median_ms", row.medianMs, error))
        return std::nullopt;
    row.line = object.value(QLatin1String("line")).toInt();
    row.transfer = object.value(QLatin1String("transfer")).toBool();
    row.n = object.value(QLatin1String("n")).toInt();
    row.minMs = optionalNumber(object, "min_ms").value_or(row.medianMs);
    row.maxMs = optionalNumber(object, "max_ms").value_or(row.medianMs);
    row.flops = optionalNumber(object, "flops").value_or(0);
    row.bytes = optionalNumber(object, "bytes").value_or(0);
    for (const QJsonValue& name : object.value(QLatin1String("fused")).toArray())
        row.fused.append(name.toString());
    row.maxRelError = optionalNumber(object, "max_rel_error");
    row.tolerance = optionalNumber(object, "tolerance");
    row.verified = object.value(QLatin1String("verified")).toBool();
    row.speedup = optionalNumber(object, "speedup");
    // A speedup on an unverified row would contradict the record's own rule; the plots
    // must never draw one, whatever a sender wrote.
    if (!row.verified)
        row.speedup.reset();
    row.peakDeviceBytes = object.value(QLatin1String("peak_device_bytes")).toInteger();
    row.peakHostBytes = object.value(QLatin1String("peak_host_bytes")).toInteger();
    row.skipped = object.value(QLatin1String("skipped")).toString();
    const QJsonObject build = object.value(QLatin1String("build")).toObject();
    row.compileMs = optionalNumber(build, "compile_ms");
    row.cacheHit = build.value(QLatin1String("cache_hit")).toBool();
    return row;
}

QString StepFigures::valueName() const
{
    if (transfer) {
        for (const QLatin1String prefix : {QLatin1String("upload "), QLatin1String("download ")}) {
            if (step.startsWith(prefix))
                return step.mid(prefix.size());
        }
    }
    return step;
}

QString StepFigures::displayName() const
{
    if (fused.isEmpty())
        return step;
    return QStringLiteral("%1 (+%2 fused)").arg(step).arg(fused.size());
}

bool RunFigures::addStep(const QJsonObject& figures, QString* error)
{
    std::optional<StepFigures> row = StepFigures::fromJson(figures, error);
    if (!row)
        return false;
    addStep(*row);
    return true;
}

void RunFigures::addStep(const StepFigures& figures)
{
    if (!m_backends.contains(figures.backend))
        m_backends.append(figures.backend);
    m_steps.append(figures);
}

void RunFigures::clear()
{
    m_steps.clear();
    m_backends.clear();
    m_totalMs.clear();
}

void RunFigures::setTotals(const QJsonObject& totalMs)
{
    m_totalMs.clear();
    for (auto it = totalMs.begin(); it != totalMs.end(); ++it) {
        if (it.value().isDouble())
            m_totalMs.insert(it.key(), it.value().toDouble());
    }
}

std::optional<double> RunFigures::totalMs(const QString& backend) const
{
    const auto it = m_totalMs.find(backend);
    if (it == m_totalMs.end())
        return std::nullopt;
    return *it;
}

std::optional<RunFigures::Total> RunFigures::totalSpeedup(const QString& backend) const
{
    if (m_backends.isEmpty() || backend == m_backends.front())
        return std::nullopt;
    const std::optional<double> reference = totalMs(m_backends.front());
    const std::optional<double> own = totalMs(backend);
    if (!reference || !own || !(*own > 0))
        return std::nullopt;
    Total total;
    total.speedup = *reference / *own;
    total.verified = true;
    bool compared = false;
    for (const StepFigures& row : m_steps) {
        if (row.backend != backend || row.transfer || !row.tolerance)
            continue;
        compared = true;
        total.verified = total.verified && row.verified;
    }
    total.verified = total.verified && compared;
    return total;
}

void RunFigures::setEnvironment(const QJsonObject& head)
{
    const QString cpu = head.value(QLatin1String("host")).toObject().value(QLatin1String("cpu_model")).toString();
    if (!cpu.isEmpty())
        m_machine = cpu;
    const QJsonArray gpus = head.value(QLatin1String("cuda")).toObject().value(QLatin1String("gpus")).toArray();
    for (const QJsonValue& gpu : gpus) {
        const QJsonObject object = gpu.toObject();
        const QString name = object.value(QLatin1String("name")).toString();
        if (!name.isEmpty() && object.value(QLatin1String("index")).isDouble())
            m_devices.insert(QStringLiteral("cuda:%1").arg(object.value(QLatin1String("index")).toInt()), name);
    }
    const QString date = head.value(QLatin1String("date")).toString();
    if (!date.isEmpty())
        m_date = date;
}

QString RunFigures::deviceName(const QString& backend) const
{
    const auto it = m_devices.find(backend);
    if (it != m_devices.end())
        return *it;
    if (backend == QLatin1String("cpu"))
        return m_machine;
    return {};
}

std::optional<RunFigures> RunFigures::fromRecord(const QJsonObject& record, QString* error)
{
    const QJsonValue steps = record.value(QLatin1String("steps"));
    if (!steps.isArray()) {
        fail(error, QStringLiteral("not a run record: no \"steps\" array"));
        return std::nullopt;
    }
    RunFigures run;
    run.setEnvironment(record);
    // The record's backend order is the run's, also for a backend that has no row.
    const QJsonArray backends =
        record.value(QLatin1String("parameters")).toObject().value(QLatin1String("backends")).toArray();
    for (const QJsonValue& backend : backends) {
        if (backend.isString() && !run.m_backends.contains(backend.toString()))
            run.m_backends.append(backend.toString());
    }
    const QJsonArray rows = steps.toArray();
    for (qsizetype i = 0; i < rows.size(); ++i) {
        QString why;
        if (!rows[i].isObject() || !run.addStep(rows[i].toObject(), &why)) {
            fail(error, QStringLiteral("steps[%1]: %2").arg(i).arg(rows[i].isObject() ? why : "not an object"));
            return std::nullopt;
        }
    }
    const QJsonArray totals = record.value(QLatin1String("total_ms")).toArray();
    for (qsizetype i = 0; i < totals.size() && i < run.m_backends.size(); ++i) {
        if (totals[i].isDouble())
            run.m_totalMs.insert(run.m_backends[i], totals[i].toDouble());
    }
    return run;
}

std::optional<RunFigures> RunFigures::fromFile(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(error, QStringLiteral("%1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    QJsonParseError parse;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parse);
    if (parse.error != QJsonParseError::NoError || !document.isObject()) {
        fail(error, QStringLiteral("%1: not a JSON object (%2)").arg(path, parse.errorString()));
        return std::nullopt;
    }
    QString why;
    std::optional<RunFigures> run = fromRecord(document.object(), &why);
    if (!run)
        fail(error, QStringLiteral("%1: %2").arg(path, why));
    return run;
}

std::optional<MemorySample> MemorySample::fromJson(const QJsonObject& object, QString* error)
{
    MemorySample sample;
    double ms = 0;
    if (!readNumber(object, "t_ms", ms, error) || !readNumber(object, "host_current", sample.hostCurrent, error) ||
        !readNumber(object, "host_peak", sample.hostPeak, error))
        return std::nullopt;
    sample.seconds = ms / 1000.0;
    sample.deviceCurrent = numberOrNaN(object, "device_current");
    sample.devicePeak = numberOrNaN(object, "device_peak");
    return sample;
}

bool MemorySeries::append(const QJsonObject& sample, QString* error)
{
    const std::optional<MemorySample> parsed = MemorySample::fromJson(sample, error);
    if (!parsed)
        return false;
    append(*parsed);
    return true;
}

void MemorySeries::append(const MemorySample& sample)
{
    if (!m_samples.isEmpty() && sample.seconds < m_samples.back().seconds)
        m_samples.clear();
    m_samples.append(sample);
}

bool MemorySeries::hasDevice() const
{
    for (const MemorySample& sample : m_samples) {
        if (!std::isnan(sample.deviceCurrent))
            return true;
    }
    return false;
}

std::optional<TelemetrySample> TelemetrySample::fromJson(const QJsonObject& object, QString* error)
{
    TelemetrySample sample;
    double ms = 0;
    if (!readNumber(object, "t_ms", ms, error))
        return std::nullopt;
    sample.seconds = ms / 1000.0;
    const QJsonValue gpus = object.value(QLatin1String("gpus"));
    if (!gpus.isArray()) {
        fail(error, QStringLiteral("\"gpus\" is missing or not an array"));
        return std::nullopt;
    }
    for (const QJsonValue& value : gpus.toArray()) {
        const QJsonObject gpu = value.toObject();
        GpuTelemetry figures;
        figures.index = gpu.value(QLatin1String("index")).toInt(static_cast<int>(sample.gpus.size()));
        figures.utilizationPct = numberOrNaN(gpu, "utilization_pct");
        figures.memoryUsed = numberOrNaN(gpu, "memory_used");
        figures.memoryTotal = numberOrNaN(gpu, "memory_total");
        figures.smClockMhz = numberOrNaN(gpu, "sm_clock_mhz");
        figures.powerW = numberOrNaN(gpu, "power_w");
        figures.temperatureC = numberOrNaN(gpu, "temperature_c");
        sample.gpus.append(figures);
    }
    sample.gpuReason = object.value(QLatin1String("gpu_reason")).toString();
    sample.cpuLoadPct = numberOrNaN(object, "cpu_load_pct");
    sample.processCpuPct = numberOrNaN(object, "process_cpu_pct");
    return sample;
}

bool TelemetrySeries::append(const QJsonObject& sample, QString* error)
{
    const std::optional<TelemetrySample> parsed = TelemetrySample::fromJson(sample, error);
    if (!parsed)
        return false;
    append(*parsed);
    return true;
}

void TelemetrySeries::append(const TelemetrySample& sample)
{
    if (!m_samples.empty() && sample.seconds < m_samples.back().seconds)
        m_samples.clear();
    m_samples.push_back(sample);
    // A sample exactly a window old stays, whatever the rounding of t_ms / 1000.
    while (m_samples.front().seconds < sample.seconds - m_window - kTimeSlack)
        m_samples.pop_front();
}

QVector<int> TelemetrySeries::gpuIndices() const
{
    QVector<int> indices;
    for (const TelemetrySample& sample : m_samples) {
        for (const GpuTelemetry& gpu : sample.gpus) {
            if (!indices.contains(gpu.index))
                indices.append(gpu.index);
        }
    }
    std::sort(indices.begin(), indices.end());
    return indices;
}

} // namespace wb::widgets
