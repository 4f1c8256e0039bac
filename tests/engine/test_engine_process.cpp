// `warpbench-cli engine --stdio` as the workbench starts it: the real binary on pipes, its
// standard output carrying frames only, its exit statuses (wb/engine.h) and what a signal
// does. The GPU cases (a kernel that faults, one that never ends) skip, with the reason,
// where there is no GPU.

#include "engine_client.h"
#include "io/temp_dir.h"

#include <wb/device.h>
#include <wb/engine.h>

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>

namespace wb::test {
namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

EngineProcess start(const TempDir& dir, const std::vector<std::string>& arguments = {"--stdio"},
                    const std::vector<std::string>& environment = {})
{
    return EngineProcess(WARPBENCH_CLI_PATH, arguments, dir.file("stderr.txt"), environment);
}

json runRequest(std::int64_t id, const std::string& pipeline, json options = json::object())
{
    return {{"type", "run"}, {"id", id}, {"pipeline", pipeline}, {"options", options}};
}

// Reads until the step_started event of `step`.
void waitForStep(EngineClient& client, const std::string& step)
{
    for (;;) {
        const json frame = client.next();
        if (frame.value("event", "") == "step_started" && frame["step"] == step)
            return;
        if (frame.value("type", "") == "reply")
            throw std::runtime_error("a reply before step " + step + " started: " + frame.dump());
    }
}

TEST(EngineProcess, HelloThenShutdownExitsZeroWithFramesOnlyOnStandardOutput)
{
    TempDir dir;
    EngineProcess engine = start(dir);
    EngineClient& client = engine.client();
    const json hello = client.hello();
    EXPECT_TRUE(hello["ok"].get<bool>()) << hello.dump();
    EXPECT_EQ(hello["protocol"], engine::kProtocolVersion);
    const json check = client.request({{"type", "check"}, {"id", 1}, {"pipeline", "a = rand(4)\nshow(a)\n"}});
    EXPECT_TRUE(check["diagnostics"].empty());
    EXPECT_TRUE(client.request({{"type", "shutdown"}, {"id", 2}})["ok"].get<bool>());
    // Nothing but whole frames up to the end of the output.
    for (;;) {
        const engine::ReadResult frame = client.nextFrame();
        EXPECT_NE(frame.status, engine::ReadStatus::Truncated);
        if (frame.status != engine::ReadStatus::Frame)
            break;
    }
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitOk) << engine.standardError();
}

TEST(EngineProcess, ClosingStandardInputExitsZero)
{
    TempDir dir;
    EngineProcess engine = start(dir);
    engine.client().hello();
    engine.client().closeInput();
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitOk) << engine.standardError();
    // Also before anything was said.
    EngineProcess silent = start(dir);
    silent.client().closeInput();
    EXPECT_EQ(silent.exitCode(), engine::kEngineExitOk) << silent.standardError();
}

TEST(EngineProcess, AnotherProtocolExitsWithItsStatus)
{
    TempDir dir;
    EngineProcess engine = start(dir);
    EngineClient& client = engine.client();
    client.next();
    const json reply = client.request({{"type", "hello"}, {"id", 1}, {"protocol", 99}, {"client", "test"}});
    EXPECT_EQ(reply["error"]["code"], "ProtocolMismatch");
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitProtocolMismatch) << engine.standardError();
}

TEST(EngineProcess, WithoutStdioIsAUsageError)
{
    TempDir dir;
    EngineProcess engine = start(dir, {});
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitUsage);
    EXPECT_TRUE(contains(engine.standardError(), "--stdio")) << engine.standardError();
    EngineProcess unknown = start(dir, {"--stdio", "--fast"});
    EXPECT_EQ(unknown.exitCode(), engine::kEngineExitUsage);
}

TEST(EngineProcess, TraceGoesToStandardError)
{
    TempDir dir;
    EngineProcess engine = start(dir, {"--stdio"}, {"WB_ENGINE_TRACE=1"});
    engine.client().hello();
    engine.client().request({{"type", "shutdown"}, {"id", 5}});
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitOk);
    const std::string trace = engine.standardError();
    EXPECT_TRUE(contains(trace, "-> {\"magic\":\"warpbench-engine\",\"protocol\":1,")) << trace;
    EXPECT_TRUE(contains(trace, "<- {\"type\":\"hello\",\"id\":0,")) << trace;
    EXPECT_TRUE(contains(trace, "-> {\"type\":\"reply\",\"id\":5,\"ok\":true}")) << trace;
}

TEST(EngineProcess, TestOpsExistOnlyWithTheFlag)
{
    TempDir dir;
    const json check = {{"type", "check"}, {"id", 1}, {"pipeline", "x = test_hang(seconds=1)\n"}};
    EngineProcess plain = start(dir);
    plain.client().hello();
    const json unknown = plain.client().request(check);
    ASSERT_EQ(unknown["diagnostics"].size(), 1u) << unknown.dump();
    EXPECT_TRUE(contains(unknown["diagnostics"][0]["message"], "unknown function 'test_hang'")) << unknown.dump();

    EngineProcess testing = start(dir, {"--stdio", "--test-ops"});
    const json hello = testing.client().hello();
    EXPECT_EQ(hello["capabilities"].back(), "test-ops");
    EXPECT_TRUE(testing.client().request(check)["diagnostics"].empty());
}

TEST(EngineProcess, TelemetryComesFromTheSampler)
{
    TempDir dir;
    EngineProcess engine = start(dir);
    EngineClient& client = engine.client();
    client.hello();
    EXPECT_TRUE(client.request({{"type", "telemetry"}, {"id", 1}, {"rate_hz", 20}})["ok"].get<bool>());
    const json first = client.next();
    const json second = client.next();
    for (const json& event : {first, second}) {
        ASSERT_EQ(event["event"], "telemetry") << event.dump();
        EXPECT_TRUE(event["gpus"].is_array());
        EXPECT_EQ(event["gpu_reason"].is_null(), !event["gpus"].empty()) << event.dump();
        EXPECT_TRUE(event["cpu_load_pct"].is_null() || event["cpu_load_pct"].is_number()) << event.dump();
        EXPECT_GE(event["process_cpu_pct"].get<double>(), 0.0);
    }
    EXPECT_GT(second["t_ms"].get<double>(), first["t_ms"].get<double>());
    EXPECT_TRUE(client.request({{"type", "telemetry"}, {"id", 2}, {"rate_hz", 0}})["ok"].get<bool>());
    EXPECT_EQ(client.request({{"type", "shutdown"}, {"id", 3}})["id"], 3);
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitOk) << engine.standardError();
}

TEST(EngineProcess, AHungRunEndsWithTheWatchdogsSignal)
{
    TempDir dir;
    EngineProcess engine = start(dir, {"--stdio", "--test-ops"});
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "x = test_hang()\n", {{"repeat", 1}, {"warmup", 0}}));
    waitForStep(client, "x");
    // Cancelling does not help: test_hang ignores it.
    client.send({{"type", "cancel"}, {"id", 2}, {"run", 1}});
    EXPECT_TRUE(client.until(2).back()["ok"].get<bool>());
    ::kill(engine.pid(), SIGKILL);
    const int status = engine.wait();
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
}

// ---- On a GPU -----------------------------------------------------------------------------

class EngineOnGpu : public ::testing::Test {
protected:
    void SetUp() override
    {
        const CudaStatus& status = Runtime::instance().cudaStatus();
        if (!status.available)
            GTEST_SKIP() << "no GPU: " << status.reason;
    }
};

// What recovery relies on: after an engine whose GPU context was lost, a fresh engine's
// GPU is as good as new.
void expectAFreshEngineRunsOnTheGpu(const TempDir& dir)
{
    EngineProcess fresh = start(dir);
    EngineClient& client = fresh.client();
    client.hello();
    const json run = client.request(
        runRequest(1, "a = rand(512, 512, seed=3)\nb = a @ a\ncheck(b, rtol=1e-4)\n", {{"backends", {"cpu", "gpu"}}}));
    EXPECT_TRUE(run["ok"].get<bool>()) << run.dump().substr(0, 2000);
    EXPECT_EQ(run["record"]["checks"][0]["passed"], true) << run["record"]["checks"].dump();
    EXPECT_EQ(client.request({{"type", "shutdown"}, {"id", 2}})["id"], 2);
    EXPECT_EQ(fresh.exitCode(), engine::kEngineExitOk) << fresh.standardError();
}

TEST_F(EngineOnGpu, AKernelFaultSendsTheErrorAndTheReplyThenExitsDeviceLost)
{
    TempDir dir;
    EngineProcess engine = start(dir, {"--stdio", "--test-ops"});
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "a = rand(256)\nx = test_gpu_fault()\n", {{"backends", {"gpu"}}}));
    const std::vector<json> frames = client.until(1);
    const std::vector<std::string> names = eventNames(frames);
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names[names.size() - 2], "error");
    EXPECT_EQ(names.back(), "run_finished");
    const json& error = frames[frames.size() - 3];
    EXPECT_EQ(error["code"], "DeviceLost") << error.dump();
    EXPECT_EQ(error["step"], "x");
    const json& reply = frames.back();
    EXPECT_FALSE(reply["ok"].get<bool>());
    EXPECT_EQ(reply["error"]["code"], "DeviceLost");
    EXPECT_TRUE(client.drain().empty()) << "nothing after the run's reply";
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitDeviceLost) << engine.standardError();
    expectAFreshEngineRunsOnTheGpu(dir);
}

// A user's kernel that writes far past its array: the run's error names the launch, the
// engine exits as for any lost device, and a fresh engine launches a kernel that works.
TEST_F(EngineOnGpu, ALaunchThatFaultsNamesTheLaunchAndAFreshEngineLaunchesAgain)
{
    TempDir dir;
    dir.write("fault.cu",
              "extern \"C\" __global__ void bad_write(float* out)\n{\n"
              "    out[(1ull << 40) + threadIdx.x] = 1.0f; // 4 TiB past the array: nothing is mapped\n}\n");
    dir.write("scale.cu", "extern \"C\" __global__ void scale(int n, float a, float* x)\n{\n"
                          "    const int i = blockIdx.x * blockDim.x + threadIdx.x;\n    if (i < n) x[i] *= a;\n}\n");
    EngineProcess engine = start(dir);
    EngineClient& client = engine.client();
    client.hello();
    json faulting = runRequest(1, "a = zeros(256)\nb = launch(\"fault.cu:bad_write\", args=(a))\n",
                               {{"backends", {"gpu"}}, {"repeat", 1}, {"warmup", 1}});
    faulting["directory"] = dir.path().string();
    client.send(faulting);
    const std::vector<json> frames = client.until(1);
    const std::vector<std::string> names = eventNames(frames);
    ASSERT_GE(names.size(), 3u);
    EXPECT_EQ(names[names.size() - 2], "error");
    const json& error = frames[frames.size() - 3];
    EXPECT_EQ(error["code"], "DeviceLost") << error.dump();
    EXPECT_EQ(error["step"], "b");
    EXPECT_EQ(error["line"], 2);
    const std::string message = error["message"].get<std::string>();
    EXPECT_TRUE(contains(message, "launch of bad_write (fault.cu) at 2:5: ")) << message;
    EXPECT_FALSE(frames.back()["ok"].get<bool>());
    EXPECT_EQ(engine.exitCode(), engine::kEngineExitDeviceLost) << engine.standardError();

    EngineProcess fresh = start(dir);
    EngineClient& again = fresh.client();
    again.hello();
    json working = runRequest(2,
                              "x = rand(1000, seed=1)\ny = launch(\"scale.cu:scale\", args=(1000, 3.0, x))\n"
                              "check(y, ref=3.0 * x, rtol=1e-6)\n",
                              {{"backends", {"cpu", "gpu"}}});
    working["directory"] = dir.path().string();
    const json run = again.request(working);
    EXPECT_TRUE(run["ok"].get<bool>()) << run.dump().substr(0, 2000);
    EXPECT_EQ(run["record"]["checks"][0]["passed"], true) << run["record"]["checks"].dump();
    EXPECT_EQ(run["record"]["checks"][0]["reference_backend"], "cpu") << run["record"]["checks"].dump();
    EXPECT_EQ(again.request({{"type", "shutdown"}, {"id", 3}})["id"], 3);
    EXPECT_EQ(fresh.exitCode(), engine::kEngineExitOk) << fresh.standardError();
}

TEST_F(EngineOnGpu, AKernelThatNeverEndsIsEndedBySignal)
{
    TempDir dir;
    EngineProcess engine = start(dir, {"--stdio", "--test-ops"});
    EngineClient& client = engine.client();
    client.hello();
    client.send(runRequest(1, "x = test_gpu_hang()\n", {{"backends", {"gpu"}}, {"repeat", 1}, {"warmup", 0}}));
    waitForStep(client, "x");
    client.send({{"type", "cancel"}, {"id", 2}, {"run", 1}});
    EXPECT_TRUE(client.until(2).back()["ok"].get<bool>());
    // Memory events keep coming while the kernel spins; the run's reply does not.
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < end) {
        const json frame = client.next();
        ASSERT_EQ(frame["type"], "event") << frame.dump();
        EXPECT_EQ(frame["event"], "memory");
    }
    ::kill(engine.pid(), SIGKILL);
    const int status = engine.wait();
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    expectAFreshEngineRunsOnTheGpu(dir);
}

TEST_F(EngineOnGpu, FetchDownloadsADeviceArray)
{
    TempDir dir;
    EngineProcess engine = start(dir);
    EngineClient& client = engine.client();
    client.hello();
    const json run = client.request(runRequest(1, "r = arange(1000)\n", {{"backends", {"cpu", "gpu"}}}));
    ASSERT_TRUE(run["ok"].get<bool>()) << run.dump();
    client.send({{"type", "fetch"}, {"id", 2}, {"run", 1}, {"step", "r"}, {"backend", "cuda:0"}, {"max_elements", 10}});
    const json reply = client.next();
    ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["stride"], json::array({100}));
    const std::string bytes = client.nextFrame().payload;
    ASSERT_EQ(bytes.size(), 40u);
    float value = 0;
    std::memcpy(&value, bytes.data() + 4 * 7, 4);
    EXPECT_EQ(value, 700.0f);
}

} // namespace
} // namespace wb::test
