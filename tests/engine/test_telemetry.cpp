// The engine's telemetry sampler: the CPU figures on this machine, and the NVML path
// against fake NVML libraries (fake_nvml.cpp) so that it is tested without a GPU.

#include "bench/run_record.h"
#include "bench/telemetry_bench.h"
#include "engine/telemetry.h"

#include <wb/error.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dlfcn.h>
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using wb::engine::GpuTelemetry;
using wb::engine::Telemetry;
using wb::engine::TelemetrySample;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Keeps this thread busy for `duration` of wall time.
void spin(std::chrono::milliseconds duration)
{
    const auto end = std::chrono::steady_clock::now() + duration;
    volatile unsigned long sink = 0;
    while (std::chrono::steady_clock::now() < end)
        for (int i = 0; i < 1000; ++i)
            sink = sink + static_cast<unsigned long>(i);
}

void expectPlausible(const GpuTelemetry& gpu)
{
    if (gpu.utilizationPct) {
        EXPECT_GE(*gpu.utilizationPct, 0.0);
        EXPECT_LE(*gpu.utilizationPct, 100.0);
    }
    if (gpu.memoryUsed && gpu.memoryTotal) {
        EXPECT_LE(*gpu.memoryUsed, *gpu.memoryTotal);
    }
    if (gpu.powerW) { // watts, not milliwatts: no board draws 10 kW
        EXPECT_LT(*gpu.powerW, 10000.0);
    }
}

// --- this machine -----------------------------------------------------------------

TEST(Telemetry, WithoutNvmlTheReasonNamesTheLibrary)
{
    Telemetry telemetry("/nonexistent/libnvidia-ml.so.1");
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpus.empty());
    EXPECT_TRUE(contains(sample.gpuReason, "libnvidia-ml.so.1")) << sample.gpuReason;
    EXPECT_TRUE(contains(sample.gpuReason, "no NVIDIA driver")) << sample.gpuReason;
    EXPECT_EQ(telemetry.gpuReason(), sample.gpuReason);
}

TEST(Telemetry, DefaultLibraryOnThisMachine)
{
    unsetenv("WB_NVML_LIBRARY");
    Telemetry telemetry;
    const TelemetrySample sample = telemetry.sample();
    if (void* nvml = dlopen(wb::engine::kNvmlLibrary, RTLD_LAZY | RTLD_LOCAL)) {
        dlclose(nvml);
        // A driver: either GPUs or a reason (NVML may still fail to start), never both
        // missing.
        EXPECT_NE(sample.gpus.empty(), sample.gpuReason.empty()) << sample.gpuReason;
        for (const GpuTelemetry& gpu : sample.gpus)
            expectPlausible(gpu);
    } else {
        EXPECT_TRUE(sample.gpus.empty());
        EXPECT_TRUE(contains(sample.gpuReason, "libnvidia-ml")) << sample.gpuReason;
    }
}

TEST(Telemetry, FreshObjectSamples)
{
    Telemetry telemetry("/nonexistent/libnvidia-ml.so.1");
    const TelemetrySample sample = telemetry.sample();
    EXPECT_GE(sample.tMs, 0.0);
    EXPECT_LT(sample.tMs, 10000.0);
    EXPECT_GE(sample.processCpuPct, 0.0);
    if (sample.cpuLoadPct) { // empty when no clock tick passed since construction
        EXPECT_GE(*sample.cpuLoadPct, 0.0);
        EXPECT_LE(*sample.cpuLoadPct, 100.0);
    }
    const TelemetrySample later = telemetry.sample();
    EXPECT_GE(later.tMs, sample.tMs);
}

TEST(Telemetry, CpuLoadIsAPercentageAfterWork)
{
    Telemetry telemetry("/nonexistent/libnvidia-ml.so.1");
    telemetry.sample();
    spin(std::chrono::milliseconds(200));
    const TelemetrySample sample = telemetry.sample();
    ASSERT_TRUE(sample.cpuLoadPct.has_value()) << "no /proc/stat reading after 200 ms";
    EXPECT_GT(*sample.cpuLoadPct, 0.0) << "a core was busy the whole time";
    EXPECT_LE(*sample.cpuLoadPct, 100.0);
}

// This process's CPU time, all threads, as the kernel counts it.
double processCpuSeconds()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

TEST(Telemetry, ProcessCpuFollowsABusyLoopNotTheWallClock)
{
    // OpenBLAS starts a worker per core when the process loads it, and each spins for a
    // while before it sleeps: on the GPU machine's 16 cores that read 490 to 614% of a core
    // at this test's start. Let them settle, and judge the figure against the process's own
    // CPU time over the same interval rather than against one thread.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Telemetry telemetry("/nonexistent/libnvidia-ml.so.1");
    telemetry.sample();
    const double cpuBefore = processCpuSeconds();
    const auto wallBefore = std::chrono::steady_clock::now();
    spin(std::chrono::milliseconds(200));
    const TelemetrySample busy = telemetry.sample();
    const double ownPct = 100.0 * (processCpuSeconds() - cpuBefore) /
                          std::chrono::duration<double>(std::chrono::steady_clock::now() - wallBefore).count();
    EXPECT_GT(busy.processCpuPct, 20.0);
    EXPECT_NEAR(busy.processCpuPct, ownPct, 0.25 * ownPct + 10.0);

    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const TelemetrySample idle = telemetry.sample();
    EXPECT_LT(idle.processCpuPct, 20.0);
    EXPECT_NEAR(idle.tMs - busy.tMs, 200.0, 150.0);
}

// --- NVML, faked ----------------------------------------------------------------------

// The fake's controls, reached through the same mapping of the library that Telemetry
// loads. A fixture per fake file.
class FakeNvml : public ::testing::Test {
protected:
    explicit FakeNvml(const char* path = WB_FAKE_NVML)
        : m_path(path)
    {
    }

    void SetUp() override
    {
        m_handle = dlopen(m_path.c_str(), RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(m_handle, nullptr) << dlerror();
        m_reset = reinterpret_cast<void (*)()>(dlsym(m_handle, "wbFakeNvmlReset"));
        m_setCount = reinterpret_cast<void (*)(unsigned)>(dlsym(m_handle, "wbFakeNvmlSetDeviceCount"));
        m_setResult = reinterpret_cast<bool (*)(const char*, int, int)>(dlsym(m_handle, "wbFakeNvmlSetResult"));
        m_calls = reinterpret_cast<int (*)(const char*)>(dlsym(m_handle, "wbFakeNvmlCalls"));
        m_initialised = reinterpret_cast<int (*)()>(dlsym(m_handle, "wbFakeNvmlInitialised"));
        ASSERT_TRUE(m_reset && m_setCount && m_setResult && m_calls && m_initialised);
        m_reset();
    }

    void TearDown() override
    {
        if (m_handle)
            dlclose(m_handle);
    }

    void fail(const char* function, int device, int result) { ASSERT_TRUE(m_setResult(function, device, result)); }
    void setDeviceCount(unsigned count) { m_setCount(count); }
    int calls(const char* function) { return m_calls(function); }
    int initialised() { return m_initialised(); }

    std::string m_path;

private:
    void* m_handle = nullptr;
    void (*m_reset)() = nullptr;
    void (*m_setCount)(unsigned) = nullptr;
    bool (*m_setResult)(const char*, int, int) = nullptr;
    int (*m_calls)(const char*) = nullptr;
    int (*m_initialised)() = nullptr;
};

// NVML's codes, as the fake returns them.
constexpr int kNotSupported = 3;
constexpr int kDriverNotLoaded = 9;
constexpr int kGpuIsLost = 15;
constexpr int kUnknown = 999;

TEST_F(FakeNvml, ReadsEveryFieldInItsUnit)
{
    Telemetry telemetry(m_path);
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpuReason.empty()) << sample.gpuReason;
    ASSERT_EQ(sample.gpus.size(), 2u);
    for (int i = 0; i < 2; ++i) {
        const GpuTelemetry& gpu = sample.gpus[static_cast<std::size_t>(i)];
        SCOPED_TRACE("GPU " + std::to_string(i));
        EXPECT_EQ(gpu.index, i);
        EXPECT_EQ(gpu.utilizationPct, 40.0 + i); // the gpu share, not the memory one (7)
        EXPECT_EQ(gpu.memoryUsed, (1ull << 30) * static_cast<unsigned>(i + 1) + 12345);
        EXPECT_EQ(gpu.memoryTotal, (80ull << 30) + static_cast<unsigned>(i));
        EXPECT_EQ(gpu.smClockMHz, 1980 - 10 * i); // NVML_CLOCK_SM; the fake refuses other clocks
        ASSERT_TRUE(gpu.powerW.has_value());
        EXPECT_DOUBLE_EQ(*gpu.powerW, (250500.0 + i) / 1000.0); // milliwatts to watts
        EXPECT_EQ(gpu.temperatureC, 55 + i);                    // NVML_TEMPERATURE_GPU; the fake refuses other sensors
        expectPlausible(gpu);
    }
}

TEST_F(FakeNvml, EnvironmentNamesTheLibrary)
{
    setenv("WB_NVML_LIBRARY", m_path.c_str(), 1);
    Telemetry telemetry;
    unsetenv("WB_NVML_LIBRARY");
    EXPECT_EQ(telemetry.sample().gpus.size(), 2u) << telemetry.gpuReason();
}

TEST_F(FakeNvml, AFailingCallLeavesItsFieldEmptyAndIsAskedAgain)
{
    Telemetry telemetry(m_path);
    fail("nvmlDeviceGetPowerUsage", 1, kUnknown);
    fail("nvmlDeviceGetMemoryInfo", 0, kGpuIsLost);
    TelemetrySample sample = telemetry.sample();
    ASSERT_EQ(sample.gpus.size(), 2u);
    EXPECT_TRUE(sample.gpus[0].powerW.has_value());
    EXPECT_FALSE(sample.gpus[1].powerW.has_value());
    EXPECT_FALSE(sample.gpus[0].memoryUsed.has_value());
    EXPECT_FALSE(sample.gpus[0].memoryTotal.has_value());
    EXPECT_TRUE(sample.gpus[1].memoryUsed.has_value());
    EXPECT_EQ(sample.gpus[1].temperatureC, 56);
    EXPECT_TRUE(sample.gpuReason.empty());

    fail("nvmlDeviceGetPowerUsage", 1, 0);
    fail("nvmlDeviceGetMemoryInfo", 0, 0);
    sample = telemetry.sample();
    EXPECT_TRUE(sample.gpus[1].powerW.has_value());
    EXPECT_TRUE(sample.gpus[0].memoryUsed.has_value());
}

TEST_F(FakeNvml, NotSupportedIsNotAskedAgain)
{
    Telemetry telemetry(m_path);
    fail("nvmlDeviceGetTemperature", 0, kNotSupported);
    telemetry.sample();
    telemetry.sample();
    const TelemetrySample sample = telemetry.sample();
    EXPECT_FALSE(sample.gpus[0].temperatureC.has_value());
    EXPECT_EQ(sample.gpus[1].temperatureC, 56);
    EXPECT_EQ(calls("nvmlDeviceGetTemperature"), 1 + 3); // GPU 0 once, GPU 1 every time
    EXPECT_EQ(calls("nvmlDeviceGetUtilizationRates"), 2 * 3);
}

TEST_F(FakeNvml, InitFailureIsTheReason)
{
    fail("nvmlInit_v2", -1, kDriverNotLoaded);
    {
        Telemetry telemetry(m_path);
        const TelemetrySample sample = telemetry.sample();
        EXPECT_TRUE(sample.gpus.empty());
        EXPECT_TRUE(contains(sample.gpuReason, "could not start")) << sample.gpuReason;
        EXPECT_TRUE(contains(sample.gpuReason, "Driver Not Loaded (NVML error 9)")) << sample.gpuReason;
        EXPECT_EQ(calls("nvmlDeviceGetCount_v2"), 0);
    }
    EXPECT_EQ(initialised(), 0);
}

TEST_F(FakeNvml, ShutsDownWhatItStarted)
{
    {
        Telemetry first(m_path);
        Telemetry second(m_path);
        EXPECT_EQ(initialised(), 2);
    }
    EXPECT_EQ(initialised(), 0);
}

TEST_F(FakeNvml, NoDevicesIsTheReason)
{
    setDeviceCount(0);
    Telemetry telemetry(m_path);
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpus.empty());
    EXPECT_EQ(sample.gpuReason, "NVML found no GPU");
}

TEST_F(FakeNvml, CountFailureIsTheReason)
{
    fail("nvmlDeviceGetCount_v2", -1, kUnknown);
    Telemetry telemetry(m_path);
    EXPECT_TRUE(telemetry.sample().gpus.empty());
    EXPECT_TRUE(contains(telemetry.gpuReason(), "could not count")) << telemetry.gpuReason();
}

TEST_F(FakeNvml, AGpuWithoutAHandleHasEmptyFields)
{
    fail("nvmlDeviceGetHandleByIndex_v2", 1, kGpuIsLost);
    Telemetry telemetry(m_path);
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpuReason.empty()) << sample.gpuReason;
    ASSERT_EQ(sample.gpus.size(), 2u);
    EXPECT_EQ(sample.gpus[0].temperatureC, 55);
    const GpuTelemetry& lost = sample.gpus[1];
    EXPECT_EQ(lost.index, 1);
    EXPECT_FALSE(lost.utilizationPct || lost.memoryUsed || lost.memoryTotal || lost.smClockMHz || lost.powerW ||
                 lost.temperatureC);
}

TEST_F(FakeNvml, NoHandleAtAllIsTheReason)
{
    fail("nvmlDeviceGetHandleByIndex_v2", -1, kGpuIsLost);
    Telemetry telemetry(m_path);
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpus.empty());
    EXPECT_TRUE(contains(sample.gpuReason, "could not open any of its 2 GPUs: GPU is lost")) << sample.gpuReason;
}

// Built without nvmlDeviceGetPowerUsage and nvmlErrorString.
class PartialFakeNvml : public FakeNvml {
protected:
    PartialFakeNvml()
        : FakeNvml(WB_FAKE_NVML_PARTIAL)
    {
    }
};

TEST_F(PartialFakeNvml, AMissingFunctionLeavesItsFieldEmpty)
{
    Telemetry telemetry(m_path);
    const TelemetrySample sample = telemetry.sample();
    ASSERT_EQ(sample.gpus.size(), 2u) << sample.gpuReason;
    for (const GpuTelemetry& gpu : sample.gpus) {
        EXPECT_FALSE(gpu.powerW.has_value());
        EXPECT_TRUE(gpu.temperatureC.has_value());
    }
}

TEST_F(PartialFakeNvml, ErrorsAreNumberedWithoutErrorString)
{
    fail("nvmlInit_v2", -1, kDriverNotLoaded);
    Telemetry telemetry(m_path);
    EXPECT_TRUE(contains(telemetry.gpuReason(), "could not start: NVML error 9")) << telemetry.gpuReason();
}

TEST(Telemetry, ALibraryWithoutARequiredFunctionIsNamed)
{
    Telemetry telemetry(WB_FAKE_NVML_NO_COUNT);
    const TelemetrySample sample = telemetry.sample();
    EXPECT_TRUE(sample.gpus.empty());
    EXPECT_TRUE(contains(sample.gpuReason, "has no nvmlDeviceGetCount_v2")) << sample.gpuReason;
}

TEST(Telemetry, ALibraryThatIsNotNvmlIsNamed)
{
    // Any shared object that exists but exports no NVML: the C library.
    Telemetry telemetry("libc.so.6");
    EXPECT_TRUE(telemetry.sample().gpus.empty());
    EXPECT_TRUE(contains(telemetry.gpuReason(), "libc.so.6 has no nvmlInit_v2")) << telemetry.gpuReason();
}

// --- the cost benchmark (warpbench-cli bench-telemetry) ---------------------------------

TEST(TelemetryBench, SamplesAtTheRateOnItsThread)
{
    setenv("WB_NVML_LIBRARY", WB_FAKE_NVML, 1);
    const wb::bench::TelemetryBenchReport report = wb::bench::benchTelemetry({20, 0.5});
    unsetenv("WB_NVML_LIBRARY");
    EXPECT_EQ(report.samples, 10);
    EXPECT_EQ(report.sampleMs.n, 10);
    EXPECT_GE(report.wallMs, 500.0);
    EXPECT_LT(report.wallMs, 1500.0);
    EXPECT_GT(report.threadCpuMs, 0.0);
    // Sleeping between samples: a thread that spun or counted wall time would show ~100%.
    EXPECT_LT(report.cpuPctOfCore, 50.0);
    EXPECT_NEAR(report.cpuPctOfCore, 100.0 * report.threadCpuMs / report.wallMs, 1e-9);
    EXPECT_EQ(report.gpus, 2);
    EXPECT_TRUE(report.gpuReason.empty());

    const nlohmann::json record = nlohmann::json::parse(wb::bench::telemetryBenchJson(report));
    EXPECT_EQ(record.at("command"), "bench-telemetry");
    const nlohmann::json& telemetry = record.at("telemetry");
    EXPECT_EQ(telemetry.at("rate_hz"), 20.0);
    EXPECT_EQ(telemetry.at("samples"), 10);
    EXPECT_EQ(telemetry.at("sample_ms").at("n"), 10);
    EXPECT_DOUBLE_EQ(telemetry.at("cpu_pct_of_core").get<double>(), report.cpuPctOfCore);
    EXPECT_TRUE(telemetry.at("gpu_reason").is_null());
}

TEST(TelemetryBench, RefusesNoSample)
{
    EXPECT_THROW(wb::bench::benchTelemetry({1, 0.5}), wb::Error);
    EXPECT_THROW(wb::bench::benchTelemetry({0, 10}), wb::Error);
}

} // namespace
