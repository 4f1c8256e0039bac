#pragma once
// RGB(A) -> gray with the BT.601 weights, as OpenCV 4's cvtColor(RGB2GRAY): 8- and 16-bit
// images in its fixed point, gray = (R·9798 + G·19235 + B·3735 + 2^14) >> 15 (the weights
// 0.299, 0.587 and 0.114 in units of 2^-15, summing to 2^15, so the result never exceeds
// the input range and the sum fits 32 bits for u16; OpenCV 3 used 14 bits, which differs
// by one on some pixels); float images in float.
//
// Launch: 1-D grid-stride loop, one pixel per thread and iteration; a thread reads its
// pixel's C interleaved channels (consecutive threads read consecutive pixels) and writes
// one value. No shared memory.

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

template <typename T, int Channels>
__global__ void grayscaleKernel(const T* __restrict__ in, T* __restrict__ out, std::int64_t pixels)
{
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < pixels; i += stride) {
        const T* pixel = in + i * Channels;
        if constexpr (std::is_same_v<T, float>) {
            out[i] = pixel[0] * 0.299f + pixel[1] * 0.587f + pixel[2] * 0.114f;
        } else {
            const std::uint32_t sum = pixel[0] * 9798u + pixel[1] * 19235u + pixel[2] * 3735u + (1u << 14);
            out[i] = static_cast<T>(sum >> 15);
        }
    }
}

} // namespace wb::cuda::kernels
