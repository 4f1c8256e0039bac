#include "pipeline_bench.h"

#include "measure.h"
#include "verify.h"

#include <wb/device.h>
#include <wb/error.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <algorithm>
#include <utility>

namespace wb::bench {

namespace {

pipeline::Program parsed(const std::string& text)
{
    pipeline::ParseResult result = pipeline::parseAndCheck(text);
    if (!result.ok())
        fail(ErrorCode::Internal, "benchmark pipeline does not parse: " + result.diagnostics.front().message);
    return std::move(result.program);
}

// Sum of the medians of the steps (not the transfers, not the first: the input).
double stepsMs(const pipeline::RunResult& result, const std::string& backend, bool skipFirst)
{
    double total = 0;
    bool first = true;
    for (const pipeline::StepFigures& step : result.steps) {
        if (step.backend != backend || step.transfer)
            continue;
        if (std::exchange(first, false) && skipFirst)
            continue;
        total += step.time.medianMs;
    }
    return total;
}

pipeline::RunResult runOrThrow(const pipeline::Program& program, const pipeline::RunOptions& options)
{
    pipeline::RunResult result = pipeline::run(program, options);
    if (result.error)
        fail(ErrorCode::Internal, "benchmark pipeline failed: " + result.error->message);
    return result;
}

// The GPU's time for all steps together, per step.
double perStepUs(const pipeline::RunResult& result, const OverheadConfig& config)
{
    const std::optional<pipeline::Timing>& steps = result.stepsTiming.back();
    if (!steps)
        fail(ErrorCode::Internal, "benchmark pipeline has no steps");
    return steps->medianMs * 1e3 / (config.steps + 1);
}

const pipeline::StepFigures& lastStep(const pipeline::RunResult& result, const std::string& backend)
{
    const auto it = std::find_if(result.steps.rbegin(), result.steps.rend(),
                                 [&](const pipeline::StepFigures& s) { return s.backend == backend && !s.transfer; });
    if (it == result.steps.rend())
        fail(ErrorCode::Internal, "benchmark pipeline has no step on " + backend);
    return *it;
}

} // namespace

std::string overheadPipeline(const OverheadConfig& config)
{
    std::string text = "x0 = rand(" + std::to_string(config.elements) + ", seed=1)\n";
    for (int i = 1; i <= config.steps; ++i)
        text += "x" + std::to_string(i) + " = x" + std::to_string(i - 1) + " + 1\n";
    return text + "show(x" + std::to_string(config.steps) + ")\n";
}

std::string fusionPipeline(const FusionConfig& config)
{
    // Ten operations, one input: read once, written once when fused.
    return "x = rand(" + std::to_string(config.elements) +
           ", seed=1)\n"
           "y = ((((x * 1.5 + 0.5) * x - 0.25) / (x + 2)) * 3 - x) * 0.5 + 1\n"
           "check(y)\n";
}

OverheadReport benchOverhead(const OverheadConfig& config)
{
    Backend& gpu = Runtime::instance().cuda(0);
    const pipeline::Program program = parsed(overheadPipeline(config));
    pipeline::RunOptions options;
    options.backends = {"gpu"};
    options.repeat = config.repeat;
    options.warmup = config.warmup;
    options.fuse = false;
    OverheadReport report;
    report.config = config;
    report.backend = gpu.name();
    const pipeline::RunResult graph = runOrThrow(program, options);
    report.graphReplayed = !graph.graphReplay.empty() && graph.graphReplay.front();
    report.note = graph.notes.empty() ? "" : graph.notes.front();
    report.graphTimedUsPerStep = perStepUs(graph, config);
    options.stepTiming = false;
    report.graphUsPerStep = perStepUs(runOrThrow(program, options), config);
    options.stepTiming = true;
    options.graph = false;
    report.eagerUsPerStep = perStepUs(runOrThrow(program, options), config);
    return report;
}

FusionReport benchFusion(const FusionConfig& config)
{
    Backend& gpu = Runtime::instance().cuda(0);
    const pipeline::Program program = parsed(fusionPipeline(config));
    pipeline::RunOptions options;
    options.backends = {"cpu", "gpu"};
    options.repeat = config.repeat;
    options.warmup = config.warmup;
    FusionReport report;
    report.config = config;
    report.backend = gpu.name();
    report.operations = 10;
    const pipeline::RunResult fused = runOrThrow(program, options);
    const pipeline::StepFigures& step = lastStep(fused, report.backend);
    report.fused.n = step.time.n;
    report.fused.median = step.time.medianMs;
    report.fused.min = step.time.minMs;
    report.fused.max = step.time.maxMs;
    report.verified = step.verified;
    report.maxRelError = step.maxRelError.value_or(0);
    options.backends = {"gpu"};
    options.fuse = false;
    report.unfusedMs = stepsMs(runOrThrow(program, options), gpu.name(), true);

    const Shape shape{config.elements};
    const Array from = gpu.empty(shape, DType::F32);
    Array to = gpu.empty(shape, DType::F32);
    report.copy = measure(gpu, config.warmup, config.repeat, [&] { gpu.copy(from, to); });
    const double bytes = 2.0 * static_cast<double>(config.elements) * sizeof(float);
    report.fusedGBs = bytes / (report.fused.median * 1e-3) * 1e-9;
    report.copyGBs = bytes / (report.copy.median * 1e-3) * 1e-9;
    report.ratioToCopy = report.fused.median / report.copy.median;
    return report;
}

} // namespace wb::bench
