// Median on the GPU against the CPU backend (OpenCV's medianBlur on padded bands, or our loop
// where medianBlur cannot): u8, u16 and f32, 1 to 4 channels, every border mode, images of
// 1x1, 3x7, 1021x767 and others, sizes from 1 to larger than the image, each kernel of
// kernels/median.cuh (3x3 and 5x5 tiles, the u8 histograms, the u16/f32 selection) and of
// kernels/median_columns.cuh, on widths odd and of whole words (8, 1100). A median
// is one of the window's values, so the results must be equal, element for element.

#include "compare.h"

namespace wb::test {
namespace {

Array runMedian(Backend& backend, const MedianDesc& desc, const Array& image)
{
    Array out = backend.empty(desc.shape, desc.dtype);
    backend.prepareMedian(desc)->run(image, out);
    return out;
}

using MedianParam = std::tuple<Shape, DType, BorderMode>;

std::string medianName(const ::testing::TestParamInfo<MedianParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

class MedianTest : public GpuTest, public ::testing::WithParamInterface<MedianParam> {};

TEST_P(MedianTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const bool u8 = dtype == DType::U8;
    // Full range, and few distinct values (ties everywhere).
    for (const double top : {highest(dtype), u8 || dtype == DType::U16 ? 3.0 : 0.001}) {
        const Array image = random(shape, dtype, 0, top);
        const Array device = upload(image);
        const std::vector<int> sizes = u8 ? std::vector<int>{1, 3, 5, 7, 9, 15, 31, 101, 255}
                                          : std::vector<int>{1, 3, 5, 7, 11, MedianDesc::kMaxKernelSize};
        for (const int ksize : sizes) {
            // The CPU's own loop (u16, f32 from 7) costs ksize² per element: large windows
            // on the smaller images only.
            if (!u8 && ksize > 7 && shape.numel() > 200000)
                continue;
            SCOPED_TRACE("ksize " + std::to_string(ksize) + ", values up to " + std::to_string(top));
            const MedianDesc desc{shape, dtype, ksize, border};
            const Array expected = runMedian(cpu(), desc, image);
            const Array actual = download(runMedian(gpu(), desc, device));
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Images, MedianTest,
    ::testing::Combine(::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 4},
                                         Shape{1021, 767, 3}, Shape{33, 47, 2}, Shape{130, 200, 4}, Shape{2, 301},
                                         Shape{301, 2, 3}, Shape{3, 8}, Shape{260, 1100}),
                       ::testing::Values(DType::U8, DType::U16, DType::F32),
                       ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant)),
    medianName);

using MedianGpuTest = GpuTest;

TEST_F(MedianGpuTest, RunsInPlace)
{
    for (const DType dtype : {DType::U8, DType::U16, DType::F32}) {
        for (const int ksize : {3, 5, 9}) {
            SCOPED_TRACE(std::string(name(dtype)) + " ksize " + std::to_string(ksize));
            const MedianDesc desc{Shape{64, 48, 3}, dtype, ksize};
            const Array image = random(desc.shape, dtype, 0, highest(dtype));
            const Array expected = runMedian(cpu(), desc, image);
            Array device = upload(image);
            gpu().prepareMedian(desc)->run(device, device);
            EXPECT_EQ(maxAbsDifference(download(device), expected), 0.0);
        }
    }
}

TEST_F(MedianGpuTest, FourKFrameMatchesCpu)
{
    // The benchmark's frame: every block of the tiled kernels, interior and edge.
    for (const int ksize : {3, 5, 7}) {
        SCOPED_TRACE("ksize " + std::to_string(ksize));
        const MedianDesc desc{Shape{2160, 3840}, DType::U8, ksize, BorderMode::Replicate};
        const Array image = random(desc.shape, DType::U8, 0, 255);
        EXPECT_EQ(maxAbsDifference(download(runMedian(gpu(), desc, upload(image))), runMedian(cpu(), desc, image)),
                  0.0);
    }
}

TEST_F(MedianGpuTest, RefusesBadParametersBeforeWork)
{
    const Shape shape{16, 16};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { gpu().prepareMedian(MedianDesc{shape, DType::U8, 4}); }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareMedian(MedianDesc{shape, DType::U8, 257});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareMedian(MedianDesc{shape, DType::F32, 33});
    }));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { gpu().prepareMedian(MedianDesc{shape, DType::F64, 3}); }));
    auto op = gpu().prepareMedian(MedianDesc{shape, DType::F32, 3});
    const Array wrong = upload(random(shape, DType::U8, 0, 255));
    Array out = gpu().empty(shape, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(wrong, out); }));
}

} // namespace
} // namespace wb::test
