// The engine session in process (docs/protocol.md): a Session served on a thread over pipes,
// or over string streams, driven as the workbench drives it. Test ops are enabled for the
// whole process where a case needs a run that takes a known time (test_hang).

#include "engine_client.h"

#include "engine/frame.h"
#include "engine/request.h"
#include "engine/session.h"

#include <wb/device.h>
#include <wb/engine.h>
#include <wb/version.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace wb::test {
namespace {

using engine::kBinaryFrame;
using engine::kJsonFrame;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string jsonFrame(const json& message)
{
    return engine::frameHeader(kJsonFrame, message.dump().size()) + message.dump();
}
std::string rawFrame(std::uint8_t kind, const std::string& payload)
{
    return engine::frameHeader(kind, static_cast<std::uint32_t>(payload.size())) + payload;
}

const json kHello = {{"type", "hello"}, {"id", 0}, {"protocol", engine::kProtocolVersion}, {"client", "test"}};

json runRequest(std::int64_t id, const std::string& pipeline, json options = json::object())
{
    return {{"type", "run"}, {"id", id}, {"pipeline", pipeline}, {"file", "test.wbp"}, {"options", options}};
}

// The session's output frames, read back from a string.
std::vector<engine::ReadResult> framesOf(const std::string& bytes)
{
    std::istringstream in(bytes);
    engine::StreamSource source(in);
    engine::FrameReader reader(source);
    std::vector<engine::ReadResult> frames;
    for (;;) {
        engine::ReadResult frame = reader.next();
        if (frame.status != engine::ReadStatus::Frame)
            break;
        frames.push_back(std::move(frame));
    }
    return frames;
}

// A whole session over string streams: `input` in, every frame out, and serve()'s status.
struct StreamSession {
    int status = -1;
    std::vector<json> frames;
};

StreamSession serveStreams(const std::string& input, engine::SessionOptions options = {})
{
    std::istringstream in(input);
    std::ostringstream out;
    engine::StreamSource source(in);
    engine::StreamSink sink(out);
    StreamSession result;
    {
        engine::Session session(source, sink, std::move(options));
        result.status = session.serve();
    }
    for (const engine::ReadResult& frame : framesOf(out.str())) {
        if (frame.kind == kJsonFrame)
            result.frames.push_back(json::parse(frame.payload));
    }
    return result;
}

const json& replyTo(const std::vector<json>& frames, std::int64_t id)
{
    for (const json& frame : frames)
        if (frame.value("type", "") == "reply" && frame["id"] == id)
            return frame;
    throw std::runtime_error("no reply to " + std::to_string(id));
}

int repliesTo(const std::vector<json>& frames, const json& id)
{
    return static_cast<int>(std::count_if(frames.begin(), frames.end(), [&](const json& frame) {
        return frame.value("type", "") == "reply" && frame["id"] == id;
    }));
}

// Reads until the step_started event of `step`.
void waitForStep(EngineClient& client, const std::string& step)
{
    for (;;) {
        const json frame = client.next();
        if (frame.value("event", "") == "step_started" && frame["step"] == step)
            return;
    }
}

engine::SessionOptions withTestOps()
{
    engine::SessionOptions options;
    options.testOps = true;
    options.stopGrace = std::chrono::milliseconds(3000);
    return options;
}

// ---- Handshake ----------------------------------------------------------------------------

TEST(EngineSession, GreetsThenAnswersHelloWithWhatItHas)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    const json greeting = client.next();
    EXPECT_EQ(greeting, json({{"magic", "warpbench-engine"}, {"protocol", 1}, {"engine", kVersionString}}));
    const json reply = client.request(kHello);
    EXPECT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["protocol"], engine::kProtocolVersion);
    EXPECT_EQ(reply["engine"], kVersionString);
    EXPECT_EQ(reply["capabilities"], json::array({"run", "check", "fetch", "telemetry", "cancel", "compile"}));
    EXPECT_EQ(reply["devices"]["command"], "devices");
    EXPECT_TRUE(reply["devices"].contains("host"));
    EXPECT_TRUE(reply["devices"].contains("cuda"));
    const json& ops = reply["ops"];
    ASSERT_TRUE(ops.is_array());
    const auto gaussian = std::find_if(ops.begin(), ops.end(), [](const json& op) { return op["name"] == "gaussian"; });
    ASSERT_NE(gaussian, ops.end());
    EXPECT_EQ((*gaussian)["category"], "image");
    EXPECT_EQ((*gaussian)["params"][3]["choices"], json::array({"reflect101", "replicate", "constant"}));
    EXPECT_EQ((*gaussian)["params"][2]["maximum"], 129.0);
    client.closeInput();
    EXPECT_EQ(engine.status(), engine::kEngineExitOk);
}

TEST(EngineSession, TestOpsAreACapabilityWhenOffered)
{
    InProcessEngine engine(withTestOps());
    const json reply = engine.client().hello();
    EXPECT_EQ(reply["capabilities"].back(), "test-ops");
    const json& ops = reply["ops"];
    EXPECT_TRUE(std::any_of(ops.begin(), ops.end(), [](const json& op) { return op["name"] == "test_hang"; }));
}

TEST(EngineSession, AnotherProtocolIsRefusedAndEndsTheSession)
{
    const StreamSession session = serveStreams(
        jsonFrame({{"type", "hello"}, {"id", 3}, {"protocol", 2}, {"client", "future"}}) + jsonFrame(kHello));
    EXPECT_EQ(session.status, engine::kEngineExitProtocolMismatch);
    ASSERT_EQ(session.frames.size(), 2u); // the greeting and the refusal; the second hello is never read
    const json& reply = session.frames[1];
    EXPECT_EQ(reply["id"], 3);
    EXPECT_FALSE(reply["ok"].get<bool>());
    EXPECT_EQ(reply["error"]["code"], "ProtocolMismatch");
    const std::string message = reply["error"]["message"];
    EXPECT_TRUE(contains(message, "protocol 2")) << message;
    EXPECT_TRUE(contains(message, "protocol 1")) << message;
    EXPECT_EQ(reply["protocol"], 1);
}

TEST(EngineSession, RequestsBeforeHelloAreNotReady)
{
    const StreamSession session = serveStreams(jsonFrame({{"type", "check"}, {"id", 1}, {"pipeline", "a = rand(4)"}}) +
                                               jsonFrame({{"type", "shutdown"}, {"id", 2}}) + jsonFrame(kHello) +
                                               jsonFrame({{"type", "check"}, {"id", 4}, {"pipeline", "a = rand(4)"}}));
    EXPECT_EQ(session.status, engine::kEngineExitOk);
    EXPECT_EQ(replyTo(session.frames, 1)["error"]["code"], "NotReady");
    EXPECT_EQ(replyTo(session.frames, 2)["error"]["code"], "NotReady");
    EXPECT_TRUE(replyTo(session.frames, 0)["ok"].get<bool>());
    EXPECT_TRUE(replyTo(session.frames, 4)["ok"].get<bool>());
}

// ---- check --------------------------------------------------------------------------------

TEST(EngineSession, CheckGivesDiagnosticsAndInferredNames)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json bad = client.request(
        {{"type", "check"}, {"id", 1}, {"pipeline", "a = rand(4, 4)\nb = gausian(a, 2)\n"}, {"file", "blur.wbp"}});
    ASSERT_TRUE(bad["ok"].get<bool>()) << bad.dump();
    ASSERT_EQ(bad["diagnostics"].size(), 1u) << bad.dump();
    const json& diagnostic = bad["diagnostics"][0];
    EXPECT_EQ(diagnostic["line"], 2);
    EXPECT_EQ(diagnostic["column"], 5);
    EXPECT_EQ(diagnostic["length"], 7);
    EXPECT_EQ(diagnostic["severity"], "error");
    EXPECT_TRUE(contains(diagnostic["message"], "unknown function 'gausian'")) << diagnostic.dump();
    EXPECT_TRUE(contains(diagnostic["message"], "gaussian")) << diagnostic.dump();
    EXPECT_EQ(diagnostic["text"].get<std::string>().rfind("blur.wbp:2:5: error: ", 0), 0u) << diagnostic.dump();
    EXPECT_TRUE(bad["names"].empty());

    const json good = client.request(
        {{"type", "check"}, {"id", 2}, {"pipeline", "a = rand(3, 5, dtype=f64)\nb = a @ rand(5, 2, dtype=f64)\n"}});
    ASSERT_TRUE(good["diagnostics"].empty()) << good.dump();
    ASSERT_EQ(good["names"].size(), 2u);
    EXPECT_EQ(good["names"][1], json({{"name", "b"}, {"line", 2}, {"column", 1}, {"shape", {3, 2}}, {"dtype", "f64"}}));

    // Inference finds what the checker cannot: shapes that do not fit.
    const json shapes =
        client.request({{"type", "check"}, {"id", 3}, {"pipeline", "a = rand(3, 5)\nb = a @ rand(4, 2)\n"}});
    ASSERT_EQ(shapes["diagnostics"].size(), 1u) << shapes.dump();
    EXPECT_EQ(shapes["diagnostics"][0]["line"], 2);
    EXPECT_EQ(shapes["names"].size(), 1u);
}

// ---- run ----------------------------------------------------------------------------------

TEST(EngineSession, RunSendsItsEventsInOrderAndExactlyOneReply)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    ASSERT_TRUE(client.send(runRequest(7, "A = rand(32, 32, seed=1)\nB = A @ A\nshow(B)\n",
                                       {{"repeat", 3}, {"warmup", 1}, {"backends", {"cpu"}}})));
    const std::vector<json> frames = client.until(7);
    const std::vector<std::string> names = eventNames(frames);
    ASSERT_GE(names.size(), 4u);
    EXPECT_EQ(names.front(), "run_started");
    EXPECT_EQ(names.back(), "run_finished");
    EXPECT_EQ(std::count(names.begin(), names.end(), "run_started"), 1);
    EXPECT_EQ(std::count(names.begin(), names.end(), "run_finished"), 1);
    EXPECT_EQ(std::count(names.begin(), names.end(), "repetition"), 4);
    EXPECT_EQ(std::count(names.begin(), names.end(), "step_started"), 8);
    EXPECT_EQ(std::count(names.begin(), names.end(), "step_finished"), 2);
    EXPECT_GE(std::count(names.begin(), names.end(), "memory"), 2);
    EXPECT_EQ(std::count(names.begin(), names.end(), "error"), 0);

    const json& started = frames.front();
    EXPECT_EQ(started["run"], 7);
    EXPECT_EQ(started["backends"], json::array({"cpu"}));
    int repetition = -1;
    double lastMemoryMs = -1;
    std::vector<std::string> finishedSteps;
    for (const json& frame : frames) {
        if (frame["type"] != "event")
            continue;
        EXPECT_EQ(frame["run"], 7) << frame.dump();
        const std::string event = frame["event"];
        if (event == "repetition") {
            EXPECT_EQ(frame["index"], repetition + 1);
            repetition = frame["index"];
            EXPECT_EQ(frame["warmup"], repetition == 0);
            EXPECT_EQ(frame["backend"], "cpu");
        } else if (event == "step_started") {
            EXPECT_GE(repetition, 0) << "a step before its repetition";
            EXPECT_EQ(frame["backend"], "cpu");
        } else if (event == "step_finished") {
            EXPECT_EQ(repetition, 3) << "step_finished comes with the last repetition";
            EXPECT_EQ(frame["n"], 3);
            EXPECT_GT(frame["median_ms"].get<double>(), 0.0);
            finishedSteps.push_back(frame["step"]);
        } else if (event == "memory") {
            EXPECT_GE(frame["t_ms"].get<double>(), lastMemoryMs);
            lastMemoryMs = frame["t_ms"];
            EXPECT_TRUE(frame["device_current"].is_null());
            EXPECT_GE(frame["host_peak"].get<std::uint64_t>(), frame["host_current"].get<std::uint64_t>());
        }
    }
    EXPECT_EQ(finishedSteps, (std::vector<std::string>{"A", "B"}));
    const json& finished = frames[frames.size() - 2];
    EXPECT_EQ(finished["event"], "run_finished");
    EXPECT_TRUE(finished["ok"].get<bool>());
    EXPECT_FALSE(finished["cancelled"].get<bool>());
    EXPECT_GT(finished["total_ms"]["cpu"].get<double>(), 0.0);

    const json& reply = frames.back();
    EXPECT_TRUE(reply["ok"].get<bool>());
    EXPECT_EQ(reply["run"], 7);
    EXPECT_FALSE(reply["cancelled"].get<bool>());
    EXPECT_FALSE(reply.contains("error"));
    const json& record = reply["record"];
    EXPECT_EQ(record["command"], "run");
    EXPECT_EQ(record["parameters"]["pipeline"], "test.wbp");
    EXPECT_EQ(record["parameters"]["repeat"], 3);
    EXPECT_EQ(record["steps"].size(), 2u);
    EXPECT_EQ(record["shown"], json::array({"B"}));
    EXPECT_TRUE(record["ok"].get<bool>());

    // Nothing more for the run: the next frame is the reply to the next request.
    const json check = client.request({{"type", "check"}, {"id", 8}, {"pipeline", "a = rand(2)"}});
    EXPECT_TRUE(check["ok"].get<bool>());
}

TEST(EngineSession, MemoryEventsComeAtLeastEvery100MsDuringARun)
{
    InProcessEngine engine(withTestOps());
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = test_hang(seconds=0.6)\n", {{"repeat", 1}, {"warmup", 0}}));
    const std::vector<json> frames = client.until(1);
    std::vector<double> times;
    for (const json& frame : frames)
        if (frame.value("event", "") == "memory")
            times.push_back(frame["t_ms"]);
    ASSERT_GE(times.size(), 6u) << "a 600 ms run gets a memory event at least every 100 ms";
    EXPECT_LT(times.front(), 50.0);
    EXPECT_GE(times.back(), 600.0);
    for (std::size_t i = 1; i < times.size(); ++i)
        EXPECT_LE(times[i] - times[i - 1], 100.0) << "between memory events " << i - 1 << " and " << i;
}

TEST(EngineSession, CancelStopsARunBetweenRepetitions)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(5, "@repeat 100000\nA = rand(96, 96)\nB = A @ A\n"));
    // Wait for the run to be well under way, then cancel it.
    for (;;) {
        const json frame = client.next();
        if (frame.value("event", "") == "repetition" && frame["index"] == 3)
            break;
    }
    const auto cancelled = std::chrono::steady_clock::now();
    client.send({{"type", "cancel"}, {"id", 6}, {"run", 5}});
    const std::vector<json> frames = client.until(5);
    EXPECT_LT(std::chrono::steady_clock::now() - cancelled, std::chrono::seconds(5));
    ASSERT_EQ(repliesTo(frames, 6), 1);
    EXPECT_TRUE(replyTo(frames, 6)["ok"].get<bool>());
    const json& reply = frames.back();
    EXPECT_TRUE(reply["cancelled"].get<bool>());
    EXPECT_FALSE(reply["ok"].get<bool>());
    EXPECT_FALSE(reply.contains("error"));
    EXPECT_TRUE(reply["record"]["cancelled"].get<bool>());
    const json& finished = frames[frames.size() - 2];
    EXPECT_EQ(finished["event"], "run_finished");
    EXPECT_TRUE(finished["cancelled"].get<bool>());

    // That run is over: cancelling it again is refused, and its values were not kept.
    const json again = client.request({{"type", "cancel"}, {"id", 7}, {"run", 5}});
    EXPECT_FALSE(again["ok"].get<bool>());
    EXPECT_EQ(again["error"]["code"], "InvalidArgument");
    const json fetched = client.request({{"type", "fetch"}, {"id", 8}, {"run", 5}, {"step", "B"}});
    EXPECT_EQ(fetched["error"]["code"], "InvalidArgument");
    EXPECT_TRUE(contains(fetched["error"]["message"], "cancelled")) << fetched.dump();
}

TEST(EngineSession, CancelDuringTestHangStopsTheRunWhenTheHangEnds)
{
    InProcessEngine engine(withTestOps());
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = test_hang(seconds=0.5)\nb = rand(8)\n", {{"repeat", 1}, {"warmup", 0}}));
    waitForStep(client, "a");
    client.send({{"type", "cancel"}, {"id", 2}, {"run", 1}});
    const std::vector<json> frames = client.until(1);
    EXPECT_TRUE(replyTo(frames, 2)["ok"].get<bool>());
    EXPECT_TRUE(frames.back()["cancelled"].get<bool>());
    for (const json& frame : frames)
        EXPECT_FALSE(frame.value("event", "") == "step_started" && frame["step"] == "b")
            << "the step after the hang ran";
}

TEST(EngineSession, ASecondRunWhileOneRunsIsBusy)
{
    InProcessEngine engine(withTestOps());
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = test_hang(seconds=0.4)\n", {{"repeat", 1}, {"warmup", 0}}));
    EXPECT_EQ(client.next()["event"], "run_started");
    client.send(runRequest(2, "b = rand(4)\n"));
    const std::vector<json> frames = client.until(2);
    EXPECT_EQ(frames.back()["error"]["code"], "Busy");
    EXPECT_TRUE(contains(frames.back()["error"]["message"], "run 1")) << frames.back().dump();
    EXPECT_EQ(repliesTo(frames, 1), 0);
    const std::vector<json> first = client.until(1);
    EXPECT_TRUE(first.back()["ok"].get<bool>()) << first.back().dump();
    // Once it has replied, the next run starts.
    const json next = client.request(runRequest(3, "b = rand(4)\n"));
    EXPECT_TRUE(next["ok"].get<bool>()) << next.dump();
}

TEST(EngineSession, ARunThatDoesNotCheckIsRefusedWithItsDiagnostics)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::vector<json> frames = (client.send(runRequest(1, "a = rand(4)\nb = frobnicate(a)\n")), client.until(1));
    ASSERT_EQ(frames.size(), 1u) << "a refused run sends no events";
    const json& reply = frames.back();
    EXPECT_FALSE(reply["ok"].get<bool>());
    EXPECT_EQ(reply["error"]["code"], "InvalidArgument");
    EXPECT_TRUE(contains(reply["error"]["message"], "test.wbp:2:5: error: unknown function")) << reply.dump();
    EXPECT_EQ(reply["diagnostics"].size(), 1u);
    EXPECT_FALSE(reply.contains("record"));

    const json shapes = client.request(runRequest(2, "a = rand(4, 3)\nb = a @ a\n"));
    EXPECT_EQ(shapes["error"]["code"], "InvalidArgument");
    EXPECT_EQ(shapes["diagnostics"][0]["line"], 2);
}

TEST(EngineSession, AGpuOnlyRunWithoutAGpuIsUnavailable)
{
    if (Runtime::instance().cudaStatus().available)
        GTEST_SKIP() << "this machine has a GPU";
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json reply = client.request(runRequest(1, "a = rand(4)\n", {{"backends", {"gpu"}}}));
    EXPECT_EQ(reply["error"]["code"], "Unavailable");
    EXPECT_TRUE(contains(reply["error"]["message"], "no GPU")) << reply.dump();
    const json both = client.request(runRequest(2, "a = rand(4)\n", {{"backends", {"cpu", "gpu"}}}));
    EXPECT_TRUE(both["ok"].get<bool>()) << both.dump();
    EXPECT_EQ(both["record"]["parameters"]["backends"], json::array({"cpu"}));
    EXPECT_TRUE(contains(both["record"]["notes"][0], "running on the CPU only")) << both["record"].dump();
}

TEST(EngineSession, AStepThatFailsGivesAnErrorEventAndAFailedReply)
{
    InProcessEngine engine(withTestOps());
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(4, "a = rand(4)\nx = test_gpu_fault()\n", {{"backends", {"cpu"}}}));
    const std::vector<json> frames = client.until(4);
    const std::vector<std::string> names = eventNames(frames);
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names[names.size() - 2], "error");
    EXPECT_EQ(names.back(), "run_finished");
    const json& error = frames[frames.size() - 3];
    EXPECT_EQ(error["step"], "x");
    EXPECT_EQ(error["line"], 2);
    EXPECT_EQ(error["code"], "Unsupported");
    EXPECT_TRUE(contains(error["message"], "GPU")) << error.dump();
    const json& reply = frames.back();
    EXPECT_FALSE(reply["ok"].get<bool>());
    EXPECT_FALSE(reply["cancelled"].get<bool>());
    EXPECT_EQ(reply["error"]["code"], "Unsupported");
    EXPECT_EQ(reply["error"]["step"], "x");
    EXPECT_FALSE(reply["record"]["error"].is_null());
    // The engine stays up after a failure that is not a lost device.
    EXPECT_TRUE(client.request({{"type", "check"}, {"id", 5}, {"pipeline", "a = rand(2)"}})["ok"].get<bool>());
}

// ---- fetch --------------------------------------------------------------------------------

TEST(EngineSession, FetchStridesEachAxisAndSendsTheBinaryFrame)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json run = client.request(
        runRequest(1, "r = arange(100)\nm = rand(64, 48, seed=3, dtype=f64)\n", {{"repeat", 1}, {"warmup", 0}}));
    ASSERT_TRUE(run["ok"].get<bool>()) << run.dump();

    client.send({{"type", "fetch"}, {"id", 2}, {"run", 1}, {"step", "r"}, {"max_elements", 10}});
    const json reply = client.next();
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["id"], 2);
    EXPECT_EQ(reply["dtype"], "f32");
    EXPECT_EQ(reply["shape"], json::array({10}));
    EXPECT_EQ(reply["original_shape"], json::array({100}));
    EXPECT_EQ(reply["stride"], json::array({10}));
    EXPECT_EQ(reply["bytes"], 40);
    EXPECT_EQ(reply["backend"], "cpu");
    engine::ReadResult binary = client.nextFrame();
    ASSERT_EQ(binary.status, engine::ReadStatus::Frame);
    ASSERT_EQ(binary.kind, kBinaryFrame);
    ASSERT_EQ(binary.payload.size(), 40u);
    for (int i = 0; i < 10; ++i) {
        float value = 0;
        std::memcpy(&value, binary.payload.data() + 4 * i, 4);
        EXPECT_EQ(value, 10.0f * i);
    }

    // The whole matrix, then a cut-down one: every kept element is the one at its strides.
    client.send({{"type", "fetch"}, {"id", 3}, {"run", 1}, {"step", "m"}, {"backend", "cpu"}});
    const json whole = client.next();
    EXPECT_EQ(whole["stride"], json::array({1, 1}));
    const std::string all = client.nextFrame().payload;
    ASSERT_EQ(all.size(), 64u * 48u * 8u);
    client.send({{"type", "fetch"}, {"id", 4}, {"run", 1}, {"step", "m"}, {"max_elements", 100}});
    const json cut = client.next();
    const std::vector<std::int64_t> stride = cut["stride"];
    const std::vector<std::int64_t> shape = cut["shape"];
    ASSERT_EQ(stride.size(), 2u);
    EXPECT_LE(shape[0] * shape[1], 100);
    EXPECT_EQ(shape[0], (64 + stride[0] - 1) / stride[0]);
    EXPECT_EQ(shape[1], (48 + stride[1] - 1) / stride[1]);
    const std::string kept = client.nextFrame().payload;
    ASSERT_EQ(kept.size(), static_cast<std::size_t>(shape[0] * shape[1] * 8));
    EXPECT_EQ(cut["bytes"], kept.size());
    for (std::int64_t i = 0; i < shape[0]; ++i)
        for (std::int64_t j = 0; j < shape[1]; ++j)
            EXPECT_EQ(std::memcmp(kept.data() + (i * shape[1] + j) * 8,
                                  all.data() + (i * stride[0] * 48 + j * stride[1]) * 8, 8),
                      0)
                << i << ", " << j;
}

TEST(EngineSession, AFailedChecksDifferenceIsInTheRecordAndCanBeFetched)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json run = client.request(runRequest(1, "a = arange(6)\nb = full(6, value=1)\ncheck(a, ref=b, atol=2.5)\n",
                                               {{"repeat", 1}, {"warmup", 0}}));
    EXPECT_FALSE(run["ok"].get<bool>()) << run.dump();
    const json& check = run["record"]["checks"].at(0);
    EXPECT_FALSE(check["passed"].get<bool>());
    ASSERT_EQ(check["differences"].size(), 1u) << check.dump();
    const json& difference = check["differences"][0];
    EXPECT_EQ(difference["backend"], "cpu");
    EXPECT_EQ(difference["label"], "|a - b|");
    EXPECT_EQ(difference["max_index"], json::array({5}));
    EXPECT_EQ(difference["value"], 5.0);
    EXPECT_EQ(difference["reference"], 1.0);
    EXPECT_EQ(difference["max_abs_error"], 4.0);
    EXPECT_EQ(difference["out_of_tolerance"], 2); // |4 - 1| and |5 - 1| pass atol 2.5
    EXPECT_EQ(difference["elements"], 6);

    // Fetched like a step's value: |i - 1| per element, f32.
    client.send({{"type", "fetch"}, {"id", 2}, {"run", 1}, {"step", "|a - b|"}});
    const json reply = client.next();
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["dtype"], "f32");
    EXPECT_EQ(reply["shape"], json::array({6}));
    const std::string bytes = client.nextFrame().payload;
    ASSERT_EQ(bytes.size(), 24u);
    for (int i = 0; i < 6; ++i) {
        float value = 0;
        std::memcpy(&value, bytes.data() + 4 * i, 4);
        EXPECT_EQ(value, static_cast<float>(std::abs(i - 1))) << i;
    }
}

TEST(EngineSession, ATuningRunsRecordGivesEachConfigurationItsEditsOfTheSource)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::string launch = "y = launch(\"" WARPBENCH_KERNELS_DIR "/saxpy.cu:saxpy\", args=(1000, 2.0, x, y0))";
    const json run = client.request(runRequest(1,
                                               "@tune block 128, 512\nx = rand(1000, seed=1)\ny0 = zeros(1000)\n" +
                                                   launch + "\ncheck(y, ref=2.0 * x + y0)\n",
                                               {{"repeat", 1}, {"warmup", 0}}));
    ASSERT_TRUE(run["ok"].get<bool>()) << run.dump();
    const json& tuning = run["record"]["tuning"];
    EXPECT_EQ(tuning["note"], "not tuned: launch() runs on the GPU, and this run has none");
    ASSERT_EQ(tuning["configurations"].size(), 2u) << tuning.dump();
    // No block= in the text: the edit adds one before the call's ')'.
    const json edits = tuning["configurations"][1]["edits"];
    ASSERT_EQ(edits.size(), 1u) << tuning.dump();
    EXPECT_EQ(edits[0]["line"], 4);
    EXPECT_EQ(edits[0]["column"], static_cast<int>(launch.size()));
    EXPECT_EQ(edits[0]["length"], 0);
    EXPECT_EQ(edits[0]["text"], ", block=512");
}

// A tuning run tells the window which configuration it tries: a `tuning` event before each,
// after the ordinary run's steps. Needs a GPU: without one the engine drops "gpu" from the
// run's backends and nothing is tuned (Tuning.WithoutTheGpu... in test_pipeline hears the
// executor's calls that become these events).
TEST(EngineSession, ATuningRunSendsAnEventBeforeEachConfiguration)
{
    if (const wb::CudaStatus& cuda = wb::Runtime::instance().cudaStatus(); !cuda.available)
        GTEST_SKIP() << cuda.reason;
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const std::string launch = "y = launch(\"" WARPBENCH_KERNELS_DIR "/saxpy.cu:saxpy\", args=(1000, 2.0, x, y0))";
    ASSERT_TRUE(client.send(runRequest(3,
                                       "@tune block 128, 512\nx = rand(1000, seed=1)\ny0 = zeros(1000)\n" + launch +
                                           "\ncheck(y, ref=2.0 * x + y0)\n",
                                       {{"repeat", 1}, {"warmup", 0}, {"backends", {"cpu", "gpu"}}})));
    const std::vector<json> frames = client.until(3);
    std::vector<json> tuning;
    for (const json& frame : frames)
        if (frame.value("event", "") == "tuning")
            tuning.push_back(frame);
    ASSERT_EQ(tuning.size(), 2u);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(tuning[i]["run"], 3);
        EXPECT_EQ(tuning[i]["step"], "y");
        EXPECT_EQ(tuning[i]["index"], i);
        EXPECT_EQ(tuning[i]["count"], 2);
    }
    EXPECT_EQ(tuning[0]["configuration"], "block=128");
    EXPECT_EQ(tuning[1]["configuration"], "block=512");
    const std::vector<std::string> names = eventNames(frames);
    const auto last = [&](const std::string& name) {
        return std::find(names.rbegin(), names.rend(), name).base() - names.begin();
    };
    EXPECT_LT(last("step_finished"), last("tuning")); // after the ordinary run's steps
    EXPECT_LT(last("tuning"), last("run_finished"));
}

TEST(EngineSession, FetchRefusesWhatTheLastRunDoesNotHave)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json none = client.request({{"type", "fetch"}, {"id", 1}, {"run", 1}, {"step", "a"}});
    EXPECT_EQ(none["error"]["code"], "InvalidArgument");
    EXPECT_TRUE(contains(none["error"]["message"], "no run has finished")) << none.dump();
    ASSERT_TRUE(client.request(runRequest(2, "a = rand(4)\nb = a + 1\n", {{"fuse", false}}))["ok"].get<bool>());
    const json step = client.request({{"type", "fetch"}, {"id", 3}, {"run", 2}, {"step", "c"}});
    EXPECT_EQ(step["error"]["code"], "InvalidArgument");
    EXPECT_TRUE(contains(step["error"]["message"], "no value 'c'")) << step.dump();
    EXPECT_TRUE(contains(step["error"]["message"], "a, b")) << step.dump();
    const json backend =
        client.request({{"type", "fetch"}, {"id", 4}, {"run", 2}, {"step", "a"}, {"backend", "cuda:3"}});
    EXPECT_TRUE(contains(backend["error"]["message"], "ran on cpu")) << backend.dump();
    const json elements =
        client.request({{"type", "fetch"}, {"id", 5}, {"run", 2}, {"step", "a"}, {"max_elements", 0}});
    EXPECT_EQ(elements["error"]["code"], "InvalidArgument");
    // The next run releases this one's values.
    ASSERT_TRUE(client.request(runRequest(6, "z = rand(4)\n"))["ok"].get<bool>());
    const json old = client.request({{"type", "fetch"}, {"id", 7}, {"run", 2}, {"step", "a"}});
    EXPECT_TRUE(contains(old["error"]["message"], "last finished run only, run 6")) << old.dump();
    client.send({{"type", "fetch"}, {"id", 8}, {"run", 6}, {"step", "z"}});
    EXPECT_TRUE(client.next()["ok"].get<bool>());
    EXPECT_EQ(client.nextFrame().kind, kBinaryFrame);
}

// ---- Malformed input ----------------------------------------------------------------------

TEST(EngineSession, EveryMalformedFrameIsAnsweredAndTheSessionGoesOn)
{
    std::string input = jsonFrame(kHello);
    input += rawFrame(kJsonFrame, "{\"type\": \"check\", \"id\": 1,");                             // not JSON
    input += rawFrame(kJsonFrame, "[1, 2]");                                                       // not an object
    input += jsonFrame({{"type", "check"}, {"pipeline", "a = rand(2)"}});                          // no id
    input += jsonFrame({{"type", "check"}, {"id", 2.5}, {"pipeline", "a = rand(2)"}});             // id not an integer
    input += jsonFrame({{"id", 3}});                                                               // no type
    input += jsonFrame({{"type", "transmogrify"}, {"id", 4}});                                     // unknown type
    input += jsonFrame({{"type", "run"}, {"id", 5}});                                              // no pipeline
    input += jsonFrame({{"type", "run"}, {"id", 6}, {"pipeline", 7}});                             // pipeline not text
    input += rawFrame(kJsonFrame, "{\"type\": \"check\", \"id\": 7, \"pipeline\": \"\xff\xfe\"}"); // not UTF-8
    input += rawFrame(kBinaryFrame, "abc");                                                        // not asked for
    input += rawFrame('Z', std::string(100000, 'z'));                                              // unknown kind
    input += engine::frameHeader(kJsonFrame, engine::kMaxJsonFrameBytes + 1) +
             std::string(engine::kMaxJsonFrameBytes + 1, ' '); // too long, skipped in step
    input += jsonFrame({{"type", "compile"}, {"id", 8}});      // no source
    input += jsonFrame({{"type", "check"}, {"id", 9}, {"pipeline", "a = rand(2)"}});
    const StreamSession session = serveStreams(input);
    EXPECT_EQ(session.status, engine::kEngineExitOk);
    // The greeting, then one reply per frame, in order.
    ASSERT_EQ(session.frames.size(), 16u);
    std::vector<std::string> codes;
    for (std::size_t i = 2; i < session.frames.size(); ++i) {
        const json& reply = session.frames[i];
        EXPECT_EQ(reply["type"], "reply");
        codes.push_back(reply["ok"].get<bool>() ? "ok" : reply["error"]["code"].get<std::string>());
        if (!reply["ok"].get<bool>()) {
            EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
        }
    }
    EXPECT_EQ(codes, (std::vector<std::string>{"BadFrame", "BadFrame", "BadFrame", "BadFrame", "BadFrame",
                                               "UnknownRequest", "InvalidArgument", "InvalidArgument", "BadFrame",
                                               "BadFrame", "BadFrame", "BadFrame", "InvalidArgument", "ok"}));
    EXPECT_EQ(session.frames.back()["id"], 9);
    // Whatever has no readable id is answered with a null one.
    for (std::size_t i : {2u, 3u, 4u, 5u, 10u, 11u, 12u, 13u})
        EXPECT_TRUE(session.frames[i]["id"].is_null()) << session.frames[i].dump();
    EXPECT_EQ(session.frames[6]["id"], 3);
    EXPECT_EQ(session.frames[7]["id"], 4);
    EXPECT_TRUE(contains(session.frames[12]["error"]["message"], "unknown kind 0x5a")) << session.frames[12].dump();
    EXPECT_TRUE(contains(session.frames[13]["error"]["message"], "over the limit")) << session.frames[13].dump();
}

TEST(EngineSession, AReplyOverTheFrameLimitBecomesAnErrorReply)
{
    // Every line a diagnostic of about 150 bytes: far more than 16 MiB of them.
    std::string pipeline;
    for (int i = 0; i < 150000; ++i)
        pipeline += "a = b\n";
    const StreamSession session = serveStreams(
        jsonFrame(kHello) + jsonFrame({{"type", "check"}, {"id", 1}, {"pipeline", pipeline}, {"file", "big.wbp"}}) +
        jsonFrame({{"type", "check"}, {"id", 2}, {"pipeline", "a = rand(2)"}}));
    ASSERT_EQ(session.frames.size(), 4u);
    const json& tooBig = session.frames[2];
    EXPECT_EQ(tooBig["id"], 1);
    EXPECT_EQ(tooBig["error"]["code"], "Internal");
    EXPECT_TRUE(contains(tooBig["error"]["message"], "over the protocol's limit")) << tooBig.dump();
    EXPECT_TRUE(session.frames[3]["ok"].get<bool>());
}

TEST(EngineSession, AnInputThatEndsInsideAFrameEndsTheSession)
{
    std::string input = jsonFrame(kHello) + jsonFrame({{"type", "check"}, {"id", 1}, {"pipeline", "a = rand(2)"}});
    const std::string cut = jsonFrame({{"type", "check"}, {"id", 2}, {"pipeline", "a = rand(2)"}});
    input += cut.substr(0, cut.size() / 2);
    const StreamSession session = serveStreams(input);
    EXPECT_EQ(session.status, engine::kEngineExitOk);
    ASSERT_EQ(session.frames.size(), 3u);
    EXPECT_EQ(session.frames.back()["id"], 1);
}

// ---- telemetry, shutdown ------------------------------------------------------------------

TEST(EngineSession, TelemetryStreamsAtTheRateAskedUntilTurnedOff)
{
    std::atomic<int> samples{0};
    engine::SessionOptions options;
    options.telemetry = [&samples] {
        engine::TelemetrySample sample;
        sample.tMs = 10.0 * samples++;
        engine::GpuTelemetry gpu;
        gpu.utilizationPct = 42.0;
        gpu.memoryUsed = 1024u;
        gpu.memoryTotal = 4096u;
        sample.gpus.push_back(gpu);
        sample.cpuLoadPct = 12.5;
        sample.processCpuPct = 3.0;
        return sample;
    };
    InProcessEngine engine(std::move(options));
    EngineClient& client = engine.client();
    client.hello();
    const auto start = std::chrono::steady_clock::now();
    const json on = client.request({{"type", "telemetry"}, {"id", 1}, {"rate_hz", 20}});
    EXPECT_TRUE(on["ok"].get<bool>());
    std::vector<json> events;
    while (events.size() < 5)
        events.push_back(client.next());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GE(seconds, 0.15) << "five events at 20 Hz take at least four periods";
    const json& event = events.back();
    EXPECT_EQ(event["type"], "event");
    EXPECT_EQ(event["event"], "telemetry");
    EXPECT_EQ(event["t_ms"], 40.0);
    EXPECT_EQ(event["gpus"][0], json({{"index", 0},
                                      {"utilization_pct", 42.0},
                                      {"memory_used", 1024},
                                      {"memory_total", 4096},
                                      {"sm_clock_mhz", nullptr},
                                      {"power_w", nullptr},
                                      {"temperature_c", nullptr}}));
    EXPECT_TRUE(event["gpu_reason"].is_null());
    EXPECT_EQ(event["cpu_load_pct"], 12.5);
    EXPECT_EQ(event["process_cpu_pct"], 3.0);

    const json off = client.request({{"type", "telemetry"}, {"id", 2}, {"rate_hz", 0}});
    EXPECT_TRUE(off["ok"].get<bool>());
    const int after = samples.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(samples.load(), after) << "samples after telemetry was turned off";
    // The next frame is the next reply, no telemetry in between.
    client.send({{"type", "shutdown"}, {"id", 3}});
    EXPECT_EQ(client.next()["id"], 3);
    EXPECT_EQ(engine.status(), engine::kEngineExitOk);

    const json fast =
        serveStreams(jsonFrame(kHello) + jsonFrame({{"type", "telemetry"}, {"id", 1}, {"rate_hz", 51}})).frames.back();
    EXPECT_EQ(fast["error"]["code"], "InvalidArgument");
}

TEST(EngineSession, ShutdownRepliesThenEnds)
{
    InProcessEngine engine;
    EngineClient& client = engine.client();
    client.hello();
    const json reply = client.request({{"type", "shutdown"}, {"id", 12}});
    EXPECT_TRUE(reply["ok"].get<bool>());
    EXPECT_EQ(engine.status(), engine::kEngineExitOk);
    EXPECT_TRUE(client.drain().empty()) << "nothing after the shutdown reply";
    EXPECT_FALSE(client.send({{"type", "hello"}, {"id", 13}, {"protocol", 1}})) << "the session still reads";
}

TEST(EngineSession, ShutdownDuringARunCancelsItAndRepliesToBoth)
{
    InProcessEngine engine(withTestOps());
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = test_hang(seconds=0.3)\nb = rand(4)\n", {{"repeat", 1}, {"warmup", 0}}));
    waitForStep(client, "a");
    client.send({{"type", "shutdown"}, {"id", 2}});
    const std::vector<json> frames = client.until(2);
    ASSERT_EQ(repliesTo(frames, 1), 1);
    EXPECT_TRUE(replyTo(frames, 1)["cancelled"].get<bool>());
    EXPECT_EQ(engine.status(), engine::kEngineExitOk);
    EXPECT_FALSE(engine.runInProgress());
}

TEST(EngineSession, ARunThatWillNotStopIsLeftAfterTheGrace)
{
    engine::SessionOptions options = withTestOps();
    options.stopGrace = std::chrono::milliseconds(200);
    InProcessEngine engine(std::move(options));
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = test_hang(seconds=1.5)\n", {{"repeat", 1}, {"warmup", 0}}));
    waitForStep(client, "a");
    const auto start = std::chrono::steady_clock::now();
    client.closeInput();
    EXPECT_EQ(engine.status(), engine::kEngineExitOk);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1200));
    EXPECT_TRUE(engine.runInProgress());
}

TEST(EngineSession, TraceWritesOneLinePerFrame)
{
    std::ostringstream lines;
    engine::FrameTrace trace(lines);
    engine::SessionOptions options;
    options.trace = &trace;
    serveStreams(jsonFrame(kHello) + rawFrame(kBinaryFrame, "xyz") + jsonFrame({{"type", "shutdown"}, {"id", 1}}),
                 std::move(options));
    const std::string text = lines.str();
    EXPECT_EQ(text.rfind("-> {\"magic\":\"warpbench-engine\"", 0), 0u) << text;
    EXPECT_TRUE(contains(text, "\n<- {\"type\":\"hello\",\"id\":0,")) << text;
    EXPECT_TRUE(contains(text, "\n<- B 3 bytes, dropped")) << text;
    EXPECT_TRUE(contains(text, "\n-> {\"type\":\"reply\",\"id\":1,\"ok\":true}\n")) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 7) << text;
}

} // namespace
} // namespace wb::test
