// The 3x3 and 5x5 medians of u8 images four pixels to a word (compute/cuda/kernels/median_words.cuh), run on the host
// by cuda_emulation.h, against OpenCV on the CPU backend, exactly: widths of one word, two, and several blocks of words
// across with a partial last one; heights of one row, fewer than a block's rows, and several blocks down; every
// border mode; full-range pixels and few distinct ones (ties everywhere). The GPU runs the same kernel in
// tests/gpu/test_median.cpp.

#include "emulation/cuda_emulation.h"
#include "emulation/emulated_filters.h"

#include "cuda/border.h"
#include "cuda/kernels/median_words.cuh"
#include "gpu/compare.h"

#include <wb/eager.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>

namespace wb::test {
namespace {

namespace kernels = cuda::kernels;

Array emulateMedianWords(const Array& image, int ksize, BorderMode border)
{
    Array out = Array::emptyHost(image.shape(), DType::U8);
    const std::int64_t height = image.shape()[0], words = image.shape()[1] / 4;
    const dim3 grid(static_cast<unsigned>((words + kernels::kMedianWordThreads - 1) / kernels::kMedianWordThreads),
                    static_cast<unsigned>((height + kernels::kMedianWordRows - 1) / kernels::kMedianWordRows));
    emulation::launch(grid, kernels::kMedianWordThreads, [&] {
        const auto kernel = ksize == 3 ? kernels::medianWords3 : kernels::medianWords5;
        kernel(static_cast<const std::uint32_t*>(image.data()), static_cast<std::uint32_t*>(out.data()), height, words,
               cuda::toKernelBorder(border, "emulation"));
    });
    return out;
}

class MedianWords : public ::testing::TestWithParam<std::tuple<Shape, BorderMode>> {};

TEST_P(MedianWords, MatchesOpenCv)
{
    const auto& [shape, border] = GetParam();
    for (const int ksize : {3, 5})
        for (const double top : {255.0, 3.0}) {
            SCOPED_TRACE("ksize " + std::to_string(ksize) + ", values up to " + std::to_string(top));
            const Array image = randomArray(shape, DType::U8, 31, 0.0, top);
            const MedianDesc desc{shape, DType::U8, ksize, border};
            const Array expected = runCpu(cpuBackend().prepareMedian(desc), image, DType::U8);
            EXPECT_EQ(maxAbsDifference(emulateMedianWords(image, ksize, border), expected), 0.0);
        }
}

std::string caseName(const ::testing::TestParamInfo<std::tuple<Shape, BorderMode>>& param)
{
    return shapeName(std::get<0>(param.param)) + "_" + std::string(name(std::get<1>(param.param)));
}

INSTANTIATE_TEST_SUITE_P(Images, MedianWords,
                         ::testing::Combine(::testing::Values(Shape{1, 4}, Shape{3, 8}, Shape{9, 300}, Shape{40, 600}),
                                            ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate,
                                                              BorderMode::Constant)),
                         caseName);

} // namespace
} // namespace wb::test
