#pragma once
// Median filter kernels. An image of H rows and W pixels of C interleaved channels is seen
// as H rows of W·C elements; the window of element e holds the elements e + dx·C of the
// rows around it, so every channel is filtered on its own.
//
// medianSmall (ksize 3 and 5, every dtype): a block stages its tile with the halo in shared
// memory (each input element read from DRAM once; the halo again from L2 by the neighbours)
// and each thread walks down ITEMS output rows of one element column, selecting in
// registers. u8 runs two neighbouring element columns per thread as the two halves of a
// __half2 (0..255 are exact halves; __hmin2/__hmax2 are one instruction for both), u16 and
// f32 one column as float (exact for u16). Selection, with outputs sharing work:
//   3x3: each row of three is sorted once and used by the three outputs whose windows hold
//        it; median = med3(max of the row minima, med3 of the row medians, min of the row
//        maxima), which is exact for 3x3.
//   5x5: two vertically adjacent outputs share 20 of their 25 pixels (four rows). Of those
//        20 only the ranks 7..12 can still be the median of either window (5 unseen pixels
//        each), so forgetful selection drops the 7 smallest and the 7 largest once for the
//        pair; each output is then the median of 11: the 6 kept and its own fifth row.
// Forgetful selection (dropExtremes): keep a working set of N − D + 1 values, move its
// minimum and maximum to its ends and forget both, take in one unseen value, repeat D times;
// what is forgotten is provably among the D smallest or the D largest.
//
// medianHistogram (u8, ksize 7 .. 255): Huang's running histogram. One thread per element
// column walks down a strip of rows with the 256-bin histogram of its window in shared
// memory (2 B bins: ksize² <= 65025), removing the row that leaves the window and adding the
// one that enters (2·ksize reads, from L1/L2) and moving the median bin from the last row's
// (the count below it kept as it goes). The first row of a strip fills the histogram once.
//
// medianSelect (u16 and f32, ksize 7 .. 31): one thread per output element, a bitwise radix
// select over the window read through L1: per bit, from the highest, count the window's keys
// that match the bits chosen so far and have a 0 there, and choose 0 or 1 by the rank left.
// 16 (u16) or 32 (f32, as order-preserving unsigned keys) passes over ksize² values.
//
// Borders (all three): only blocks at the edge map coordinates (borderIndex, constant: 0,
// which takes part in the median as medianBlur on a zero-padded image would).

#include "border.cuh"

#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

// ---- selection in registers -----------------------------------------------------------

__device__ __forceinline__ float vmin(float a, float b) { return fminf(a, b); }
__device__ __forceinline__ float vmax(float a, float b) { return fmaxf(a, b); }
__device__ __forceinline__ __half2 vmin(__half2 a, __half2 b) { return __hmin2(a, b); }
__device__ __forceinline__ __half2 vmax(__half2 a, __half2 b) { return __hmax2(a, b); }

template <typename V> __device__ __forceinline__ void sortPair(V& a, V& b)
{
    const V low = vmin(a, b);
    b = vmax(a, b);
    a = low;
}

template <typename V> __device__ __forceinline__ V med3(V a, V b, V c) { return vmax(vmin(a, b), vmin(vmax(a, b), c)); }

// Moves the smallest of v[F .. F+S) to v[F] and the largest to v[F+S-1]; the values stay.
template <int F, int S, typename V, int N> __device__ __forceinline__ void extremesToEnds(V (&v)[N])
{
    constexpr int H = S / 2;
#pragma unroll
    for (int i = 0; i < H; ++i)
        sortPair(v[F + i], v[F + S - 1 - i]); // the lower of each pair in front
#pragma unroll
    for (int i = 1; i < H; ++i)
        sortPair(v[F], v[F + i]);
#pragma unroll
    for (int i = 1; i < H; ++i)
        sortPair(v[F + S - 1 - i], v[F + S - 1]);
    if constexpr (S % 2 == 1) {
        sortPair(v[F], v[F + H]);
        sortPair(v[F + H], v[F + S - 1]);
    }
}

// The working set is v[F .. F+S); v[U .. N) are unseen; D more values to forget each side.
template <int N, int D, int F, int S, int U, typename V> __device__ __forceinline__ void forget(V (&v)[N])
{
    if constexpr (D > 0) {
        extremesToEnds<F, S>(v);
        if constexpr (U < N) {
            v[F + S - 1] = v[U]; // the maximum's slot takes the next unseen value
            forget<N, D - 1, F + 1, S - 1, U + 1>(v);
        } else {
            forget<N, D - 1, F + 1, S - 2, U>(v);
        }
    }
}

// Forgets the D smallest and the D largest of v[0 .. N); the N − 2D values left, in no
// order, are v[D .. N − D). For an odd N and D = N / 2, v[D] is the median.
template <int N, int D, typename V> __device__ __forceinline__ void dropExtremes(V (&v)[N])
{
    constexpr int S = N - D + 1 < N ? N - D + 1 : N;
    forget<N, D, 0, S, S>(v);
}

// ---- ksize 3 and 5: shared-memory tile ------------------------------------------------

inline constexpr int kMedianBlockX = 32;
inline constexpr int kMedianBlockY = 8;

// u8: pairs of element columns in a __half2; u16 and f32: one column in a float.
template <typename T> using MedianLane = std::conditional_t<std::is_same_v<T, std::uint8_t>, __half2, float>;
template <typename T> inline constexpr int kMedianLanes = std::is_same_v<T, std::uint8_t> ? 2 : 1;

// Element g of row `row` through the border (any row or element; edge blocks only).
template <typename T, int C> __device__ __forceinline__ float medianEdgeRead(const T* __restrict__ in, std::int64_t row,
                                                                             std::int64_t g, std::int64_t height,
                                                                             std::int64_t width, Border border)
{
    row = borderIndex(row, height, border);
    const std::int64_t x = g >= 0 ? g / C : -((C - 1 - g) / C);
    const int c = static_cast<int>(g - x * C);
    const std::int64_t column = borderIndex(x, width, border);
    if (row < 0 || column < 0)
        return 0.0f;
    return static_cast<float>(__ldg(in + (row * width + column) * C + c));
}

// Launch: block (kMedianBlockX, kMedianBlockY); grid (ceil(W·C / (32·lanes)), ceil(H / (8·ITEMS))).
// Shared (static): (8·ITEMS + 2R) x (32·lanes + 2·R·C) lane values, at most 36 x 79 x 4 B.
// One __syncthreads, after the tile is staged. ITEMS: rows per thread (even for R = 2).
template <typename T, int C, int R, int ITEMS> __global__ void __launch_bounds__(kMedianBlockX* kMedianBlockY)
    medianSmall(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, Border border)
{
    static_assert(R == 1 || (R == 2 && ITEMS % 2 == 0), "3x3, or 5x5 by pairs of rows");
    using V = MedianLane<T>;
    constexpr int L = kMedianLanes<T>;
    constexpr int BX = kMedianBlockX * L;             // output elements per block row
    constexpr int TX = BX + 2 * R * C - (L - 1);      // tile entries per row (an entry holds L elements)
    constexpr int TY = kMedianBlockY * ITEMS + 2 * R; // tile rows
    __shared__ V tile[TY][TX];

    const std::int64_t rowElems = width * C;
    const std::int64_t e0 = static_cast<std::int64_t>(blockIdx.x) * BX;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * (kMedianBlockY * ITEMS);
    const bool interior = e0 >= R * C && e0 + BX + R * C <= rowElems && y0 >= R && y0 + TY - R <= height;

    for (int ty = threadIdx.y; ty < TY; ty += kMedianBlockY) {
        const std::int64_t row = y0 - R + ty;
        for (int tx = threadIdx.x; tx < TX; tx += kMedianBlockX) {
            const std::int64_t g = e0 - R * C + tx;
            float a, b = 0.0f;
            if (interior) {
                const T* source = in + row * rowElems + g;
                a = static_cast<float>(__ldg(source));
                if constexpr (L == 2)
                    b = static_cast<float>(__ldg(source + 1));
            } else {
                a = medianEdgeRead<T, C>(in, row, g, height, width, border);
                if constexpr (L == 2)
                    b = medianEdgeRead<T, C>(in, row, g + 1, height, width, border);
            }
            if constexpr (L == 2)
                tile[ty][tx] = __floats2half2_rn(a, b);
            else
                tile[ty][tx] = a;
        }
    }
    __syncthreads();

    const int j = threadIdx.x * L; // this thread's window starts at tile entries j + dx·C
    const int t0 = threadIdx.y * ITEMS;
    V result[ITEMS];
    if constexpr (R == 1) {
        V lo[3], mid[3], hi[3];
#pragma unroll
        for (int r = 0; r < ITEMS + 2; ++r) {
            V a = tile[t0 + r][j], b = tile[t0 + r][j + C], c = tile[t0 + r][j + 2 * C];
            sortPair(a, b);
            sortPair(b, c);
            sortPair(a, b);
            lo[r % 3] = a;
            mid[r % 3] = b;
            hi[r % 3] = c;
            if (r >= 2)
                result[r - 2] = med3(vmax(vmax(lo[0], lo[1]), lo[2]), med3(mid[0], mid[1], mid[2]),
                                     vmin(vmin(hi[0], hi[1]), hi[2]));
        }
    } else {
#pragma unroll
        for (int i = 0; i < ITEMS; i += 2) {
            // Rows t0 + i + 1 .. t0 + i + 4 are in both windows.
            V common[20];
#pragma unroll
            for (int r = 0; r < 4; ++r)
#pragma unroll
                for (int dx = 0; dx < 5; ++dx)
                    common[r * 5 + dx] = tile[t0 + i + 1 + r][j + dx * C];
            dropExtremes<20, 7>(common);
#pragma unroll
            for (int k = 0; k < 2; ++k) {
                V window[11];
#pragma unroll
                for (int m = 0; m < 6; ++m)
                    window[m] = common[7 + m];
                const int own = t0 + i + (k == 0 ? 0 : 5);
#pragma unroll
                for (int dx = 0; dx < 5; ++dx)
                    window[6 + dx] = tile[own][j + dx * C];
                dropExtremes<11, 5>(window);
                result[i + k] = window[5];
            }
        }
    }

    const std::int64_t e = e0 + j;
#pragma unroll
    for (int i = 0; i < ITEMS; ++i) {
        const std::int64_t y = y0 + t0 + i;
        if (y >= height)
            break;
        T* target = out + y * rowElems + e;
        if constexpr (L == 2) {
            if (e < rowElems)
                target[0] = static_cast<T>(__half2float(__low2half(result[i])));
            if (e + 1 < rowElems)
                target[1] = static_cast<T>(__half2float(__high2half(result[i])));
        } else {
            if (e < rowElems)
                target[0] = static_cast<T>(result[i]);
        }
    }
}

// ---- u8, ksize 7 .. 255: running histograms -------------------------------------------

inline constexpr int kMedianHistThreads = 64;

// Launch: block kMedianHistThreads; grid (ceil(W·C / 64), ceil(H / rowsPerStrip)). Shared
// (static): 256 bins x 64 threads x 2 B = 32 KiB, bin b of thread t at [b·64 + t]. No
// __syncthreads: each thread owns its histogram.
template <int C> __global__ void __launch_bounds__(kMedianHistThreads)
    medianHistogram(const std::uint8_t* __restrict__ in, std::uint8_t* __restrict__ out, std::int64_t height,
                    std::int64_t width, int radius, int rowsPerStrip, Border border)
{
    __shared__ std::uint16_t bins[256 * kMedianHistThreads];
    std::uint16_t* hist = bins + threadIdx.x;
    const std::int64_t rowElems = width * C;
    const std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kMedianHistThreads + threadIdx.x;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * rowsPerStrip;
    if (e >= rowElems || y0 >= height)
        return;
    for (int b = 0; b < 256; ++b)
        hist[b * kMedianHistThreads] = 0;

    const std::int64_t x = e / C;
    const int c = static_cast<int>(e - x * C);
    const bool inside = x >= radius && x + radius < width;
    // Pixel x + dx of a row already mapped through the border (-1: constant).
    auto value = [&](std::int64_t row, int dx) -> int {
        std::int64_t column = x + dx;
        if (!inside)
            column = borderIndex(column, width, border);
        if (row < 0 || column < 0)
            return 0;
        return __ldg(in + row * rowElems + column * C + c);
    };

    const int k = 2 * radius + 1;
    const int half = k * k / 2; // the median's rank, from 0
    for (int dy = -radius; dy <= radius; ++dy) {
        const std::int64_t row = borderIndex(y0 + dy, height, border);
        for (int dx = -radius; dx <= radius; ++dx)
            ++hist[value(row, dx) * kMedianHistThreads];
    }
    int m = 0, below = 0; // the median bin and the count of values below it
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(rowsPerStrip), height - y0));
    for (int r = 0;; ++r) {
        while (below > half) {
            --m;
            below -= hist[m * kMedianHistThreads];
        }
        while (below + hist[m * kMedianHistThreads] <= half) {
            below += hist[m * kMedianHistThreads];
            ++m;
        }
        const std::int64_t y = y0 + r;
        out[y * rowElems + e] = static_cast<std::uint8_t>(m);
        if (r + 1 == rows)
            break;
        const std::int64_t leaving = borderIndex(y - radius, height, border);
        const std::int64_t entering = borderIndex(y + radius + 1, height, border);
        for (int dx = -radius; dx <= radius; ++dx) {
            const int old = value(leaving, dx);
            --hist[old * kMedianHistThreads];
            below -= old < m;
            const int now = value(entering, dx);
            ++hist[now * kMedianHistThreads];
            below += now < m;
        }
    }
}

// ---- u16 and f32, ksize 7 .. 31: radix select -----------------------------------------

inline constexpr int kMedianSelectThreads = 128;

__device__ __forceinline__ std::uint32_t medianKey(std::uint16_t v) { return v; }
__device__ __forceinline__ std::uint32_t medianKey(float v)
{
    const std::uint32_t bits = __float_as_uint(v);
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}
template <typename T> __device__ __forceinline__ T medianValue(std::uint32_t key);
template <> __device__ __forceinline__ std::uint16_t medianValue<std::uint16_t>(std::uint32_t key)
{
    return static_cast<std::uint16_t>(key);
}
template <> __device__ __forceinline__ float medianValue<float>(std::uint32_t key)
{
    return __uint_as_float((key & 0x80000000u) ? key & 0x7fffffffu : ~key);
}

// Launch: block kMedianSelectThreads; grid (ceil(W·C / 128), min(H, 65535)), rows strided by
// gridDim.y. No shared memory.
template <typename T, int C> __global__ void __launch_bounds__(kMedianSelectThreads)
    medianSelect(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, int radius,
                 Border border)
{
    constexpr int kBits = std::is_same_v<T, float> ? 32 : 16;
    const std::int64_t rowElems = width * C;
    const std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kMedianSelectThreads + threadIdx.x;
    if (e >= rowElems)
        return;
    const std::int64_t x = e / C;
    const int c = static_cast<int>(e - x * C);
    const bool inside = x >= radius && x + radius < width;
    const int k = 2 * radius + 1;
    for (std::int64_t y = blockIdx.y; y < height; y += gridDim.y) {
        int rank = k * k / 2;
        std::uint32_t prefix = 0;
        for (int bit = kBits - 1; bit >= 0; --bit) {
            const std::uint32_t high = bit == 31 ? 0u : ~((2u << bit) - 1u); // the bits chosen so far
            int zeros = 0;
            for (int dy = -radius; dy <= radius; ++dy) {
                const std::int64_t row = borderIndex(y + dy, height, border);
                for (int dx = -radius; dx <= radius; ++dx) {
                    std::int64_t column = x + dx;
                    if (!inside)
                        column = borderIndex(column, width, border);
                    const T v = (row < 0 || column < 0) ? T(0) : __ldg(in + row * rowElems + column * C + c);
                    const std::uint32_t key = medianKey(v);
                    zeros += (key & high) == prefix && ((key >> bit) & 1u) == 0;
                }
            }
            if (rank >= zeros) {
                rank -= zeros;
                prefix |= 1u << bit;
            }
        }
        out[y * rowElems + e] = medianValue<T>(prefix);
    }
}

} // namespace wb::cuda::kernels
