// The columns-first tile kernel (compute/cuda/kernels/column_tile.cuh) with its box, Gaussian, erode/dilate,
// derivative and 3x3 median policies, and the packed u8 erode/dilate (four pixels to a word), run on
// the host by cuda_emulation.h, against OpenCV on the CPU backend with the GPU tests' tolerances: box and Gaussian u8
// and u16 within 1 unit, f32 within 1e-5 of max(|expected|, 1); erode and dilate exactly; the derivatives within
// test_derivatives.cpp's tolerance, and exactly for u8 sums; the median exactly. Images of one pixel (one word),
// fewer rows than the halo, and several tiles across and down with partial last ones; every border mode; radii from
// 0 to the kernel's largest. The same kernels run on the GPU in tests/gpu (test_filters.cpp, test_image.cpp,
// test_median.cpp); this test runs everywhere, so the kernels' indexing is checked in CI.

#include "emulation/cuda_emulation.h"
#include "emulation/emulated_filters.h"

#include "cuda/border.h"
#include "cuda/box_scale.h"
#include "cuda/derivative_taps.h"
#include "cuda/gaussian_taps.h"
#include "cuda/kernels/column_tile.cuh"
#include "cuda/kernels/median_columns.cuh"
#include "cuda/kernels/morphology.cuh"
#include "gpu/compare.h"

#include <wb/eager.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>

namespace wb::cuda::kernels {
// The largest lines: pairs of floats, 256 columns.
alignas(16) unsigned char columnTileShared[columnTileSharedBytes<DerivColumns<float, 1, DerivCombine::Sum>>()];
} // namespace wb::cuda::kernels

namespace wb::test {
namespace {

namespace kernels = cuda::kernels;
using cuda::boxScale;
using cuda::columnPolicy;
using cuda::tapsFor;
using cuda::tileTaps;
using cuda::toKernelBorder;

// Packed policies take the u8 image as words, its width in words.
template <typename P, typename T> Array emulate(const P& policy, const Array& image, BorderMode border, DType outDType)
{
    Array out = Array::emptyHost(image.shape(), outDType);
    const std::int64_t height = image.shape()[0];
    const std::int64_t width = image.shape()[1] / (kernels::columnTilePacked<P>() ? 4 : 1);
    emulation::launch(kernels::columnTileGrid<P>(height, width, policy.radiusX), kernels::columnTileThreads<P>(), [&] {
        kernels::columnTile<P, T>(static_cast<const T*>(image.data()), static_cast<typename P::Out*>(out.data()),
                                  height, width, policy, toKernelBorder(border, "emulation"));
    });
    return out;
}

template <typename T> Array emulateBox(const BoxDesc& desc, const Array& image)
{
    const kernels::BoxColumns<T> policy{desc.ksizeX / 2, desc.ksizeY / 2, boxScale(desc)};
    return emulate<kernels::BoxColumns<T>, T>(policy, image, desc.border, desc.dtype);
}

template <typename T, int R> Array emulateGaussian(const GaussianDesc& desc, const Array& image)
{
    const auto taps = tileTaps(tapsFor<T>(gaussianKernel(2 * R + 1, desc.sigmaX)));
    return emulate<kernels::GaussianColumns<T, R>, T>(columnPolicy<T, R>(taps, taps), image, desc.border, desc.dtype);
}

// Wide enough for three tiles of a radius-1 kernel and two of the largest; 70 rows are
// three tiles down, the last partial; 9 rows are fewer than most halos.
const auto kShapes = ::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{9, 300}, Shape{70, 601});
const auto kBorders = ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant);

class ColumnTileBox : public ::testing::TestWithParam<ImageParam> {};

TEST_P(ColumnTileBox, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 7);
    const std::pair<int, int> sizes[] = {{1, 1}, {3, 3}, {5, 5}, {1, 7}, {15, 15}, {17, 15}, {31, 5}, {65, 65}};
    for (const bool normalize : {true, false})
        for (const auto& [kx, ky] : sizes) {
            SCOPED_TRACE("ksize " + std::to_string(kx) + "x" + std::to_string(ky) + (normalize ? "" : ", sums"));
            const BoxDesc desc{shape, dtype, kx, ky, normalize, border};
            const Array expected = runCpu(cpuBackend().prepareBox(desc), image, dtype);
            const Array actual = dtype == DType::U8    ? emulateBox<std::uint8_t>(desc, image)
                                 : dtype == DType::U16 ? emulateBox<std::uint16_t>(desc, image)
                                                       : emulateBox<float>(desc, image);
            EXPECT_LE(worstElementError(actual, expected), dtype == DType::F32 ? 1e-5 : 1.0);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, ColumnTileBox,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::U16, DType::F32), kBorders),
                         paramName);

class ColumnTileGaussian : public ::testing::TestWithParam<ImageParam> {};

template <typename T, int R> void expectGaussianMatches(const Shape& shape, DType dtype, BorderMode border)
{
    SCOPED_TRACE("radius " + std::to_string(R));
    const Array image = randomImage(shape, dtype, 11);
    GaussianDesc desc{shape, dtype, 0.4 + R / 3.0};
    desc.ksizeX = desc.ksizeY = 2 * R + 1;
    desc.border = border;
    const Array expected = runCpu(cpuBackend().prepareGaussian(desc), image, dtype);
    EXPECT_LE(worstElementError(emulateGaussian<T, R>(desc, image), expected), dtype == DType::F32 ? 1e-5 : 1.0);
}

template <typename T> void expectGaussianMatches(const Shape& shape, DType dtype, BorderMode border)
{
    expectGaussianMatches<T, 0>(shape, dtype, border);
    expectGaussianMatches<T, 1>(shape, dtype, border);
    expectGaussianMatches<T, 4>(shape, dtype, border);
    expectGaussianMatches<T, 9>(shape, dtype, border);
    expectGaussianMatches<T, kernels::kMaxColumnTileRadius>(shape, dtype, border);
}

TEST_P(ColumnTileGaussian, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    if (dtype == DType::U8)
        expectGaussianMatches<std::uint8_t>(shape, dtype, border);
    else
        expectGaussianMatches<float>(shape, dtype, border);
}

INSTANTIATE_TEST_SUITE_P(Images, ColumnTileGaussian,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::F32), kBorders), paramName);

class ColumnTileMorphology : public ::testing::TestWithParam<ImageParam> {};

template <typename T> Array emulateMorphology(const MorphDesc& desc, const Array& image)
{
    const int rx = desc.ksizeX / 2, ry = desc.ksizeY / 2;
    if (desc.op == MorphOp::Erode)
        return emulate<kernels::MorphColumns<T, kernels::MinOp<T>>, T>({rx, ry}, image, desc.border, desc.dtype);
    return emulate<kernels::MorphColumns<T, kernels::MaxOp<T>>, T>({rx, ry}, image, desc.border, desc.dtype);
}

TEST_P(ColumnTileMorphology, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 13);
    // Windows shorter than the 32 outputs of a column or span, as long, and longer.
    const std::pair<int, int> sizes[] = {{1, 1}, {3, 3}, {5, 3}, {1, 9}, {15, 15}, {31, 33}, {65, 65}, {63, 5}};
    for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate})
        for (const auto& [kx, ky] : sizes) {
            SCOPED_TRACE(std::string(op == MorphOp::Erode ? "erode " : "dilate ") + std::to_string(kx) + "x" +
                         std::to_string(ky));
            const MorphDesc desc{shape, dtype, op, MorphShape::Rect, kx, ky, 1, border};
            const Array expected = runCpu(cpuBackend().prepareMorphology(desc), image, dtype);
            const Array actual = dtype == DType::U8    ? emulateMorphology<std::uint8_t>(desc, image)
                                 : dtype == DType::U16 ? emulateMorphology<std::uint16_t>(desc, image)
                                                       : emulateMorphology<float>(desc, image);
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, ColumnTileMorphology,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::U16, DType::F32), kBorders),
                         paramName);

class ColumnTileDerivatives : public ::testing::TestWithParam<ImageParam> {};

template <typename T> Array emulateDerivative(const DerivativeFilters& filters, const Array& image, BorderMode border)
{
    using Combine = kernels::DerivCombine;
    const kernels::DerivTaps taps = cuda::derivativeTaps(filters);
    auto withRadius = [&]<int R>() {
        auto go = [&]<Combine kCombine>() {
            return emulate<kernels::DerivColumns<T, R, kCombine>, T>({taps}, image, border, DType::F32);
        };
        if (filters.count == 1)
            return go.template operator()<Combine::One>();
        if (filters.combine == DerivativeFilters::Combine::Sum)
            return go.template operator()<Combine::Sum>();
        return go.template operator()<Combine::Magnitude>();
    };
    switch (filters.radius) {
    case 1: return withRadius.template operator()<1>();
    case 2: return withRadius.template operator()<2>();
    default: return withRadius.template operator()<3>();
    }
}

Array emulateDerivative(const DerivativeFilters& filters, const Array& image, BorderMode border)
{
    switch (image.dtype()) {
    case DType::U8: return emulateDerivative<std::uint8_t>(filters, image, border);
    case DType::U16: return emulateDerivative<std::uint16_t>(filters, image, border);
    default: return emulateDerivative<float>(filters, image, border);
    }
}

TEST_P(ColumnTileDerivatives, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 17);
    expectDerivativesMatch(shape, dtype, border, image,
                           [](const DerivativeFilters& filters, const Array& in, BorderMode mode) {
                               return emulateDerivative(filters, in, mode);
                           });
}

INSTANTIATE_TEST_SUITE_P(Images, ColumnTileDerivatives,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::U16, DType::F32), kBorders),
                         paramName);

class ColumnTileMedian : public ::testing::TestWithParam<std::tuple<Shape, BorderMode>> {};

TEST_P(ColumnTileMedian, MatchesOpenCv)
{
    const auto& [shape, border] = GetParam();
    const Array image = randomImage(shape, DType::U8, 19);
    const MedianDesc desc{shape, DType::U8, 3, border};
    const Array expected = runCpu(cpuBackend().prepareMedian(desc), image, DType::U8);
    const Array actual = emulate<kernels::MedianColumns3, std::uint8_t>({}, image, border, DType::U8);
    EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
}

std::string shapeBorderName(const ::testing::TestParamInfo<std::tuple<Shape, BorderMode>>& param)
{
    return shapeName(std::get<0>(param.param)) + "_" + std::string(name(std::get<1>(param.param)));
}

INSTANTIATE_TEST_SUITE_P(Images, ColumnTileMedian, ::testing::Combine(kShapes, kBorders), shapeBorderName);

// ---- u8 four pixels to a word (the packed policies) -----------------------------------
// Widths of whole words: one word; two; 75 words (two tiles of 64 less the halo); 300
// words, five tiles across.
const auto kPackedShapes = ::testing::Values(Shape{1, 4}, Shape{3, 8}, Shape{9, 300}, Shape{70, 1200});

class PackedMorphology : public ::testing::TestWithParam<std::tuple<Shape, BorderMode>> {};

// The instance morphology.cu launches.
template <typename WordOp> Array emulatePackedMorphology(const MorphDesc& desc, const Array& image)
{
    const int rx = desc.ksizeX / 2, ry = desc.ksizeY / 2;
    Array out;
    kernels::visitPackedMorph<WordOp>(rx, [&]<typename Policy>() {
        out = emulate<Policy, std::uint32_t>(Policy::of(rx, ry), image, desc.border, DType::U8);
    });
    return out;
}

TEST_P(PackedMorphology, MatchesOpenCv)
{
    const auto& [shape, border] = GetParam();
    const Array image = randomImage(shape, DType::U8, 23);
    // Row windows k of every doubling count, each with a rest of one pixel and the largest
    // (k = 2^n + 1, 2^(n+1) − 1), and outputs starting at every byte of a word (r mod 4).
    const std::pair<int, int> sizes[] = {{3, 3},  {5, 5},   {7, 3},   {9, 9},  {15, 15},
                                         {17, 3}, {31, 33}, {33, 31}, {63, 5}, {65, 65}};
    for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate})
        for (const auto& [kx, ky] : sizes) {
            SCOPED_TRACE(std::string(op == MorphOp::Erode ? "erode " : "dilate ") + std::to_string(kx) + "x" +
                         std::to_string(ky));
            const MorphDesc desc{shape, DType::U8, op, MorphShape::Rect, kx, ky, 1, border};
            const Array expected = runCpu(cpuBackend().prepareMorphology(desc), image, DType::U8);
            const Array actual = op == MorphOp::Erode ? emulatePackedMorphology<kernels::MinBytes>(desc, image)
                                                      : emulatePackedMorphology<kernels::MaxBytes>(desc, image);
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, PackedMorphology, ::testing::Combine(kPackedShapes, kBorders), shapeBorderName);

} // namespace
} // namespace wb::test
