#include "check_difference.h"
#include "plan.h"

#include "bench/statistics.h"
#include "bench/verify.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>
#include <wb/pipeline_tune.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

namespace wb::pipeline {

void RunObserver::repetitionStarted(const std::string&, int, bool) {}
void RunObserver::stepStarted(const std::string&, const std::string&, int) {}
void RunObserver::stepFinished(const StepFigures&) {}
void RunObserver::tuningStarted(const std::string&, int, int, const std::string&) {}
void RunObserver::runFinished(const RunResult&) {}
void RunObserver::error(const RunError&) {}

bool RunResult::ok() const
{
    if (error || cancelled)
        return false;
    for (const CheckOutcome& check : checks)
        if (!check.passed)
            return false;
    // A tuning run that ran and found no configuration that passed.
    if (tuning && tuning->note.empty() && !tuning->best)
        return false;
    return true;
}

RunOptions defaultRunOptions(const Program& program)
{
    RunOptions options;
    // The checker keeps only valid directives, and the last of a repeated one counts.
    for (const Directive& directive : program.directives) {
        const std::int64_t value = directive.values.empty() ? 0 : directive.values.front().integer.value_or(0);
        if (directive.name == "backends") {
            options.backends.clear();
            for (const DirectiveValue& backend : directive.values)
                options.backends.push_back(backend.text);
        } else if (directive.name == "repeat") {
            options.repeat = static_cast<int>(value);
        } else if (directive.name == "warmup") {
            options.warmup = static_cast<int>(value);
        } else if (directive.name == "seed") {
            options.seed = static_cast<std::uint64_t>(value);
        } else if (directive.name == "device") {
            options.device = static_cast<int>(value);
        } else if (directive.name == "threads") {
            options.threads = static_cast<int>(value);
        }
    }
    return options;
}

std::string pipelineHash(const Program& program)
{
    // FNV-1a over the canonical text: formatting and comments do not change the hash.
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : toString(program)) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

namespace {

bool wantsGpu(const RunOptions& options)
{
    for (const std::string& backend : options.backends)
        if (backend != "cpu")
            return true;
    return false;
}

Backend& backendFor(const std::string& name, const RunOptions& options)
{
    return name == "cpu" ? Runtime::instance().cpu() : Runtime::instance().cuda(options.device);
}

std::uint64_t bytesOf(const PlanValue& value) { return value.shape.numel() * sizeOf(value.dtype); }

// Every materialised value in device memory at once: the executor keeps them all.
void checkDeviceMemory(const Plan& plan, const RunOptions& options, Inference& inference)
{
    const CudaStatus& status = Runtime::instance().cudaStatus();
    if (!wantsGpu(options) || !status.available || options.device >= static_cast<int>(status.gpus.size()))
        return;
    const std::uint64_t free = status.gpus[static_cast<std::size_t>(options.device)].freeMemory;
    std::uint64_t bytes = 0;
    for (const PlanValue& value : plan.values) {
        if (value.step < 0)
            continue;
        bytes += bytesOf(value);
        if (bytes <= free)
            continue;
        const PlanStep& step = plan.steps[static_cast<std::size_t>(value.step)];
        inference.diagnostics.push_back({Severity::Error, step.location, 1,
                                         "step '" + step.label + "' needs " + std::to_string(bytes >> 20) +
                                             " MiB of device memory in all, but " + std::to_string(free >> 20) +
                                             " MiB are free on GPU " + std::to_string(options.device)});
        return;
    }
}

Inference inferPlan(const Plan& plan, const RunOptions& options)
{
    Inference inference;
    inference.names = plan.names;
    inference.diagnostics = plan.diagnostics;
    for (const PlanValue& value : plan.values)
        if (value.step >= 0)
            inference.deviceBytes += bytesOf(value);
    if (inference.diagnostics.empty())
        checkDeviceMemory(plan, options, inference);
    return inference;
}

// How close the GPU's result of a step must come to the CPU's (max |gpu - cpu| / max |cpu|)
// for its speedup to be shown: what the step's arithmetic allows, or the most any of its
// inputs was allowed, since differences carry forward. nullopt: the backends compute
// different things by design (randn draws different streams), so nothing downstream compares.
std::vector<std::optional<double>> stepTolerances(const Plan& plan)
{
    std::vector<std::optional<double>> tolerances(plan.steps.size());
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const PlanStep& step = plan.steps[i];
        const DType out = plan.values[static_cast<std::size_t>(step.output)].dtype;
        std::optional<double> own = std::visit(
            [&](const auto& desc) -> std::optional<double> {
                using Desc = std::decay_t<decltype(desc)>;
                if constexpr (std::is_same_v<Desc, MatmulDesc>)
                    return bench::matmulTolerance(resolve(desc.precision, desc.dtype));
                else if constexpr (std::is_same_v<Desc, FftDesc>)
                    return bench::fftTolerance(desc.dtype);
                else if constexpr (std::is_same_v<Desc, GaussianDesc>)
                    return bench::gaussianTolerance(desc.dtype);
                else if constexpr (std::is_same_v<Desc, RandomDesc>)
                    // Uniform numbers are the same on both backends, bit for bit.
                    return desc.distribution == Distribution::Normal ? std::nullopt : std::optional(0.0);
                else if constexpr (std::is_same_v<Desc, LoadStep>)
                    return 0.0;
                else
                    return bench::dtypeTolerance(out);
            },
            step.op);
        for (const int input : step.inputs) {
            const int producer = plan.values[static_cast<std::size_t>(input)].step;
            const std::optional<double>& inherited = tolerances[static_cast<std::size_t>(producer)];
            if (!inherited)
                own.reset();
            if (own)
                own = std::max(*own, *inherited);
            if (!own)
                break;
        }
        tolerances[i] = own;
    }
    return tolerances;
}

// A 0-D f32 host array holding 0: the value of a test step.
Array zeroF32()
{
    Array zero = Array::emptyHost(Shape{}, DType::F32);
    *zero.data<float>() = 0.0f;
    return zero;
}

// How a backend's run ends early: unwinding to run(), which reports it.
struct Cancelled {};
struct Failed {
    RunError error;
};

struct PreparedStep {
    std::unique_ptr<UnaryOp> unary;
    std::unique_ptr<BinaryOp> binary;
    std::unique_ptr<NaryOp> nary;
    std::optional<LaunchBuild> build; // launch(): how its kernel was compiled
    std::string skipped;              // why the step does not run on this backend; empty: it runs
};

// "launch of saxpy (saxpy.cu) at 6:5" for a launch step, else nullptr.
const std::string* launchName(const PlanStep& step)
{
    const auto* launch = std::get_if<LaunchDesc>(&step.op);
    return launch ? &launch->where : nullptr;
}

// Where a step's run-time errors point: the launch( call for a launch, else the statement.
SourceLocation errorLocation(const PlanStep& step)
{
    const auto* launch = std::get_if<LaunchDesc>(&step.op);
    return launch ? SourceLocation{launch->callLine, launch->callColumn} : step.location;
}

// One row of the figures: a step, an upload or a download.
struct Row {
    std::string name{};
    int line = 0;
    int step = -1; // the plan step the row runs; for transfers, the step of the value moved
    bool transfer = false;
    Cost cost{};
    std::vector<std::string> fused{};
    int startMark = 0; // on the backend's timeline
    int endMark = 0;
    int value = -1;      // transfers: the value moved
    bool upload = false; // transfers: host to device (a load's array), else device to host
    std::vector<double> samples{};
    std::uint64_t peakDeviceBytes = 0;
    std::uint64_t peakHostBytes = 0;
};

// One backend's prepared pipeline: an op and an output array per step, every array kept.
// On a GPU the rows run as uploads, then the steps, then downloads, so the steps form one
// stretch of stream work that can be recorded as a graph and replayed.
class BackendRun {
public:
    using RowDone = std::function<void(const Row&)>;

    BackendRun(const Plan& plan, Backend& backend, RunObserver& observer, const RunOptions& options)
        : m_plan(plan)
        , m_backend(backend)
        , m_observer(observer)
        , m_onHost(backend.place().isHost())
        , m_useGraph(options.graph && backend.canRecord() && options.warmup + options.repeat > 1)
        , m_stepTiming(options.stepTiming)
        , m_values(plan.values.size())
        , m_prepared(plan.steps.size())
    {
        for (std::size_t i = 0; i < plan.steps.size(); ++i) {
            const PlanStep& step = plan.steps[i];
            // A step that uses a skipped step's value is skipped too, before anything of it is made.
            for (const int input : step.inputs) {
                const int producer = plan.values[static_cast<std::size_t>(input)].step;
                if (producer >= 0 && m_prepared[static_cast<std::size_t>(producer)].skipped.size() &&
                    m_prepared[i].skipped.empty()) {
                    const PreparedStep& skipped = m_prepared[static_cast<std::size_t>(producer)];
                    const std::string& reason = skipped.skipped;
                    m_prepared[i].skipped =
                        reason.rfind("needs ", 0) == 0
                            ? reason
                            : "needs " + plan.values[static_cast<std::size_t>(input)].label + ": " + reason;
                }
            }
            if (!m_prepared[i].skipped.empty())
                continue;
            try {
                prepare(step, m_prepared[i]);
            } catch (const Error& error) {
                const std::string* launch = launchName(step);
                if (launch && error.code() == ErrorCode::Unsupported) {
                    // A backend without a device: the launch and what depends on it are skipped.
                    m_prepared[i] = PreparedStep{};
                    m_prepared[i].skipped = error.message();
                    m_values[static_cast<std::size_t>(step.output)] = Array{};
                    continue;
                }
                RunError failure{errorLocation(step), (launch ? *launch : step.label) + ": " + error.message(),
                                 error.code(), step.label};
                if (m_prepared[i].build)
                    failure.kernelDiagnostics = m_prepared[i].build->diagnostics;
                throw Failed{std::move(failure)};
            }
        }
        layOutRows();
    }

    const std::string& graphNote() const { return m_graphNote; }
    // Why a step did not run here; empty when it ran.
    const std::string& skipped(int step) const { return m_prepared[static_cast<std::size_t>(step)].skipped; }
    // Whether the value was computed here (not by a skipped step).
    bool computed(int value) const
    {
        const int step = m_plan.values[static_cast<std::size_t>(value)].step;
        return step < 0 || skipped(step).empty();
    }
    bool replayed() const { return m_recording != nullptr; }

    // One pass over the pipeline; samples are recorded when `measured`. rowDone is called
    // for each row once its last sample is in (the last repetition): on the CPU as each
    // step ends, on a GPU once the repetition's stream work has finished.
    void runOnce(int repetition, bool measured, bool last, const std::atomic<bool>* cancel, const RowDone& rowDone)
    {
        const bool replay = m_recording != nullptr;
        for (std::size_t r = 0; r < m_rows.size(); ++r) {
            Row& row = m_rows[r];
            const bool inGraph = replay && !row.transfer;
            if (inGraph) {
                if (r == m_firstComputeRow)
                    guarded(row, [&] { m_recording->replay(); });
                continue;
            }
            if (cancel && cancel->load())
                throw Cancelled{};
            m_observer.stepStarted(m_backend.name(), row.name, row.line);
            const bool trackMemory = repetition == 0;
            if (trackMemory) {
                m_backend.allocator().resetPeak();
                hostAllocator().resetPeak();
            }
            guarded(row, [&] {
                if (row.transfer || m_onHost || r == m_firstComputeRow)
                    m_timeline->mark(row.startMark);
                runRow(row);
                m_timeline->mark(row.endMark);
            });
            // In an unmeasured first repetition each launch is waited for, so that a kernel
            // that faults is named by its own row rather than by whatever waits next.
            if (!measured && repetition == 0 && !m_onHost && !row.transfer && row.step >= 0 &&
                skipped(row.step).empty() && launchName(m_plan.steps[static_cast<std::size_t>(row.step)]))
                guarded(row, [&] { m_backend.synchronize(); });
            if (trackMemory) {
                row.peakDeviceBytes = m_onHost ? 0 : m_backend.allocator().stats().peakBytes;
                row.peakHostBytes = hostAllocator().stats().peakBytes;
            }
            if (m_onHost) {
                collect(row, measured);
                if (last)
                    rowDone(row);
            }
        }
        if (!m_onHost) {
            for (Row& row : m_rows)
                if (row.transfer || !replay || m_stepTiming)
                    guarded(row, [&] { collect(row, measured); });
            if (last)
                for (const Row& row : m_rows)
                    rowDone(row);
        }
        if (m_hasSteps && measured) {
            const Row& first = m_rows[m_firstComputeRow];
            const Row& lastStep = m_rows[m_lastComputeRow];
            guarded(first, [&] { m_stepsSamples.push_back(m_timeline->elapsedMs(first.startMark, lastStep.endMark)); });
        }
        if (repetition == 0 && m_useGraph && m_hasSteps)
            record();
    }

    // The steps together (no transfers), per measured repetition: from the first step's
    // start to the last one's end, so it includes whatever lies between them.
    std::optional<Timing> stepsTiming() const
    {
        if (m_stepsSamples.empty())
            return std::nullopt;
        const bench::Statistics stats = bench::summarize(m_stepsSamples);
        return Timing{stats.n, stats.median, stats.min, stats.max};
    }

    // A row's figures over the measured repetitions.
    StepFigures figures(const Row& row) const
    {
        StepFigures figures;
        figures.step = row.name;
        figures.line = row.line;
        figures.backend = m_backend.name();
        figures.transfer = row.transfer;
        // Without step timing a replayed step has no samples of its own: n stays 0.
        if (!row.samples.empty()) {
            const bench::Statistics stats = bench::summarize(row.samples);
            figures.time = Timing{stats.n, stats.median, stats.min, stats.max};
        }
        figures.cost = row.cost;
        figures.fused = row.fused;
        figures.peakDeviceBytes = row.peakDeviceBytes;
        figures.peakHostBytes = row.peakHostBytes;
        if (row.step >= 0) {
            const PreparedStep& prepared = m_prepared[static_cast<std::size_t>(row.step)];
            figures.skipped = prepared.skipped;
            if (!row.transfer)
                figures.build = prepared.build;
        }
        return figures;
    }

    const std::vector<Row>& rows() const { return m_rows; }
    Backend& backend() const { return m_backend; }
    // A value as the backend holds it (a device array on a GPU).
    const Array& value(int index) const { return m_values[static_cast<std::size_t>(index)]; }

    // Every materialised value by its label; a label given twice keeps the later value.
    std::map<std::string, Array> values() const
    {
        std::map<std::string, Array> byLabel;
        for (std::size_t i = 0; i < m_plan.values.size(); ++i)
            if (m_values[i].valid())
                byLabel[m_plan.values[i].label] = m_values[i];
        return byLabel;
    }

    // A value as a host array, after the last repetition. On a GPU a sink's value is the
    // copy its download row made; any other is downloaded once and kept, since comparing
    // steps, checks and show() may each ask for it.
    Array hostValue(int value)
    {
        const Array& array = m_values[static_cast<std::size_t>(value)];
        if (!computed(value))
            return Array{};
        if (m_onHost)
            return array;
        if (const auto copy = m_hostCopies.find(value); copy != m_hostCopies.end())
            return copy->second;
        auto [kept, added] = m_downloaded.try_emplace(value);
        if (added)
            kept->second = toHost(m_backend, array);
        return kept->second;
    }

private:
    void layOutRows()
    {
        int marks = 0;
        auto transferRow = [&](const std::string& name, const PlanStep& step, int value, bool upload) {
            const PlanValue& planned = m_plan.values[static_cast<std::size_t>(value)];
            Row row{name, step.location.line, planned.step, true, Cost{0, static_cast<double>(bytesOf(planned))}, {}};
            row.startMark = marks++;
            row.endMark = marks++;
            row.value = value;
            row.upload = upload;
            m_rows.push_back(std::move(row));
        };
        if (!m_onHost)
            for (const PlanStep& step : m_plan.steps)
                if (std::holds_alternative<LoadStep>(step.op))
                    transferRow("upload " + step.label, step, step.output, true);
        m_firstComputeRow = m_rows.size();
        // On a GPU the steps share their boundaries (one event between neighbours, recorded
        // in the graph); on the CPU each step has its own marks, so that what the executor
        // does between steps (events, comparisons) is no step's time.
        int previous = marks++;
        for (std::size_t i = 0; i < m_plan.steps.size(); ++i) {
            const PlanStep& step = m_plan.steps[i];
            // A load has no work of its own: on the host its array is the value, on a GPU
            // its upload row (above) fills the value.
            if (std::holds_alternative<LoadStep>(step.op))
                continue;
            Row row{step.label, step.location.line, static_cast<int>(i), false, costOf(step.op), step.fused};
            row.startMark = m_onHost ? marks++ : previous;
            row.endMark = previous = marks++;
            m_rows.push_back(std::move(row));
        }
        if (!m_onHost) {
            std::vector<int> downloaded;
            for (const Sink& sink : m_plan.sinks) {
                for (const int index : {sink.value, sink.reference}) {
                    if (index < 0 || std::find(downloaded.begin(), downloaded.end(), index) != downloaded.end())
                        continue;
                    downloaded.push_back(index);
                    const PlanValue& value = m_plan.values[static_cast<std::size_t>(index)];
                    m_hostCopies[index] = Array::emptyHost(value.shape, value.dtype);
                    transferRow("download " + value.label, m_plan.steps[static_cast<std::size_t>(value.step)], index,
                                false);
                }
            }
        }
        m_timeline = m_backend.createTimeline(marks);
        m_hasSteps = m_firstComputeRow < m_rows.size() && !m_rows[m_firstComputeRow].transfer;
        for (std::size_t r = m_firstComputeRow; r < m_rows.size() && !m_rows[r].transfer; ++r)
            m_lastComputeRow = r;
    }

    void prepare(const PlanStep& step, PreparedStep& prepared)
    {
        const PlanValue& out = m_plan.values[static_cast<std::size_t>(step.output)];
        const auto* load = std::get_if<LoadStep>(&step.op);
        m_values[static_cast<std::size_t>(step.output)] =
            load && m_onHost ? load->hostValue : m_backend.empty(out.shape, out.dtype);
        std::visit(
            [&](const auto& desc) {
                using Desc = std::decay_t<decltype(desc)>;
                if constexpr (std::is_same_v<Desc, MatmulDesc>)
                    prepared.binary = m_backend.prepareMatmul(desc);
                else if constexpr (std::is_same_v<Desc, FftDesc>)
                    prepared.unary = m_backend.prepareFft(desc);
                else if constexpr (std::is_same_v<Desc, FftShiftDesc>)
                    prepared.unary = m_backend.prepareFftShift(desc);
                else if constexpr (std::is_same_v<Desc, GaussianDesc>)
                    prepared.unary = m_backend.prepareGaussian(desc);
                else if constexpr (std::is_same_v<Desc, BoxDesc>)
                    prepared.unary = m_backend.prepareBox(desc);
                else if constexpr (std::is_same_v<Desc, MorphDesc>)
                    prepared.unary = m_backend.prepareMorphology(desc);
                else if constexpr (std::is_same_v<Desc, MedianDesc>)
                    prepared.unary = m_backend.prepareMedian(desc);
                else if constexpr (std::is_same_v<Desc, BilateralDesc>)
                    prepared.unary = m_backend.prepareBilateral(desc);
                else if constexpr (std::is_same_v<Desc, DerivativeDesc>)
                    prepared.unary = m_backend.prepareDerivative(desc);
                else if constexpr (std::is_same_v<Desc, LaplacianDesc>)
                    prepared.unary = m_backend.prepareLaplacian(desc);
                else if constexpr (std::is_same_v<Desc, Conv2dDesc>)
                    prepared.unary = m_backend.prepareConv2d(desc);
                else if constexpr (std::is_same_v<Desc, GrayscaleDesc>)
                    prepared.unary = m_backend.prepareGrayscale(desc);
                else if constexpr (std::is_same_v<Desc, ConvertDesc>)
                    prepared.unary = m_backend.prepareConvert(desc);
                else if constexpr (std::is_same_v<Desc, ThresholdDesc>)
                    prepared.unary = m_backend.prepareThreshold(desc);
                else if constexpr (std::is_same_v<Desc, NormalizeDesc>)
                    prepared.unary = m_backend.prepareNormalize(desc);
                else if constexpr (std::is_same_v<Desc, ResizeDesc>)
                    prepared.unary = m_backend.prepareResize(desc);
                else if constexpr (std::is_same_v<Desc, ElementwiseDesc>)
                    prepared.nary = m_backend.prepareElementwise(desc);
                else if constexpr (std::is_same_v<Desc, ReduceDesc>)
                    prepared.unary = m_backend.prepareReduce(desc);
                else if constexpr (std::is_same_v<Desc, TestStep>)
                    m_backend.copy(zeroF32(), m_values[static_cast<std::size_t>(step.output)]);
                else if constexpr (std::is_same_v<Desc, LaunchDesc>)
                    prepared.nary = m_backend.prepareLaunch(desc, prepared.build.emplace());
            },
            step.op);
    }

    void runRow(const Row& row)
    {
        if (row.step >= 0 && !skipped(row.step).empty())
            return;
        if (row.transfer) {
            // A loaded value that a sink also reads has both rows: its upload, then its download.
            Array& device = m_values[static_cast<std::size_t>(row.value)];
            if (row.upload)
                m_backend.copy(std::get<LoadStep>(m_plan.steps[static_cast<std::size_t>(row.step)].op).hostValue,
                               device);
            else
                m_backend.copy(device, m_hostCopies.at(row.value));
            return;
        }
        const PlanStep& step = m_plan.steps[static_cast<std::size_t>(row.step)];
        PreparedStep& prepared = m_prepared[static_cast<std::size_t>(row.step)];
        Array& out = m_values[static_cast<std::size_t>(step.output)];
        auto input = [&](std::size_t i) -> const Array& { return m_values[static_cast<std::size_t>(step.inputs[i])]; };
        if (const auto* random = std::get_if<RandomDesc>(&step.op)) {
            m_backend.fillRandom(*random, out);
        } else if (const auto* test = std::get_if<TestStep>(&step.op)) {
            m_backend.misbehave(test->what);
        } else if (prepared.nary) {
            std::vector<const Array*> inputs;
            for (std::size_t i = 0; i < step.inputs.size(); ++i)
                inputs.push_back(&input(i));
            prepared.nary->run(inputs, out);
        } else if (prepared.binary) {
            prepared.binary->run(input(0), input(1), out);
        } else {
            prepared.unary->run(input(0), out);
        }
    }

    // The steps' stream work recorded once, after the first (eager) repetition; when it
    // cannot be recorded, the run goes on eagerly and says why.
    void record()
    {
        try {
            m_backend.beginRecording();
            try {
                // Without step timing only the ends of the stretch are marked, so the graph
                // holds the steps' kernels and nothing else.
                for (std::size_t r = m_firstComputeRow; r <= m_lastComputeRow; ++r) {
                    if (r == m_firstComputeRow)
                        m_timeline->mark(m_rows[r].startMark);
                    runRow(m_rows[r]);
                    if (m_stepTiming || r == m_lastComputeRow)
                        m_timeline->mark(m_rows[r].endMark);
                }
            } catch (const Error&) {
                static_cast<void>(m_backend.endRecording());
                throw;
            }
            m_recording = m_backend.endRecording();
        } catch (const Error& error) {
            m_recording.reset();
            m_graphNote = "graph replay off: " + error.message();
        }
    }

    void collect(Row& row, bool measured)
    {
        if (row.step >= 0 && !skipped(row.step).empty())
            return;
        const double ms = m_timeline->elapsedMs(row.startMark, row.endMark);
        if (measured)
            row.samples.push_back(ms);
    }

    template <typename Work> void guarded(const Row& row, Work work)
    {
        try {
            work();
        } catch (const Error& error) {
            const int step = row.step;
            const SourceLocation location = step < 0 ? SourceLocation{row.line, 1}
                                            : row.transfer
                                                ? m_plan.steps[static_cast<std::size_t>(step)].location
                                                : errorLocation(m_plan.steps[static_cast<std::size_t>(step)]);
            const std::string* launch =
                step >= 0 && !row.transfer ? launchName(m_plan.steps[static_cast<std::size_t>(step)]) : nullptr;
            std::string message = (launch ? *launch : row.name) + ": " + error.message();
            // A user's kernel that faults is found out at the next call that waits for the
            // stream, which may belong to a later row: name the launch that ran before it.
            if (!launch && error.code() == ErrorCode::DeviceLost)
                if (const std::string* suspect = lastLaunchBefore(step))
                    message += " (after the " + *suspect + ", the likely cause)";
            throw Failed{{location, std::move(message), error.code(), row.name}};
        }
    }

    // The last launch step at or before `step` in run order, else the last one of the plan.
    const std::string* lastLaunchBefore(int step) const
    {
        const std::string* before = nullptr;
        const std::string* last = nullptr;
        for (std::size_t i = 0; i < m_plan.steps.size(); ++i) {
            if (const std::string* launch = launchName(m_plan.steps[i])) {
                last = launch;
                if (step < 0 || static_cast<int>(i) <= step)
                    before = launch;
            }
        }
        return before ? before : last;
    }

    const Plan& m_plan;
    Backend& m_backend;
    RunObserver& m_observer;
    bool m_onHost;
    bool m_useGraph;
    bool m_stepTiming;
    std::vector<double> m_stepsSamples;
    std::vector<Array> m_values;
    std::vector<PreparedStep> m_prepared;
    std::map<int, Array> m_hostCopies; // GPU only: where sinks' arrays are downloaded to
    std::map<int, Array> m_downloaded; // GPU only: other values hostValue() downloaded
    std::vector<Row> m_rows;
    std::size_t m_firstComputeRow = 0;
    std::size_t m_lastComputeRow = 0;
    bool m_hasSteps = false;
    std::unique_ptr<Timeline> m_timeline;
    std::unique_ptr<Recording> m_recording;
    std::string m_graphNote;
};

// A one-element array as people read it: "0.000123", "(1.5+2j)".
std::string scalarText(Backend& cpu, const Array& array)
{
    const std::complex<double> value = *convert(cpu, array, DType::C128).data<std::complex<double>>();
    char text[64];
    if (isComplex(array.dtype()))
        std::snprintf(text, sizeof(text), "(%.6g%+.6gj)", value.real(), value.imag());
    else
        std::snprintf(text, sizeof(text), "%.6g", value.real());
    return text;
}

// Sets the CPU thread count for one run and puts the previous one back.
class ThreadScope {
public:
    explicit ThreadScope(int threads)
        : m_previous(Runtime::instance().cpuThreads())
        , m_active(threads > 0)
    {
        if (m_active)
            Runtime::instance().setCpuThreads(threads);
    }
    ~ThreadScope()
    {
        if (m_active)
            Runtime::instance().setCpuThreads(m_previous);
    }
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int m_previous;
    bool m_active;
};

} // namespace

std::optional<std::string> settleBackends(RunOptions& options)
{
    const CudaStatus& cuda = Runtime::instance().cudaStatus();
    if (cuda.available || !wantsGpu(options))
        return std::nullopt;
    std::vector<std::string> kept;
    for (const std::string& backend : options.backends)
        if (backend == "cpu")
            kept.push_back(backend);
    if (kept.empty())
        fail(ErrorCode::Unavailable, "no GPU to run on: " + cuda.reason);
    options.backends = kept;
    return "running on the CPU only: " + cuda.reason;
}

Inference infer(const Program& program, const RunOptions& options)
{
    return inferPlan(makePlan(program, options), options);
}

RunResult run(const Program& program, const RunOptions& options, RunObserver* observer, const std::atomic<bool>* cancel)
{
    if (options.repeat < 1 || options.warmup < 0)
        fail(ErrorCode::InvalidArgument, "repeat must be at least 1 and warmup at least 0");
    const Plan plan = makePlan(program, options);
    const Inference inference = inferPlan(plan, options);
    if (!inference.ok())
        fail(ErrorCode::InvalidArgument,
             toString(inference.diagnostics.front().location) + ": " + inference.diagnostics.front().message);
    const ThreadScope threads(options.threads);
    RunObserver silent;
    RunObserver& watcher = observer ? *observer : silent;
    const std::vector<std::optional<double>> tolerances = stepTolerances(plan);
    RunResult result;
    result.hash = pipelineHash(program);
    std::vector<std::unique_ptr<BackendRun>> runs;
    std::vector<std::vector<StepFigures>> rows;
    // With two backends the first is the reference of the second, row by matching step.
    auto finish = [&](const Row& row) {
        StepFigures figures = runs.back()->figures(row);
        if (runs.size() == 2 && !row.transfer && runs.front()->skipped(row.step).empty() &&
            runs.back()->skipped(row.step).empty()) {
            for (const Row& reference : runs.front()->rows()) {
                if (reference.transfer || reference.step != row.step)
                    continue;
                const int value = plan.steps[static_cast<std::size_t>(row.step)].output;
                figures.maxRelError =
                    bench::maxRelativeError(runs.back()->hostValue(value), runs.front()->hostValue(value));
                figures.tolerance = tolerances[static_cast<std::size_t>(row.step)];
                figures.verified = figures.tolerance && *figures.maxRelError <= *figures.tolerance;
                const double median = figures.time.medianMs;
                if (figures.verified && median > 0)
                    figures.speedup = runs.front()->figures(reference).time.medianMs / median;
            }
        }
        watcher.stepFinished(figures);
        rows.back().push_back(std::move(figures));
    };
    // The CPU, when it runs, goes first: it is the reference the GPU is compared with.
    std::vector<std::string> backends = options.backends;
    std::stable_partition(backends.begin(), backends.end(), [](const std::string& name) { return name == "cpu"; });
    for (const std::string& name : backends) {
        try {
            Backend& backend = backendFor(name, options);
            result.backends.push_back(backend.name());
            runs.push_back(std::make_unique<BackendRun>(plan, backend, watcher, options));
            rows.emplace_back();
            const int total = options.warmup + options.repeat;
            for (int i = 0; i < total; ++i) {
                if (cancel && cancel->load())
                    throw Cancelled{};
                watcher.repetitionStarted(backend.name(), i, i < options.warmup);
                runs.back()->runOnce(i, i >= options.warmup, i + 1 == total, cancel, finish);
            }
            result.graphReplay.push_back(runs.back()->replayed());
            result.stepsTiming.push_back(runs.back()->stepsTiming());
            if (!runs.back()->graphNote().empty())
                result.notes.push_back(backend.name() + ": " + runs.back()->graphNote());
        } catch (const Cancelled&) {
            result.cancelled = true;
        } catch (const Failed& failed) {
            result.error = failed.error;
        } catch (const Error& error) {
            result.error = RunError{{}, error.message(), error.code(), {}};
        }
        if (result.cancelled || result.error)
            break;
    }
    if (result.error)
        watcher.error(*result.error);
    if (result.cancelled || result.error) {
        for (auto& backendRows : rows)
            for (StepFigures& figures : backendRows)
                result.steps.push_back(std::move(figures));
        watcher.runFinished(result);
        return result;
    }

    Backend& cpu = Runtime::instance().cpu();
    // The checks' difference arrays, per backend: kept with the values, computed once here,
    // after the timed repetitions, on the backend that holds both arrays.
    std::vector<std::map<std::string, Array>> differenceArrays(runs.size());
    auto keepDifference = [&](std::size_t backend, Backend& holder, const Array& x, const Array& reference,
                              CheckDifference& difference, const std::string& label, const Sink& sink) {
        if (!options.keepValues)
            return;
        try {
            differenceArrays[backend][label] = differenceArray(holder, x, reference);
            difference.label = label;
        } catch (const Error& error) {
            result.error =
                RunError{sink.location, "the difference " + label + ": " + error.message(), error.code(), {}};
        }
    };
    for (const Sink& sink : plan.sinks) {
        if (sink.kind == Sink::Kind::Show) {
            result.shown.push_back(sink.label);
            std::vector<std::string> values;
            for (const auto& backendRun : runs) {
                if (!backendRun->computed(sink.value)) {
                    if (plan.values[static_cast<std::size_t>(sink.value)].shape.numel() == 1)
                        values.push_back("skipped");
                    continue;
                }
                const Array array = backendRun->hostValue(sink.value);
                if (array.numel() == 1)
                    values.push_back(scalarText(cpu, array));
            }
            result.shownValues.push_back(std::move(values));
        } else if (sink.kind == Sink::Kind::Save) {
            // The first backend that computed it (launch() results come from the GPU).
            const auto saver = std::find_if(runs.begin(), runs.end(),
                                            [&](const auto& backendRun) { return backendRun->computed(sink.value); });
            if (saver == runs.end())
                continue;
            const Array array = (*saver)->hostValue(sink.value);
            try {
                if (std::filesystem::path(sink.path).extension() == ".npy")
                    saveNpy(sink.path, array);
                else
                    saveImage(sink.path, array);
            } catch (const Error& error) {
                result.error = RunError{sink.location, error.message(), error.code(), {}};
            }
        } else if (sink.reference >= 0) {
            // Against a reference: on every backend, x with ref.
            CheckOutcome check{sink.label, {}, sink.location, true, true, 0, sink.rtol, sink.atol};
            check.reference = plan.values[static_cast<std::size_t>(sink.reference)].label;
            bool comparedAny = false;
            for (std::size_t i = 0; i < runs.size(); ++i) {
                BackendRun& backendRun = *runs[i];
                if (!backendRun.computed(sink.value))
                    continue; // a launch() result: the backends that ran the launch compare it
                // x from launch() is checked against the ref that ordinary ops computed on
                // the CPU when the CPU ran them, else against this backend's own.
                BackendRun& referenceRun = !runs.front()->computed(sink.value) && runs.front()->computed(sink.reference)
                                               ? *runs.front()
                                               : backendRun;
                if (!referenceRun.computed(sink.reference))
                    continue;
                comparedAny = true;
                const Array x = backendRun.hostValue(sink.value);
                const Array reference = referenceRun.hostValue(sink.reference);
                const double error = bench::maxRelativeError(x, reference);
                check.maxRelError = std::isnan(error) ? error : std::max(check.maxRelError, error);
                CheckDifference difference = compareElements(cpu, x, reference, sink.rtol, sink.atol);
                difference.backend = backendRun.backend().name();
                check.passed = check.passed && difference.outOfTolerance == 0;
                if (&referenceRun != &backendRun) {
                    check.referenceBackend = referenceRun.backend().name();
                    keepDifference(i, cpu, x, reference, difference, differenceLabel(sink.label, check.reference),
                                   sink);
                } else {
                    keepDifference(i, backendRun.backend(), backendRun.value(sink.value),
                                   backendRun.value(sink.reference), difference,
                                   differenceLabel(sink.label, check.reference), sink);
                }
                check.differences.push_back(std::move(difference));
            }
            check.compared = comparedAny;
            if (!comparedAny)
                result.notes.push_back("check(" + sink.label + ", ref=" + check.reference +
                                       ") compared nothing: launch() runs on the GPU");
            result.checks.push_back(check);
        } else {
            CheckOutcome check{sink.label, {}, sink.location, runs.size() == 2, true, 0, sink.rtol, sink.atol};
            if (check.compared && !(runs[0]->computed(sink.value) && runs[1]->computed(sink.value))) {
                check.compared = false;
                result.notes.push_back("check(" + sink.label + ") compared nothing: " + sink.label +
                                       " comes from launch(), which runs on the GPU only; give ref= an array that "
                                       "ordinary ops compute to check it against the CPU");
            }
            if (check.compared) {
                const Array gpu = runs[1]->hostValue(sink.value);
                const Array reference = runs[0]->hostValue(sink.value);
                check.maxRelError = bench::maxRelativeError(gpu, reference);
                CheckDifference difference = compareElements(cpu, gpu, reference, sink.rtol, sink.atol);
                difference.backend = runs[1]->backend().name();
                check.passed = difference.outOfTolerance == 0;
                // Both are on the host already (the GPU's x through its download row).
                keepDifference(1, cpu, gpu, reference, difference, backendsDifferenceLabel(sink.label), sink);
                check.differences.push_back(std::move(difference));
            }
            result.checks.push_back(check);
        }
    }
    if (options.keepValues)
        for (std::size_t i = 0; i < runs.size(); ++i) {
            result.values.push_back(runs[i]->values());
            result.values.back().merge(differenceArrays[i]);
        }
    for (auto& backendRows : rows) {
        double total = 0;
        for (StepFigures& figures : backendRows) {
            total += figures.time.medianMs;
            result.steps.push_back(std::move(figures));
        }
        result.totalMs.push_back(total);
    }
    if (!result.error) {
        // @tune: each configuration of the launch is a run of its own, after this one.
        std::optional<RunError> lost;
        TuningResult tuning = runTuning(program, options, cancel, lost, result.cancelled, &watcher);
        if (!tuning.parameters.empty())
            result.tuning = std::move(tuning);
        result.error = lost;
    }
    if (result.error)
        watcher.error(*result.error);
    watcher.runFinished(result);
    return result;
}

} // namespace wb::pipeline
