#include "plan.h"

#include "bench/statistics.h"
#include "bench/verify.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

#include <complex>
#include <filesystem>
#include <map>
#include <memory>

namespace wb::pipeline {

void RunObserver::repetitionStarted(const std::string&, int, bool) {}
void RunObserver::stepStarted(const std::string&, const std::string&, int) {}
void RunObserver::stepFinished(const StepFigures&) {}
void RunObserver::runFinished(const RunResult&) {}
void RunObserver::error(const RunError&) {}

bool RunResult::ok() const
{
    if (error || cancelled)
        return false;
    for (const CheckOutcome& check : checks)
        if (!check.passed)
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
        }
    }
    return options;
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

// Every value in device memory at once: the executor keeps them all.
void checkDeviceMemory(const Plan& plan, const RunOptions& options, Inference& inference)
{
    const CudaStatus& status = Runtime::instance().cudaStatus();
    if (!wantsGpu(options) || !status.available || options.device >= static_cast<int>(status.gpus.size()))
        return;
    const std::uint64_t free = status.gpus[static_cast<std::size_t>(options.device)].freeMemory;
    std::uint64_t bytes = 0;
    for (const PlanValue& value : plan.values) {
        bytes += value.shape.numel() * sizeOf(value.dtype);
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
        inference.deviceBytes += value.shape.numel() * sizeOf(value.dtype);
    if (inference.diagnostics.empty())
        checkDeviceMemory(plan, options, inference);
    return inference;
}

// How a backend's run ends early: unwinding to run(), which reports it.
struct Cancelled {};
struct Failed {
    RunError error;
};

struct PreparedStep {
    std::unique_ptr<UnaryOp> unary;
    std::unique_ptr<BinaryOp> binary;
};

// One backend's prepared pipeline: an op and an output array per step, every array kept.
class BackendRun {
public:
    BackendRun(const Plan& plan, Backend& backend, RunObserver& observer)
        : m_plan(plan)
        , m_backend(backend)
        , m_observer(observer)
        , m_onHost(backend.place().isHost())
        , m_values(plan.values.size())
        , m_prepared(plan.steps.size())
    {
        for (std::size_t i = 0; i < plan.steps.size(); ++i)
            prepare(plan.steps[i], m_prepared[i]);
        for (const Sink& sink : plan.sinks)
            if (!m_onHost && !m_hostCopies.count(sink.value))
                m_hostCopies[sink.value] = Array::emptyHost(m_values[static_cast<std::size_t>(sink.value)].shape(),
                                                            m_values[static_cast<std::size_t>(sink.value)].dtype());
    }

    // One pass over the pipeline; samples are recorded when `measured`.
    void runOnce(bool measured, const std::atomic<bool>* cancel)
    {
        std::size_t row = 0;
        for (std::size_t i = 0; i < m_plan.steps.size(); ++i) {
            const PlanStep& step = m_plan.steps[i];
            if (const auto* load = std::get_if<LoadStep>(&step.op)) {
                if (m_onHost)
                    continue;
                timed(row++, "upload " + step.label, true, step, measured, cancel,
                      [&] { m_backend.copy(load->hostValue, m_values[static_cast<std::size_t>(step.output)]); });
                continue;
            }
            timed(row++, step.label, false, step, measured, cancel, [&] { runStep(step, m_prepared[i]); });
        }
        for (auto& [value, host] : m_hostCopies) {
            const PlanStep& step = m_plan.steps[static_cast<std::size_t>(m_plan.values[value].step)];
            timed(
                row++, "download " + m_plan.values[static_cast<std::size_t>(value)].label, true, step, measured, cancel,
                [&, value = value, &host = host] { m_backend.copy(m_values[static_cast<std::size_t>(value)], host); });
        }
    }

    // The figures of every row, in run order.
    std::vector<StepFigures> figures() const
    {
        std::vector<StepFigures> rows;
        for (const Row& row : m_rows) {
            const bench::Statistics stats = bench::summarize(row.samples);
            rows.push_back({row.name,
                            row.line,
                            m_backend.name(),
                            row.transfer,
                            Timing{stats.n, stats.median, stats.min, stats.max},
                            row.cost,
                            {},
                            {}});
        }
        return rows;
    }

    // A value as a host array (downloaded when the backend is a GPU).
    Array hostValue(int value)
    {
        const Array& array = m_values[static_cast<std::size_t>(value)];
        return m_onHost ? array : toHost(m_backend, array);
    }

    bool isTransferRow(std::size_t row) const { return m_rows[row].transfer; }
    int stepOfRow(std::size_t row) const { return m_rows[row].step; }

private:
    struct Row {
        std::string name;
        int line = 0;
        int step = -1; // the plan step the row runs, -1 for transfers
        bool transfer = false;
        Cost cost;
        std::vector<double> samples;
    };

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
                else if constexpr (std::is_same_v<Desc, GrayscaleDesc>)
                    prepared.unary = m_backend.prepareGrayscale(desc);
                else if constexpr (std::is_same_v<Desc, ConvertDesc>)
                    prepared.unary = m_backend.prepareConvert(desc);
            },
            step.op);
    }

    void runStep(const PlanStep& step, PreparedStep& prepared)
    {
        Array& out = m_values[static_cast<std::size_t>(step.output)];
        auto input = [&](std::size_t i) -> const Array& { return m_values[static_cast<std::size_t>(step.inputs[i])]; };
        if (const auto* random = std::get_if<RandomDesc>(&step.op))
            m_backend.fillRandom(*random, out);
        else if (prepared.binary)
            prepared.binary->run(input(0), input(1), out);
        else
            prepared.unary->run(input(0), out);
    }

    template <typename Work> void timed(std::size_t row, const std::string& name, bool transfer, const PlanStep& step,
                                        bool measured, const std::atomic<bool>* cancel, Work work)
    {
        if (cancel && cancel->load())
            throw Cancelled{};
        if (m_rows.size() <= row) {
            const double bytes =
                static_cast<double>(m_plan.values[static_cast<std::size_t>(step.output)].shape.numel() *
                                    sizeOf(m_plan.values[static_cast<std::size_t>(step.output)].dtype));
            const int index = transfer ? -1 : static_cast<int>(&step - m_plan.steps.data());
            m_rows.push_back(
                {name, step.location.line, index, transfer, transfer ? Cost{0, bytes} : costOf(step.op), {}});
        }
        m_observer.stepStarted(m_backend.name(), name, step.location.line);
        try {
            m_timer->start();
            work();
            m_timer->stop();
            const double ms = m_timer->elapsedMs();
            if (measured)
                m_rows[row].samples.push_back(ms);
        } catch (const Error& error) {
            throw Failed{{step.location, error.message()}};
        }
    }

    const Plan& m_plan;
    Backend& m_backend;
    RunObserver& m_observer;
    bool m_onHost;
    std::unique_ptr<Timer> m_timer = m_backend.createTimer();
    std::vector<Array> m_values;
    std::vector<PreparedStep> m_prepared;
    std::map<int, Array> m_hostCopies; // GPU only: where sinks' arrays are downloaded to
    std::vector<Row> m_rows;
};

// Elementwise |result - reference| <= atol + rtol * |reference|, as numpy.allclose.
bool allClose(Backend& cpu, const Array& result, const Array& reference, double rtol, double atol)
{
    const Array r = convert(cpu, result, DType::C128);
    const Array c = convert(cpu, reference, DType::C128);
    const auto* rv = r.data<std::complex<double>>();
    const auto* cv = c.data<std::complex<double>>();
    for (std::int64_t i = 0; i < r.numel(); ++i)
        if (!(std::abs(rv[i] - cv[i]) <= atol + rtol * std::abs(cv[i])))
            return false;
    return true;
}

} // namespace

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
    RunObserver silent;
    RunObserver& watcher = observer ? *observer : silent;
    RunResult result;
    std::vector<std::unique_ptr<BackendRun>> runs;
    for (const std::string& name : options.backends) {
        try {
            Backend& backend = backendFor(name, options);
            result.backends.push_back(backend.name());
            runs.push_back(std::make_unique<BackendRun>(plan, backend, watcher));
            for (int i = 0; i < options.warmup + options.repeat; ++i) {
                if (cancel && cancel->load())
                    throw Cancelled{};
                watcher.repetitionStarted(backend.name(), i, i < options.warmup);
                runs.back()->runOnce(i >= options.warmup, cancel);
            }
        } catch (const Cancelled&) {
            result.cancelled = true;
        } catch (const Failed& failed) {
            result.error = failed.error;
        } catch (const Error& error) {
            result.error = RunError{{}, error.message()};
        }
        if (result.cancelled || result.error)
            break;
    }
    if (result.error)
        watcher.error(*result.error);
    if (result.cancelled || result.error) {
        watcher.runFinished(result);
        return result;
    }

    std::vector<std::vector<StepFigures>> rows;
    for (const auto& backendRun : runs)
        rows.push_back(backendRun->figures());
    Backend& cpu = Runtime::instance().cpu();
    // With two backends, the first is the reference of the second, row by matching step.
    if (runs.size() == 2) {
        for (std::size_t g = 0; g < rows[1].size(); ++g) {
            if (runs[1]->isTransferRow(g))
                continue;
            const int step = runs[1]->stepOfRow(g);
            for (std::size_t c = 0; c < rows[0].size(); ++c) {
                if (runs[0]->stepOfRow(c) != step)
                    continue;
                if (rows[1][g].time.medianMs > 0)
                    rows[1][g].speedup = rows[0][c].time.medianMs / rows[1][g].time.medianMs;
                const int value = plan.steps[static_cast<std::size_t>(step)].output;
                rows[1][g].maxRelError = bench::maxRelativeError(runs[1]->hostValue(value), runs[0]->hostValue(value));
            }
        }
    }
    for (const Sink& sink : plan.sinks) {
        if (sink.kind == Sink::Kind::Show) {
            result.shown.push_back(sink.label);
        } else if (sink.kind == Sink::Kind::Save) {
            const Array array = runs.front()->hostValue(sink.value);
            try {
                if (std::filesystem::path(sink.path).extension() == ".npy")
                    saveNpy(sink.path, array);
                else
                    saveImage(sink.path, array);
            } catch (const Error& error) {
                result.error = RunError{sink.location, error.message()};
            }
        } else {
            CheckOutcome check{sink.label, sink.location, runs.size() == 2, true, 0, sink.rtol, sink.atol};
            if (check.compared) {
                const Array gpu = runs[1]->hostValue(sink.value);
                const Array reference = runs[0]->hostValue(sink.value);
                check.maxRelError = bench::maxRelativeError(gpu, reference);
                check.passed = allClose(cpu, gpu, reference, sink.rtol, sink.atol);
            }
            result.checks.push_back(check);
        }
    }
    for (auto& backendRows : rows) {
        double total = 0;
        for (StepFigures& figures : backendRows) {
            total += figures.time.medianMs;
            watcher.stepFinished(figures);
            result.steps.push_back(std::move(figures));
        }
        result.totalMs.push_back(total);
    }
    if (result.error)
        watcher.error(*result.error);
    watcher.runFinished(result);
    return result;
}

} // namespace wb::pipeline
