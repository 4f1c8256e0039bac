// Threshold, normalize and resize on the GPU against OpenCV on the CPU backend: u8, u16 and
// f32, 1 to 4 channels, images of 1x1, 3x7, 1021x767 and a few others.
//
// Tolerances: threshold exactly (Otsu's threshold is OpenCV's bit for bit, so the images are
// equal); normalize and resize u8/u16 within 1 unit, f32 within 1e-5 of max(|expected|, 1)
// (1e-4 for f32 area reductions over cells of more than 4096 pixels, see below); nearest
// exactly. The GPU's arithmetic was checked on the host beforehand: the same tables and
// per-pixel formulas in C++ against cv::resize (2340 cases, all within these tolerances),
// the Otsu search against cv::threshold (600 images, u8 and u16, the same threshold every
// time) and normalize's map against cv::normalize (exact).

#include "compare.h"

namespace wb::test {
namespace {

double tolerance(DType dtype) { return dtype == DType::F32 ? 1e-5 : 1.0; }

using ImageParam = std::tuple<Shape, DType>;

std::string imageName(const ::testing::TestParamInfo<ImageParam>& param)
{
    const auto& [shape, dtype] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype));
}

const auto kShapes = ::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 4},
                                       Shape{1021, 767, 3}, Shape{33, 47, 2}, Shape{130, 200, 4}, Shape{2160, 3840});
const auto kDTypes = ::testing::Values(DType::U8, DType::U16, DType::F32);

// ---- threshold ----------------------------------------------------------------------

class ThresholdTest : public GpuTest, public ::testing::WithParamInterface<ImageParam> {};

TEST_P(ThresholdTest, MatchesCpu)
{
    const auto& [shape, dtype] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    const double top = highest(dtype);
    for (const ThresholdType type : {ThresholdType::Binary, ThresholdType::BinaryInv, ThresholdType::Trunc,
                                     ThresholdType::ToZero, ThresholdType::ToZeroInv}) {
        for (const double thresh : {-3.0, top * 0.37 + 0.5, top * 0.5, top + 7}) {
            SCOPED_TRACE(std::string(name(type)) + " thresh " + std::to_string(thresh));
            const ThresholdDesc desc{shape, dtype, thresh, top * 0.8 + 0.3, type};
            const Array expected = runUnary(cpu(), cpu().prepareThreshold(desc), shape, dtype, image);
            const Array actual = download(runUnary(gpu(), gpu().prepareThreshold(desc), shape, dtype, device));
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
    }
    const int channels = shape.ndim() == 3 ? static_cast<int>(shape[2]) : 1;
    if (dtype != DType::F32 && channels == 1) {
        for (const ThresholdType type : {ThresholdType::Binary, ThresholdType::Trunc, ThresholdType::ToZeroInv}) {
            SCOPED_TRACE("otsu " + std::string(name(type)));
            const ThresholdDesc desc{shape, dtype, 0, top, type, true};
            const Array expected = runUnary(cpu(), cpu().prepareThreshold(desc), shape, dtype, image);
            const Array actual = download(runUnary(gpu(), gpu().prepareThreshold(desc), shape, dtype, device));
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, ThresholdTest, ::testing::Combine(kShapes, kDTypes), imageName);

using LevelsTest = GpuTest;

TEST_F(LevelsTest, OtsuOfSkewedImagesMatchesOpenCv)
{
    // Few distinct values and long empty runs, where OpenCV's loop skips bins (q1 below
    // FLT_EPSILON): the quirks the GPU search must repeat.
    for (const DType dtype : {DType::U8, DType::U16}) {
        const Shape shape{517, 389};
        Array image = random(shape, dtype, 0, highest(dtype) * 0.3);
        for (std::int64_t i = 0; i < image.numel(); i += 7) {
            if (dtype == DType::U8)
                image.data<std::uint8_t>()[i] = 250;
            else
                image.data<std::uint16_t>()[i] = 60000;
        }
        const ThresholdDesc desc{shape, dtype, 0, 255, ThresholdType::Binary, true};
        const Array expected = runUnary(cpu(), cpu().prepareThreshold(desc), shape, dtype, image);
        Array device = upload(image);
        auto op = gpu().prepareThreshold(desc);
        op->run(device, device); // in place
        EXPECT_EQ(maxAbsDifference(download(device), expected), 0.0) << name(dtype);
    }
}

TEST_F(LevelsTest, ThresholdRefusesBadParametersBeforeWork)
{
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareThreshold(ThresholdDesc{Shape{8, 8}, DType::F32, 0, 1, ThresholdType::Binary, true});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] {
        gpu().prepareThreshold(ThresholdDesc{Shape{8, 8, 3}, DType::U8, 0, 1, ThresholdType::Binary, true});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareThreshold(ThresholdDesc{Shape{8, 8}, DType::U8, NAN, 1});
    }));
}

// ---- normalize ----------------------------------------------------------------------

class NormalizeTest : public GpuTest, public ::testing::WithParamInterface<ImageParam> {};

TEST_P(NormalizeTest, MatchesCpu)
{
    const auto& [shape, dtype] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    struct Case {
        NormType norm;
        double alpha, beta;
        std::optional<DType> to;
    };
    const Case cases[] = {{NormType::MinMax, 0, 1, DType::F32},      {NormType::MinMax, 255, 0, DType::U8},
                          {NormType::MinMax, 10, 60000, DType::U16}, {NormType::MinMax, -2, 3, std::nullopt},
                          {NormType::L1, 1000, 0, DType::F32},       {NormType::L2, 100, 0, DType::F32},
                          {NormType::Inf, 200, 0, DType::U8},        {NormType::L2, 1, 0, std::nullopt}};
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(name(c.norm)) + " " + std::to_string(c.alpha) + " " + std::to_string(c.beta));
        const NormalizeDesc desc{shape, dtype, c.alpha, c.beta, c.norm, c.to};
        const DType to = desc.outputDType();
        const Array expected = runUnary(cpu(), cpu().prepareNormalize(desc), shape, to, image);
        const Array actual = download(runUnary(gpu(), gpu().prepareNormalize(desc), shape, to, device));
        EXPECT_LE(worstElementError(actual, expected), tolerance(to));
    }
}

INSTANTIATE_TEST_SUITE_P(Images, NormalizeTest, ::testing::Combine(kShapes, kDTypes), imageName);

TEST_F(LevelsTest, NormalizeOfAConstantImageIsTheLowerEnd)
{
    Array image = Array::emptyHost(Shape{64, 48}, DType::F32);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        image.data<float>()[i] = 0.25f;
    const Array out = download(normalize(gpu(), upload(image), 5.0, 2.0));
    const Array expected = normalize(cpu(), image, 5.0, 2.0);
    EXPECT_EQ(maxAbsDifference(out, expected), 0.0);
}

// ---- resize -------------------------------------------------------------------------

class ResizeTest : public GpuTest, public ::testing::WithParamInterface<ImageParam> {};

TEST_P(ResizeTest, MatchesCpu)
{
    const auto& [shape, dtype] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    struct Case {
        std::int64_t w, h;
        double fx, fy;
    };
    const std::int64_t W = shape[1], H = shape[0];
    const Case cases[] = {
        {0, 0, 0.5, 0.5},      // OpenCV's 2x2 area path for bilinear; odd sizes cut windows
        {0, 0, 2.0, 2.0},      // enlarging
        {0, 0, 1.0 / 3, 0.25}, // integer factors 3 and 4 (area fast)
        {std::max<std::int64_t>(1, W * 2 / 5), std::max<std::int64_t>(1, H * 3 / 7), 0, 0}, // non-integer reduction
        {W * 3 + 1, H + 2, 0, 0},                                                           // enlarging by odd amounts
        {std::max<std::int64_t>(1, W / 2), H * 2, 0, 0}, // reduce one axis, enlarge the other
        {1, 1, 0, 0},
        {W, H, 0, 0}, // a copy
    };
    for (const Interpolation interpolation : {Interpolation::Nearest, Interpolation::Bilinear, Interpolation::Area}) {
        for (const Case& c : cases) {
            const ResizeDesc desc{shape, dtype, c.w, c.h, c.fx, c.fy, interpolation};
            SCOPED_TRACE(std::string(name(interpolation)) + " to " + std::to_string(desc.outputWidth()) + "x" +
                         std::to_string(desc.outputHeight()));
            if (desc.outputWidth() < 1 || desc.outputHeight() < 1)
                continue;
            const Shape out = desc.outputShape();
            const Array expected = runUnary(cpu(), cpu().prepareResize(desc), out, dtype, image);
            const Array actual = download(runUnary(gpu(), gpu().prepareResize(desc), out, dtype, device));
            // An f32 area reduction over cells of more than 4096 pixels sums that many floats:
            // OpenCV's own result is then only within about 1e-5 of the exact mean, and ours
            // (the same sums, not always in OpenCV's order) within 1e-4 of OpenCV's.
            const double cell = static_cast<double>(W * H) / static_cast<double>(out[0] * out[1]);
            const bool longSums = dtype == DType::F32 && interpolation == Interpolation::Area && cell > 4096;
            EXPECT_LE(worstElementError(actual, expected), interpolation == Interpolation::Nearest ? 0.0
                                                           : longSums                              ? 1e-4
                                                                                                   : tolerance(dtype));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, ResizeTest, ::testing::Combine(kShapes, kDTypes), imageName);

TEST_F(LevelsTest, ResizeRefusesBadSizesBeforeWork)
{
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareResize(ResizeDesc{Shape{8, 8}, DType::U8, 0, 0, 0, 0});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareResize(ResizeDesc{Shape{8, 8}, DType::U8, 40000, 2});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareResize(ResizeDesc{Shape{8, 8}, DType::F64, 4, 4});
    }));
}

} // namespace
} // namespace wb::test
