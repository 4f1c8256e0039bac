// matmul on the CPU against a naive double-precision product of the same (rounded) inputs.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <string>

namespace {

using namespace wb;
using test::cpuBackend;

struct MatmulCase {
    DType dtype;
    Precision precision;
    // Unit roundoff of the output type, and of the accumulation (fp32 for f32, f16, bf16).
    double outputEps;
    double accumulateEps;
};

void PrintTo(const MatmulCase& c, std::ostream* out) { *out << name(c.dtype) << " " << name(c.precision); }

std::string caseName(const testing::TestParamInfo<MatmulCase>& info)
{
    return std::string(name(info.param.dtype)) + "_" + std::string(name(info.param.precision));
}

class MatmulTest : public testing::TestWithParam<MatmulCase> {
protected:
    // C = A·B checked element by element: the error may be the output rounding plus
    // K accumulation roundings of terms no larger than |a_ik·b_kj|.
    void check(const Shape& aShape, const Shape& bShape, std::uint64_t seed)
    {
        const MatmulCase& c = GetParam();
        SCOPED_TRACE("A " + aShape.toString() + " B " + bShape.toString());
        const Array a = test::randomArray(aShape, c.dtype, seed);
        const Array b = test::randomArray(bShape, c.dtype, seed + 1);
        const Array out = matmul(cpuBackend(), a, b, c.precision);

        const MatmulDesc desc{aShape, bShape, c.dtype, c.precision};
        ASSERT_EQ(out.shape(), desc.outputShape());
        ASSERT_EQ(out.dtype(), c.dtype);
        const std::int64_t m = desc.m(), n = desc.n(), k = desc.k();
        const bool sharedB = bShape.ndim() == 2;
        int failures = 0;
        for (std::int64_t batch = 0; batch < desc.batch(); ++batch) {
            const std::int64_t aBase = batch * m * k, bBase = sharedB ? 0 : batch * k * n, cBase = batch * m * n;
            for (std::int64_t i = 0; i < m; ++i) {
                for (std::int64_t j = 0; j < n; ++j) {
                    double sum = 0, magnitude = 0;
                    for (std::int64_t p = 0; p < k; ++p) {
                        const double term = test::realAt(a, aBase + i * k + p) * test::realAt(b, bBase + p * n + j);
                        sum += term;
                        magnitude += std::fabs(term);
                    }
                    const double got = test::realAt(out, cBase + i * n + j);
                    const double bound = c.outputEps * std::fabs(sum) +
                                         2.0 * static_cast<double>(k) * c.accumulateEps * magnitude + 1e-300;
                    if (!(std::fabs(got - sum) <= bound) && ++failures <= 5)
                        ADD_FAILURE() << "C[" << batch << "][" << i << "][" << j << "] = " << got << ", expected "
                                      << sum << " (bound " << bound << ")";
                }
            }
        }
    }
};

TEST_P(MatmulTest, OneByOne) { check(Shape{1, 1}, Shape{1, 1}, 1); }
TEST_P(MatmulTest, OddSizes) { check(Shape{17, 33}, Shape{33, 9}, 2); }
TEST_P(MatmulTest, Batched) { check(Shape{3, 5, 7}, Shape{3, 7, 4}, 3); }
TEST_P(MatmulTest, SharedTwoDimensionalB) { check(Shape{3, 5, 7}, Shape{7, 4}, 4); }
TEST_P(MatmulTest, FourDimensionalBatch) { check(Shape{2, 3, 5, 7}, Shape{2, 3, 7, 4}, 5); }
TEST_P(MatmulTest, LargerThanOneBlasBlock) { check(Shape{129, 257}, Shape{257, 65}, 6); }

constexpr double kEps64 = 0x1p-53, kEps32 = 0x1p-24;

INSTANTIATE_TEST_SUITE_P(Cpu, MatmulTest,
                         testing::Values(MatmulCase{DType::F64, Precision::Default, kEps64, kEps64},
                                         MatmulCase{DType::F32, Precision::FP32, kEps32, kEps32},
                                         MatmulCase{DType::F32, Precision::TF32, kEps32, kEps32},
                                         MatmulCase{DType::F16, Precision::FP16, 0x1p-11, kEps32},
                                         MatmulCase{DType::BF16, Precision::BF16, 0x1p-8, kEps32}),
                         caseName);

TEST(Matmul, ExactSmallIntegers)
{
    // Small integers are exact in every dtype, so all of them must give exactly this.
    for (DType dtype : {DType::F64, DType::F32, DType::F16, DType::BF16}) {
        SCOPED_TRACE(std::string(name(dtype)));
        Array a = Array::emptyHost(Shape{2, 3}, dtype);
        Array b = Array::emptyHost(Shape{3, 2}, dtype);
        for (int i = 0; i < 6; ++i) {
            test::setAt(a, i, i + 1); // [[1 2 3] [4 5 6]]
            test::setAt(b, i, 6 - i); // [[6 5] [4 3] [2 1]]
        }
        const Array c = matmul(cpuBackend(), a, b);
        const double expected[] = {20, 14, 56, 41};
        for (int i = 0; i < 4; ++i)
            EXPECT_EQ(test::realAt(c, i), expected[i]) << "element " << i;
    }
}

TEST(Matmul, RefusesMismatchedShapesAtPrepare)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareMatmul({Shape{4, 5}, Shape{6, 3}, DType::F32});
              }),
              ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareMatmul({Shape{2, 4, 5}, Shape{3, 5, 3}, DType::F32});
              }),
              ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareMatmul({Shape{5}, Shape{5, 3}, DType::F32});
              }),
              ErrorCode::ShapeMismatch);
}

TEST(Matmul, RefusesDTypesThatDoNotFit)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareMatmul({Shape{2, 2}, Shape{2, 2}, DType::I32});
              }),
              ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareMatmul({Shape{2, 2}, Shape{2, 2}, DType::F64, Precision::TF32});
              }),
              ErrorCode::DTypeMismatch);
    const Array a = test::randomArray(Shape{2, 2}, DType::F32, 1);
    const Array b = test::randomArray(Shape{2, 2}, DType::F64, 2);
    EXPECT_EQ(test::errorCodeOf([&] { matmul(cpu, a, b); }), ErrorCode::DTypeMismatch);
}

TEST(Matmul, RunChecksOperandsAgainstThePreparedShape)
{
    Backend& cpu = cpuBackend();
    auto op = cpu.prepareMatmul({Shape{4, 5}, Shape{5, 3}, DType::F32});
    const Array a = test::randomArray(Shape{4, 5}, DType::F32, 1);
    const Array b = test::randomArray(Shape{5, 3}, DType::F32, 2);
    const Array wrongB = test::randomArray(Shape{5, 2}, DType::F32, 3);
    const Array wrongType = test::randomArray(Shape{5, 3}, DType::F64, 4);
    Array out = Array::emptyHost(Shape{4, 3}, DType::F32);
    Array wrongOut = Array::emptyHost(Shape{3, 4}, DType::F32);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(a, wrongB, out); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(a, wrongType, out); }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(a, b, wrongOut); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(Array(), b, out); }), ErrorCode::InvalidArgument);
    EXPECT_NO_THROW(op->run(a, b, out));
}

TEST(Matmul, RefusesAnOutputThatOverlapsAnInput)
{
    auto op = cpuBackend().prepareMatmul({Shape{3, 3}, Shape{3, 3}, DType::F64});
    Array a = test::randomArray(Shape{3, 3}, DType::F64, 1);
    const Array b = test::randomArray(Shape{3, 3}, DType::F64, 2);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(a, b, a); }), ErrorCode::Unsupported);
}

} // namespace
