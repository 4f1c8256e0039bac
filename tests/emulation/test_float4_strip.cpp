// The float4 strip kernel (compute/cuda/kernels/float4_strip.cuh) with its box, erode/dilate, derivative and dense
// conv2d policies, run on the host by cuda_emulation.h (warp shuffles included), against OpenCV on the CPU backend
// with the GPU tests' tolerances: box within 1e-5 of max(|expected|, 1), erode and dilate exactly, the derivatives
// within test_derivatives.cpp's tolerance, conv2d within test_conv2d.cpp's. f32, one channel, widths of whole float4s:
// one float4 (narrower than every halo), two, and 63 (three blocks across, the last partial) by 21 rows (partial blocks
// down) and by 100 (blocks whose windows stay inside the image among edge blocks); every border mode; radii 1 to the
// largest compiled in. The same kernels run on the GPU in tests/gpu (test_filters.cpp, test_derivatives.cpp,
// test_conv2d.cpp).

#include "emulation/cuda_emulation.h"
#include "emulation/emulated_filters.h"

#include "cuda/border.h"
#include "cuda/box_scale.h"
#include "cuda/derivative_taps.h"
#include "cuda/kernels/box.cuh"
#include "cuda/kernels/conv2d_strips.cuh"
#include "cuda/kernels/derivatives.cuh"
#include "cuda/kernels/float4_strip.cuh"
#include "cuda/kernels/morphology.cuh"
#include "gpu/compare.h"

#include <wb/eager.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace wb::test {
namespace {

namespace kernels = cuda::kernels;
using cuda::toKernelBorder;

template <typename P> Array emulateStrips(const P& policy, const Array& image, kernels::Border border)
{
    Array out = Array::emptyHost(image.shape(), DType::F32);
    const std::int64_t height = image.shape()[0], width = image.shape()[1];
    emulation::launch(kernels::stripGrid<P>(height, width), kernels::kStripThreads, [&] {
        kernels::float4Strip<P>(image.data<float>(), out.data<float>(), height, width, policy, border);
    });
    return out;
}

// f(std::integral_constant<int, R>) for the radius r, 1 .. kLargest.
template <int kLargest, typename F> Array withRadius(int r, F&& f)
{
    return [&]<int... Rs>(std::integer_sequence<int, Rs...>)
    {
        Array result;
        ((r == Rs + 1 ? (result = f.template operator()<Rs + 1>(), true) : false) || ...);
        return result;
    }
    (std::make_integer_sequence<int, kLargest>{});
}

const auto kShapes = ::testing::Values(Shape{1, 4}, Shape{3, 8}, Shape{21, 252}, Shape{100, 252});
const auto kBorders = ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant);

class Float4StripBox : public ::testing::TestWithParam<ImageParam> {};

TEST_P(Float4StripBox, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 23);
    for (const bool normalize : {true, false})
        for (const int ksize : {3, 5, 15, 17}) {
            SCOPED_TRACE("ksize " + std::to_string(ksize) + (normalize ? "" : ", sums"));
            const BoxDesc desc{shape, dtype, ksize, ksize, normalize, border};
            const Array expected = runCpu(cpuBackend().prepareBox(desc), image, dtype);
            const Array actual = withRadius<kernels::kMaxBoxStripRadius>(ksize / 2, [&]<int R>() {
                return emulateStrips(kernels::BoxStrips<R>{cuda::boxScale(desc)}, image,
                                     toKernelBorder(border, "emulation"));
            });
            EXPECT_LE(worstElementError(actual, expected), 1e-5);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, Float4StripBox, ::testing::Combine(kShapes, ::testing::Values(DType::F32), kBorders),
                         paramName);

class Float4StripMorphology : public ::testing::TestWithParam<ImageParam> {};

TEST_P(Float4StripMorphology, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 29);
    for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate})
        for (const int ksize : {3, 5, 15, 17}) {
            SCOPED_TRACE(std::string(op == MorphOp::Erode ? "erode " : "dilate ") + std::to_string(ksize));
            const MorphDesc desc{shape, dtype, op, MorphShape::Rect, ksize, ksize, 1, border};
            const Array expected = runCpu(cpuBackend().prepareMorphology(desc), image, dtype);
            // As morphology.cu: beyond the edge is the operator's identity, whatever the border mode.
            const Array actual = withRadius<kernels::kMaxMorphStripRadius>(ksize / 2, [&]<int R>() {
                if (op == MorphOp::Erode)
                    return emulateStrips(kernels::MorphStrips<kernels::MinOp<float>, R>{}, image,
                                         kernels::Border::Constant);
                return emulateStrips(kernels::MorphStrips<kernels::MaxOp<float>, R>{}, image,
                                     kernels::Border::Constant);
            });
            EXPECT_EQ(maxAbsDifference(actual, expected), 0.0);
        }
}

INSTANTIATE_TEST_SUITE_P(Images, Float4StripMorphology,
                         ::testing::Combine(kShapes, ::testing::Values(DType::F32), kBorders), paramName);

class Float4StripDerivatives : public ::testing::TestWithParam<ImageParam> {};

Array emulateDerivative(const DerivativeFilters& filters, const Array& image, BorderMode border)
{
    using Combine = kernels::DerivCombine;
    const kernels::DerivTaps taps = cuda::derivativeTaps(filters);
    return withRadius<kernels::kDerivMaxRadius>(filters.radius, [&]<int R>() {
        auto go = [&]<Combine kCombine>() {
            return emulateStrips(kernels::DerivStrips<R, kCombine>{taps}, image, toKernelBorder(border, "emulation"));
        };
        if (filters.count == 1)
            return go.template operator()<Combine::One>();
        if (filters.combine == DerivativeFilters::Combine::Sum)
            return go.template operator()<Combine::Sum>();
        return go.template operator()<Combine::Magnitude>();
    });
}

TEST_P(Float4StripDerivatives, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 31);
    expectDerivativesMatch(shape, dtype, border, image,
                           [](const DerivativeFilters& filters, const Array& in, BorderMode mode) {
                               return emulateDerivative(filters, in, mode);
                           });
}

INSTANTIATE_TEST_SUITE_P(Images, Float4StripDerivatives,
                         ::testing::Combine(kShapes, ::testing::Values(DType::F32), kBorders), paramName);

class Float4StripDenseConv : public ::testing::TestWithParam<ImageParam> {};

// As conv2d.cu: matrices of weights in [-1, 1), + delta; f32 within 1e-5 of the largest sum
// a pixel can reach (tests/gpu/test_conv2d.cpp).
TEST_P(Float4StripDenseConv, MatchesOpenCv)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = randomImage(shape, dtype, 37);
    for (const int ksize : {3, 5}) {
        SCOPED_TRACE("dense " + std::to_string(ksize));
        const Array weights = randomArray(Shape{std::int64_t{ksize} * ksize}, DType::F32, 41, -1.0, 1.0);
        Conv2dDesc desc{.shape = shape, .kernelWidth = ksize, .kernelHeight = ksize, .delta = 0.5, .border = border};
        desc.kernel.assign(weights.data<float>(), weights.data<float>() + ksize * ksize);
        ASSERT_FALSE(desc.separable().has_value());
        const Array expected = runCpu(cpuBackend().prepareConv2d(desc), image, DType::F32);
        const Array actual = withRadius<kernels::kConvMaxStripRadius>(ksize / 2, [&]<int R>() {
            kernels::DenseConvStrips<R> policy{};
            for (int i = 0; i < ksize * ksize; ++i)
                policy.w[i] = static_cast<float>(desc.weights()[i]);
            policy.delta = 0.5f;
            return emulateStrips(policy, image, toKernelBorder(border, "emulation"));
        });
        double largest = 0.5;
        for (const double w : desc.weights())
            largest += std::fabs(w);
        EXPECT_LE(maxAbsDifference(actual, expected), 1e-5 * largest);
    }
}

INSTANTIATE_TEST_SUITE_P(Images, Float4StripDenseConv,
                         ::testing::Combine(kShapes, ::testing::Values(DType::F32), kBorders), paramName);

} // namespace
} // namespace wb::test
