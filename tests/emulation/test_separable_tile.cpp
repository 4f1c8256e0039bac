// The fused tile kernel (compute/cuda/kernels/separable_tile.cuh) with its box, Gaussian and
// erode/dilate policies, run on the host by cuda_emulation.h, against OpenCV on the CPU
// backend: the path of images with 2 to 4 interleaved channels (and of one channel where
// the columns-first kernel does not apply), with the GPU tests' tolerances.

#include "emulation/cuda_emulation.h"
#include "emulation/emulated_filters.h"

#include "cuda/border.h"
#include "cuda/box_scale.h"
#include "cuda/gaussian_taps.h"
#include "cuda/kernels/morphology.cuh"
#include "cuda/kernels/separable_tile.cuh"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wb::cuda::kernels {
// Box's tile at radius 32 with three channels: (32 + 64)·3 + 1 floats a row, 96 + 32 rows, twice.
alignas(16) unsigned char tileShared[256 * 1024];
} // namespace wb::cuda::kernels

namespace wb::test {
namespace {

namespace kernels = cuda::kernels;

template <typename P, typename T, int C> Array emulateTile(const P& policy, const Array& image, BorderMode border)
{
    using Shape2 = kernels::TileShape<C>;
    Array out = Array::emptyHost(image.shape(), image.dtype());
    const std::int64_t height = image.shape()[0], width = image.shape()[1];
    const auto layout = kernels::tileLayout<C>(policy.extraX(), policy.extraY(), sizeof(typename P::Acc));
    EXPECT_LE(layout.sharedBytes(), sizeof(kernels::tileShared));
    const dim3 grid(static_cast<unsigned>((width + Shape2::kPixels - 1) / Shape2::kPixels),
                    static_cast<unsigned>((height + Shape2::kRows - 1) / Shape2::kRows));
    emulation::launch(grid, kernels::kTileThreads, [&] {
        kernels::separableTile<P, T, C>(image.data<T>(), out.data<T>(), height, width, policy,
                                        cuda::toKernelBorder(border, "emulation"));
    });
    return out;
}

template <typename T, typename F> Array withChannels(const Array& image, F&& f)
{
    switch (image.shape().ndim() == 3 ? image.shape()[2] : 1) {
    case 1: return f.template operator()<T, 1>();
    case 2: return f.template operator()<T, 2>();
    case 3: return f.template operator()<T, 3>();
    default: return f.template operator()<T, 4>();
    }
}

template <typename F> Array withDType(const Array& image, F&& f)
{
    switch (image.dtype()) {
    case DType::U8: return withChannels<std::uint8_t>(image, f);
    case DType::U16: return withChannels<std::uint16_t>(image, f);
    default: return withChannels<float>(image, f);
    }
}

const auto kShapes =
    ::testing::Values(Shape{1, 1, 3}, Shape{3, 7, 2}, Shape{9, 70, 4}, Shape{70, 133, 3}, Shape{40, 150});
const auto kBorders = ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant);

class SeparableTile : public ::testing::TestWithParam<ImageParam> {};

TEST_P(SeparableTile, BoxMatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 23);
    for (const auto& [kx, ky] : std::vector<std::pair<int, int>>{{3, 3}, {1, 7}, {17, 15}, {65, 65}}) {
        SCOPED_TRACE("box " + std::to_string(kx) + "x" + std::to_string(ky));
        const BoxDesc desc{shape, dtype, kx, ky, true, border};
        const Array expected = runCpu(cpuBackend().prepareBox(desc), image, dtype);
        const Array actual = withDType(image, [&]<typename T, int C>() {
            const kernels::BoxTile<T> policy{kx / 2, ky / 2, cuda::boxScale(desc)};
            return emulateTile<kernels::BoxTile<T>, T, C>(policy, image, border);
        });
        EXPECT_LE(worstElementError(actual, expected), dtype == DType::F32 ? 1e-5 : 1.0);
    }
}

TEST_P(SeparableTile, GaussianMatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    if (dtype == DType::U16)
        GTEST_SKIP() << "the Gaussian takes u8 and f32";
    const Array image = randomImage(shape, dtype, 29);
    for (const auto& [kx, ky] : std::vector<std::pair<int, int>>{{3, 3}, {5, 19}, {33, 25}}) {
        SCOPED_TRACE("gaussian " + std::to_string(kx) + "x" + std::to_string(ky));
        GaussianDesc desc{shape, dtype, 2.0};
        desc.ksizeX = kx;
        desc.ksizeY = ky;
        desc.border = border;
        const Array expected = runCpu(cpuBackend().prepareGaussian(desc), image, dtype);
        const Array actual = withDType(image, [&]<typename T, int C>() {
            const auto tapsX = cuda::tapsFor<T>(gaussianKernel(kx, desc.sigmaX));
            const auto tapsY = cuda::tapsFor<T>(gaussianKernel(ky, desc.resolvedSigmaY()));
            const kernels::GaussianTile<T> policy{cuda::tileTaps(tapsX), cuda::tileTaps(tapsY), kx / 2, ky / 2};
            return emulateTile<kernels::GaussianTile<T>, T, C>(policy, image, border);
        });
        EXPECT_LE(worstElementError(actual, expected), dtype == DType::F32 ? 1e-5 : 1.0);
    }
}

TEST_P(SeparableTile, MorphologyMatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 31);
    for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate})
        for (const auto& [kx, ky] : std::vector<std::pair<int, int>>{{3, 3}, {15, 3}, {65, 65}}) {
            SCOPED_TRACE(std::string(op == MorphOp::Erode ? "erode " : "dilate ") + std::to_string(kx) + "x" +
                         std::to_string(ky));
            const MorphDesc desc{shape, dtype, op, MorphShape::Rect, kx, ky, 1, border};
            const Array expected = runCpu(cpuBackend().prepareMorphology(desc), image, dtype);
            const Array actual = withDType(image, [&]<typename T, int C>() {
                if (op == MorphOp::Erode)
                    return emulateTile<kernels::MorphTile<T, kernels::MinOp<T>>, T, C>({kx / 2, ky / 2}, image,
                                                                                       BorderMode::Constant);
                return emulateTile<kernels::MorphTile<T, kernels::MaxOp<T>>, T, C>({kx / 2, ky / 2}, image,
                                                                                   BorderMode::Constant);
            });
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, SeparableTile,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::U16, DType::F32), kBorders),
                         paramName);

} // namespace
} // namespace wb::test
