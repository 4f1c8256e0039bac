#pragma once
// Four u8 pixels to a 32-bit word, pixel 4i + b of a row in byte b of word i, for the
// packed kernels (column_tile.cuh's packed policies, median_words.cuh): byte-wise
// extremes, and the word of pixels shifted by 0 to 3 from two neighbouring words.
//
// Byte-wise extremes are 6 instructions on the GPUs since Maxwell, 16-bit ones (VIMNMX
// .U16x2, and VIMNMX3 for three operands) one on sm_90. So the kernels that compare much
// take a word's pixels as two pair words, each pixel the high byte of a 16-bit half: the
// word shifted left by 8 holds pixels 0 and 2 (the even pair), the word itself 1 and 3
// (the odd pair). The low bytes (other pixels) only break ties between equal high bytes,
// so the high byte of a 16-bit minimum, maximum or median of three is that of the pixels;
// joinPairs() puts the four high bytes back into a word.

#include <cstdint>

namespace wb::cuda::kernels {

// Pixels 4i + s .. 4i + s + 3 of words a = i and b = i + 1, s in 0 .. 3: bytes s .. s + 3
// of the pair (a byte permutation whose selector digits count up from s).
__device__ __forceinline__ std::uint32_t shiftBytes(std::uint32_t a, std::uint32_t b, int s)
{
    return __byte_perm(a, b, 0x3210u + 0x1111u * static_cast<unsigned>(s));
}

// The pair words of a word's even pixels (0, 2) and odd pixels (1, 3), and back.
__device__ __forceinline__ std::uint32_t evenPair(std::uint32_t word) { return word << 8; }
__device__ __forceinline__ std::uint32_t oddPair(std::uint32_t word) { return word; }
__device__ __forceinline__ std::uint32_t joinPairs(std::uint32_t even, std::uint32_t odd)
{
    return __byte_perm(even, odd, 0x7351u);
}

struct MinPairs {
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b) { return __vminu2(a, b); }
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b, std::uint32_t c)
    {
        return __vimin3_u16x2(a, b, c);
    }
};

struct MaxPairs {
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b) { return __vmaxu2(a, b); }
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b, std::uint32_t c)
    {
        return __vimax3_u16x2(a, b, c);
    }
};

struct MinBytes {
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b) { return __vminu4(a, b); }
    static constexpr std::uint32_t identity = 0xffffffffu;
    using Pairs = MinPairs;
};

struct MaxBytes {
    static __device__ __forceinline__ std::uint32_t apply(std::uint32_t a, std::uint32_t b) { return __vmaxu4(a, b); }
    static constexpr std::uint32_t identity = 0;
    using Pairs = MaxPairs;
};

} // namespace wb::cuda::kernels
