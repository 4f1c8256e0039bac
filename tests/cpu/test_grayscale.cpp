// RGB(A) -> gray against the BT.601 weights.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace {

using namespace wb;
using test::cpuBackend;

class GrayscaleTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no grayscale";
    }
};

TEST_F(GrayscaleTest, WeightsRedGreenAndBlueAsBt601)
{
    for (DType dtype : {DType::U8, DType::U16, DType::F32}) {
        for (std::int64_t channels : {3, 4}) {
            SCOPED_TRACE(std::string(name(dtype)) + " " + std::to_string(channels) + " channels");
            const double top = dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1;
            const Array image = test::randomArray(Shape{7, 13, channels}, dtype, 3, 0, top);
            const Array gray = grayscale(cpuBackend(), image);
            ASSERT_EQ(gray.shape(), Shape({7, 13}));
            ASSERT_EQ(gray.dtype(), dtype);
            for (std::int64_t p = 0; p < 7 * 13; ++p) {
                const double expected = 0.299 * test::realAt(image, p * channels) +
                                        0.587 * test::realAt(image, p * channels + 1) +
                                        0.114 * test::realAt(image, p * channels + 2);
                // Integer types: the final rounding, and OpenCV's weights in units of 2^-14,
                // each off by at most 2^-15.
                const double tolerance = dtype == DType::F32 ? 1e-6 : 0.5 + 3 * 0x1p-15 * top;
                ASSERT_NEAR(test::realAt(gray, p), expected, tolerance) << "pixel " << p;
            }
        }
    }
}

TEST_F(GrayscaleTest, ChannelOrderIsRgb)
{
    Array red = Array::emptyHost(Shape{1, 1, 3}, DType::F32);
    test::setAt(red, 0, 1.0);
    test::setAt(red, 1, 0.0);
    test::setAt(red, 2, 0.0);
    EXPECT_NEAR(test::realAt(grayscale(cpuBackend(), red), 0), 0.299, 1e-6);
}

TEST(Grayscale, RefusesBadInput)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] { cpu.prepareGrayscale({Shape{4, 4}, DType::U8}); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.prepareGrayscale({Shape{4, 4, 2}, DType::U8}); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { cpu.prepareGrayscale({Shape{4, 4, 3}, DType::F64}); }), ErrorCode::DTypeMismatch);
}

TEST_F(GrayscaleTest, RunChecksOperands)
{
    auto op = cpuBackend().prepareGrayscale({Shape{4, 5, 3}, DType::U8});
    const Array image = test::randomArray(Shape{4, 5, 3}, DType::U8, 1, 0, 255);
    Array wrong = Array::emptyHost(Shape{4, 5, 3}, DType::U8);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(image, wrong); }), ErrorCode::ShapeMismatch);
}

} // namespace
