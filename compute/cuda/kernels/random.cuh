#pragma once
// Uniform random arrays in one pass, on cuRAND's device-side Philox4x32-10 function
// (curand_Philox4x32_10), with the CPU backend's mapping of counters to elements
// (cpu/random.cpp): counter block j = (j mod 2^32, j / 2^32, 0, 0), key = the seed's two
// halves; f16, bf16 and f32 take 24 bits of one word each (four elements a block), f64 53
// bits of two words (two a block). With the arithmetic below rounded step by step as on
// the CPU (no fused multiply-add), both backends give the same numbers for one seed.
//
// Launch: 1-D grid-stride loop, one counter block per thread and iteration, stored with one
// vector store when `out` is aligned for it; each warp writes 32 consecutive blocks (512
// bytes of f64 or f32) in one instruction. No shared memory.

#include "element.cuh"

#include <curand_philox4x32_x.h>

namespace wb::cuda::kernels {

template <typename Compute> inline constexpr int kUniformsPerBlock = sizeof(Compute) == 4 ? 4 : 2;

// out[i] = low + span·u_i with u_i in [0, 1), clamped to [first, last] (the outermost values
// of Out inside [low, high)) so that rounding never leaves the range.
// A plain-old-data vector of `count` Out values, aligned as the hardware's vector stores need.
template <typename Out, int count> struct alignas(sizeof(Out) * count) VectorOf {
    Out values[count];
};

template <typename Out, typename Compute> __global__ void philoxUniformKernel(Out* __restrict__ out, std::int64_t n,
                                                                              uint2 key, Compute low, Compute span,
                                                                              Compute first, Compute last, bool aligned)
{
    constexpr int perBlock = kUniformsPerBlock<Compute>;
    const std::int64_t blocks = (n + perBlock - 1) / perBlock;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < blocks; j += stride) {
        const uint4 words = curand_Philox4x32_10(
            make_uint4(static_cast<unsigned>(j), static_cast<unsigned>(static_cast<std::uint64_t>(j) >> 32), 0u, 0u),
            key);
        Compute u[perBlock];
        if constexpr (perBlock == 4) {
            u[0] = static_cast<float>(words.x >> 8) * 0x1p-24f;
            u[1] = static_cast<float>(words.y >> 8) * 0x1p-24f;
            u[2] = static_cast<float>(words.z >> 8) * 0x1p-24f;
            u[3] = static_cast<float>(words.w >> 8) * 0x1p-24f;
        } else {
            u[0] = static_cast<double>((static_cast<std::uint64_t>(words.x) << 32 | words.y) >> 11) * 0x1p-53;
            u[1] = static_cast<double>((static_cast<std::uint64_t>(words.z) << 32 | words.w) >> 11) * 0x1p-53;
        }
        const std::int64_t base = j * perBlock;
        Out values[perBlock];
#pragma unroll
        for (int lane = 0; lane < perBlock; ++lane) {
            Compute value;
            if constexpr (perBlock == 4)
                value = __fadd_rn(low, __fmul_rn(span, u[lane]));
            else
                value = __dadd_rn(low, __dmul_rn(span, u[lane]));
            values[lane] = narrow<Out>(fmin(fmax(value, first), last));
        }
        if (aligned && base + perBlock <= n) {
            // One 16-byte store (8 for f16/bf16) per block: a warp writes one contiguous span.
            using Vector = VectorOf<Out, perBlock>;
            Vector packed;
            memcpy(&packed, values, sizeof(Vector));
            reinterpret_cast<Vector*>(out)[j] = packed;
        } else {
            for (int lane = 0; lane < perBlock && base + lane < n; ++lane)
                out[base + lane] = values[lane];
        }
    }
}

} // namespace wb::cuda::kernels
