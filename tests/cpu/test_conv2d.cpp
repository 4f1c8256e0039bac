// conv2d on the CPU (OpenCV's filter2D and sepFilter2D in bands) against a direct
// correlation in double written here, with the border rules applied pixel by pixel; the
// separable test (separableFactors) on rank-1 and other matrices; results that do not
// depend on the thread count; and the refusals of bad parameters.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

struct Matrix {
    int w;
    int h;
    std::vector<double> values;
};

const Matrix kSobelX{3, 3, {-1, 0, 1, -2, 0, 2, -1, 0, 1}};
const Matrix kLaplacian{3, 3, {0, 1, 0, 1, -4, 1, 0, 1, 0}};

// The outer product column · rowᵀ.
Matrix outer(const std::vector<double>& column, const std::vector<double>& row)
{
    Matrix m{static_cast<int>(row.size()), static_cast<int>(column.size()), {}};
    for (double c : column)
        for (double r : row)
            m.values.push_back(c * r);
    return m;
}

// out(y, x) = delta + sum of w(i, j) · in(y + i − ay, x + j − ax), in double, not rounded.
std::vector<double> reference(const Array& in, const Conv2dDesc& desc)
{
    const Shape& shape = in.shape();
    const std::int64_t h = shape[0], w = shape[1], c = shape.ndim() == 3 ? shape[2] : 1;
    const std::vector<double> weights = desc.weights();
    std::vector<double> out;
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t ch = 0; ch < c; ++ch) {
                double sum = desc.delta;
                for (int i = 0; i < desc.kernelHeight; ++i)
                    for (int j = 0; j < desc.kernelWidth; ++j) {
                        const auto sy = test::borderIndex(y + i - desc.anchorY(), h, desc.border);
                        const auto sx = test::borderIndex(x + j - desc.anchorX(), w, desc.border);
                        if (sy && sx)
                            sum += weights[static_cast<std::size_t>(i * desc.kernelWidth + j)] *
                                   test::realAt(in, (*sy * w + *sx) * c + ch);
                    }
                out.push_back(sum);
            }
    return out;
}

double highest(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

// Integers within 1 unit of the rounded, saturated reference (float sums round at ties
// either way); f32 within 1e-5 of the largest sum a pixel can reach.
void expectNear(const Array& actual, const std::vector<double>& expected, const Conv2dDesc& desc)
{
    double magnitude = std::fabs(desc.delta);
    for (double w : desc.weights())
        magnitude += std::fabs(w) * highest(desc.dtype);
    const double tolerance = desc.outDType == DType::F32 ? 1e-5 * std::max(magnitude, 1.0) : 1.0;
    ASSERT_EQ(actual.numel(), static_cast<std::int64_t>(expected.size()));
    for (std::int64_t i = 0; i < actual.numel(); ++i) {
        double e = expected[static_cast<std::size_t>(i)];
        if (desc.outDType != DType::F32)
            e = std::clamp(std::nearbyint(e), 0.0, highest(desc.outDType));
        ASSERT_NEAR(test::realAt(actual, i), e, tolerance) << "element " << i;
    }
}

Array runConv2d(const Array& image, const Conv2dDesc& desc)
{
    Array out = Array::emptyHost(desc.outputShape(), desc.outputDType());
    cpuBackend().prepareConv2d(desc)->run(image, out);
    return out;
}

Conv2dDesc descFor(const Array& image, const Matrix& m, BorderMode border)
{
    return {.shape = image.shape(),
            .dtype = image.dtype(),
            .outDType = image.dtype(),
            .kernelWidth = m.w,
            .kernelHeight = m.h,
            .kernel = m.values,
            .border = border};
}

} // namespace

// ---- Separable detection ------------------------------------------------------------

TEST(Conv2dSeparable, RankOneMatricesFactorIntoAColumnAndARow)
{
    const std::vector<Matrix> rankOne = {
        kSobelX,
        outer({1, 4, 6, 4, 1}, {1, 4, 6, 4, 1}),                     // a binomial (Gaussian) 5x5
        outer({0.054, 0.242, 0.399, 0.242, 0.054}, {0.3, 0.4, 0.3}), // a Gaussian column and a row
        outer({3, 10, 3}, {-1, 0, 1}),                               // Scharr dx
        {5, 3, std::vector<double>(15, 1.0)},                        // a box
        {5, 1, {1, -2, 3, -2, 1}},                                   // one row
        {1, 4, {2, 0, -1, 7}},                                       // one column
        {1, 1, {2.5}},
    };
    for (const Matrix& m : rankOne) {
        const auto factors = separableFactors(m.values, m.w, m.h);
        ASSERT_TRUE(factors.has_value()) << m.w << "x" << m.h;
        ASSERT_EQ(factors->column.size(), static_cast<std::size_t>(m.h));
        ASSERT_EQ(factors->row.size(), static_cast<std::size_t>(m.w));
        for (int i = 0; i < m.h; ++i)
            for (int j = 0; j < m.w; ++j)
                EXPECT_NEAR(factors->column[i] * factors->row[j], m.values[i * m.w + j], 1e-12);
    }
    // Sobel dx: the column through its largest entry and the row scaled to 1 there.
    const auto sobel = separableFactors(kSobelX.values, 3, 3);
    EXPECT_EQ(sobel->column, (std::vector<double>{-1, -2, -1}));
    EXPECT_EQ(sobel->row, (std::vector<double>{1, 0, -1}));
}

TEST(Conv2dSeparable, OtherMatricesAreDense)
{
    const std::vector<Matrix> dense = {
        kLaplacian,
        {3, 3, {1, 2, 3, 4, 5, 6, 7, 8, 10}},
        {2, 2, {1, 0, 0, 1}},
        {3, 3, std::vector<double>(9, 0.0)}, // zero: nothing to factor
    };
    for (const Matrix& m : dense)
        EXPECT_FALSE(separableFactors(m.values, m.w, m.h).has_value()) << m.w << "x" << m.h;
    // Rank one within the tolerance (1e-6 of the largest entry), and just beyond it.
    Matrix nearly = outer({1, 2, 1}, {1, 2, 1});
    nearly.values[0] += 1e-8;
    EXPECT_TRUE(separableFactors(nearly.values, 3, 3).has_value());
    nearly.values[0] += 1e-4;
    EXPECT_FALSE(separableFactors(nearly.values, 3, 3).has_value());
    // Sizes that do not match the entries.
    EXPECT_FALSE(separableFactors(kSobelX.values, 2, 3).has_value());
}

TEST(Conv2dSeparable, TheDescriptorNamesItsPathAndCostsFewerTapsWhenSeparable)
{
    Conv2dDesc desc{.shape = {64, 64}, .dtype = DType::F32};
    EXPECT_EQ(desc.path(), "separable 1x3 + 3x1"); // the default ((1, 2, 1), (2, 4, 2), (1, 2, 1))
    const double separableFlops = desc.cost().flops;
    desc.kernel = kLaplacian.values;
    EXPECT_EQ(desc.path(), "dense 3x3");
    EXPECT_EQ(desc.cost().flops, 2.0 * 9 * 64 * 64);
    EXPECT_EQ(separableFlops, 2.0 * 6 * 64 * 64);
    EXPECT_EQ(desc.cost().bytes, 2.0 * 4 * 64 * 64);
    // Scale and normalisation change the weights, not the rank.
    desc.kernel = outer({1, 2, 1}, {1, 2, 1}).values;
    desc.normalize = true;
    desc.scale = 3;
    const std::vector<double> weights = desc.weights();
    EXPECT_DOUBLE_EQ(weights[4], 3 * 4.0 / 16);
    EXPECT_TRUE(desc.separable().has_value());
}

// ---- Results ----------------------------------------------------------------------------

#if WARPBENCH_HAVE_OPENCV

TEST(Conv2d, MatchesADirectCorrelationForEveryDTypeBorderAndShape)
{
    const std::vector<Matrix> matrices = {
        {3, 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}}, // separable, the default
        kLaplacian,
        kSobelX,
        {4, 2, {1, -2, 3, 0.5, -1, 2, 0, 1}}, // even sizes: the anchor at (2, 1)
        {1, 1, {0.75}},
        {7, 3, outer({1, 2, 1}, {1, -1, 2, 0, 2, -1, 1}).values}, // separable, wider than tall
        {4, 2, outer({1, 3}, {1, 2, 2, 1}).values},               // separable, even sizes
        {2, 6, outer({1, 0, 2, -1, 1, 1}, {2, 1}).values},
        {9, 9, std::vector<double>(81, 1.0 / 81)}, // larger than the small images
    };
    const std::vector<Shape> shapes = {{1, 1}, {3, 7}, {1, 40}, {2, 9}, {5, 6}, {37, 53, 3}, {64, 5, 4}, {20, 9, 2}};
    std::uint64_t seed = 1;
    for (DType dtype : {DType::U8, DType::U16, DType::F32}) {
        for (const Shape& shape : shapes) {
            const Array image = test::randomArray(shape, dtype, seed++, 0, highest(dtype));
            for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant}) {
                for (const Matrix& m : matrices) {
                    Conv2dDesc desc = descFor(image, m, border);
                    desc.delta = dtype == DType::F32 ? 0.25 : 7;
                    desc.scale = 0.5;
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::string(name(border)) +
                                 " " + desc.path());
                    const std::vector<double> expected = reference(image, desc);
                    expectNear(runConv2d(image, desc), expected, desc);
                    desc.outDType = DType::F32;
                    expectNear(runConv2d(image, desc), expected, desc);
                }
            }
        }
    }
}

TEST(Conv2d, NormalizeDividesByTheSumAndIntegersSaturate)
{
    const Array image = test::randomArray({16, 16}, DType::U8, 3, 0, 255);
    Conv2dDesc desc = descFor(image, {3, 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}}, BorderMode::Reflect101);
    desc.normalize = true;
    expectNear(runConv2d(image, desc), reference(image, desc), desc);
    // Unnormalised, 16 times 20 saturates at 255; a negative result gives 0.
    Array flat = Array::emptyHost({9, 11}, DType::U8);
    for (std::int64_t i = 0; i < flat.numel(); ++i)
        test::setAt(flat, i, 20.0);
    desc = descFor(flat, {3, 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}}, BorderMode::Reflect101);
    const Array saturated = runConv2d(flat, desc);
    desc.kernel = kLaplacian.values;
    desc.delta = -1000;
    const Array negative = runConv2d(flat, desc);
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
        EXPECT_EQ(test::realAt(saturated, i), 255);
        EXPECT_EQ(test::realAt(negative, i), 0);
    }
}

// Given a whole image, filter2D would switch to a DFT for a 13x13 matrix; in bands it never
// does, so one thread and two give the same bits.
TEST(Conv2d, TheResultDoesNotDependOnTheThreadCount)
{
    const Array image = test::randomArray({150, 97, 3}, DType::F32, 5, 0, 1);
    Matrix m{13, 13, {}};
    const Array random = test::randomArray({13 * 13}, DType::F32, 6, -1, 1);
    for (std::int64_t i = 0; i < random.numel(); ++i)
        m.values.push_back(test::realAt(random, i));
    const Conv2dDesc desc = descFor(image, m, BorderMode::Reflect101);
    ASSERT_EQ(desc.path(), "dense 13x13");
    Array one, two;
    {
        test::ThreadCountScope threads(1);
        one = runConv2d(image, desc);
    }
    {
        test::ThreadCountScope threads(2);
        two = runConv2d(image, desc);
    }
    for (std::int64_t i = 0; i < image.numel(); ++i)
        ASSERT_EQ(test::realAt(one, i), test::realAt(two, i)) << "element " << i;
    expectNear(one, reference(image, desc), desc);
}

TEST(Conv2d, RunsInPlace)
{
    Array image = test::randomArray({41, 33}, DType::F32, 7, 0, 1);
    const Conv2dDesc desc = descFor(image, kLaplacian, BorderMode::Replicate);
    const std::vector<double> expected = reference(image, desc);
    cpuBackend().prepareConv2d(desc)->run(image, image);
    expectNear(image, expected, desc);
}

TEST(Conv2d, EagerCallTakesTheMatrixAndOptions)
{
    const Array image = test::randomArray({12, 10}, DType::U16, 8, 0, 65535);
    const Array out =
        conv2d(cpuBackend(), image, kSobelX.values, 3, 3, false, 1.0, 32768.0, BorderMode::Constant, DType::F32);
    EXPECT_EQ(out.dtype(), DType::F32);
    EXPECT_EQ(out.shape(), image.shape());
    Conv2dDesc desc = descFor(image, kSobelX, BorderMode::Constant);
    desc.delta = 32768;
    desc.outDType = DType::F32;
    expectNear(out, reference(image, desc), desc);
}

#endif

// ---- Refusals -----------------------------------------------------------------------------

TEST(Conv2d, RefusesBadParametersBeforeAnyWork)
{
    const Conv2dDesc good{.shape = {8, 8}, .dtype = DType::F32};
    EXPECT_NO_THROW(good.validate());
    auto refused = [&](auto change) {
        Conv2dDesc desc = good;
        change(desc);
        return test::errorCodeOf([&] { cpuBackend().prepareConv2d(desc); });
    };
    EXPECT_EQ(refused([](Conv2dDesc& d) {
                  d.kernelWidth = 32;
                  d.kernelHeight = 1;
                  d.kernel.assign(32, 1.0);
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.kernelWidth = 0; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.kernel.pop_back(); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.kernel[3] = NAN; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.scale = INFINITY; }), ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) {
                  d.kernel = kLaplacian.values;
                  d.normalize = true;
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.dtype = d.outDType = DType::I32; }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(refused([](Conv2dDesc& d) {
                  d.dtype = DType::U8;
                  d.outDType = DType::U16;
              }),
              ErrorCode::DTypeMismatch);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.shape = {8, 8, 5}; }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.shape = {8}; }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(refused([](Conv2dDesc& d) { d.shape = {0, 8}; }), ErrorCode::ShapeMismatch);
    // The largest matrix is accepted.
    Conv2dDesc largest = good;
    largest.kernelWidth = largest.kernelHeight = Conv2dDesc::kMaxKernelSize;
    largest.kernel.assign(31 * 31, 1.0);
    EXPECT_NO_THROW(largest.validate());
    try {
        Conv2dDesc desc = good;
        desc.kernelWidth = 33;
        desc.validate();
        FAIL() << "33x3 accepted";
    } catch (const Error& error) {
        EXPECT_NE(std::string(error.what()).find("33x3 is outside 1x1 .. 31x31"), std::string::npos) << error.what();
    }
}
