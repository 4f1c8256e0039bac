// Box filter and morphology (erode, dilate, open, close) against OpenCV on the CPU backend:
// u8, u16 and f32, 1 to 4 channels, every border mode, images of 1x1, 3x7 and 1021x767 and
// a few others, kernels from 1 to larger than the image.
//
// Tolerances (the op's specification, wb::BoxDesc and wb::MorphDesc): box u8 and u16 within
// 1 unit (OpenCV's own vector and scalar paths round differently by that), f32 within 1e-5
// of max(|expected|, 1) per element; morphology exactly.

#include "compare.h"

namespace wb::test {
namespace {

struct Size2 {
    int w;
    int h;
};

std::string sizeText(Size2 size) { return std::to_string(size.w) + "x" + std::to_string(size.h); }

using FilterParam = std::tuple<Shape, DType, BorderMode>;

std::string filterName(const ::testing::TestParamInfo<FilterParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

// Besides odd sizes and one-pixel images: widths divisible by four as cameras make them
// (260, 196 x 3, 200 x 4, 1100), large enough for tiles with no border at all; 1100 x 260
// is many tiles across and down, the last ones partial. One-channel f32 of whole float4
// widths takes the float4 strips: one float4 (narrower than the halo), two, and 300 (ten
// warps of 30 output lanes, rows not a whole number of blocks).
const auto kShapes = ::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 4},
                                       Shape{1021, 767, 3}, Shape{33, 47, 2}, Shape{130, 200, 4}, Shape{300, 260},
                                       Shape{150, 196, 3}, Shape{260, 1100}, Shape{1, 4}, Shape{3, 8}, Shape{70, 1200});
const auto kDTypes = ::testing::Values(DType::U8, DType::U16, DType::F32);
const auto kBorders = ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant);

// ---- box ----------------------------------------------------------------------------

class BoxTest : public GpuTest, public ::testing::WithParamInterface<FilterParam> {};

TEST_P(BoxTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    // Sizes around the u8 fixed-point limit (16x16 = 256), wide and tall ones, one wider
    // than the image, the largest allowed radius in x, and sums without normalising.
    // 65 is the widest the fused tile kernel takes (radius 32); 67 and up run as strips.
    // 17 is the widest square of the float4 strips (radius 8).
    const Size2 sizes[] = {{1, 1},   {3, 3},  {5, 5},   {1, 7},  {15, 15},   {17, 15},
                           {17, 17}, {31, 5}, {65, 65}, {67, 3}, {101, 101}, {511, 3}};
    for (const bool normalize : {true, false}) {
        for (const Size2 size : sizes) {
            SCOPED_TRACE("ksize " + sizeText(size) + (normalize ? "" : ", sums"));
            const BoxDesc desc{shape, dtype, size.w, size.h, normalize, border};
            const Array expected = runUnary(cpu(), cpu().prepareBox(desc), shape, dtype, image);
            const Array actual = download(runUnary(gpu(), gpu().prepareBox(desc), shape, dtype, device));
            EXPECT_LE(worstElementError(actual, expected), dtype == DType::F32 ? 1e-5 : 1.0);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, BoxTest, ::testing::Combine(kShapes, kDTypes, kBorders), filterName);

using FilterTest = GpuTest;

TEST_F(FilterTest, BoxRunsInPlace)
{
    for (const Shape& shape : {Shape{64, 48, 3}, Shape{64, 48}}) {
        SCOPED_TRACE(shapeName(shape));
        const BoxDesc desc{shape, DType::F32, 9, 5};
        const Array image = random(desc.shape, DType::F32, 0, 1);
        const Array expected = runUnary(cpu(), cpu().prepareBox(desc), desc.shape, desc.dtype, image);
        Array device = upload(image);
        auto op = gpu().prepareBox(desc);
        op->run(device, device);
        EXPECT_LE(worstElementError(download(device), expected), 1e-5);
    }
}

TEST_F(FilterTest, BoxOfAConstantImageIsTheConstant)
{
    // Exactly, at every size: the running sums must not drift over 4000 rows.
    const Shape shape{4000, 300};
    Array image = Array::emptyHost(shape, DType::F32);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        image.data<float>()[i] = 0.7f;
    const Array out = download(box(gpu(), upload(image), 15, 15));
    EXPECT_LE(worstElementError(out, image), 1e-6);
}

TEST_F(FilterTest, BoxRefusesBadParametersBeforeWork)
{
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareBox(BoxDesc{Shape{16, 16}, DType::F32, 4, 3});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareBox(BoxDesc{Shape{16, 16}, DType::F32, 513, 3});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareBox(BoxDesc{Shape{16, 16}, DType::F64, 3, 3});
    }));
    auto op = gpu().prepareBox(BoxDesc{Shape{16, 16}, DType::F32, 3, 3});
    const Array wrong = upload(random(Shape{16, 16}, DType::U8, 0, 255));
    Array out = gpu().empty(Shape{16, 16}, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(wrong, out); }));
}

// ---- morphology ---------------------------------------------------------------------

class MorphologyTest : public GpuTest, public ::testing::WithParamInterface<FilterParam> {};

TEST_P(MorphologyTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    struct Case {
        MorphShape element;
        Size2 size;
        int iterations;
    };
    const Case cases[] = {
        {MorphShape::Rect, {3, 3}, 1},    {MorphShape::Rect, {1, 5}, 1},  {MorphShape::Rect, {7, 1}, 1},
        {MorphShape::Rect, {15, 15}, 1},  {MorphShape::Rect, {5, 3}, 3},  {MorphShape::Rect, {255, 9}, 1},
        {MorphShape::Cross, {3, 3}, 1},   {MorphShape::Cross, {9, 5}, 1}, {MorphShape::Cross, {3, 3}, 2},
        {MorphShape::Cross, {31, 31}, 1}, {MorphShape::Rect, {1, 1}, 1},  {MorphShape::Rect, {65, 65}, 1},
        {MorphShape::Rect, {67, 3}, 1},   {MorphShape::Rect, {3, 3}, 33}, {MorphShape::Rect, {7, 7}, 1},
        {MorphShape::Rect, {17, 17}, 1}};
    for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate, MorphOp::Open, MorphOp::Close}) {
        for (const Case& c : cases) {
            SCOPED_TRACE(std::string(name(op)) + " " + std::string(name(c.element)) + " " + sizeText(c.size) + " x" +
                         std::to_string(c.iterations));
            const MorphDesc desc{shape, dtype, op, c.element, c.size.w, c.size.h, c.iterations, border};
            const Array expected = runUnary(cpu(), cpu().prepareMorphology(desc), shape, dtype, image);
            const Array actual = download(runUnary(gpu(), gpu().prepareMorphology(desc), shape, dtype, device));
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Images, MorphologyTest, ::testing::Combine(kShapes, kDTypes, kBorders), filterName);

TEST_F(FilterTest, MorphologyRunsInPlace)
{
    for (const MorphShape element : {MorphShape::Rect, MorphShape::Cross}) {
        for (const MorphOp op : {MorphOp::Erode, MorphOp::Close}) {
            const MorphDesc desc{Shape{64, 48, 3}, DType::U8, op, element, 5, 3, 2};
            const Array image = random(desc.shape, DType::U8, 0, 255);
            const Array expected = runUnary(cpu(), cpu().prepareMorphology(desc), desc.shape, desc.dtype, image);
            Array device = upload(image);
            auto prepared = gpu().prepareMorphology(desc);
            prepared->run(device, device);
            EXPECT_EQ(maxAbsDifference(download(device), expected), 0.0);
        }
    }
}

TEST_F(FilterTest, MorphologyRefusesBadParametersBeforeWork)
{
    const Shape shape{16, 16};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareMorphology(MorphDesc{shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 2, 3});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareMorphology(MorphDesc{shape, DType::U8, MorphOp::Dilate, MorphShape::Rect, 3, 3, 0});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareMorphology(MorphDesc{shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 255, 3, 64});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
        gpu().prepareMorphology(MorphDesc{shape, DType::I32, MorphOp::Erode, MorphShape::Rect, 3, 3});
    }));
}

} // namespace
} // namespace wb::test
