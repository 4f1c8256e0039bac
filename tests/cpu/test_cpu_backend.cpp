// The CPU backend object: identity, copies, timers, thread counts and library versions.

#include "cpu_test_util.h"

#include "cpu/cpu_backend.h"

#include <wb/device.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

namespace {

using namespace wb;
using test::cpuBackend;

TEST(CpuBackend, Identity)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(cpu.name(), "cpu");
    EXPECT_TRUE(cpu.place().isHost());
    EXPECT_EQ(&cpu.allocator(), &hostAllocator());
    EXPECT_NO_THROW(cpu.synchronize());
    EXPECT_EQ(&Runtime::instance().backend("cpu"), &cpu);
}

TEST(CpuBackend, CopyIsDeepAndChecked)
{
    Backend& cpu = cpuBackend();
    const Array src = test::randomArray(Shape{3, 5}, DType::C64, 1);
    Array dst = cpu.empty(Shape{3, 5}, DType::C64);
    cpu.copy(src, dst);
    EXPECT_NE(src.data(), dst.data());
    EXPECT_EQ(std::memcmp(src.data(), dst.data(), src.nbytes()), 0);

    Array wrongShape = cpu.empty(Shape{5, 3}, DType::C64);
    Array wrongType = cpu.empty(Shape{3, 5}, DType::C128);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.copy(src, wrongShape); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.copy(src, wrongType); }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.copy(Array(), dst); }), ErrorCode::InvalidArgument);
}

TEST(CpuBackend, TimerMeasuresWallTime)
{
    auto timer = cpuBackend().createTimer();
    EXPECT_EQ(test::errorCodeOf([&] { timer->elapsedMs(); }), ErrorCode::InvalidArgument);
    timer->start();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    timer->stop();
    EXPECT_GE(timer->elapsedMs(), 19.0);
    EXPECT_LT(timer->elapsedMs(), 5000.0);
}

TEST(CpuBackend, ThreadCountReachesTheLibraries)
{
    const int cores = Runtime::instance().cpuInfo().logicalCores;
    {
        test::ThreadCountScope scope(3);
        EXPECT_EQ(cpu::threads(), 3);
        EXPECT_EQ(Runtime::instance().cpuThreads(), 3);
        const CpuLibraries libraries = Runtime::instance().cpuLibraries();
        EXPECT_NE(libraries.blas.find("OpenBLAS"), std::string::npos) << libraries.blas;
        EXPECT_NE(libraries.blas.find("3 threads"), std::string::npos) << libraries.blas;
        EXPECT_NE(libraries.fft.find("fftw-3"), std::string::npos) << libraries.fft;
        EXPECT_NE(libraries.fft.find("3 threads"), std::string::npos) << libraries.fft;
        if (WARPBENCH_HAVE_OPENCV) {
            EXPECT_NE(libraries.opencv.find("4."), std::string::npos) << libraries.opencv;
            EXPECT_NE(libraries.opencv.find("3 threads"), std::string::npos) << libraries.opencv;
        } else {
            EXPECT_EQ(libraries.opencv, "not built in");
        }
    }
    test::ThreadCountScope scope(1);
    Runtime::instance().setCpuThreads(0); // 0 means every logical core
    EXPECT_EQ(cpu::threads(), cores);
    EXPECT_EQ(test::errorCodeOf([] { cpu::setThreads(0); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([] { Runtime::instance().setCpuThreads(-1); }), ErrorCode::InvalidArgument);
}

TEST(CpuBackend, OpenCvOpsSayWhyWhenOpenCvIsMissing)
{
    if (WARPBENCH_HAVE_OPENCV)
        GTEST_SKIP() << "this build has OpenCV";
    Backend& cpu = cpuBackend();
    const std::function<void()> prepares[] = {
        [&] {
            cpu.prepareGaussian({Shape{8, 8}, DType::F32, 1.0});
        },
        [&] {
            cpu.prepareGrayscale({Shape{8, 8, 3}, DType::U8});
        },
    };
    for (const auto& prepare : prepares) {
        try {
            prepare();
            ADD_FAILURE() << "prepared an OpenCV op without OpenCV";
        } catch (const Error& error) {
            EXPECT_EQ(error.code(), ErrorCode::Unavailable);
            EXPECT_NE(error.message().find("needs OpenCV"), std::string::npos) << error.message();
        }
    }
}

} // namespace
