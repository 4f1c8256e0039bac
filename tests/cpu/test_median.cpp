// Median on the CPU (OpenCV's medianBlur on padded bands, and our own loop where medianBlur
// cannot) against the direct definition written here: every window read through the border
// rule pixel by pixel (constant: zeros that take part), sorted, its middle element. Exact
// equality, for u8, u16 and f32, 1 to 4 channels, every border mode, sizes from 1 to larger
// than the image. Also the refusals of bad parameters.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

// The median of the ksize x ksize window of every element, as a flat vector like the array.
std::vector<double> referenceMedian(const Array& image, int ksize, BorderMode border)
{
    const Shape& shape = image.shape();
    const std::int64_t h = shape[0], w = shape[1], c = shape.ndim() == 3 ? shape[2] : 1;
    const int r = ksize / 2;
    std::vector<double> out, window;
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t ch = 0; ch < c; ++ch) {
                window.clear();
                for (int dy = -r; dy <= r; ++dy)
                    for (int dx = -r; dx <= r; ++dx) {
                        const auto sy = test::borderIndex(y + dy, h, border);
                        const auto sx = test::borderIndex(x + dx, w, border);
                        window.push_back(sy && sx ? test::realAt(image, (*sy * w + *sx) * c + ch) : 0.0);
                    }
                std::sort(window.begin(), window.end());
                out.push_back(window[window.size() / 2]);
            }
    return out;
}

double highest(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

class MedianTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no median";
    }

    static void expectReference(const Array& image, int ksize, BorderMode border)
    {
        const Array out = median(cpuBackend(), image, ksize, border);
        const std::vector<double> expected = referenceMedian(image, ksize, border);
        int failures = 0;
        for (std::int64_t i = 0; i < out.numel(); ++i) {
            const double got = test::realAt(out, i), want = expected[static_cast<std::size_t>(i)];
            if (got != want && ++failures <= 5)
                ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
        }
    }
};

TEST_F(MedianTest, MatchesSortedWindows)
{
    const Shape shapes[] = {Shape{1, 1},    Shape{3, 7},     Shape{16, 23}, Shape{9, 11, 3},
                            Shape{5, 6, 2}, Shape{4, 13, 4}, Shape{40, 37}, Shape{1, 30}};
    std::uint64_t seed = 1300;
    for (DType dtype : {DType::U8, DType::U16, DType::F32})
        for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant})
            for (const Shape& shape : shapes)
                for (int ksize : {1, 3, 5, 7, 9}) {
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " ksize " + std::to_string(ksize) +
                                 " " + std::string(name(border)));
                    // Few distinct values as well as many: ties must not matter.
                    const double top = seed % 2 ? highest(dtype) : (dtype == DType::F32 ? 0.01 : 3);
                    expectReference(test::randomArray(shape, dtype, ++seed, 0.0, top), ksize, border);
                }
}

TEST_F(MedianTest, LargeWindowsMatchSortedWindows)
{
    // medianBlur's histogram paths for u8 (up to 255, wider than the image), our loop for
    // u16 and f32 (up to the limit of 31).
    std::uint64_t seed = 1400;
    for (BorderMode border : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant}) {
        for (int ksize : {15, 31, 71}) {
            SCOPED_TRACE("u8 ksize " + std::to_string(ksize) + " " + std::string(name(border)));
            expectReference(test::randomArray(Shape{37, 29, 3}, DType::U8, ++seed, 0.0, 255.0), ksize, border);
            expectReference(test::randomArray(Shape{21, 30, 2}, DType::U8, ++seed, 0.0, 255.0), ksize, border);
        }
        // The largest window, 255 x 255, on a small image: the reference sorts 65025 values.
        expectReference(test::randomArray(Shape{6, 5, 4}, DType::U8, ++seed, 0.0, 255.0), MedianDesc::kMaxKernelSizeU8,
                        border);
        for (DType dtype : {DType::U16, DType::F32}) {
            for (int ksize : {11, MedianDesc::kMaxKernelSize}) {
                SCOPED_TRACE(std::string(name(dtype)) + " ksize " + std::to_string(ksize) + " " +
                             std::string(name(border)));
                expectReference(test::randomArray(Shape{33, 20, 2}, dtype, ++seed, 0.0, highest(dtype)), ksize, border);
            }
        }
    }
}

TEST_F(MedianTest, RunsInPlace)
{
    for (DType dtype : {DType::U8, DType::F32}) {
        const Array image = test::randomArray(Shape{70, 9, 3}, dtype, 7, 0.0, highest(dtype));
        const Array expected = median(cpuBackend(), image, 5);
        auto op = cpuBackend().prepareMedian(MedianDesc{image.shape(), dtype, 5});
        Array inPlace = Array::emptyHost(image.shape(), dtype);
        cpuBackend().copy(image, inPlace);
        op->run(inPlace, inPlace);
        for (std::int64_t i = 0; i < image.numel(); ++i)
            ASSERT_EQ(test::realAt(inPlace, i), test::realAt(expected, i)) << "element " << i;
    }
}

TEST(MedianDescs, RefuseBadParameters)
{
    using test::errorCodeOf;
    const Shape shape{8, 8};
    auto code = [&](MedianDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    EXPECT_EQ(code({shape, DType::U8, 4}), ErrorCode::InvalidArgument);  // even
    EXPECT_EQ(code({shape, DType::U8, 0}), ErrorCode::InvalidArgument);  // zero
    EXPECT_EQ(code({shape, DType::U8, -3}), ErrorCode::InvalidArgument); // negative
    EXPECT_EQ(code({shape, DType::U8, MedianDesc::kMaxKernelSizeU8 + 2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::U16, MedianDesc::kMaxKernelSize + 2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F32, MedianDesc::kMaxKernelSize + 2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F64, 3}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(code({shape, DType::I32, 3}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(code({Shape{8, 8, 5}, DType::U8, 3}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{0, 8}, DType::U8, 3}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{8}, DType::U8, 3}), ErrorCode::ShapeMismatch);
    EXPECT_NO_THROW((MedianDesc{shape, DType::U8, MedianDesc::kMaxKernelSizeU8}.validate()));
    EXPECT_NO_THROW((MedianDesc{Shape{8, 8, 2}, DType::F32, MedianDesc::kMaxKernelSize}.validate()));
    try {
        MedianDesc{shape, DType::U8, 4}.validate();
        ADD_FAILURE() << "an even size was accepted";
    } catch (const Error& error) {
        EXPECT_NE(error.message().find("odd"), std::string::npos) << error.message();
    }
    try {
        MedianDesc{shape, DType::F32, 33}.validate();
        ADD_FAILURE() << "33 was accepted for f32";
    } catch (const Error& error) {
        EXPECT_NE(error.message().find("limit of 31"), std::string::npos) << error.message();
    }
}

} // namespace
