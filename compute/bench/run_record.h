#pragma once
// Run records: JSON documents that carry measured figures together with everything needed
// to trace them back (DESIGN.md "Measuring"): tool version, date, host, CPU library
// versions and thread counts, CUDA driver, runtime, devices and library versions (or the
// reason there is no GPU), the command's parameters, and per row every figure.

#include "bench_runner.h"
#include "demo.h"
#include "filter_bench.h"
#include "pipeline_bench.h"
#include "telemetry_bench.h"

#include <wb/pipeline_run.h>

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace wb::bench {

inline constexpr int kRunRecordVersion = 2;

// Each returns a complete JSON document, pretty-printed, ending in a newline.
std::string devicesJson();
std::string benchJson(const BenchReport& report);
std::string demoJson(const DemoReport& report);
// A pipeline run: the file, its program in canonical form, the options, every step's
// figures, the totals, the checks and the error, if any.
// With the pipeline's `source`, each tuned configuration carries the text edits that
// write it into the source ("edits", docs/run-record.md).
std::string pipelineJson(const std::string& path, const pipeline::Program& program, const pipeline::RunOptions& options,
                         const pipeline::RunResult& result, std::string_view source = {});

// One entry of a pipeline record's "steps" (the engine's step_finished event too).
nlohmann::ordered_json stepJson(const pipeline::StepFigures& step);
// A launch's compile messages: [{file, line, column, severity, message}, ...].
nlohmann::ordered_json kernelDiagnosticsJson(const std::vector<KernelDiagnostic>& diagnostics);

// A pipeline record's "tuning" (docs/run-record.md): the parameters, every configuration
// with its values, times, verdict and compile time (and with `source` its text edits), and
// the best one's index.
nlohmann::ordered_json tuningJson(const pipeline::TuningResult& tuning, std::string_view source = {});

// The executor benchmarks (pipeline_bench.h); either part may be missing.
std::string pipelineBenchJson(const std::optional<OverheadReport>& overhead, const std::optional<FusionReport>& fusion);

// The telemetry sampler's cost (telemetry_bench.h): rate, duration, the sampling thread's
// CPU time and % of a core against the target, and the time of each sample() call.
std::string telemetryBenchJson(const TelemetryBenchReport& report);

// The image-filter benchmark (filter_bench.h): frame, L2 size and rotating buffers, the
// copy reference per dtype, and per case every sample of both GPU modes and the CPU, the
// bandwidth, the target and the check.
std::string filterBenchJson(const FilterBenchReport& report);

// CUDA's version numbers as text: 13000 -> "13.0"; 0 (unknown) -> "unknown".
std::string cudaVersionText(int version);

// Writes text to path, replacing the file only once all of it is written. Throws Io.
void writeTextFile(const std::string& path, const std::string& text);

} // namespace wb::bench
