#pragma once
// The Gaussian kernels' weights from wb::gaussianKernel's: float for f32 images, OpenCV's
// fixed point for u8 (kernels/gaussian.cuh), and the fused kernels' zero-padded copy.
// Host code only.

#include "kernels/gaussian.cuh"

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace wb::cuda {

inline kernels::Taps<float> floatTaps(const std::vector<double>& weights)
{
    kernels::Taps<float> taps{};
    taps.radius = static_cast<int>(weights.size() / 2);
    for (std::size_t i = 0; i < weights.size(); ++i)
        taps.w[i] = static_cast<float>(weights[i]);
    return taps;
}

// OpenCV's fixed-point weights for 8-bit images (getGaussianKernelFixedPoint_ED): units of
// 2^-8, rounded from the outside in with the rounding error carried to the next tap, the
// kernel kept symmetric, and the centre tap taking what makes the sum exactly 256.
inline kernels::Taps<std::uint32_t> fixedPointTaps(const std::vector<double>& weights)
{
    kernels::Taps<std::uint32_t> taps{};
    const int n = static_cast<int>(weights.size());
    taps.radius = n / 2;
    double carried = 0;
    std::int64_t sum = 0;
    for (int i = 0; i < n / 2; ++i) {
        const double adjusted = weights[i] * 256.0 + carried;
        const std::int64_t rounded = std::llrint(adjusted); // half to even, as cvRound
        carried = adjusted - static_cast<double>(rounded);
        taps.w[i] = taps.w[n - 1 - i] = static_cast<std::uint32_t>(rounded);
        sum += rounded;
    }
    taps.w[n / 2] = static_cast<std::uint32_t>(256 - 2 * sum);
    return taps;
}

template <typename T> auto tapsFor(const std::vector<double>& weights)
{
    if constexpr (std::is_same_v<T, float>)
        return floatTaps(weights);
    else
        return fixedPointTaps(weights);
}

// The weights of the fused kernel, padded with zeros to whole chunks; for u8 the
// fixed-point integers, which float holds exactly.
template <typename Weight> kernels::TileTaps tileTaps(const kernels::Taps<Weight>& taps)
{
    kernels::TileTaps tile{};
    tile.chunks = (2 * taps.radius + kernels::kTileRun) / kernels::kTileRun;
    for (int i = 0; i <= 2 * taps.radius; ++i)
        tile.w[i] = static_cast<float>(taps.w[i]);
    return tile;
}

// The columns-first kernel's policy for radius R both ways.
template <typename T, int R>
kernels::GaussianColumns<T, R> columnPolicy(const kernels::TileTaps& tapsX, const kernels::TileTaps& tapsY)
{
    kernels::GaussianColumns<T, R> policy{};
    for (int i = 0; i <= 2 * R; ++i) {
        policy.wx[i] = tapsX.w[i];
        policy.wy[i] = tapsY.w[i];
    }
    return policy;
}

} // namespace wb::cuda
