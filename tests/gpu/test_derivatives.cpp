// Sobel, Scharr, their magnitudes and the Laplacian on the GPU against OpenCV on the CPU
// backend: u8, u16 and f32 in (f32 out), 1 to 4 channels, every border mode, images of
// 1x1, 3x7, 1021x767 and others, some with 16-byte aligned rows (the kernel's vector
// loads) and some without, every ksize and a spread of orders, scales and deltas.
//
// Tolerance (wb::DerivativeDesc): within 1e-5 of the largest |expected| of the image (at
// least 1), plus 1e-7 of the largest sum of |terms| (sum over the filters of |row taps| ·
// |column taps|, times the largest |input|): a result that cancels to 0 still carries the
// float rounding of its terms, which the two backends add in different orders. u8 images
// with scale 1 are sums of integers below 2^24, exact in float: there the backends must
// agree exactly (magnitudes aside, whose squares round).

#include "compare.h"
#include "derivative_cases.h"

namespace wb::test {
namespace {

Array runOn(Backend& backend, std::unique_ptr<UnaryOp> op, const Shape& shape, const Array& image)
{
    Array out = backend.empty(shape, DType::F32);
    op->run(image, out);
    return out;
}

using DerivativeParam = std::tuple<Shape, DType, BorderMode>;

std::string derivativeName(const ::testing::TestParamInfo<DerivativeParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

// Odd sizes (scalar loads everywhere), and widths whose rows are 16-byte aligned in every
// dtype (vector loads in interior tiles): 384, 640·3 and 256·4 elements. One-channel f32
// of whole float4 widths takes the float4 strips: one float4 (narrower than the halo),
// two, and 300 (ten warps of 30 output lanes, rows not a whole number of blocks).
const auto kShapes =
    ::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{2, 2}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 4},
                      Shape{1021, 767, 3}, Shape{33, 47, 2}, Shape{130, 200, 4}, Shape{200, 384}, Shape{67, 640, 3},
                      Shape{45, 256, 4}, Shape{17, 1, 1}, Shape{1, 4}, Shape{3, 8}, Shape{70, 1200});
const auto kDTypes = ::testing::Values(DType::U8, DType::U16, DType::F32);
const auto kBorders = ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant);

class DerivativeTest : public GpuTest, public ::testing::WithParamInterface<DerivativeParam> {};

TEST_P(DerivativeTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    for (const DerivativeDesc& desc : derivativeCases(shape, dtype, border)) {
        SCOPED_TRACE(caseText(desc));
        const Array expected = runOn(cpu(), cpu().prepareDerivative(desc), shape, image);
        const Array actual = download(runOn(gpu(), gpu().prepareDerivative(desc), shape, device));
        EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(desc), highest(dtype)), 1.0);
        if (dtype == DType::U8 && desc.scale == 1 && !desc.magnitude) {
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0) << "u8 sums are exact in float";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, DerivativeTest, ::testing::Combine(kShapes, kDTypes, kBorders), derivativeName);

class LaplacianTest : public GpuTest, public ::testing::WithParamInterface<DerivativeParam> {};

TEST_P(LaplacianTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    for (auto [ksize, scale, delta] : {std::tuple{1, 1.0, 0.0},
                                       {3, 1.0, 0.0},
                                       {5, 1.0, 0.0},
                                       {7, 1.0, 0.0},
                                       {1, 0.5, 2.0},
                                       {3, -0.25, 10.0},
                                       {7, 2.0, -1.0}}) {
        const LaplacianDesc desc{shape, dtype, ksize, scale, delta, border};
        SCOPED_TRACE("laplacian ksize=" + std::to_string(ksize) + " scale=" + std::to_string(scale) +
                     " delta=" + std::to_string(delta));
        const Array expected = runOn(cpu(), cpu().prepareLaplacian(desc), shape, image);
        const Array actual = download(runOn(gpu(), gpu().prepareLaplacian(desc), shape, device));
        EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(desc), highest(dtype)), 1.0);
        if (dtype == DType::U8 && scale == 1) {
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0) << "u8 sums are exact in float";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, LaplacianTest, ::testing::Combine(kShapes, kDTypes, kBorders), derivativeName);

using DerivativeOpTest = GpuTest;

// The bench's frame: 4K f32, one channel, every tile but the edge ones on the vector path.
TEST_F(DerivativeOpTest, FourKFrameMatchesCpu)
{
    const Shape shape{2160, 3840};
    const Array image = random(shape, DType::F32, 0, 1);
    const Array device = upload(image);
    for (const bool magnitude : {false, true}) {
        const DerivativeDesc desc{shape, DType::F32, DerivativeKind::Sobel, 1, 0, 3, magnitude};
        SCOPED_TRACE(caseText(desc));
        const Array expected = runOn(cpu(), cpu().prepareDerivative(desc), shape, image);
        const Array actual = download(runOn(gpu(), gpu().prepareDerivative(desc), shape, device));
        EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(desc), 1.0), 1.0);
    }
    const LaplacianDesc laplace{shape, DType::F32, 3};
    const Array expected = runOn(cpu(), cpu().prepareLaplacian(laplace), shape, image);
    const Array actual = download(runOn(gpu(), gpu().prepareLaplacian(laplace), shape, device));
    EXPECT_LE(errorInTolerances(actual, expected, derivativeFilters(laplace), 1.0), 1.0);
}

TEST_F(DerivativeOpTest, RunsInPlace)
{
    const DerivativeDesc desc{Shape{64, 48, 3}, DType::F32, DerivativeKind::Scharr, 0, 0, 3, true};
    const Array image = random(desc.shape, DType::F32, 0, 1);
    const Array expected = runOn(cpu(), cpu().prepareDerivative(desc), desc.shape, image);
    Array device = upload(image);
    auto op = gpu().prepareDerivative(desc);
    op->run(device, device);
    EXPECT_LE(errorInTolerances(download(device), expected, derivativeFilters(desc), 1.0), 1.0);
}

TEST_F(DerivativeOpTest, RefusesBadParametersBeforeWork)
{
    const Shape shape{16, 16};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareDerivative(DerivativeDesc{shape, DType::F32, DerivativeKind::Sobel, 1, 0, 4});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareDerivative(DerivativeDesc{shape, DType::F32, DerivativeKind::Sobel, 0, 0, 3});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareDerivative(DerivativeDesc{shape, DType::F32, DerivativeKind::Scharr, 1, 1, 3});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareLaplacian(LaplacianDesc{shape, DType::F32, 9});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareLaplacian(LaplacianDesc{shape, DType::F64, 3});
    }));
    auto op = gpu().prepareDerivative(DerivativeDesc{shape, DType::U8});
    const Array image = upload(random(shape, DType::U8, 0, 255));
    Array wrong = gpu().empty(shape, DType::U8);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(image, wrong); }));
}

} // namespace
} // namespace wb::test
