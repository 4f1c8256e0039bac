// The CUDA backend itself: what discovery reports, copies in every direction, the counting
// allocator and its refusals, timers and the bare baseline.

#include "compare.h"

#include "core/cuda_module.h"

#include <cstring>

namespace wb::test {
namespace {

using DeviceTest = GpuTest;

TEST_F(DeviceTest, DiscoveryDescribesTheDevices)
{
    const CudaStatus& status = Runtime::instance().cudaStatus();
    EXPECT_TRUE(status.reason.empty()) << status.reason;
    EXPECT_GT(status.runtimeVersion, 0);
    EXPECT_GE(status.driverVersion / 1000, status.runtimeVersion / 1000);
    ASSERT_FALSE(status.gpus.empty());
    for (const GpuInfo& gpu : status.gpus) {
        EXPECT_FALSE(gpu.name.empty());
        EXPECT_GE(gpu.ccMajor, 7);
        EXPECT_GT(gpu.smCount, 0);
        EXPECT_GT(gpu.totalMemory, 0u);
        EXPECT_LE(gpu.freeMemory, gpu.totalMemory);
        EXPECT_GT(gpu.smClockMHz, 0);
        EXPECT_GT(gpu.memClockMHz, 0);
        EXPECT_GT(gpu.memBusWidthBits, 0);
        EXPECT_GT(gpu.l2Bytes, 0u);
        EXPECT_FALSE(gpu.pciBusId.empty());
    }
    for (const char* library : {"cuBLAS", "cuFFT", "cuRAND"}) {
        ASSERT_TRUE(status.libraries.contains(library)) << library;
        EXPECT_NE(status.libraries.at(library), "unknown") << library;
    }
}

TEST_F(DeviceTest, NamesItsPlace)
{
    EXPECT_EQ(gpu().name(), "cuda:0");
    EXPECT_EQ(gpu().place(), Place::cuda(0));
    EXPECT_EQ(gpu().allocator().place(), Place::cuda(0));
    EXPECT_EQ(&Runtime::instance().backend("gpu"), &gpu());
}

// Sizes below, at and above the staging threshold (1 MiB) and over several 64 MiB staging
// chunks with a partial last one.
TEST_F(DeviceTest, CopiesRoundTripExactly)
{
    for (std::int64_t bytes : {std::int64_t{1}, std::int64_t{4097}, std::int64_t{1} << 20, (std::int64_t{3} << 20) + 7,
                               (std::int64_t{150} << 20) + 3}) {
        SCOPED_TRACE(std::to_string(bytes) + " bytes");
        const Array host = random(Shape{bytes}, DType::U8, 0, 255);
        const Array device = upload(host);
        EXPECT_EQ(device.place(), Place::cuda(0));
        Array copy = gpu().empty(host.shape(), DType::U8);
        gpu().copy(device, copy); // device to device
        const Array back = download(copy);
        EXPECT_EQ(std::memcmp(back.data(), host.data(), static_cast<std::size_t>(bytes)), 0);
    }
}

TEST_F(DeviceTest, CopiesEveryDtype)
{
    for (DType dtype : kAllDTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array host = random(Shape{3, 5, 7}, dtype, -100, 100);
        EXPECT_EQ(maxAbsDifference(download(upload(host)), host), 0.0);
    }
}

TEST_F(DeviceTest, CopyRefusesMismatchedArrays)
{
    const Array host = random(Shape{4, 6}, DType::F32);
    Array wrongShape = gpu().empty(Shape{6, 4}, DType::F32);
    Array wrongDtype = gpu().empty(Shape{4, 6}, DType::F64);
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { gpu().copy(host, wrongShape); }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { gpu().copy(host, wrongDtype); }));
    gpu().synchronize();
}

TEST_F(DeviceTest, AllocatorCountsBytes)
{
    Allocator& allocator = gpu().allocator();
    const MemoryStats before = allocator.stats();
    {
        const Array array = gpu().empty(Shape{1000, 1000}, DType::F32);
        const MemoryStats during = allocator.stats();
        EXPECT_EQ(during.currentBytes, before.currentBytes + 4'000'000u);
        EXPECT_GE(during.peakBytes, during.currentBytes);
        EXPECT_EQ(during.allocations, before.allocations + 1);
    }
    EXPECT_EQ(allocator.stats().currentBytes, before.currentBytes);
}

TEST_F(DeviceTest, RefusesAnAllocationThatCannotFit)
{
    const std::int64_t bytes = std::int64_t{1} << 40; // 1 TiB
    try {
        gpu().empty(Shape{bytes}, DType::U8);
        FAIL() << "a 1 TiB allocation succeeded";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::OutOfMemory) << error.what();
        EXPECT_NE(std::string(error.what()).find(std::to_string(bytes)), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("free"), std::string::npos) << error.what();
    }
    // The refusal leaves the backend usable.
    const Array host = random(Shape{16}, DType::F32);
    EXPECT_EQ(maxAbsDifference(download(upload(host)), host), 0.0);
    gpu().synchronize();
}

TEST_F(DeviceTest, TimerMeasuresQueuedWork)
{
    const Array a = upload(random(Shape{512, 512}, DType::F32));
    auto op = gpu().prepareMatmul(MatmulDesc{a.shape(), a.shape(), DType::F32});
    Array c = gpu().empty(a.shape(), DType::F32);
    auto timer = gpu().createTimer();
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { timer->elapsedMs(); }));
    timer->start();
    for (int i = 0; i < 4; ++i)
        op->run(a, a, c);
    timer->stop();
    const double ms = timer->elapsedMs();
    EXPECT_GT(ms, 0.0);
    EXPECT_LT(ms, 10'000.0);
}

TEST_F(DeviceTest, BaselineTimesBareLibraryCalls)
{
    detail::CudaModule* module = detail::cudaModule();
    ASSERT_NE(module, nullptr);
    auto baseline = module->createBaseline(0);
    const std::vector<double> gemm =
        baseline->timeMatmul(MatmulDesc{Shape{256, 128}, Shape{128, 64}, DType::F16}, 2, 3, 1);
    ASSERT_EQ(gemm.size(), 3u);
    for (double ms : gemm)
        EXPECT_GT(ms, 0.0);
    const std::vector<double> batched =
        baseline->timeMatmul(MatmulDesc{Shape{4, 64, 32}, Shape{32, 16}, DType::F32, Precision::TF32}, 1, 2, 8);
    EXPECT_EQ(batched.size(), 2u);
    const std::vector<double> fft =
        baseline->timeFft(FftDesc{Shape{8, 30}, DType::C64, FftKind::C2R, FftDirection::Inverse, 1, 0}, 1, 4, 3);
    ASSERT_EQ(fft.size(), 4u);
    for (double ms : fft)
        EXPECT_GT(ms, 0.0);
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        baseline->timeFft(FftDesc{Shape{16}, DType::C64, FftKind::C2C, FftDirection::Forward, 1, 0}, 0, 1, 0);
    }));
}

} // namespace
} // namespace wb::test
