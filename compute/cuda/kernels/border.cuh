#pragma once
// Border modes of the image filters (gaussian, box): which pixel a coordinate beyond the
// edge reads, as OpenCV's cv::borderInterpolate.

#include <cstdint>

namespace wb::cuda::kernels {

// Border modes, as wb::BorderMode.
enum class Border : int { Reflect101 = 0, Replicate = 1, Constant = 2 };

// The index that coordinate p of an axis of length n reads, or -1 for a constant (zero)
// border. Reflect-101 reflects about the end pixels (period 2n − 2), repeatedly for
// kernels wider than the image, as OpenCV's borderInterpolate.
__device__ __forceinline__ std::int64_t borderIndex(std::int64_t p, std::int64_t n, Border border)
{
    if (p >= 0 && p < n)
        return p;
    switch (border) {
    case Border::Replicate: return p < 0 ? 0 : n - 1;
    case Border::Constant: return -1;
    case Border::Reflect101: break;
    }
    if (n == 1)
        return 0;
    // One reflection covers every halo narrower than the image; only wider ones need the
    // (slow, 64-bit) remainder.
    if (p < 0 && p > -n)
        return -p;
    if (p >= n && p < 2 * n - 1)
        return 2 * n - 2 - p;
    const std::int64_t period = 2 * n - 2;
    p %= period;
    if (p < 0)
        p += period;
    return p < n ? p : period - p;
}

} // namespace wb::cuda::kernels
