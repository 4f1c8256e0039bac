// Gaussian blur on the CPU against a direct separable convolution in double precision,
// written here with wb::gaussianKernel and OpenCV's border rules.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

// One pass of a 1-D kernel along the x (horizontal) or y axis of an (h, w, c) image.
std::vector<double> filterAxis(const std::vector<double>& in, const Shape& shape, const std::vector<double>& kernel,
                               bool horizontal, BorderMode border)
{
    const std::int64_t h = shape[0], w = shape[1], c = shape.ndim() == 3 ? shape[2] : 1;
    const auto radius = static_cast<std::int64_t>(kernel.size() / 2);
    std::vector<double> out(in.size());
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t ch = 0; ch < c; ++ch) {
                double sum = 0;
                for (std::int64_t t = -radius; t <= radius; ++t) {
                    const auto source =
                        horizontal ? test::borderIndex(x + t, w, border) : test::borderIndex(y + t, h, border);
                    if (source) {
                        const std::int64_t sx = horizontal ? *source : x, sy = horizontal ? y : *source;
                        sum += kernel[static_cast<std::size_t>(t + radius)] *
                               in[static_cast<std::size_t>((sy * w + sx) * c + ch)];
                    }
                }
                out[static_cast<std::size_t>((y * w + x) * c + ch)] = sum;
            }
    return out;
}

// Rows then columns, in double; not rounded.
std::vector<double> referenceBlur(const Array& image, const GaussianDesc& desc)
{
    std::vector<double> pixels(static_cast<std::size_t>(image.numel()));
    for (std::int64_t i = 0; i < image.numel(); ++i)
        pixels[static_cast<std::size_t>(i)] = test::realAt(image, i);
    const std::vector<double> kx = gaussianKernel(desc.resolvedKsizeX(), desc.sigmaX);
    const std::vector<double> ky = gaussianKernel(desc.resolvedKsizeY(), desc.resolvedSigmaY());
    return filterAxis(filterAxis(pixels, image.shape(), kx, true, desc.border), image.shape(), ky, false, desc.border);
}

void expectMatchesReference(const GaussianDesc& desc, std::uint64_t seed)
{
    SCOPED_TRACE(std::string(name(desc.dtype)) + " " + desc.shape.toString() + " sigma " + std::to_string(desc.sigmaX) +
                 "/" + std::to_string(desc.sigmaY) + " ksize " + std::to_string(desc.ksizeX) + "x" +
                 std::to_string(desc.ksizeY) + " " + std::string(name(desc.border)));
    const bool u8 = desc.dtype == DType::U8;
    const Array image = test::randomArray(desc.shape, desc.dtype, seed, 0.0, u8 ? 255.0 : 1.0);
    auto op = cpuBackend().prepareGaussian(desc);
    Array out = Array::emptyHost(desc.shape, desc.dtype);
    op->run(image, out);
    const std::vector<double> expected = referenceBlur(image, desc);
    // u8 goes through OpenCV's bit-exact fixed-point path, whose weights are rounded to
    // multiples of 1/256 (GaussianBlurFixedPoint): results stray from the exact blur by up
    // to two levels, but on average by less than half a level, as rounding alone would.
    const double tolerance = u8 ? 2.0 : 1e-5;
    double absErrorSum = 0;
    int failures = 0;
    for (std::int64_t i = 0; i < out.numel(); ++i) {
        const double want = expected[static_cast<std::size_t>(i)], got = test::realAt(out, i);
        absErrorSum += std::fabs(got - want);
        if (!(std::fabs(got - want) <= tolerance * (u8 ? 1.0 : std::max(1.0, std::fabs(want)))) && ++failures <= 5)
            ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
    }
    if (u8) {
        EXPECT_LT(absErrorSum / static_cast<double>(out.numel()), 0.5);
    }
}

class GaussianTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no gaussian";
    }
};

TEST_F(GaussianTest, MatchesSeparableReferenceForEveryBorder)
{
    std::uint64_t seed = 100;
    for (DType dtype : {DType::F32, DType::U8}) {
        for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant}) {
            for (const Shape& shape :
                 {Shape{1, 1}, Shape{3, 7}, Shape{16, 23}, Shape{9, 11, 3}, Shape{5, 6, 1}, Shape{4, 13, 4}}) {
                for (double sigma : {0.8, 1.5, 3.0}) {
                    GaussianDesc desc{shape, dtype, sigma};
                    desc.border = border;
                    expectMatchesReference(desc, seed++);
                }
            }
        }
    }
}

TEST_F(GaussianTest, ExplicitAndUnequalKernelSizes)
{
    // ksize without sigma uses OpenCV's fixed small kernels (1 4 6 4 1)/16 and so on.
    expectMatchesReference({Shape{12, 15}, DType::F32, 0.0, 0.0, 5, 5}, 1);
    expectMatchesReference({Shape{12, 15}, DType::F32, 0.0, 0.0, 3, 7}, 2);
    expectMatchesReference({Shape{12, 15, 3}, DType::U8, 0.0, 0.0, 9, 1}, 3);
    expectMatchesReference({Shape{12, 15}, DType::F32, 1.2, 2.5, 7, 11}, 4);
    expectMatchesReference({Shape{12, 15}, DType::F32, 1.2, 2.5}, 5);
    expectMatchesReference({Shape{20, 8}, DType::F32, 2.0, 0.0, 0, 0, BorderMode::Constant}, 6);
}

TEST_F(GaussianTest, ConstantImageStaysConstantExceptAtConstantBorders)
{
    Array image = Array::emptyHost(Shape{10, 10}, DType::F32);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        test::setAt(image, i, 0.75);
    const Array blurred = gaussian(cpuBackend(), image, 2.0);
    for (std::int64_t i = 0; i < blurred.numel(); ++i)
        ASSERT_NEAR(test::realAt(blurred, i), 0.75, 1e-6) << i;
    const Array padded = gaussian(cpuBackend(), image, 2.0, 0, BorderMode::Constant);
    EXPECT_LT(test::realAt(padded, 0), 0.75 * 0.6);
}

TEST_F(GaussianTest, WorksInPlace)
{
    const GaussianDesc desc{Shape{8, 9}, DType::F32, 1.0};
    Array image = test::randomArray(desc.shape, desc.dtype, 9, 0.0, 1.0);
    const std::vector<double> expected = referenceBlur(image, desc);
    auto op = cpuBackend().prepareGaussian(desc);
    op->run(image, image);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        ASSERT_NEAR(test::realAt(image, i), expected[static_cast<std::size_t>(i)], 1e-5) << i;
}

TEST(Gaussian, RefusesInvalidParameters)
{
    // Refused by the descriptor, before OpenCV is needed.
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareGaussian({Shape{8, 8}, DType::F32, 1.0, 0.0, 4, 4});
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareGaussian({Shape{8, 8}, DType::F32, 0.0});
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareGaussian({Shape{8, 8}, DType::F32, 100.0});
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareGaussian({Shape{8, 8}, DType::U16, 1.0});
              }),
              ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareGaussian({Shape{8, 8, 5}, DType::F32, 1.0});
              }),
              ErrorCode::ShapeMismatch);
}

TEST_F(GaussianTest, RunChecksOperands)
{
    auto op = cpuBackend().prepareGaussian({Shape{8, 8}, DType::F32, 1.0});
    const Array image = test::randomArray(Shape{8, 8}, DType::F32, 1);
    Array wrongShape = Array::emptyHost(Shape{8, 9}, DType::F32);
    Array wrongType = Array::emptyHost(Shape{8, 8}, DType::U8);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(image, wrongShape); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(image, wrongType); }), ErrorCode::DTypeMismatch);
}

} // namespace
