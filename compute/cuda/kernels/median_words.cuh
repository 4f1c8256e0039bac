#pragma once
// The 3x3 median of one-channel u8 images of whole words, four pixels to a word, in pair
// words (packed_bytes.cuh). One thread per word column and kMedianWordRows output rows,
// no shared memory: each row's word, and the neighbouring words for the pixels just left
// and right of it, come straight from global memory (the neighbours mostly from L1: the
// warp's neighbouring lanes read them too).
//
// With the rows' horizontal triples sorted (lo <= mid <= hi), the median of the 3x3 window
// is med3(max of the three rows' lo, med3 of their mid, min of their hi), exactly. An even
// pixel's left and right neighbours are odd pixels and an odd one's even pixels, so a
// row's triples are, in pair words: for the even outputs (pixels 0, 2) the pixels {−1, 1},
// {0, 2}, {1, 3}; for the odd ones (1, 3): {0, 2}, {1, 3}, {2, 4}. Each row's sorted triples
// are made once and serve three output rows. About 36 instructions a word and row.
//
// Launch: block kMedianWordThreads; grid (ceil(words / kMedianWordThreads),
// ceil(H / kMedianWordRows)).

#include "border.cuh"
#include "packed_bytes.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kMedianWordThreads = 64; // a 4K row is 15 blocks of words, none idle
inline constexpr int kMedianWordRows = 16;

struct SortedPairs {
    std::uint32_t lo, mid, hi;
};

__device__ __forceinline__ std::uint32_t medianPairs(std::uint32_t a, std::uint32_t b, std::uint32_t c)
{
    return MaxPairs::apply(MinPairs::apply(a, b), MinPairs::apply(MaxPairs::apply(a, b), c));
}

__device__ __forceinline__ SortedPairs sortPairs(std::uint32_t a, std::uint32_t b, std::uint32_t c)
{
    return {MinPairs::apply(a, b, c), medianPairs(a, b, c), MaxPairs::apply(a, b, c)};
}

// The median pair word of three rows' sorted triples.
__device__ __forceinline__ std::uint32_t medianOfSorted(const SortedPairs& a, const SortedPairs& b,
                                                        const SortedPairs& c)
{
    return medianPairs(MaxPairs::apply(a.lo, b.lo, c.lo), medianPairs(a.mid, b.mid, c.mid),
                       MinPairs::apply(a.hi, b.hi, c.hi));
}

__global__ void __launch_bounds__(kMedianWordThreads)
    medianWords3(const std::uint32_t* __restrict__ in, std::uint32_t* __restrict__ out, std::int64_t height,
                 std::int64_t words, Border border)
{
    const std::int64_t x = static_cast<std::int64_t>(blockIdx.x) * kMedianWordThreads + threadIdx.x;
    if (x >= words)
        return;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * kMedianWordRows;
    // Beyond the left and right edges only one pixel matters: 4x − 1 as byte 3 of the left
    // word, 4x + 4 as byte 0 of the right one; both lie in this word (or are 0).
    const std::int64_t width = 4 * words;
    const std::int64_t beforeFirst = borderIndex(-1, width, border), afterLast = borderIndex(width, width, border);
    auto rowTriples = [&](int i, SortedPairs& even, SortedPairs& odd) {
        const std::int64_t y = borderIndex(y0 - 1 + i, height, border);
        std::uint32_t word = 0, left = 0, right = 0;
        if (y >= 0) {
            const std::uint32_t* row = in + y * words;
            word = __ldg(row + x);
            if (x > 0)
                left = __ldg(row + x - 1);
            else if (beforeFirst >= 0)
                left = (word >> (8 * beforeFirst) & 0xffu) << 24;
            if (x + 1 < words)
                right = __ldg(row + x + 1);
            else if (afterLast >= 0)
                right = word >> (8 * (afterLast - 4 * x)) & 0xffu;
        }
        even = sortPairs(__byte_perm(left, word, 0x5432u), evenPair(word), oddPair(word));
        odd = sortPairs(evenPair(word), oddPair(word), __byte_perm(word, right, 0x4321u));
    };
    SortedPairs even[3], odd[3]; // rows y − 1, y, y + 1 of output row y
    rowTriples(0, even[0], odd[0]);
    rowTriples(1, even[1], odd[1]);
    std::uint32_t* dst = out + y0 * words + x;
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(kMedianWordRows), height - y0));
#pragma unroll
    for (int r = 0; r < kMedianWordRows; ++r) {
        rowTriples(r + 2, even[(r + 2) % 3], odd[(r + 2) % 3]);
        if (r < rows)
            dst[r * words] =
                joinPairs(medianOfSorted(even[0], even[1], even[2]), medianOfSorted(odd[0], odd[1], odd[2]));
    }
}

} // namespace wb::cuda::kernels
