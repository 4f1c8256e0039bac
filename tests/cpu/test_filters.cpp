// Box filter and morphology on the CPU (OpenCV) against direct references written here:
// window sums in double, and minima and maxima over the structuring element with OpenCV's
// border rules applied pixel by pixel (so that the claim of MorphDesc, that the border mode
// does not change the result, is checked rather than assumed). Also the refusals of bad
// parameters.

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

struct Image {
    std::int64_t h, w, c;
    std::vector<double> pixels;

    double at(std::int64_t y, std::int64_t x, std::int64_t ch) const
    {
        return pixels[static_cast<std::size_t>((y * w + x) * c + ch)];
    }
};

Image imageOf(const Array& array)
{
    const Shape& shape = array.shape();
    Image image{shape[0], shape[1], shape.ndim() == 3 ? shape[2] : 1, {}};
    for (std::int64_t i = 0; i < array.numel(); ++i)
        image.pixels.push_back(test::realAt(array, i));
    return image;
}

// The mean (or sum) of the window, in double, not rounded.
std::vector<double> referenceBox(const Image& in, const BoxDesc& desc)
{
    const int rx = desc.ksizeX / 2, ry = desc.ksizeY / 2;
    std::vector<double> out;
    for (std::int64_t y = 0; y < in.h; ++y)
        for (std::int64_t x = 0; x < in.w; ++x)
            for (std::int64_t ch = 0; ch < in.c; ++ch) {
                double sum = 0;
                for (int dy = -ry; dy <= ry; ++dy)
                    for (int dx = -rx; dx <= rx; ++dx) {
                        const auto sy = test::borderIndex(y + dy, in.h, desc.border);
                        const auto sx = test::borderIndex(x + dx, in.w, desc.border);
                        if (sy && sx)
                            sum += in.at(*sy, *sx, ch);
                    }
                out.push_back(desc.normalize ? sum / (desc.ksizeX * desc.ksizeY) : sum);
            }
    return out;
}

// One erosion (minimum) or dilation by the element, reading beyond the edge as OpenCV does:
// through the border mode, or not at all for constant (morphologyDefaultBorderValue).
Image morphOnce(const Image& in, bool minimum, MorphShape element, int kx, int ky, BorderMode border)
{
    Image out = in;
    const int rx = kx / 2, ry = ky / 2;
    for (std::int64_t y = 0; y < in.h; ++y)
        for (std::int64_t x = 0; x < in.w; ++x)
            for (std::int64_t ch = 0; ch < in.c; ++ch) {
                double best = minimum ? INFINITY : -INFINITY;
                for (int dy = -ry; dy <= ry; ++dy)
                    for (int dx = -rx; dx <= rx; ++dx) {
                        if (element == MorphShape::Cross && dx != 0 && dy != 0)
                            continue;
                        const auto sy = test::borderIndex(y + dy, in.h, border);
                        const auto sx = test::borderIndex(x + dx, in.w, border);
                        if (!sy || !sx)
                            continue;
                        const double v = in.at(*sy, *sx, ch);
                        best = minimum ? std::min(best, v) : std::max(best, v);
                    }
                out.pixels[static_cast<std::size_t>((y * in.w + x) * in.c + ch)] = best;
            }
    return out;
}

Image referenceMorph(const Image& in, const MorphDesc& desc)
{
    const bool first = desc.op == MorphOp::Erode || desc.op == MorphOp::Open;
    Image image = in;
    for (int i = 0; i < desc.iterations; ++i)
        image = morphOnce(image, first, desc.element, desc.ksizeX, desc.ksizeY, desc.border);
    if (desc.passes() == 2) {
        for (int i = 0; i < desc.iterations; ++i)
            image = morphOnce(image, !first, desc.element, desc.ksizeX, desc.ksizeY, desc.border);
    }
    return image;
}

double highest(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

class FilterTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no box or morphology";
    }
};

const Shape kShapes[] = {Shape{1, 1}, Shape{3, 7}, Shape{16, 23}, Shape{9, 11, 3}, Shape{5, 6, 2}, Shape{4, 13, 4}};

TEST_F(FilterTest, BoxMatchesWindowSums)
{
    std::uint64_t seed = 500;
    for (DType dtype : {DType::U8, DType::U16, DType::F32})
        for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant})
            for (const Shape& shape : kShapes)
                for (auto [kx, ky] : {std::pair{1, 1}, {3, 3}, {5, 3}, {1, 9}, {17, 15}, {25, 25}})
                    for (bool normalize : {true, false}) {
                        const BoxDesc desc{shape, dtype, kx, ky, normalize, border};
                        SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::to_string(kx) +
                                     "x" + std::to_string(ky) + " " + std::string(name(border)) +
                                     (normalize ? "" : " sums"));
                        const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                        const Array out = box(cpuBackend(), image, kx, ky, normalize, border);
                        const std::vector<double> expected = referenceBox(imageOf(image), desc);
                        const double limit = dtype == DType::U8 ? 255 : 65535;
                        int failures = 0;
                        for (std::int64_t i = 0; i < out.numel(); ++i) {
                            double want = expected[static_cast<std::size_t>(i)];
                            if (dtype != DType::F32)
                                want = std::min(want, limit); // sums saturate
                            const double got = test::realAt(out, i);
                            // Integers: rounded once (OpenCV's float scaling may tip a half);
                            // f32: summed in double, so only the last rounding to float.
                            const double tolerance = dtype == DType::F32 ? 1e-5 * std::max(1.0, std::fabs(want)) : 1.0;
                            if (!(std::fabs(got - want) <= tolerance) && ++failures <= 5)
                                ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
                        }
                    }
}

TEST_F(FilterTest, BoxRunsInPlace)
{
    const Array image = test::randomArray(Shape{70, 9, 3}, DType::F32, 7, 0.0, 1.0);
    const Array expected = box(cpuBackend(), image, 5, 7);
    auto op = cpuBackend().prepareBox(BoxDesc{image.shape(), DType::F32, 5, 7});
    Array inPlace = Array::emptyHost(image.shape(), DType::F32);
    cpuBackend().copy(image, inPlace);
    op->run(inPlace, inPlace);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        ASSERT_EQ(test::realAt(inPlace, i), test::realAt(expected, i)) << "element " << i;
}

TEST_F(FilterTest, MorphologyMatchesDirectMinimaAndMaxima)
{
    std::uint64_t seed = 900;
    struct Case {
        MorphShape element;
        int kx, ky, iterations;
    };
    const Case cases[] = {{MorphShape::Rect, 3, 3, 1},  {MorphShape::Rect, 5, 1, 1},   {MorphShape::Rect, 1, 7, 1},
                          {MorphShape::Rect, 3, 5, 2},  {MorphShape::Rect, 15, 15, 1}, {MorphShape::Cross, 3, 3, 1},
                          {MorphShape::Cross, 5, 3, 2}, {MorphShape::Cross, 9, 9, 1},  {MorphShape::Rect, 1, 1, 1}};
    for (DType dtype : {DType::U8, DType::U16, DType::F32})
        for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant})
            for (const Shape& shape : kShapes)
                for (MorphOp op : {MorphOp::Erode, MorphOp::Dilate, MorphOp::Open, MorphOp::Close})
                    for (const Case& c : cases) {
                        const MorphDesc desc{shape, dtype, op, c.element, c.kx, c.ky, c.iterations, border};
                        SCOPED_TRACE(std::string(name(op)) + " " + std::string(name(c.element)) + " " +
                                     std::to_string(c.kx) + "x" + std::to_string(c.ky) + " x" +
                                     std::to_string(c.iterations) + " " + std::string(name(dtype)) + " " +
                                     shape.toString() + " " + std::string(name(border)));
                        const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                        const Array out =
                            morphology(cpuBackend(), image, op, c.element, c.kx, c.ky, c.iterations, border);
                        const Image expected = referenceMorph(imageOf(image), desc);
                        int failures = 0;
                        for (std::int64_t i = 0; i < out.numel(); ++i) {
                            const double want = expected.pixels[static_cast<std::size_t>(i)];
                            if (test::realAt(out, i) != want && ++failures <= 5)
                                ADD_FAILURE()
                                    << "element " << i << ": got " << test::realAt(out, i) << ", expected " << want;
                        }
                    }
}

TEST(FilterDescs, RefuseBadParameters)
{
    using test::errorCodeOf;
    const Shape shape{8, 8};
    auto boxCode = [&](BoxDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    EXPECT_EQ(boxCode({shape, DType::F32, 4, 3}), ErrorCode::InvalidArgument);  // even
    EXPECT_EQ(boxCode({shape, DType::F32, 3, 0}), ErrorCode::InvalidArgument);  // zero
    EXPECT_EQ(boxCode({shape, DType::F32, -3, 3}), ErrorCode::InvalidArgument); // negative
    EXPECT_EQ(boxCode({shape, DType::F32, 3, BoxDesc::kMaxKernelSize + 2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(boxCode({shape, DType::F64, 3, 3}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(boxCode({Shape{8, 8, 5}, DType::F32, 3, 3}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(boxCode({Shape{0, 8}, DType::F32, 3, 3}), ErrorCode::ShapeMismatch);
    EXPECT_NO_THROW((BoxDesc{shape, DType::U16, BoxDesc::kMaxKernelSize, 1}.validate()));

    auto morphCode = [&](MorphDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    EXPECT_EQ(morphCode({shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 2, 3}), ErrorCode::InvalidArgument);
    EXPECT_EQ(morphCode({shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 3, 257}), ErrorCode::InvalidArgument);
    EXPECT_EQ(morphCode({shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 3, 3, 0}), ErrorCode::InvalidArgument);
    EXPECT_EQ(morphCode({shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 3, 3, 65}), ErrorCode::InvalidArgument);
    // 64 iterations of 255 would be a 16257-pixel rectangle.
    EXPECT_EQ(morphCode({shape, DType::U8, MorphOp::Dilate, MorphShape::Rect, 255, 3, 64}), ErrorCode::InvalidArgument);
    EXPECT_NO_THROW((MorphDesc{shape, DType::U8, MorphOp::Dilate, MorphShape::Cross, 255, 3, 64}.validate()));
    EXPECT_EQ(morphCode({shape, DType::I32, MorphOp::Erode, MorphShape::Rect, 3, 3}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(errorCodeOf([] { parseMorphShape("ellipse"); }), ErrorCode::InvalidArgument);
    EXPECT_EQ(parseMorphShape("cross"), MorphShape::Cross);
    EXPECT_EQ((MorphDesc{shape, DType::U8, MorphOp::Erode, MorphShape::Rect, 5, 3, 3}.effectiveKsizeX()), 13);
    try {
        MorphDesc{shape, DType::U8, MorphOp::Close, MorphShape::Rect, 4, 3}.validate();
    } catch (const Error& error) {
        EXPECT_NE(error.message().find("odd"), std::string::npos) << error.message();
        EXPECT_NE(error.message().find("4x3"), std::string::npos) << error.message();
    }
}

} // namespace
