// The benchmark runner in process: how dtype and precision follow from what was asked,
// backends resolved against the machine, sizes refused before anything is allocated, CPU
// rows, and on a GPU machine verified GPU rows with speedups and bare-library figures.

#include "bench/bench_runner.h"

#include <wb/device.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <functional>

namespace {

using namespace wb;
using bench::BenchConfig;
using bench::BenchOp;
using bench::BenchRunner;

BenchConfig config(BenchOp op, std::vector<std::int64_t> sizes, std::vector<std::string> backends = {"cpu"})
{
    BenchConfig c;
    c.op = op;
    c.sizes = std::move(sizes);
    c.backends = std::move(backends);
    c.repeat = 2;
    c.warmup = 1;
    return c;
}

ErrorCode errorOf(const std::function<void()>& call)
{
    try {
        call();
    } catch (const Error& e) {
        return e.code();
    }
    ADD_FAILURE() << "no error";
    return ErrorCode::Internal;
}

bool haveGpu() { return Runtime::instance().cudaStatus().available; }

TEST(BenchPlan, MatmulDTypeFollowsThePrecision)
{
    BenchConfig c = config(BenchOp::Matmul, {8});
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::F32);
    EXPECT_EQ(BenchRunner(c).plan().precision, Precision::FP32);
    EXPECT_EQ(BenchRunner(c).plan().throughputUnit, "GFLOP/s");
    const std::pair<Precision, DType> pairs[] = {{Precision::FP64, DType::F64},
                                                 {Precision::TF32, DType::F32},
                                                 {Precision::FP16, DType::F16},
                                                 {Precision::BF16, DType::BF16}};
    for (auto [precision, dtype] : pairs) {
        c.precision = precision;
        EXPECT_EQ(BenchRunner(c).plan().dtype, dtype) << name(precision);
    }
    c.precision.reset();
    c.dtype = DType::F64;
    EXPECT_EQ(BenchRunner(c).plan().precision, Precision::FP64);
    c.precision = Precision::FP16;
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
}

TEST(BenchPlan, Fft2RunsOnComplexInput)
{
    BenchConfig c = config(BenchOp::Fft2, {8});
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::C64);
    c.dtype = DType::F64;
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::C128);
    EXPECT_EQ(BenchRunner(c).plan().precision, Precision::FP64);
    c.dtype.reset();
    c.precision = Precision::FP64;
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::C128);
    c.precision = Precision::TF32;
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
    c.precision = Precision::FP32;
    c.dtype = DType::F64;
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
}

TEST(BenchPlan, GaussianTakesF32OrU8)
{
    BenchConfig c = config(BenchOp::Gaussian, {8});
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::F32);
    EXPECT_EQ(BenchRunner(c).plan().throughputUnit, "GB/s");
    c.dtype = DType::U8;
    EXPECT_EQ(BenchRunner(c).plan().dtype, DType::U8);
    c.dtype = DType::F64;
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
    c.dtype.reset();
    c.precision = Precision::FP16;
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
    c.precision.reset();
    c.sigma = 100; // a kernel beyond the limit
    EXPECT_EQ(errorOf([&] { BenchRunner{c}; }), ErrorCode::InvalidArgument);
}

TEST(BenchPlan, RefusesBadSizesAndSettingsBeforeAllocating)
{
    const std::uint64_t before = hostAllocator().stats().allocations;
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {})}; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {64, 0})}; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {64, 10000000})}; }), ErrorCode::OutOfMemory);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Fft2, {std::int64_t(1) << 40})}; }), ErrorCode::OutOfMemory);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {8}, {"tpu"})}; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {8}, {"cpu", "cpu"})}; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(errorOf([] { BenchRunner{config(BenchOp::Matmul, {8}, {})}; }), ErrorCode::InvalidArgument);
    BenchConfig noRepeat = config(BenchOp::Matmul, {8});
    noRepeat.repeat = 0;
    EXPECT_EQ(errorOf([&] { BenchRunner{noRepeat}; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(hostAllocator().stats().allocations, before);
}

TEST(BenchPlan, AMissingGpuIsDroppedWithTheReasonUnlessItIsTheOnlyBackend)
{
    if (haveGpu())
        GTEST_SKIP() << "this machine has a GPU";
    const std::string reason = Runtime::instance().cudaStatus().reason;
    const BenchRunner both(config(BenchOp::Matmul, {8}, {"cpu", "gpu"}));
    EXPECT_EQ(both.plan().backends, std::vector<std::string>{"cpu"});
    ASSERT_EQ(both.plan().notes.size(), 1u);
    EXPECT_NE(both.plan().notes[0].find(reason), std::string::npos);
    try {
        BenchRunner{config(BenchOp::Matmul, {8}, {"gpu"})};
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::Unavailable);
        EXPECT_NE(std::string(e.what()).find(reason), std::string::npos);
    }
}

TEST(BenchRun, CpuRowsCarryTimesAndThroughput)
{
    for (BenchOp op : {BenchOp::Matmul, BenchOp::Fft2, BenchOp::Gaussian}) {
        SCOPED_TRACE(std::string(name(op)));
        BenchRunner runner(config(op, {16, 33}));
        int seen = 0;
        const auto report = runner.run([&](const bench::BenchRow&) { ++seen; });
        ASSERT_EQ(report.rows.size(), 2u);
        EXPECT_EQ(seen, 2);
        for (const auto& row : report.rows) {
            EXPECT_EQ(row.backend, "cpu");
            EXPECT_EQ(row.time.n, 2);
            EXPECT_GT(row.throughput, 0.0);
            EXPECT_FALSE(row.verification.checked);
            EXPECT_FALSE(row.hostToDevice.has_value());
            EXPECT_FALSE(row.speedupVsCpu.has_value());
        }
        EXPECT_EQ(report.rows[1].shape, (Shape{33, 33}));
        EXPECT_FALSE(report.verificationFailed());
    }
}

TEST(BenchRun, GpuRowsAreVerifiedBeforeASpeedupIsGiven)
{
    if (!haveGpu())
        GTEST_SKIP() << "no GPU: " << Runtime::instance().cudaStatus().reason;
    for (BenchOp op : {BenchOp::Matmul, BenchOp::Fft2, BenchOp::Gaussian}) {
        SCOPED_TRACE(std::string(name(op)));
        const auto report = BenchRunner(config(op, {64, 129}, {"cpu", "gpu"})).run();
        ASSERT_EQ(report.rows.size(), 4u);
        for (const auto& row : report.rows) {
            if (row.backend == "cpu")
                continue;
            EXPECT_EQ(row.backend, "cuda:0");
            EXPECT_TRUE(row.verification.passed) << row.verification.maxRelError;
            EXPECT_EQ(row.verification.reference, "cpu");
            EXPECT_TRUE(row.speedupVsCpu.has_value());
            ASSERT_TRUE(row.hostToDevice && row.deviceToHost);
            if (op != BenchOp::Gaussian) {
                EXPECT_TRUE(row.percentOfBare.has_value()) << row.bareNote;
            }
        }
    }
}

TEST(BenchRun, GpuOnlyMatmulIsCheckedAgainstDoublePrecisionRows)
{
    if (!haveGpu())
        GTEST_SKIP() << "no GPU: " << Runtime::instance().cudaStatus().reason;
    const auto report = BenchRunner(config(BenchOp::Matmul, {100}, {"gpu"})).run();
    ASSERT_EQ(report.rows.size(), 1u);
    EXPECT_EQ(report.rows[0].verification.reference, "fp64-sampled-rows");
    EXPECT_TRUE(report.rows[0].verification.passed);
    EXPECT_FALSE(report.rows[0].speedupVsCpu.has_value());
}

} // namespace
