#pragma once
// The 3x3 and 5x5 medians of one-channel u8 images of whole words, four pixels to a word,
// in pair words (packed_bytes.cuh). One thread per word column and kMedianWordRows output rows,
// no shared memory: each row's word, and the neighbouring words for the pixels just left
// and right of it, come straight from global memory (the neighbours mostly from L1: the
// warp's neighbouring lanes read them too).
//
// With the rows' horizontal triples sorted (lo <= mid <= hi), the median of the 3x3 window
// is med3(max of the three rows' lo, med3 of their mid, min of their hi), exactly. An even
// pixel's left and right neighbours are odd pixels and an odd one's even pixels, so a
// row's triples are, in pair words: for the even outputs (pixels 0, 2) the pixels {−1, 1},
// {0, 2}, {1, 3}; for the odd ones (1, 3): {0, 2}, {1, 3}, {2, 4}. Each row's sorted triples
// are made once and serve three output rows: 96 instructions a word and row (ncu). The
// 5x5 is below.
//
// Launch (both): block kMedianWordThreads; grid (ceil(words / kMedianWordThreads),
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

// Row y's word x and its neighbours, for windows of radius R <= 2: beyond the image's left
// or right edge only the R pixels next to it matter, made by the border mode from this
// word (where they lie for every width of whole words, or 0 with the constant border); a
// row beyond the top or bottom with the constant border is all 0.
struct RowWords {
    std::uint32_t left, word, right;
};

// Bytes from .. from + R − 1 of the word of pixels first .. first + 3, beyond the edge.
template <int R> __device__ __forceinline__ std::uint32_t
beyondEdge(std::uint32_t word, std::int64_t x, std::int64_t first, int from, std::int64_t width, Border border)
{
    std::uint32_t result = 0;
#pragma unroll
    for (int b = from; b < from + R; ++b) {
        const std::int64_t p = borderIndex(first + b, width, border);
        if (p >= 0)
            result |= (word >> (8 * (p - 4 * x)) & 0xffu) << (8 * b);
    }
    return result;
}

template <int R> __device__ __forceinline__ RowWords rowWords(const std::uint32_t* in, std::int64_t y, std::int64_t x,
                                                              std::int64_t height, std::int64_t words, Border border)
{
    RowWords row{0, 0, 0};
    y = borderIndex(y, height, border);
    if (y < 0)
        return row;
    const std::uint32_t* line = in + y * words;
    row.word = __ldg(line + x);
    row.left = x > 0 ? __ldg(line + x - 1) : beyondEdge<R>(row.word, x, 4 * x - 4, 4 - R, 4 * words, border);
    row.right = x + 1 < words ? __ldg(line + x + 1) : beyondEdge<R>(row.word, x, 4 * x + 4, 0, 4 * words, border);
    return row;
}

// This thread's word column x and first output row y0, its output rows (fewer in the last
// band) and where they go; false for threads beyond the image's width.
struct WordBand {
    std::int64_t x, y0;
    int rows;
    std::uint32_t* dst;
};

__device__ __forceinline__ bool wordBand(std::uint32_t* out, std::int64_t height, std::int64_t words, WordBand& band)
{
    band.x = static_cast<std::int64_t>(blockIdx.x) * kMedianWordThreads + threadIdx.x;
    band.y0 = static_cast<std::int64_t>(blockIdx.y) * kMedianWordRows;
    band.rows = static_cast<int>(min(static_cast<std::int64_t>(kMedianWordRows), height - band.y0));
    band.dst = out + band.y0 * words + band.x;
    return band.x < words;
}

__global__ void __launch_bounds__(kMedianWordThreads)
    medianWords3(const std::uint32_t* __restrict__ in, std::uint32_t* __restrict__ out, std::int64_t height,
                 std::int64_t words, Border border)
{
    WordBand band;
    if (!wordBand(out, height, words, band))
        return;
    const std::int64_t x = band.x, y0 = band.y0;
    auto rowTriples = [&](int i, SortedPairs& even, SortedPairs& odd) {
        const RowWords row = rowWords<1>(in, y0 - 1 + i, x, height, words, border);
        even = sortPairs(shiftBytes(row.left, row.word, 2), evenPair(row.word), oddPair(row.word));
        odd = sortPairs(evenPair(row.word), oddPair(row.word), shiftBytes(row.word, row.right, 1));
    };
    SortedPairs even[3], odd[3]; // rows y − 1, y, y + 1 of output row y
    rowTriples(0, even[0], odd[0]);
    rowTriples(1, even[1], odd[1]);
#pragma unroll
    for (int r = 0; r < kMedianWordRows; ++r) {
        rowTriples(r + 2, even[(r + 2) % 3], odd[(r + 2) % 3]);
        if (r < band.rows)
            band.dst[r * words] =
                joinPairs(medianOfSorted(even[0], even[1], even[2]), medianOfSorted(odd[0], odd[1], odd[2]));
    }
}

// ---- 5x5 --------------------------------------------------------------------------------
// Each row's five horizontal neighbours sorted once (a 9-comparator network), serving five
// output rows. With the window's five rows sorted and then its five columns (the values of
// each rank across the rows), element (i, j) has (i + 1)(j + 1) elements at or below it and
// (5 − i)(5 − j) at or above: only the 13 with both at most 13 can be the median, and as 6
// of the others lie at or below it and 6 at or above, it is the median of those 13, found
// by forgetful selection. Columns are sorted whole; what the 13 do not use the compiler
// drops. 27.7 M warp instructions for 4K (about 430 a word and row, mostly 16-bit
// extremes) and 75.8 us on the H200, where medianSmall took 83.7: ncu shows issue 34% busy
// with warps waiting to be selected, the integer pipe's limit rather than memory's.

__device__ __forceinline__ void exchangePairs(std::uint32_t& a, std::uint32_t& b)
{
    const std::uint32_t low = MinPairs::apply(a, b);
    b = MaxPairs::apply(a, b);
    a = low;
}

__device__ __forceinline__ void sortPairs5(std::uint32_t (&v)[5])
{
    exchangePairs(v[0], v[1]);
    exchangePairs(v[3], v[4]);
    exchangePairs(v[2], v[4]);
    exchangePairs(v[2], v[3]);
    exchangePairs(v[0], v[3]);
    exchangePairs(v[0], v[2]);
    exchangePairs(v[1], v[4]);
    exchangePairs(v[1], v[3]);
    exchangePairs(v[1], v[2]);
}

// The median of 2m + 1 pair words: of the first m + 2 the least and the greatest cannot be
// the median; they go, the next value comes in, and so on down to one.
template <int N> __device__ __forceinline__ std::uint32_t forgetfulMedian(const std::uint32_t (&v)[N])
{
    constexpr int m = N / 2;
    std::uint32_t w[m + 2];
#pragma unroll
    for (int i = 0; i < m + 2; ++i)
        w[i] = v[i];
#pragma unroll
    for (int s = m + 2; s >= 3; --s) { // the set is w[0 .. s − 1]
#pragma unroll
        for (int i = 1; i < s; ++i)
            exchangePairs(w[0], w[i]);
#pragma unroll
        for (int i = 1; i < s - 1; ++i)
            exchangePairs(w[i], w[s - 1]);
#pragma unroll
        for (int i = 0; i < s - 2; ++i)
            w[i] = w[i + 1];
        const int next = 2 * m + 4 - s;
        if (next < N)
            w[s - 2] = v[next];
    }
    return w[0];
}

// The median pair word of the window whose five rows' sorted values are rows[0 .. 4].
__device__ __forceinline__ std::uint32_t medianOfSorted5(const std::uint32_t (&rows)[5][5])
{
    std::uint32_t candidates[13];
    int n = 0;
#pragma unroll
    for (int j = 0; j < 5; ++j) {
        std::uint32_t column[5];
#pragma unroll
        for (int i = 0; i < 5; ++i)
            column[i] = rows[i][j];
        sortPairs5(column);
#pragma unroll
        for (int i = 0; i < 5; ++i)
            if ((i + 1) * (j + 1) <= 13 && (5 - i) * (5 - j) <= 13)
                candidates[n++] = column[i];
    }
    return forgetfulMedian(candidates);
}

__global__ void __launch_bounds__(kMedianWordThreads)
    medianWords5(const std::uint32_t* __restrict__ in, std::uint32_t* __restrict__ out, std::int64_t height,
                 std::int64_t words, Border border)
{
    WordBand band;
    if (!wordBand(out, height, words, band))
        return;
    const std::int64_t x = band.x, y0 = band.y0;
    // Pair words of pixels 4x + {−2, 0}, {−1, 1}, {0, 2}, {1, 3}, {2, 4}, {3, 5}: an even
    // output's row takes the first five, an odd one's the last five.
    std::uint32_t even[5][5], odd[5][5]; // by row, slot (r % 5) for window row r
    auto rowSorted = [&](int i) {
        const RowWords row = rowWords<2>(in, y0 - 2 + i, x, height, words, border);
        const std::uint32_t b = shiftBytes(row.left, row.word, 2);
        const std::uint32_t c = shiftBytes(row.word, row.right, 1);
        std::uint32_t* e = even[i % 5];
        std::uint32_t* o = odd[i % 5];
        e[0] = shiftBytes(row.left, row.word, 1);
        e[1] = o[0] = b;
        e[2] = o[1] = evenPair(row.word);
        e[3] = o[2] = oddPair(row.word);
        e[4] = o[3] = c;
        o[4] = shiftBytes(row.word, row.right, 2);
        sortPairs5(even[i % 5]);
        sortPairs5(odd[i % 5]);
    };
#pragma unroll
    for (int i = 0; i < 4; ++i)
        rowSorted(i);
#pragma unroll
    for (int r = 0; r < kMedianWordRows; ++r) {
        rowSorted(r + 4);
        if (r < band.rows)
            band.dst[r * words] = joinPairs(medianOfSorted5(even), medianOfSorted5(odd));
    }
}

} // namespace wb::cuda::kernels
