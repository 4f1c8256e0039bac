#include "run_record.h"

#include "io/file_access.h"

#include <wb/device.h>
#include <wb/pipeline_tune.h>
#include <wb/version.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <complex>
#include <ctime>

namespace wb::bench {

// ordered_json keeps the fields in the order written, so a record reads top-down.
using json = nlohmann::ordered_json;

namespace {

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

json versionJson(int version) { return version ? json(cudaVersionText(version)) : json(nullptr); }

// JSON has no NaN; an error that is not a number is written as null.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

template <typename T> json optional(const std::optional<T>& value) { return value ? json(*value) : json(nullptr); }

json toJson(const Statistics& s)
{
    return {{"n", s.n},     {"median", s.median},   {"min", s.min},
            {"max", s.max}, {"samples", s.samples}, {"runs_per_sample", s.runsPerSample}};
}

json toJson(const std::optional<Statistics>& s) { return s ? toJson(*s) : json(nullptr); }

json toJson(const Verification& v)
{
    if (!v.checked)
        return {{"checked", false}};
    return {{"checked", true},
            {"passed", v.passed},
            {"reference", v.reference},
            {"description", v.description},
            {"metric", "max |result - reference| / max |reference|"},
            {"max_rel_error", number(v.maxRelError)},
            {"tolerance", v.tolerance}};
}

json toJson(const L2Times& times)
{
    return {{"cold_ms", toJson(times.cold)},
            {"hot_ms", toJson(times.hot)},
            {"cold_gb_per_s", number(times.coldGBs)},
            {"hot_gb_per_s", number(times.hotGBs)}};
}

// A filter's check is per element (verify.h filterError): max_rel_error holds that.
json filterCheckJson(const Verification& v)
{
    json j = toJson(v);
    if (v.checked)
        j["metric"] = "max over elements of |result - reference| (integers) or of that / max(|reference|, 1) (f32)";
    return j;
}

json gpuJson(const GpuInfo& gpu)
{
    return {{"index", gpu.index},
            {"name", gpu.name},
            {"compute_capability", std::to_string(gpu.ccMajor) + "." + std::to_string(gpu.ccMinor)},
            {"sm_count", gpu.smCount},
            {"memory_total_bytes", gpu.totalMemory},
            {"memory_free_bytes", gpu.freeMemory},
            {"sm_clock_mhz", gpu.smClockMHz},
            {"memory_clock_mhz", gpu.memClockMHz},
            {"memory_bus_width_bits", gpu.memBusWidthBits},
            {"l2_bytes", gpu.l2Bytes},
            {"pci_bus_id", gpu.pciBusId}};
}

json environmentJson(const std::string& command)
{
    Runtime& runtime = Runtime::instance();
    const CpuInfo cpu = runtime.cpuInfo();
    const CpuLibraries libraries = runtime.cpuLibraries();
    const CudaStatus& cuda = runtime.cudaStatus();

    json record;
    record["record_version"] = kRunRecordVersion;
    record["tool"] = "warpbench-cli";
    record["version"] = kVersionString;
    record["command"] = command;
    record["date"] = utcNow();
    record["host"] = {{"cpu_model", cpu.model},
                      {"logical_cores", cpu.logicalCores},
                      {"memory_total_bytes", cpu.memoryBytes},
                      {"memory_available_bytes", cpu.availableBytes}};
    record["cpu_libraries"] = {{"blas", libraries.blas},
                               {"fft", libraries.fft},
                               {"opencv", libraries.opencv},
                               {"threads", runtime.cpuThreads()}};
    json gpus = json::array();
    for (const GpuInfo& gpu : cuda.gpus)
        gpus.push_back(gpuJson(gpu));
    record["cuda"] = {{"available", cuda.available},
                      {"reason", cuda.reason},
                      {"driver_version", versionJson(cuda.driverVersion)},
                      {"runtime_version", versionJson(cuda.runtimeVersion)},
                      {"gpus", gpus},
                      {"libraries", cuda.libraries}};
    return record;
}

json rowJson(const BenchRow& row, const std::string& unit)
{
    json j;
    j["size"] = row.size;
    j["backend"] = row.backend;
    j["shape"] = std::vector<std::int64_t>(row.shape.begin(), row.shape.end());
    j["dtype"] = name(row.dtype);
    j["flops"] = row.cost.flops;
    j["bytes"] = row.cost.bytes;
    j["time_ms"] = toJson(row.time);
    j["throughput"] = row.throughput;
    j["throughput_unit"] = unit;
    j["host_to_device_ms"] = toJson(row.hostToDevice);
    j["device_to_host_ms"] = toJson(row.deviceToHost);
    j["transfer_ms"] = row.hostToDevice ? json(row.hostToDevice->median + row.deviceToHost->median) : json(nullptr);
    j["verification"] = toJson(row.verification);
    j["speedup_vs_cpu"] = optional(row.speedupVsCpu);
    j["speedup_vs_cpu_with_transfers"] = optional(row.speedupWithTransfers);
    if (row.backend != "cpu") {
        j["bare"] = {{"library", row.bareLibrary},
                     {"time_ms", toJson(row.bare)},
                     {"percent_of_bare", optional(row.percentOfBare)},
                     {"note", row.bareNote}};
    }
    return j;
}

json sideJson(const DemoSide& side)
{
    return {{"backend", side.backend},
            {"device", side.device},
            {"libraries", side.libraries},
            {"warmup", side.warmup},
            {"loop_ms", toJson(side.loop)},
            {"gflops", side.gflops},
            {"verification", toJson(side.verification)}};
}

// CPU model strings and library texts come from outside; invalid UTF-8 in them is
// replaced rather than allowed to make the whole record fail.
std::string dump(const json& record) { return record.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

// A real value as a number, a complex one as [re, im]; null where not finite.
json elementJson(const std::complex<double>& value)
{
    if (value.imag() == 0)
        return number(value.real());
    return json::array({number(value.real()), number(value.imag())});
}

json differencesJson(const std::vector<pipeline::CheckDifference>& differences)
{
    json list = json::array();
    for (const pipeline::CheckDifference& d : differences)
        list.push_back({{"backend", d.backend},
                        {"label", d.label.empty() ? json(nullptr) : json(d.label)},
                        {"max_index", d.maxIndex},
                        {"value", elementJson(d.value)},
                        {"reference", elementJson(d.reference)},
                        {"max_abs_error", number(d.maxAbsError)},
                        {"out_of_tolerance", d.outOfTolerance},
                        {"elements", d.elements}});
    return list;
}

} // namespace

std::string devicesJson() { return dump(environmentJson("devices")); }

std::string benchJson(const BenchReport& report)
{
    json record = environmentJson("bench");
    const BenchConfig& config = report.config;
    json parameters = {{"op", config.op == BenchOp::Filter ? config.filter : std::string(name(config.op))},
                       {"sizes", config.sizes},
                       {"dtype", name(report.dtype)},
                       {"backends_requested", config.backends},
                       {"backends", report.backends},
                       {"repeat", config.repeat},
                       {"warmup", config.warmup},
                       {"seed", config.seed},
                       {"threads", Runtime::instance().cpuThreads()}};
    if (config.op == BenchOp::Gaussian)
        parameters["sigma"] = config.sigma;
    else if (config.op == BenchOp::Filter)
        parameters["case"] = report.opLabel;
    else
        parameters["precision"] = name(report.precision);
    record["parameters"] = parameters;
    record["notes"] = report.notes;
    json rows = json::array();
    for (const BenchRow& row : report.rows)
        rows.push_back(rowJson(row, report.throughputUnit));
    record["rows"] = rows;
    record["verification_failed"] = report.verificationFailed();
    return dump(record);
}

std::string demoJson(const DemoReport& report)
{
    json record = environmentJson("demo");
    const DemoConfig& config = report.config;
    record["parameters"] = {{"size", config.size},
                            {"count", config.count},
                            {"repeat", config.repeat},
                            {"cpu_only", config.cpuOnly},
                            {"seed", config.seed},
                            {"dtype", "f64"},
                            {"threads", Runtime::instance().cpuThreads()}};
    record["cpu"] = sideJson(report.cpu);
    record["gpu"] = report.gpu ? sideJson(*report.gpu) : json(nullptr);
    record["gpu_skipped"] = report.gpuSkipped;
    record["speedup"] = optional(report.speedup);
    record["verification_failed"] = report.verificationFailed();
    return dump(record);
}

json stepJson(const pipeline::StepFigures& step)
{
    return {{"step", step.step},
            {"line", step.line},
            {"backend", step.backend},
            {"transfer", step.transfer},
            {"n", step.time.n},
            {"median_ms", step.time.medianMs},
            {"min_ms", step.time.minMs},
            {"max_ms", step.time.maxMs},
            {"flops", step.cost.flops},
            {"bytes", step.cost.bytes},
            {"fused", step.fused},
            {"max_rel_error", optional(step.maxRelError)},
            {"tolerance", optional(step.tolerance)},
            {"verified", step.verified},
            {"speedup", optional(step.speedup)},
            {"peak_device_bytes", step.peakDeviceBytes},
            {"peak_host_bytes", step.peakHostBytes},
            {"skipped", step.skipped.empty() ? json(nullptr) : json(step.skipped)},
            {"build", step.build ? json{{"arch", step.build->arch},
                                        {"compile_ms", step.build->compileMs},
                                        {"cache_hit", step.build->cacheHit},
                                        {"load_ms", step.build->loadMs},
                                        {"function", step.build->function}}
                                 : json(nullptr)}};
}

json kernelDiagnosticsJson(const std::vector<KernelDiagnostic>& diagnostics)
{
    json list = json::array();
    for (const KernelDiagnostic& d : diagnostics)
        list.push_back({{"file", d.file},
                        {"line", d.line},
                        {"column", d.column},
                        {"severity", d.severity},
                        {"message", d.message}});
    return list;
}

// The edits that make the pipeline's launch use configuration `index`; null when the
// source no longer has the tuned launch.
json editsJson(std::string_view source, const pipeline::TuningResult& tuning, std::size_t index)
{
    try {
        json edits = json::array();
        for (const pipeline::TextEdit& edit : pipeline::configurationEdits(source, tuning, index))
            edits.push_back({{"line", edit.location.line},
                             {"column", edit.location.column},
                             {"length", edit.length},
                             {"text", edit.text}});
        return edits;
    } catch (const Error&) {
        return json(nullptr);
    }
}

json tuningJson(const pipeline::TuningResult& tuning, std::string_view source)
{
    json configurations = json::array();
    for (std::size_t i = 0; i < tuning.configurations.size(); ++i) {
        const pipeline::TuningConfiguration& configuration = tuning.configurations[i];
        configurations.push_back(
            {{"values", configuration.values},
             {"label", pipeline::configurationLabel(tuning, i)},
             {"n", configuration.time.n},
             {"median_ms", configuration.time.medianMs},
             {"min_ms", configuration.time.minMs},
             {"max_ms", configuration.time.maxMs},
             {"passed", configuration.passed},
             {"compile_ms", configuration.compileMs},
             {"cache_hit", configuration.cacheHit},
             {"failure", configuration.failure.empty() ? json(nullptr) : json(configuration.failure)}});
        if (!source.empty())
            configurations.back()["edits"] = editsJson(source, tuning, i);
    }
    return {{"step", tuning.step},
            {"line", tuning.line},
            {"backend", tuning.backend.empty() ? json(nullptr) : json(tuning.backend)},
            {"parameters", tuning.parameters},
            {"configurations", configurations},
            {"best", optional(tuning.best)},
            {"note", tuning.note.empty() ? json(nullptr) : json(tuning.note)}};
}

std::string pipelineJson(const std::string& path, const pipeline::Program& program, const pipeline::RunOptions& options,
                         const pipeline::RunResult& result, std::string_view source)
{
    json record = environmentJson("run");
    record["parameters"] = {{"pipeline", path},
                            {"program", pipeline::toString(program)},
                            {"backends", result.backends},
                            {"repeat", options.repeat},
                            {"warmup", options.warmup},
                            {"seed", options.seed},
                            {"threads", options.threads > 0 ? options.threads : Runtime::instance().cpuThreads()},
                            {"fuse", options.fuse},
                            {"graph", options.graph}};
    record["pipeline_hash"] = result.hash;
    record["graph_replay"] = result.graphReplay;
    record["notes"] = result.notes;
    json steps = json::array();
    for (const pipeline::StepFigures& step : result.steps)
        steps.push_back(stepJson(step));
    record["steps"] = steps;
    record["total_ms"] = result.totalMs;
    record["shown"] = result.shown;
    record["shown_values"] = result.shownValues;
    json checks = json::array();
    for (const pipeline::CheckOutcome& check : result.checks)
        checks.push_back(
            {{"name", check.name},
             {"reference", check.reference.empty() ? json(nullptr) : json(check.reference)},
             {"line", check.location.line},
             {"column", check.location.column},
             {"compared", check.compared},
             {"passed", check.passed},
             {"max_rel_error", check.maxRelError},
             {"rtol", check.rtol},
             {"atol", check.atol},
             {"differences", differencesJson(check.differences)},
             {"reference_backend", check.referenceBackend.empty() ? json(nullptr) : json(check.referenceBackend)}});
    record["checks"] = checks;
    record["tuning"] = result.tuning ? tuningJson(*result.tuning, source) : json(nullptr);
    record["error"] = result.error
                          ? json{{"line", result.error->location.line},
                                 {"column", result.error->location.column},
                                 {"message", result.error->message},
                                 {"kernel_diagnostics", kernelDiagnosticsJson(result.error->kernelDiagnostics)}}
                          : json(nullptr);
    record["cancelled"] = result.cancelled;
    record["ok"] = result.ok();
    return dump(record);
}

std::string pipelineBenchJson(const std::optional<OverheadReport>& overhead, const std::optional<FusionReport>& fusion)
{
    json record = environmentJson("bench-pipeline");
    record["overhead"] = overhead ? json{{"steps", overhead->config.steps},
                                         {"elements", overhead->config.elements},
                                         {"repeat", overhead->config.repeat},
                                         {"warmup", overhead->config.warmup},
                                         {"backend", overhead->backend},
                                         {"graph_replayed", overhead->graphReplayed},
                                         {"graph_us_per_step", number(overhead->graphUsPerStep)},
                                         {"graph_timed_us_per_step", number(overhead->graphTimedUsPerStep)},
                                         {"eager_us_per_step", number(overhead->eagerUsPerStep)},
                                         {"note", overhead->note}}
                                  : json(nullptr);
    record["fusion"] = fusion ? json{{"elements", fusion->config.elements},
                                     {"operations", fusion->operations},
                                     {"repeat", fusion->config.repeat},
                                     {"warmup", fusion->config.warmup},
                                     {"backend", fusion->backend},
                                     {"fused_ms", toJson(fusion->fused)},
                                     {"unfused_ms", number(fusion->unfusedMs)},
                                     {"copy_ms", toJson(fusion->copy)},
                                     {"fused_gb_per_s", number(fusion->fusedGBs)},
                                     {"copy_gb_per_s", number(fusion->copyGBs)},
                                     {"ratio_to_copy", number(fusion->ratioToCopy)},
                                     {"verified", fusion->verified},
                                     {"max_rel_error", number(fusion->maxRelError)}}
                              : json(nullptr);
    return dump(record);
}

std::string telemetryBenchJson(const TelemetryBenchReport& report)
{
    json record = environmentJson("bench-telemetry");
    record["telemetry"] = {{"rate_hz", report.config.rateHz},
                           {"seconds", report.config.seconds},
                           {"samples", report.samples},
                           {"wall_ms", number(report.wallMs)},
                           {"thread_cpu_ms", number(report.threadCpuMs)},
                           {"cpu_pct_of_core", number(report.cpuPctOfCore)},
                           {"target_cpu_pct_of_core", kTelemetryTargetPctOfCore},
                           {"sample_ms", toJson(report.sampleMs)},
                           {"gpus", report.gpus},
                           {"gpu_reason", report.gpuReason.empty() ? json(nullptr) : json(report.gpuReason)},
                           {"cpu_load_read", report.cpuLoadRead}};
    return dump(record);
}

std::string filterBenchJson(const FilterBenchReport& report)
{
    json record = environmentJson("bench-filters");
    const FilterBenchConfig& config = report.config;
    record["parameters"] = {{"width", config.width},
                            {"height", config.height},
                            {"channels", config.channels},
                            {"shape", std::vector<std::int64_t>(report.frame.begin(), report.frame.end())},
                            {"repeat", config.repeat},
                            {"warmup", config.warmup},
                            {"cpu_repeat", config.cpuRepeat},
                            {"cpu_warmup", config.cpuWarmup},
                            {"min_sample_ms", config.minSampleMs},
                            {"cpu_only", config.cpuOnly},
                            {"ops", config.ops},
                            {"seed", config.seed},
                            {"threads", Runtime::instance().cpuThreads()}};
    json buffers = json::object();
    for (const auto& [dtype, count] : report.rotatingBuffers)
        buffers[std::string(name(dtype))] = count;
    record["gpu"] = report.gpuBackend.empty() ? json(nullptr)
                                              : json{{"backend", report.gpuBackend},
                                                     {"name", report.gpuName},
                                                     {"l2_bytes", report.l2Bytes},
                                                     {"l2_assumed", report.l2Assumed},
                                                     {"rotating_buffers", buffers}};
    record["bytes_metric"] = "one read and one write of the frame";
    record["notes"] = report.notes;
    json copies = json::array();
    for (const CopyResult& copy : report.copies)
        copies.push_back({{"dtype", name(copy.dtype)}, {"bytes", copy.bytes}, {"time", toJson(copy.time)}});
    record["copies"] = copies;
    json cases = json::array();
    for (const FilterCaseResult& c : report.cases) {
        cases.push_back(
            {{"case", c.label},
             {"op", c.op},
             {"params", c.params},
             {"dtype", name(c.dtype)},
             {"bytes", c.bytes},
             {"cpu", {{"backend", report.cpuBackend}, {"time_ms", toJson(c.cpu)}, {"gb_per_s", number(c.cpuGBs)}}},
             {"gpu", c.gpu ? toJson(*c.gpu) : json(nullptr)},
             {"percent_of_copy", optional(c.percentOfCopy)},
             {"target_us", optional(c.targetUs)},
             {"target_met", optional(c.targetMet)},
             {"verification", filterCheckJson(c.verification)},
             {"speedup_vs_cpu", optional(c.speedup)}});
    }
    record["cases"] = cases;
    record["verification_failed"] = report.verificationFailed();
    return dump(record);
}

std::string cudaVersionText(int version)
{
    if (version == 0)
        return "unknown";
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

void writeTextFile(const std::string& path, const std::string& text)
{
    detail::writeFileReplacing(
        path, [&](std::ostream& out) { out.write(text.data(), static_cast<std::streamsize>(text.size())); });
}

} // namespace wb::bench
