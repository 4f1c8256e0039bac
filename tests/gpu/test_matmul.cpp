// matmul on cuBLAS against OpenBLAS, in every precision, at odd, non-square and batched
// sizes, with the norm-wise relative error ||gpu − cpu|| / ||cpu||.

#include "compare.h"

#include <tuple>

namespace wb::test {
namespace {

struct MatmulShapes {
    Shape a;
    Shape b;
};

void PrintTo(const MatmulShapes& shapes, std::ostream* out)
{
    *out << shapes.a.toString() << " @ " << shapes.b.toString();
}

// Inputs are uniform in [-1, 1), so a K-long dot product has magnitude ~sqrt(K)/3 and the
// error of each format's last bit dominates: fp64 and fp32 keep ~1e-16 and ~1e-7 of it;
// tf32 rounds inputs to 10 mantissa bits (~5e-4); fp16 and bf16 round the output to 11 and
// 8 bits (~5e-4 and ~4e-3 on the elements where the two sides round differently).
double tolerance(Precision precision)
{
    switch (precision) {
    case Precision::FP64: return 1e-12;
    case Precision::FP32: return 1e-5;
    case Precision::TF32: return 5e-3;
    default: return 2e-2;
    }
}

class MatmulTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<MatmulShapes, Precision>> {};

TEST_P(MatmulTest, MatchesCpu)
{
    const auto& [shapes, precision] = GetParam();
    const DType dtype = dtypeFor(precision);
    const Array a = random(shapes.a, dtype);
    const Array b = random(shapes.b, dtype);
    const Array expected = matmul(cpu(), a, b, precision);
    const Array actual = download(matmul(gpu(), upload(a), upload(b), precision));
    EXPECT_LE(relativeError(actual, expected), tolerance(precision));
}

std::string matmulName(const ::testing::TestParamInfo<MatmulTest::ParamType>& param)
{
    const auto& [shapes, precision] = param.param;
    return std::string(name(precision)) + "_" + shapeName(shapes.a) + "_by_" + shapeName(shapes.b);
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, MatmulTest,
    ::testing::Combine(::testing::Values(MatmulShapes{Shape{1, 1}, Shape{1, 1}},              // 1x1x1
                                         MatmulShapes{Shape{17, 33}, Shape{33, 9}},           // odd
                                         MatmulShapes{Shape{129, 257}, Shape{257, 65}},       // odd, larger
                                         MatmulShapes{Shape{3, 17, 33}, Shape{3, 33, 9}},     // batched
                                         MatmulShapes{Shape{4, 31, 16}, Shape{16, 7}},        // shared B
                                         MatmulShapes{Shape{2, 3, 8, 5}, Shape{2, 3, 5, 6}}), // 4-D batch
                       ::testing::Values(Precision::FP64, Precision::FP32, Precision::TF32, Precision::FP16,
                                         Precision::BF16)),
    matmulName);

using MatmulErrorTest = GpuTest;

TEST_F(MatmulErrorTest, RefusesShapesThatDoNotFit)
{
    const Array a = upload(random(Shape{3, 4}, DType::F32));
    const Array b = upload(random(Shape{5, 6}, DType::F32));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { matmul(gpu(), a, b); }));
    gpu().synchronize();
}

// A prepared op checks its operands against its descriptor before it launches anything.
TEST_F(MatmulErrorTest, PreparedOpRefusesOtherOperands)
{
    const MatmulDesc desc{Shape{4, 5}, Shape{5, 6}, DType::F32};
    auto op = gpu().prepareMatmul(desc);
    const Array b = upload(random(desc.b, DType::F32));
    Array out = gpu().empty(desc.outputShape(), DType::F32);
    const Array wrongShape = upload(random(Shape{4, 6}, DType::F32));
    const Array wrongDtype = upload(random(desc.a, DType::F64));
    const Array onHost = random(desc.a, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(wrongShape, b, out); }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(wrongDtype, b, out); }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(onHost, b, out); }));
    Array wrongOut = gpu().empty(Shape{4, 5}, DType::F32);
    const Array a = upload(random(desc.a, DType::F32));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(a, b, wrongOut); }));
    // Still usable afterwards.
    op->run(a, b, out);
    gpu().synchronize();
}

TEST_F(MatmulErrorTest, RefusesPrecisionOfAnotherDtype)
{
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareMatmul(MatmulDesc{Shape{2, 2}, Shape{2, 2}, DType::F64, Precision::TF32});
    }));
}

} // namespace
} // namespace wb::test
