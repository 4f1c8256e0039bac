// Result checks behind every speedup: the relative error measure on every dtype, NaNs
// failing a check, and the sampled-row matmul check against a double-precision product.

#include "bench/verify.h"

#include "core/half.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>

namespace {

using namespace wb;
using bench::maxRelativeError;
using bench::sampledRowsError;

template <typename T> Array filled(std::initializer_list<T> values, DType dtype)
{
    Array array = Array::emptyHost({static_cast<std::int64_t>(values.size())}, dtype);
    std::copy(values.begin(), values.end(), array.data<T>());
    return array;
}

TEST(Verify, IdenticalArraysHaveNoError)
{
    const Array x = filled<float>({1, -2, 3}, DType::F32);
    EXPECT_EQ(maxRelativeError(x, x), 0.0);
}

TEST(Verify, ErrorIsRelativeToTheLargestReferenceValue)
{
    // The error near zero (0.001 off a value of 0.002) counts against the largest value, 4.
    const Array reference = filled<double>({4, 0.002, -1}, DType::F64);
    const Array result = filled<double>({4, 0.003, -1}, DType::F64);
    EXPECT_NEAR(maxRelativeError(result, reference), 0.001 / 4, 1e-15);
}

TEST(Verify, ComplexValuesAreComparedAsComplex)
{
    const Array reference = filled<std::complex<float>>({{3, 4}, {0, 0}}, DType::C64);
    const Array result = filled<std::complex<float>>({{3, 4}, {0, 0.5f}}, DType::C64);
    EXPECT_NEAR(maxRelativeError(result, reference), 0.5 / 5, 1e-7);
}

TEST(Verify, HalfPrecisionIsWidened)
{
    const Array reference = filled<std::uint16_t>({detail::floatToHalf(2.0f), detail::floatToHalf(-1.0f)}, DType::F16);
    const Array result = filled<std::uint16_t>({detail::floatToHalf(2.0f), detail::floatToHalf(-1.5f)}, DType::F16);
    EXPECT_NEAR(maxRelativeError(result, reference), 0.25, 1e-12);
    const Array bf = filled<std::uint16_t>({detail::floatToBf16(2.0f), detail::floatToBf16(-1.0f)}, DType::BF16);
    EXPECT_EQ(maxRelativeError(bf, bf), 0.0);
}

TEST(Verify, NansAndInfinitiesFailTheCheck)
{
    const Array reference = filled<float>({1, 2}, DType::F32);
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
        const Array result = filled<float>({1, bad}, DType::F32);
        const double error = maxRelativeError(result, reference);
        EXPECT_TRUE(std::isnan(error));
        EXPECT_FALSE(bench::verdict("cpu", "test", error, 1e-3).passed);
    }
}

TEST(Verify, FilterErrorsAreUnitsForIntegersAndRelativeAboveOneForFloats)
{
    using bench::filterError;
    using bench::filterTolerance;
    EXPECT_EQ(
        filterError(filled<std::uint8_t>({0, 200, 255}, DType::U8), filled<std::uint8_t>({1, 200, 253}, DType::U8)),
        2.0);
    EXPECT_EQ(filterTolerance(DType::U8), 1.0);
    EXPECT_EQ(filterTolerance(DType::U16), 1.0);
    // Against max(|reference|, 1): 1e-6 off 0.5 counts as 1e-6, 4e-5 off 8 as 5e-6.
    const double error =
        filterError(filled<float>({0.500001f, 8.00004f}, DType::F32), filled<float>({0.5f, 8.0f}, DType::F32));
    EXPECT_NEAR(error, 5e-6, 1e-6);
    EXPECT_LE(error, filterTolerance(DType::F32));
    EXPECT_TRUE(std::isnan(filterError(filled<float>({NAN}, DType::F32), filled<float>({0}, DType::F32))));
}

TEST(Verify, VerdictComparesWithTheTolerance)
{
    EXPECT_TRUE(bench::verdict("cpu", "", 1e-5, 1e-4).passed);
    EXPECT_FALSE(bench::verdict("cpu", "", 2e-4, 1e-4).passed);
    EXPECT_TRUE(bench::verdict("cpu", "", 0, 1e-4).checked);
}

TEST(Verify, ShapesMustMatch)
{
    try {
        maxRelativeError(Array::emptyHost({2, 3}, DType::F32), Array::emptyHost({3, 2}, DType::F32));
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::ShapeMismatch);
    }
}

TEST(Verify, TolerancesFollowThePrecision)
{
    EXPECT_LT(bench::matmulTolerance(Precision::FP64), bench::matmulTolerance(Precision::FP32));
    EXPECT_LT(bench::matmulTolerance(Precision::FP32), bench::matmulTolerance(Precision::TF32));
    EXPECT_LE(bench::matmulTolerance(Precision::FP16), bench::matmulTolerance(Precision::BF16));
    EXPECT_LT(bench::fftTolerance(DType::C128), bench::fftTolerance(DType::C64));
}

class SampledRows : public ::testing::Test {
protected:
    Backend& cpu = Runtime::instance().cpu();
};

TEST_F(SampledRows, AcceptsTheCpuProductOfOddShapes)
{
    const Array a = random(cpu, Shape{37, 53}, DType::F64, Distribution::Uniform, 1, -1.0, 1.0);
    const Array b = random(cpu, Shape{53, 29}, DType::F64, Distribution::Uniform, 2, -1.0, 1.0);
    const Array c = matmul(cpu, a, b);
    EXPECT_LT(sampledRowsError(a, b, c, 16), 1e-13);
    EXPECT_LT(sampledRowsError(a, b, c, 1000), 1e-13); // more rows than C has: all of them
}

TEST_F(SampledRows, FindsAWrongElementInASampledRow)
{
    const Array a = random(cpu, Shape{64, 64}, DType::F32, Distribution::Uniform, 3, 0.0, 1.0);
    const Array b = random(cpu, Shape{64, 64}, DType::F32, Distribution::Uniform, 4, 0.0, 1.0);
    Array c = matmul(cpu, a, b);
    EXPECT_LT(sampledRowsError(a, b, c, 16), 1e-5);
    c.data<float>()[63 * 64 + 5] += 1.0f; // the last row is always sampled
    EXPECT_GT(sampledRowsError(a, b, c, 16), 1e-3);
}

TEST_F(SampledRows, RefusesShapesThatDoNotFit)
{
    try {
        sampledRowsError(Array::emptyHost({4, 5}, DType::F32), Array::emptyHost({4, 5}, DType::F32),
                         Array::emptyHost({4, 5}, DType::F32), 2);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::ShapeMismatch);
    }
}

} // namespace
