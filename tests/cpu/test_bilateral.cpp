// Bilateral filter on the CPU (OpenCV's bilateralFilter) against the definition written out
// here from wb::BilateralDesc: the disc of radius r, spatial weights float(exp(r²·cs)),
// colour weights from OpenCV's tables (u8: the integer distance; f32: 4096 bins per channel
// over the image's range, interpolated), sums in double. u8 within 1 unit (OpenCV sums in
// float and rounds once), f32 within 1e-5 of max(|expected|, 1). Also the refusals.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

std::vector<double> referenceBilateral(const Array& image, const BilateralDesc& desc)
{
    const Shape& shape = image.shape();
    const std::int64_t h = shape[0], w = shape[1], c = shape.ndim() == 3 ? shape[2] : 1;
    const int r = desc.radius();
    const bool u8 = desc.dtype == DType::U8;
    const double colorCoeff = -0.5 / (desc.sigmaColor * desc.sigmaColor);
    const double spaceCoeff = -0.5 / (desc.sigmaSpace * desc.sigmaSpace);
    auto at = [&](std::int64_t y, std::int64_t x, std::int64_t ch) {
        return test::realAt(image, (y * w + x) * c + ch);
    };

    // f32: OpenCV's table over the image's range.
    double low = INFINITY, high = -INFINITY;
    for (std::int64_t i = 0; i < image.numel(); ++i) {
        low = std::min(low, test::realAt(image, i));
        high = std::max(high, test::realAt(image, i));
    }
    if (!u8 && std::fabs(high - low) < FLT_EPSILON) {
        std::vector<double> copy;
        for (std::int64_t i = 0; i < image.numel(); ++i)
            copy.push_back(test::realAt(image, i));
        return copy;
    }
    const int bins = 4096 * static_cast<int>(c);
    const float scaleIndex = static_cast<float>(bins) / (static_cast<float>(high - low) * static_cast<float>(c));
    std::vector<float> table(static_cast<std::size_t>(bins + 2));
    for (int i = 0; i < bins + 2; ++i) {
        const double v = static_cast<float>(i) / scaleIndex;
        table[static_cast<std::size_t>(i)] = static_cast<float>(std::exp(v * v * colorCoeff));
    }
    auto colorWeight = [&](float distance) -> double {
        if (u8)
            return static_cast<float>(std::exp(distance * distance * colorCoeff));
        float alpha = distance * scaleIndex;
        const int idx = static_cast<int>(std::floor(alpha));
        alpha -= static_cast<float>(idx);
        const float a = table[static_cast<std::size_t>(idx)], b = table[static_cast<std::size_t>(idx + 1)];
        return a + alpha * (b - a);
    };

    std::vector<double> out;
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) {
            std::vector<double> sum(static_cast<std::size_t>(c), 0.0);
            double wsum = 0;
            for (int dy = -r; dy <= r; ++dy)
                for (int dx = -r; dx <= r; ++dx) {
                    const double distance2 = static_cast<double>(dy) * dy + static_cast<double>(dx) * dx;
                    const double rr = std::sqrt(distance2);
                    if (rr > r)
                        continue;
                    const auto sy = test::borderIndex(y + dy, h, desc.border);
                    const auto sx = test::borderIndex(x + dx, w, desc.border);
                    float distance = 0;
                    std::vector<double> v(static_cast<std::size_t>(c));
                    for (std::int64_t ch = 0; ch < c; ++ch) {
                        v[static_cast<std::size_t>(ch)] = sy && sx ? at(*sy, *sx, ch) : 0.0;
                        distance += std::fabs(static_cast<float>(v[static_cast<std::size_t>(ch)] - at(y, x, ch)));
                    }
                    const double weight = static_cast<float>(std::exp(rr * rr * spaceCoeff)) * colorWeight(distance);
                    for (std::int64_t ch = 0; ch < c; ++ch)
                        sum[static_cast<std::size_t>(ch)] += v[static_cast<std::size_t>(ch)] * weight;
                    wsum += weight;
                }
            for (std::int64_t ch = 0; ch < c; ++ch)
                out.push_back(sum[static_cast<std::size_t>(ch)] / wsum);
        }
    return out;
}

class BilateralTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no bilateral";
    }
};

struct Params {
    int d;
    double sigmaColor, sigmaSpace;
};

TEST_F(BilateralTest, MatchesTheDefinition)
{
    const Shape shapes[] = {Shape{1, 1}, Shape{3, 7}, Shape{16, 23}, Shape{9, 11, 3}, Shape{31, 17, 3}, Shape{1, 40}};
    std::uint64_t seed = 1700;
    for (DType dtype : {DType::U8, DType::F32}) {
        // Colour sigmas in the dtype's units: u8 0..255, f32 images in [0, 1).
        const double sc = dtype == DType::U8 ? 1.0 : 1.0 / 255;
        const Params params[] = {{5, 10 * sc, 10}, {9, 75 * sc, 75}, {0, 30 * sc, 2},
                                 {4, 20 * sc, 3},  {1, 50 * sc, 1},  {15, 40 * sc, 5}};
        for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant}) {
            if (dtype == DType::F32 && border == BorderMode::Constant)
                continue; // refused, see RefusesBadParameters
            for (const Shape& shape : shapes)
                for (const Params& p : params) {
                    const BilateralDesc desc{shape, dtype, p.d, p.sigmaColor, p.sigmaSpace, border};
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " d " + std::to_string(p.d) +
                                 " sigmas " + std::to_string(p.sigmaColor) + ", " + std::to_string(p.sigmaSpace) + " " +
                                 std::string(name(border)));
                    const Array image = test::randomArray(shape, dtype, ++seed, 0.0, dtype == DType::U8 ? 255.0 : 1.0);
                    const Array out = bilateral(cpuBackend(), image, p.d, p.sigmaColor, p.sigmaSpace, border);
                    const std::vector<double> expected = referenceBilateral(image, desc);
                    int failures = 0;
                    for (std::int64_t i = 0; i < out.numel(); ++i) {
                        const double want = expected[static_cast<std::size_t>(i)], got = test::realAt(out, i);
                        const double tolerance = dtype == DType::U8 ? 1.0 : 1e-5 * std::max(1.0, std::fabs(want));
                        if (!(std::fabs(got - want) <= tolerance) && ++failures <= 5)
                            ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
                    }
                }
        }
    }
}

TEST_F(BilateralTest, FlatF32ImageIsCopied)
{
    Array image = Array::emptyHost(Shape{12, 9, 3}, DType::F32);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        image.data<float>()[i] = 0.25f;
    const Array out = bilateral(cpuBackend(), image, 5, 0.1, 3);
    for (std::int64_t i = 0; i < out.numel(); ++i)
        ASSERT_EQ(test::realAt(out, i), 0.25) << "element " << i;
}

TEST_F(BilateralTest, RunsInPlace)
{
    const Array image = test::randomArray(Shape{40, 33, 3}, DType::U8, 5, 0.0, 255.0);
    const Array expected = bilateral(cpuBackend(), image, 7, 30, 5);
    auto op = cpuBackend().prepareBilateral(BilateralDesc{image.shape(), DType::U8, 7, 30, 5});
    Array inPlace = Array::emptyHost(image.shape(), DType::U8);
    cpuBackend().copy(image, inPlace);
    op->run(inPlace, inPlace);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        ASSERT_EQ(test::realAt(inPlace, i), test::realAt(expected, i)) << "element " << i;
}

TEST(BilateralDescs, RefuseBadParameters)
{
    using test::errorCodeOf;
    const Shape shape{8, 8};
    auto code = [&](BilateralDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    EXPECT_EQ(code({shape, DType::U16, 9, 75, 75}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(code({shape, DType::F64, 9, 75, 75}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(code({Shape{8, 8, 4}, DType::U8, 9, 75, 75}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{8, 8, 2}, DType::U8, 9, 75, 75}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{0, 8}, DType::U8, 9, 75, 75}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({shape, DType::U8, -1, 75, 75}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U8, 9, 0, 75}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U8, 9, 75, -2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U8, 9, NAN, 75}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U8, 2 * BilateralDesc::kMaxRadius + 2, 75, 75}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U8, 0, 75, 75}), ErrorCode::InvalidArgument); // r = round(112.5) = 112
    EXPECT_EQ(code({shape, DType::F32, 9, 0.1, 3, BorderMode::Constant}), ErrorCode::InvalidArgument);
    EXPECT_NO_THROW((BilateralDesc{shape, DType::U8, 2 * BilateralDesc::kMaxRadius + 1, 75, 75}.validate()));
    EXPECT_NO_THROW((BilateralDesc{shape, DType::U8, 9, 75, 75, BorderMode::Constant}.validate()));
    EXPECT_EQ((BilateralDesc{shape, DType::U8, 0, 75, 2}.radius()), 3);
    EXPECT_EQ((BilateralDesc{shape, DType::U8, 0, 75, 0.2}.radius()), 1);
    EXPECT_EQ((BilateralDesc{shape, DType::U8, 4, 75, 75}.radius()), 2);
    EXPECT_EQ((BilateralDesc{shape, DType::U8, 1, 75, 75}.radius()), 1);
}

} // namespace
