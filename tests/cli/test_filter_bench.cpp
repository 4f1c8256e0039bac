// The image-filter benchmark in process: how many buffers the cold-L2 mode rotates among,
// the case table (every case prepares on the CPU, no label twice), the checks before any
// work, CPU-only runs, and on a GPU machine a small run whose every case is verified.

#include "bench/filter_bench.h"

#include <wb/device.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace wb;
using bench::FilterBenchConfig;

FilterBenchConfig small(bool cpuOnly)
{
    FilterBenchConfig config;
    config.width = 97;
    config.height = 61;
    config.repeat = 2;
    config.warmup = 1;
    config.cpuRepeat = 1;
    config.cpuOnly = cpuOnly;
    return config;
}

ErrorCode errorOf(const FilterBenchConfig& config)
{
    try {
        bench::planFilterBench(config);
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no error";
    return ErrorCode::Internal;
}

TEST(FilterBench, ColdBuffersExceedThreeTimesTheL2)
{
    constexpr std::uint64_t h200L2 = 60ull << 20;
    const double f32Frame = 3840.0 * 2160 * 4, u8Frame = 3840.0 * 2160;
    EXPECT_EQ(bench::rotatingBufferCount(f32Frame, h200L2), 6); // 6 x 33.2 MB > 188.7 MB
    EXPECT_EQ(bench::rotatingBufferCount(u8Frame, h200L2), 23);
    for (const double frame : {f32Frame, u8Frame, 1000.0, 3.0 * h200L2}) {
        const int count = bench::rotatingBufferCount(frame, h200L2);
        EXPECT_GT(count * frame, 3.0 * h200L2);
        EXPECT_LE((count - 1) * frame, 3.0 * h200L2 + frame);
        EXPECT_GE(count, 2);
    }
    EXPECT_EQ(bench::rotatingBufferCount(1e12, h200L2), 2);
}

TEST(FilterBench, EveryCasePreparesOnTheCpuAndIsNamedOnce)
{
    std::set<std::string> names;
    Backend& cpu = Runtime::instance().cpu();
    for (const bench::FilterCase& c : bench::filterCases()) {
        SCOPED_TRACE(c.label);
        EXPECT_TRUE(names.insert(c.label + " " + std::string(name(c.dtype))).second);
        // The issue sets no targets for threshold, normalize, resize, conv2d, bilateral,
        // medians beyond 5x5, scharr and laplacian.
        const bool untargeted = c.op == "threshold" || c.op == "normalize" || c.op == "resize" || c.op == "conv2d" ||
                                c.op == "bilateral" || c.label == "median 7x7" || c.op == "scharr" ||
                                c.op == "laplacian";
        EXPECT_EQ(c.targetUs.has_value(), !untargeted);
        EXPECT_EQ(static_cast<bool>(c.outputShape), c.op == "resize");
        EXPECT_NE(c.prepare(cpu, Shape{5, 7}), nullptr);
    }
    EXPECT_EQ(names.size(), 37u);
}

TEST(FilterBench, BadConfigsAreRefusedBeforeAnyWork)
{
    FilterBenchConfig config = small(true);
    config.ops = {"canny"};
    EXPECT_EQ(errorOf(config), ErrorCode::InvalidArgument);
    config = small(true);
    config.channels = 0;
    EXPECT_EQ(errorOf(config), ErrorCode::InvalidArgument);
    config = small(true);
    config.width = 1 << 20;
    config.height = 1 << 20;
    EXPECT_EQ(errorOf(config), ErrorCode::OutOfMemory);
}

TEST(FilterBench, CpuOnlyTimesTheCpuAlone)
{
    FilterBenchConfig config = small(true);
    config.ops = {"gaussian", "dilate"};
    int seen = 0;
    const bench::FilterBenchReport report =
        bench::benchFilters(bench::planFilterBench(config), {}, [&](const bench::FilterCaseResult&) { ++seen; });
    EXPECT_EQ(seen, 7);
    ASSERT_EQ(report.cases.size(), 7u);
    EXPECT_TRUE(report.copies.empty());
    for (const bench::FilterCaseResult& c : report.cases) {
        EXPECT_EQ(c.cpu.n, 1);
        EXPECT_GT(c.cpuGBs, 0.0);
        EXPECT_FALSE(c.gpu);
        EXPECT_FALSE(c.verification.checked);
        EXPECT_FALSE(c.targetUs);
    }
}

TEST(FilterBench, WithoutAGpuOnlyTheCpuRuns)
{
    if (Runtime::instance().cudaStatus().available)
        GTEST_SKIP() << "this machine has a GPU";
    EXPECT_EQ(errorOf(small(false)), ErrorCode::Unavailable);
}

TEST(FilterBench, EveryGpuCaseIsVerifiedAgainstTheCpu)
{
    if (!Runtime::instance().cudaStatus().available)
        GTEST_SKIP() << "no GPU: " << Runtime::instance().cudaStatus().reason;
    const bench::FilterBenchReport plan = bench::planFilterBench(small(false));
    ASSERT_EQ(plan.rotatingBuffers.size(), 2u);
    for (const auto& [dtype, count] : plan.rotatingBuffers)
        EXPECT_GT(count * 97.0 * 61 * static_cast<double>(sizeOf(dtype)), 3.0 * static_cast<double>(plan.l2Bytes));
    const bench::FilterBenchReport report = bench::benchFilters(plan);
    ASSERT_EQ(report.copies.size(), 2u);
    for (const bench::CopyResult& copy : report.copies)
        EXPECT_GT(copy.time.coldGBs, 0.0);
    ASSERT_EQ(report.cases.size(), bench::filterCases().size());
    for (const bench::FilterCaseResult& c : report.cases) {
        SCOPED_TRACE(c.label + " " + std::string(name(c.dtype)));
        ASSERT_TRUE(c.gpu);
        EXPECT_EQ(c.gpu->cold.n, 2);
        EXPECT_GT(c.gpu->hot.median, 0.0);
        EXPECT_TRUE(c.verification.passed) << c.verification.maxRelError;
        EXPECT_TRUE(c.speedup);
        EXPECT_TRUE(c.percentOfCopy);
    }
    EXPECT_FALSE(report.verificationFailed());
}

} // namespace
