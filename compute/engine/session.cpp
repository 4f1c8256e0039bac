#include "session.h"

#include "array_preview.h"
#include "compile_worker.h"
#include "ops_json.h"
#include "request.h"

#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/op_registry.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>
#include <wb/version.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <thread>

namespace wb::engine {

namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// `memory` events come at least every 100 ms (docs/protocol.md); half that leaves room for
// a busy writer.
constexpr auto kMemoryPeriod = std::chrono::milliseconds(50);

// Text from outside (file names, messages quoting a pipeline) may hold invalid UTF-8; it is
// replaced rather than allowed to make a reply fail.
std::string dump(const json& message) { return message.dump(-1, ' ', false, json::error_handler_t::replace); }

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

json idJson(std::optional<std::int64_t> id) { return id ? json(*id) : json(nullptr); }

template <typename T> json optionalJson(const std::optional<T>& value) { return value ? json(*value) : json(nullptr); }

json shapeJson(const Shape& shape) { return std::vector<std::int64_t>(shape.begin(), shape.end()); }

json diagnosticsJson(const std::vector<pipeline::Diagnostic>& diagnostics, const std::string& file)
{
    json list = json::array();
    for (const pipeline::Diagnostic& diagnostic : diagnostics)
        list.push_back({{"line", diagnostic.location.line},
                        {"column", diagnostic.location.column},
                        {"length", diagnostic.length},
                        {"severity", diagnostic.severity == pipeline::Severity::Error ? "error" : "warning"},
                        {"message", diagnostic.message},
                        {"text", diagnostic.format(file)}});
    return list;
}

bool wantsGpu(const pipeline::RunOptions& options)
{
    return std::any_of(options.backends.begin(), options.backends.end(),
                       [](const std::string& backend) { return backend != "cpu"; });
}

json telemetryJson(const TelemetrySample& sample)
{
    json gpus = json::array();
    for (const GpuTelemetry& gpu : sample.gpus)
        gpus.push_back({{"index", gpu.index},
                        {"utilization_pct", optionalJson(gpu.utilizationPct)},
                        {"memory_used", optionalJson(gpu.memoryUsed)},
                        {"memory_total", optionalJson(gpu.memoryTotal)},
                        {"sm_clock_mhz", optionalJson(gpu.smClockMHz)},
                        {"power_w", optionalJson(gpu.powerW)},
                        {"temperature_c", optionalJson(gpu.temperatureC)}});
    return {{"type", "event"},
            {"event", "telemetry"},
            {"t_ms", sample.tMs},
            {"gpus", gpus},
            {"gpu_reason", sample.gpuReason.empty() ? json(nullptr) : json(sample.gpuReason)},
            {"cpu_load_pct", optionalJson(sample.cpuLoadPct)},
            {"process_cpu_pct", sample.processCpuPct}};
}

json event(const char* name, std::int64_t run) { return {{"type", "event"}, {"event", name}, {"run", run}}; }

} // namespace

struct Session::Impl {
    // What a run needs on its thread.
    struct Job {
        std::int64_t id = 0;
        pipeline::ParseResult parsed;
        pipeline::RunOptions options;
        std::string file;
        std::string source; // the pipeline's text: a tuning run's edits are made against it
        std::optional<std::string> note;
        Allocator* device = nullptr; // the GPU backend's, when a GPU runs
    };

    // The last finished run: what `fetch` serves.
    struct LastRun {
        std::int64_t id = 0;
        std::vector<std::string> backends;
        std::vector<std::map<std::string, Array>> values;
        std::string noValues; // why there are none, when there are none
    };

    Impl(ByteSource& source, ByteSink& sink, SessionOptions sessionOptions)
        : input(source)
        , options(std::move(sessionOptions))
        , writer(sink, options.trace)
        , reader(source, FrameLimits{kMaxJsonFrameBytes, 0}, options.trace)
    {
        if (options.testOps)
            pipeline::enableTestOps();
    }

    ~Impl()
    {
        {
            const std::lock_guard lock(runMutex);
            cancel = true;
        }
        if (runThread.joinable())
            runThread.join();
        stopTelemetry();
    }

    // ---- Output -------------------------------------------------------------------------

    // A message over the frame limit (a record of a huge pipeline) cannot go out: a reply
    // becomes an Internal error reply, so that the request still gets one; an event is dropped.
    void send(const json& message)
    {
        std::string text = dump(message);
        if (text.size() > kMaxJsonFrameBytes) {
            const bool isReply = message.value("type", "") == "reply";
            log("a " + std::string(isReply ? "reply" : "event") + " of " + std::to_string(text.size()) +
                " bytes is over the frame limit" + (isReply ? "" : "; dropped"));
            if (!isReply)
                return;
            text = dump({{"type", "reply"},
                         {"id", message["id"]},
                         {"ok", false},
                         {"error",
                          {{"code", codeName(ErrorCode::Internal)},
                           {"message", "the reply (" + std::to_string(text.size()) +
                                           " bytes) is over the protocol's limit of " +
                                           std::to_string(kMaxJsonFrameBytes) + " bytes for a JSON frame"}}}});
        }
        writer.write(kJsonFrame, text);
    }

    void reply(std::int64_t id, json fields = json::object())
    {
        json message = {{"type", "reply"}, {"id", id}, {"ok", true}};
        message.update(fields);
        send(message);
    }

    void replyError(std::optional<std::int64_t> id, std::string_view code, const std::string& text,
                    json fields = json::object())
    {
        json message = {{"type", "reply"}, {"id", idJson(id)}, {"ok", false}};
        message.update(fields);
        message["error"] = {{"code", code}, {"message", text}};
        send(message);
    }

    // The first end of the session wins.
    void setExit(int code)
    {
        int none = -1;
        exitCode.compare_exchange_strong(none, code);
    }

    // From a thread other than serve()'s: ends the session, once the frames in flight are out.
    void endFromThread(int code)
    {
        setExit(code);
        input.interrupt();
    }

    static void log(const std::string& text) { std::fprintf(stderr, "warpbench engine: %s\n", text.c_str()); }

    // ---- Frames in ----------------------------------------------------------------------

    void handle(ReadResult& read)
    {
        const std::string bytes = std::to_string(read.length) + " bytes";
        if (read.status == ReadStatus::Frame && read.kind == kJsonFrame) {
            handleJson(read.payload);
        } else if (read.kind == kBinaryFrame) {
            replyError(std::nullopt, codeName(ProtocolError::BadFrame),
                       "a binary frame (" + bytes + ") that no request announced: dropped");
        } else if (read.kind == kJsonFrame) {
            replyError(std::nullopt, codeName(ProtocolError::BadFrame),
                       "a JSON frame of " + bytes + ", over the limit of " + std::to_string(kMaxJsonFrameBytes) +
                           " bytes: dropped");
        } else {
            char kind[8];
            std::snprintf(kind, sizeof kind, "0x%02x", read.kind);
            replyError(std::nullopt, codeName(ProtocolError::BadFrame),
                       std::string("a frame of unknown kind ") + kind + " (" + bytes +
                           "; the kinds are 'J' 0x4a and 'B' 0x42): dropped");
        }
    }

    void handleJson(const std::string& payload)
    {
        auto parsed = parseRequest(payload);
        if (const auto* failure = std::get_if<RequestFailure>(&parsed)) {
            replyError(failure->id, failure->code, failure->message);
            return;
        }
        const Request& request = std::get<Request>(parsed);
        if (!helloDone && request.type != "hello") {
            replyError(request.id, codeName(ProtocolError::NotReady),
                       "'" + request.type + "' before hello: send hello with the protocol version first");
            return;
        }
        try {
            dispatch(request);
        } catch (const Error& error) {
            replyError(request.id, codeName(error.code()), error.message());
            // A fetch's download can be where a fault shows: nothing more can use the GPU.
            if (error.code() == ErrorCode::DeviceLost)
                setExit(kEngineExitDeviceLost);
        } catch (const std::bad_alloc&) {
            replyError(request.id, codeName(ErrorCode::OutOfMemory), "the engine ran out of host memory");
        } catch (const std::exception& error) {
            log("internal error serving '" + request.type + "': " + error.what());
            replyError(request.id, codeName(ErrorCode::Internal), error.what());
            setExit(kEngineExitInternal);
        }
    }

    void dispatch(const Request& request)
    {
        const std::int64_t id = request.id;
        std::visit(
            [&](const auto& body) {
                using Body = std::decay_t<decltype(body)>;
                if constexpr (std::is_same_v<Body, HelloRequest>)
                    hello(id, body);
                else if constexpr (std::is_same_v<Body, CheckRequest>)
                    check(id, body);
                else if constexpr (std::is_same_v<Body, RunRequest>)
                    startRun(id, body);
                else if constexpr (std::is_same_v<Body, CancelRequest>)
                    cancelRun(id, body);
                else if constexpr (std::is_same_v<Body, FetchRequest>)
                    fetch(id, body);
                else if constexpr (std::is_same_v<Body, TelemetryRequest>)
                    setTelemetry(id, body);
                else if constexpr (std::is_same_v<Body, CompileRequest>)
                    compile(id, body);
                else
                    shutdown(id);
            },
            request.body);
    }

    // ---- Requests -----------------------------------------------------------------------

    void hello(std::int64_t id, const HelloRequest& request)
    {
        if (request.protocol != kProtocolVersion) {
            replyError(id, codeName(ProtocolError::ProtocolMismatch),
                       "the client speaks protocol " + std::to_string(request.protocol) + " and this engine (" +
                           kVersionString + ") protocol " + std::to_string(kProtocolVersion) +
                           ": use a warpbench-cli of the client's version",
                       {{"protocol", kProtocolVersion}, {"engine", kVersionString}});
            setExit(kEngineExitProtocolMismatch);
            return;
        }
        json capabilities = json::array({"run", "check", "fetch", "telemetry", "cancel", "compile"});
        if (options.testOps)
            capabilities.push_back("test-ops");
        reply(id, {{"protocol", kProtocolVersion},
                   {"engine", kVersionString},
                   {"capabilities", capabilities},
                   {"devices", json::parse(bench::devicesJson())},
                   {"ops", opsJson()}});
        helloDone = true;
    }

    void check(std::int64_t id, const CheckRequest& request)
    {
        const pipeline::ParseResult parsed = pipeline::parseAndCheck(request.pipeline);
        std::vector<pipeline::Diagnostic> diagnostics = parsed.diagnostics;
        json names = json::array();
        if (parsed.ok()) {
            pipeline::RunOptions runOptions = pipeline::defaultRunOptions(parsed.program);
            runOptions.baseDirectory = request.directory;
            const pipeline::Inference inference = pipeline::infer(parsed.program, runOptions);
            diagnostics.insert(diagnostics.end(), inference.diagnostics.begin(), inference.diagnostics.end());
            std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
                return a.location.line != b.location.line ? a.location.line < b.location.line
                                                          : a.location.column < b.location.column;
            });
            for (const pipeline::InferredName& name : inference.names)
                names.push_back({{"name", name.name},
                                 {"line", name.location.line},
                                 {"column", name.location.column},
                                 {"shape", shapeJson(name.shape)},
                                 {"dtype", wb::name(name.dtype)}});
        }
        reply(id, {{"diagnostics", diagnosticsJson(diagnostics, request.file)}, {"names", names}});
    }

    void startRun(std::int64_t id, const RunRequest& request)
    {
        {
            const std::lock_guard lock(runMutex);
            if (activeRun) {
                replyError(id, codeName(ProtocolError::Busy),
                           "run " + std::to_string(*activeRun) + " is in progress: cancel it or wait for its reply");
                return;
            }
        }
        Job job;
        job.id = id;
        job.file = request.source.file;
        job.source = request.source.pipeline;
        job.parsed = pipeline::parseAndCheck(request.source.pipeline);
        const auto refuse = [&](const std::vector<pipeline::Diagnostic>& diagnostics) {
            const auto first = std::find_if(diagnostics.begin(), diagnostics.end(), [](const auto& diagnostic) {
                return diagnostic.severity == pipeline::Severity::Error;
            });
            replyError(id, codeName(ErrorCode::InvalidArgument),
                       "the pipeline has errors: " + (first != diagnostics.end() ? first->format(job.file) : ""),
                       {{"diagnostics", diagnosticsJson(diagnostics, job.file)}});
        };
        if (!job.parsed.ok()) {
            refuse(job.parsed.diagnostics);
            return;
        }
        pipeline::RunOptions& runOptions = job.options;
        runOptions = pipeline::defaultRunOptions(job.parsed.program);
        const RunOverrides& overrides = request.options;
        runOptions.backends = overrides.backends.value_or(runOptions.backends);
        runOptions.repeat = overrides.repeat.value_or(runOptions.repeat);
        runOptions.warmup = overrides.warmup.value_or(runOptions.warmup);
        runOptions.seed = overrides.seed.value_or(runOptions.seed);
        runOptions.threads = overrides.threads.value_or(runOptions.threads);
        runOptions.fuse = overrides.fuse.value_or(runOptions.fuse);
        runOptions.graph = overrides.graph.value_or(runOptions.graph);
        runOptions.baseDirectory = request.source.directory;
        runOptions.keepValues = true;
        job.note = pipeline::settleBackends(runOptions);
        const pipeline::Inference inference = pipeline::infer(job.parsed.program, runOptions);
        if (!inference.ok()) {
            refuse(inference.diagnostics);
            return;
        }
        if (wantsGpu(runOptions))
            job.device = &Runtime::instance().cuda(runOptions.device).allocator();
        // The thread of the run before has sent its reply, or is about to.
        if (runThread.joinable())
            runThread.join();
        {
            const std::lock_guard lock(runMutex);
            // Its arrays go now, not after this run: device memory is the scarce kind.
            if (last && !last->values.empty()) {
                last->values.clear();
                last->noValues = "the values of run " + std::to_string(last->id) + " were released when run " +
                                 std::to_string(id) + " started";
            }
            activeRun = id;
            runThreadBusy = true;
            cancel = false;
        }
        runThread = std::thread([this, job = std::move(job)]() mutable { runOnThread(std::move(job)); });
    }

    // Served by the compile worker, made at the first compile: a session that never compiles
    // has no thread for it.
    void compile(std::int64_t id, const CompileRequest& request)
    {
        if (!compiler)
            compiler = std::make_unique<CompileWorker>(
                [this](std::int64_t reqId, json fields) { reply(reqId, std::move(fields)); },
                [this](std::int64_t reqId, std::string_view code, const std::string& text) {
                    replyError(reqId, code, text);
                });
        compiler->submit(id, request);
    }

    void cancelRun(std::int64_t id, const CancelRequest& request)
    {
        const std::lock_guard lock(runMutex);
        if (!activeRun || *activeRun != request.run) {
            replyError(id, codeName(ErrorCode::InvalidArgument),
                       "run " + std::to_string(request.run) + " is not in progress");
            return;
        }
        cancel = true;
        reply(id, {{"run", request.run}});
    }

    void fetch(std::int64_t id, const FetchRequest& request)
    {
        LastRun run;
        {
            const std::lock_guard lock(runMutex);
            if (!last)
                fail(ErrorCode::InvalidArgument, "no run has finished yet");
            if (last->id != request.run)
                fail(ErrorCode::InvalidArgument, "values are kept for the last finished run only, run " +
                                                     std::to_string(last->id) + ", not run " +
                                                     std::to_string(request.run));
            run = *last;
        }
        if (run.values.empty())
            fail(ErrorCode::InvalidArgument, run.noValues);
        std::size_t backend = 0;
        if (request.backend) {
            const auto found = std::find(run.backends.begin(), run.backends.end(), *request.backend);
            if (found == run.backends.end()) {
                std::string names;
                for (const std::string& name : run.backends)
                    names += (names.empty() ? "" : ", ") + name;
                fail(ErrorCode::InvalidArgument,
                     "run " + std::to_string(run.id) + " ran on " + names + ", not on '" + *request.backend + "'");
            }
            backend = static_cast<std::size_t>(found - run.backends.begin());
        }
        const std::map<std::string, Array>& values = run.values[backend];
        const auto value = values.find(request.step);
        if (value == values.end()) {
            std::string labels;
            for (const auto& [label, array] : values)
                labels += (labels.empty() ? "" : ", ") + label;
            fail(ErrorCode::InvalidArgument, "run " + std::to_string(run.id) + " has no value '" + request.step +
                                                 "' on " + run.backends[backend] +
                                                 " (steps fused into another keep none); it has " + labels);
        }
        const Array& array = value->second;
        const Array host =
            array.place().isHost() ? array : toHost(Runtime::instance().backend(run.backends[backend]), array);
        const std::int64_t fitsFrame = kMaxBinaryFrameBytes / static_cast<std::int64_t>(sizeOf(host.dtype()));
        const std::vector<std::int64_t> strides =
            previewStrides(host.shape(), std::min(request.maxElements, fitsFrame));
        const std::string bytes = previewBytes(host, strides);
        const json message = {{"type", "reply"},
                              {"id", id},
                              {"ok", true},
                              {"run", run.id},
                              {"step", request.step},
                              {"backend", run.backends[backend]},
                              {"dtype", wb::name(host.dtype())},
                              {"shape", shapeJson(previewShape(host.shape(), strides))},
                              {"original_shape", shapeJson(host.shape())},
                              {"stride", strides},
                              {"bytes", bytes.size()}};
        writer.write({FrameView{kJsonFrame, dump(message)}, FrameView{kBinaryFrame, bytes}});
    }

    // Under telemetrySending, so that the reply comes after an event being sent and before
    // any at the new rate: none follows the reply that turns telemetry off.
    void setTelemetry(std::int64_t id, const TelemetryRequest& request)
    {
        const std::lock_guard sending(telemetrySending);
        {
            const std::lock_guard lock(telemetryMutex);
            telemetryRate = request.rateHz;
            ++telemetryGeneration;
            if (request.rateHz > 0 && !telemetryThread.joinable())
                telemetryThread = std::thread([this] { telemetryLoop(); });
        }
        telemetryWake.notify_all();
        reply(id, {{"rate_hz", request.rateHz}});
    }

    void shutdown(std::int64_t id)
    {
        stopRun();
        reply(id);
        setExit(kEngineExitOk);
    }

    // ---- The run's thread ---------------------------------------------------------------

    // Turns the executor's callbacks into events.
    class Observer final : public pipeline::RunObserver {
    public:
        Observer(Impl& session, std::int64_t run)
            : m_session(session)
            , m_run(run)
        {
        }

        void repetitionStarted(const std::string& backend, int index, bool warmup) override
        {
            json message = event("repetition", m_run);
            message.update({{"backend", backend}, {"index", index}, {"warmup", warmup}});
            m_session.send(message);
        }

        void stepStarted(const std::string& backend, const std::string& step, int line) override
        {
            json message = event("step_started", m_run);
            message.update({{"backend", backend}, {"step", step}, {"line", line}});
            m_session.send(message);
        }

        void tuningStarted(const std::string& step, int index, int count, const std::string& configuration) override
        {
            json message = event("tuning", m_run);
            message.update({{"step", step}, {"index", index}, {"count", count}, {"configuration", configuration}});
            m_session.send(message);
        }

        void stepFinished(const pipeline::StepFigures& figures) override
        {
            json message = event("step_finished", m_run);
            message.update(bench::stepJson(figures));
            // For a client on this machine to measure the event's latency (docs/protocol.md).
            message["sent_us"] =
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
            m_session.send(message);
        }

    private:
        Impl& m_session;
        std::int64_t m_run;
    };

    // `memory` events while a run is in progress: the first from the constructor, then from a
    // thread of its own every kMemoryPeriod, the last from stop(), so a run's first and last
    // memory events come after run_started and before run_finished whatever its length. Peaks
    // are the largest the allocators reported since the run started.
    class MemorySampler {
    public:
        MemorySampler(Impl& session, std::int64_t run, Allocator* device, Clock::time_point started)
            : m_session(session)
            , m_run(run)
            , m_device(device)
            , m_started(started)
        {
            sample();
            m_thread = std::thread([this] { loop(); });
        }
        ~MemorySampler() { stop(); }
        MemorySampler(const MemorySampler&) = delete;
        MemorySampler& operator=(const MemorySampler&) = delete;

        void stop()
        {
            {
                const std::lock_guard lock(m_mutex);
                m_stop = true;
            }
            m_wake.notify_all();
            if (!m_thread.joinable())
                return;
            m_thread.join();
            try {
                sample();
            } catch (const std::exception& error) {
                log(std::string("the last memory event failed: ") + error.what());
            }
        }

    private:
        void loop()
        {
            try {
                std::unique_lock lock(m_mutex);
                while (!m_wake.wait_for(lock, kMemoryPeriod, [this] { return m_stop; })) {
                    lock.unlock();
                    sample();
                    lock.lock();
                }
            } catch (const std::exception& error) {
                log(std::string("memory events stopped: ") + error.what());
            }
        }

        void sample()
        {
            const MemoryStats host = hostAllocator().stats();
            m_hostPeak = std::max({m_hostPeak, host.peakBytes, host.currentBytes});
            json message = event("memory", m_run);
            message["t_ms"] = msSince(m_started);
            if (m_device) {
                const MemoryStats device = m_device->stats();
                m_devicePeak = std::max({m_devicePeak, device.peakBytes, device.currentBytes});
                message["device_current"] = device.currentBytes;
                message["device_peak"] = m_devicePeak;
            } else {
                message["device_current"] = nullptr;
                message["device_peak"] = nullptr;
            }
            message["host_current"] = host.currentBytes;
            message["host_peak"] = m_hostPeak;
            m_session.send(message);
        }

        Impl& m_session;
        std::int64_t m_run;
        Allocator* m_device;
        Clock::time_point m_started;
        std::uint64_t m_hostPeak = 0;
        std::uint64_t m_devicePeak = 0;
        std::mutex m_mutex;
        std::condition_variable m_wake;
        bool m_stop = false;
        std::thread m_thread; // last: starts once the rest is set
    };

    void runOnThread(Job job)
    {
        const std::int64_t id = job.id;
        bool replied = false;
        try {
            json started = event("run_started", id);
            started["backends"] = job.options.backends;
            send(started);
            const Clock::time_point start = Clock::now();
            hostAllocator().resetPeak();
            if (job.device)
                job.device->resetPeak();
            Observer observer(*this, id);
            pipeline::RunResult result;
            {
                MemorySampler sampler(*this, id, job.device, start);
                try {
                    result = pipeline::run(job.parsed.program, job.options, &observer, &cancel);
                } catch (const Error& error) {
                    result.error = pipeline::RunError{{}, error.message(), error.code(), {}};
                }
            }
            if (job.note)
                result.notes.insert(result.notes.begin(), *job.note);
            // No request is read from here on, so none meets the lost device; the frames
            // below still go out before serve() returns.
            if (result.error && result.error->code == ErrorCode::DeviceLost)
                endFromThread(kEngineExitDeviceLost);
            json reply = {
                {"type", "reply"}, {"id", id}, {"ok", result.ok()}, {"run", id}, {"cancelled", result.cancelled}};
            if (result.error) {
                const pipeline::RunError& error = *result.error;
                const json step = error.step.empty() ? json(nullptr) : json(error.step);
                json failed = event("error", id);
                failed.update({{"step", step},
                               {"line", error.location.line},
                               {"column", error.location.column},
                               {"code", codeName(error.code)},
                               {"message", error.message},
                               {"kernel_diagnostics", bench::kernelDiagnosticsJson(error.kernelDiagnostics)}});
                send(failed);
                reply["error"] = {{"code", codeName(error.code)},
                                  {"message", error.message},
                                  {"step", step},
                                  {"line", error.location.line},
                                  {"column", error.location.column}};
            }
            json totals = json::object();
            for (std::size_t i = 0; i < result.totalMs.size() && i < result.backends.size(); ++i)
                totals[result.backends[i]] = result.totalMs[i];
            json finished = event("run_finished", id);
            finished.update({{"ok", result.ok()}, {"cancelled", result.cancelled}, {"total_ms", totals}});
            send(finished);
            reply["record"] =
                json::parse(bench::pipelineJson(job.file, job.parsed.program, job.options, result, job.source));
            {
                const std::lock_guard lock(runMutex);
                last = LastRun{id, result.backends, std::move(result.values), {}};
                if (last->values.empty())
                    last->noValues = "run " + std::to_string(id) + (result.cancelled ? " was cancelled" : " failed") +
                                     ", so it kept no values";
                activeRun.reset();
            }
            replied = true;
            send(reply);
        } catch (const std::exception& error) {
            log("internal error in run " + std::to_string(id) + ": " + error.what());
            {
                const std::lock_guard lock(runMutex);
                activeRun.reset();
            }
            if (!replied)
                replyError(id, codeName(ErrorCode::Internal), error.what(), {{"run", id}});
            endFromThread(kEngineExitInternal);
        }
        {
            const std::lock_guard lock(runMutex);
            runThreadBusy = false;
        }
        runDone.notify_all();
    }

    // Cancels a run in progress and waits for its reply, for at most the grace period.
    void stopRun()
    {
        std::unique_lock lock(runMutex);
        if (!runThreadBusy)
            return;
        cancel = true;
        if (!runDone.wait_for(lock, options.stopGrace, [this] { return !runThreadBusy; }))
            log("run " + (activeRun ? std::to_string(*activeRun) : std::string("?")) + " did not stop within " +
                std::to_string(options.stopGrace.count()) + " ms of being cancelled; leaving it");
    }

    // ---- Telemetry ----------------------------------------------------------------------

    void telemetryLoop()
    {
        try {
            std::unique_lock lock(telemetryMutex);
            while (!telemetryStop) {
                if (telemetryRate <= 0) {
                    telemetryWake.wait(lock, [this] { return telemetryStop || telemetryRate > 0; });
                    continue;
                }
                const auto period = std::chrono::duration<double>(1.0 / telemetryRate);
                const std::uint64_t generation = telemetryGeneration;
                lock.unlock();
                {
                    const std::lock_guard sending(telemetrySending);
                    bool on = false;
                    {
                        const std::lock_guard check(telemetryMutex);
                        on = !telemetryStop && telemetryRate > 0;
                    }
                    if (on)
                        send(telemetryJson(sampleTelemetry()));
                }
                lock.lock();
                telemetryWake.wait_for(lock, period,
                                       [&] { return telemetryStop || telemetryGeneration != generation; });
            }
        } catch (const std::exception& error) {
            log(std::string("internal error in telemetry: ") + error.what());
            endFromThread(kEngineExitInternal);
        }
    }

    TelemetrySample sampleTelemetry()
    {
        if (options.telemetry)
            return options.telemetry();
        if (!telemetry)
            telemetry = std::make_unique<Telemetry>();
        return telemetry->sample();
    }

    void stopTelemetry()
    {
        {
            const std::lock_guard lock(telemetryMutex);
            telemetryStop = true;
        }
        telemetryWake.notify_all();
        if (telemetryThread.joinable())
            telemetryThread.join();
    }

    // Stops what serve() started; a run that does not stop in time is left running.
    void finish()
    {
        stopRun();
        stopTelemetry();
        compiler.reset(); // after the compile in progress, if any, has replied
        bool running = false;
        {
            const std::lock_guard lock(runMutex);
            running = runThreadBusy;
        }
        if (!running && runThread.joinable())
            runThread.join();
    }

    ByteSource& input;
    SessionOptions options;
    FrameWriter writer;
    FrameReader reader;
    bool helloDone = false;
    std::atomic<int> exitCode{-1};

    mutable std::mutex runMutex;
    std::condition_variable runDone;
    // Guarded by runMutex: the run in progress, cleared just before its reply so that the
    // client may send the next one at once; and whether its thread has yet to send it.
    std::optional<std::int64_t> activeRun;
    bool runThreadBusy = false;
    std::optional<LastRun> last; // guarded by runMutex
    std::atomic<bool> cancel{false};
    std::thread runThread;

    std::mutex telemetrySending; // taken before telemetryMutex
    std::mutex telemetryMutex;
    std::condition_variable telemetryWake;
    double telemetryRate = 0; // guarded by telemetryMutex, as the two below
    std::uint64_t telemetryGeneration = 0;
    bool telemetryStop = false;
    std::thread telemetryThread;
    std::unique_ptr<Telemetry> telemetry; // the telemetry thread's

    std::unique_ptr<CompileWorker> compiler; // last: it replies through the members above
};

Session::Session(ByteSource& input, ByteSink& output, SessionOptions options)
    : m_impl(std::make_unique<Impl>(input, output, std::move(options)))
{
}

Session::~Session() = default;

int Session::serve()
{
    Impl& impl = *m_impl;
    try {
        impl.send({{"magic", kGreetingMagic}, {"protocol", kProtocolVersion}, {"engine", kVersionString}});
        while (impl.exitCode.load() < 0) {
            ReadResult read = impl.reader.next();
            if (read.status == ReadStatus::Interrupted)
                break;
            if (read.status == ReadStatus::End || read.status == ReadStatus::Truncated) {
                if (read.status == ReadStatus::Truncated)
                    Impl::log("the input ended inside a frame; the client has gone");
                impl.setExit(kEngineExitOk);
                break;
            }
            impl.handle(read);
        }
        impl.finish();
    } catch (const std::exception& error) {
        Impl::log(std::string("internal error: ") + error.what());
        impl.setExit(kEngineExitInternal);
        try {
            impl.finish();
        } catch (const std::exception&) {
        }
    }
    const int code = impl.exitCode.load();
    return code < 0 ? kEngineExitOk : code;
}

bool Session::runInProgress() const
{
    const std::lock_guard lock(m_impl->runMutex);
    return m_impl->runThreadBusy;
}

} // namespace wb::engine
