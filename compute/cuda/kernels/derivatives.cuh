#pragma once
// Derivative filters (sobel, scharr, their magnitude, laplacian) in one pass: one or two
// separable filters of radius R (1..3) over an input tile staged in shared memory, f32 out.
// See wb::DerivativeFilters for what is computed; the arithmetic is OpenCV's sepFilter2D
// order: the row kernel along W into a float, then the column kernel along H over R
// such floats, then the combination and + delta.
//
// Images are (H, W) or (H, W, C) with C interleaved channels; a row is W·C elements, and
// the horizontal neighbours of an element are C elements apart (every channel is filtered
// on its own).
//
// Launch: derivativeFilter<T, C, R, TWO>, block kDerivThreads = 128 threads; grid (ceil(W·C / kDerivTile), min(bands,
// 65535)) with bands = ceil(H / kDerivRows), grid-stride over bands in y. A block makes the
// outputs of a tile of kDerivTile = 128 elements by kDerivRows = 16 rows: thread t the 16
// outputs of element column t, walking down it.
//
// Shared memory (static, per instantiation): the input tile with its halo, kDerivRows +
// 2R rows of kDerivTile + 2·halo elements of T, halo = R·C rounded up to a 16-byte vector
// (so that each row starts 16-byte aligned): 18 x 136 x 4 B = 9.6 KiB for f32, one
// channel, R = 1; at most 22 x 152 x 4 B = 13.1 KiB (f32, 4 channels, R = 3).
//
// Loading: tiles whose halo lies inside the image, in images with a 16-byte aligned base
// and row pitch, are copied with 16-byte loads in an unrolled loop of independent loads
// (a 4K f32 tile is 612 vectors, under 5 a thread; staging them all in registers first
// spilled under the 48-register budget). Other tiles go element by
// element: rows mapped through the border mode, columns too in tiles at the left or right
// edge only (a division by the compile-time C there). Each input byte comes from DRAM once;
// the halo rows and columns a neighbouring tile also reads come mostly from L2.
//
// Compute: for each tile row thread t reads its 2R + 1 horizontal neighbours from shared
// memory (a warp reads 32 consecutive elements: no bank conflicts), applies each row
// kernel, and pushes the result into a register window of 2R + 1 rows per filter; from
// row 2R on, each row gives one output: the column kernel over the window. The loop over
// the tile's rows is unrolled, so the windows stay in registers without moves. Stores are
// one f32 per thread and row, 512 B contiguous per block row.

#include "border.cuh"
#include "column_tile.cuh"
#include "float4_strip.cuh"

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

inline constexpr int kDerivThreads = 128;
inline constexpr int kDerivTile = 128; // elements of a row per block, one per thread
inline constexpr int kDerivRows = 16;  // output rows per block
inline constexpr int kDerivMaxRadius = 3;
// Blocks resident per SM the registers must allow (at most 48 registers a thread): enough
// tiles in flight to keep DRAM busy while other blocks compute.
inline constexpr int kDerivMinBlocks = 10;
inline constexpr int kDerivVectorBytes = 16;

// The kernels as applied, 2R + 1 taps each (radius at most kDerivMaxRadius), as a kernel
// parameter: every thread reads the same tap at the same time, a constant-bank broadcast.
struct DerivTaps {
    float row[2][2 * kDerivMaxRadius + 1];
    float column[2][2 * kDerivMaxRadius + 1];
    float delta;
};

struct DerivShape {
    std::int64_t height;
    std::int64_t width;       // pixels
    std::int64_t rowElements; // width · C, below 2^31 − 2^10 (the host checks)
    int bands;                // ceil(height / kDerivRows)
    bool vector;              // 16-byte loads allowed: base and row pitch 16-byte aligned
    bool magnitude;           // with two filters: sqrt(a² + b²) rather than a + b
};

// The elements a tile row loads on each side: R·C rounded up to a 16-byte vector.
template <typename T, int C, int R>
inline constexpr int kDerivHalo = (R * C + kDerivVectorBytes / static_cast<int>(sizeof(T)) - 1) /
                                  (kDerivVectorBytes / static_cast<int>(sizeof(T))) *
                                  (kDerivVectorBytes / static_cast<int>(sizeof(T)));

// Copies the tile (image rows ys .. ys + ROWS − 1, elements xs .. xs + LENGTH − 1 of each)
// into shared memory. Fast path, for tiles inside the image with aligned rows: 16-byte
// loads, unrolled. Otherwise element by element, rows
// and (only in tiles at the left or right edge) columns mapped through the border mode.
template <typename T, int C, int ROWS, int LENGTH> __device__ __forceinline__ void
loadTile(const T* __restrict__ in, T* tile, const DerivShape& shape, std::int64_t xs, std::int64_t ys, Border border)
{
    const int t = static_cast<int>(threadIdx.x);
    const bool insideX = xs >= 0 && xs + LENGTH <= shape.rowElements;
    const bool insideY = ys >= 0 && ys + ROWS <= shape.height;
    if (insideX && insideY && shape.vector) {
        constexpr int kPerVector = kDerivVectorBytes / static_cast<int>(sizeof(T));
        constexpr int kRowVectors = LENGTH / kPerVector;
        constexpr int kVectors = ROWS * kRowVectors;
        constexpr int kPerThread = (kVectors + kDerivThreads - 1) / kDerivThreads;
        const std::int64_t pitch = shape.rowElements / kPerVector; // in vectors
        const auto* src = reinterpret_cast<const uint4*>(in + ys * shape.rowElements + xs);
        auto* dst = reinterpret_cast<uint4*>(tile);
#pragma unroll
        for (int j = 0; j < kPerThread; ++j) {
            const int i = t + j * kDerivThreads;
            if (i < kVectors) {
                const int r = i / kRowVectors;
                dst[i] = __ldg(src + r * pitch + (i - r * kRowVectors));
            }
        }
        return;
    }
#pragma unroll 4
    for (int i = t; i < ROWS * LENGTH; i += kDerivThreads) {
        const int r = i / LENGTH;
        const int e = i - r * LENGTH;
        const std::int64_t sy = borderIndex(ys + r, shape.height, border);
        std::int64_t source = -1;
        if (sy >= 0) {
            const std::int64_t element = xs + e;
            if (insideX) {
                source = sy * shape.rowElements + element;
            } else {
                // Elements of a tile at the left or right edge: 32 bits suffice (see DerivShape).
                const int el = static_cast<int>(element);
                const int pixel = el >= 0 ? el / C : -((-el + C - 1) / C);
                const std::int64_t sx = borderIndex(pixel, shape.width, border);
                if (sx >= 0)
                    source = sy * shape.rowElements + sx * C + (el - pixel * C);
            }
        }
        tile[i] = source < 0 ? T(0) : in[source];
    }
}

template <int R>
__device__ __forceinline__ float applyTaps(const float (&taps)[2 * kDerivMaxRadius + 1], const float* v)
{
    float acc = taps[0] * v[0];
#pragma unroll
    for (int k = 1; k <= 2 * R; ++k)
        acc = fmaf(taps[k], v[k], acc);
    return acc;
}

template <int R> __device__ __forceinline__ void push(float (&window)[2 * R + 1], float value)
{
#pragma unroll
    for (int k = 0; k < 2 * R; ++k)
        window[k] = window[k + 1];
    window[2 * R] = value;
}

// TWO: two filters, combined as shape.magnitude says; else the first alone.
template <typename T, int C, int R, bool TWO> __global__ void __launch_bounds__(kDerivThreads, kDerivMinBlocks)
    derivativeFilter(const T* __restrict__ in, float* __restrict__ out, DerivShape shape, DerivTaps taps, Border border)
{
    constexpr int kTaps = 2 * R + 1;
    constexpr int kRows = kDerivRows + 2 * R;
    constexpr int kHalo = kDerivHalo<T, C, R>;
    constexpr int kLength = kDerivTile + 2 * kHalo;
    __shared__ __align__(16) T tile[kRows * kLength];
    const int t = static_cast<int>(threadIdx.x);
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kDerivTile;
    const std::int64_t x = x0 + t;
    const bool active = x < shape.rowElements;

    for (int band = static_cast<int>(blockIdx.y); band < shape.bands; band += static_cast<int>(gridDim.y)) {
        const std::int64_t y0 = static_cast<std::int64_t>(band) * kDerivRows;
        loadTile<T, C, kRows, kLength>(in, tile, shape, x0 - kHalo, y0 - R, border);
        __syncthreads();

        float windowA[kTaps] = {};
        float windowB[kTaps] = {};
#pragma unroll
        for (int i = 0; i < kRows; ++i) {
            // This thread's element and its horizontal neighbours, C elements apart.
            const T* centre = tile + i * kLength + kHalo + t;
            float v[kTaps];
#pragma unroll
            for (int k = 0; k < kTaps; ++k)
                v[k] = static_cast<float>(centre[(k - R) * C]);
            push<R>(windowA, applyTaps<R>(taps.row[0], v));
            if constexpr (TWO)
                push<R>(windowB, applyTaps<R>(taps.row[1], v));
            if (i < 2 * R)
                continue;
            const std::int64_t y = y0 + i - 2 * R;
            if (!active || y >= shape.height)
                continue;
            float result = applyTaps<R>(taps.column[0], windowA);
            if constexpr (TWO) {
                const float b = applyTaps<R>(taps.column[1], windowB);
                result = shape.magnitude ? sqrtf(result * result + b * b) : result + b;
            }
            out[y * shape.rowElements + x] = result + taps.delta;
        }
        __syncthreads(); // the next band overwrites the tile
    }
}

// ---- Columns first (column_tile.cuh) ------------------------------------------------
// One-channel images: each column's 32 + 2R values are loaded once into registers and the
// filters' column kernels make its lines (a pair of lines for two filters), then the row
// kernels run along the lines and the two results are combined there (so a lane keeps one
// float per output across the barrier), + delta at the end. Taps are applied in
// order as applyTaps does; the passes run in the other order than OpenCV's, which changes
// f32 results by float rounding only (integer inputs give exact integers in float either
// way for these small kernels).
struct FloatPair {
    float a, b;
};

enum class DerivCombine : int { One, Sum, Magnitude };

template <typename T, int R, DerivCombine kCombine> struct DerivColumns {
    static_assert(R <= kDerivMaxRadius && R <= kColumnTileMaxRadius);
    static constexpr int kMinBlocks = 1;
    static constexpr bool kTwo = kCombine != DerivCombine::One;
    using Value = float;
    using Acc = std::conditional_t<kTwo, FloatPair, float>;
    using Span = float;
    using Out = float;
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;
    DerivTaps taps;

    __device__ float pad() const { return 0.0f; }
    __device__ bool readsBorder() const { return true; }

    template <typename Load> __device__ void column(Load load, Acc (&out)[kColumnTileRows]) const
    {
        float window[kColumnTileRows + 2 * R];
        loadWindow(load, window);
#pragma unroll
        for (int k = 0; k < kColumnTileRows; ++k) {
            const float a = applyTaps<R>(taps.column[0], window + k);
            if constexpr (kTwo)
                out[k] = FloatPair{a, applyTaps<R>(taps.column[1], window + k)};
            else
                out[k] = a;
        }
    }
    template <typename Load> __device__ void row(Load load, float (&out)[kColumnTileSpan]) const
    {
        float first[kColumnTileSpan + 2 * R], second[kTwo ? kColumnTileSpan + 2 * R : 1];
#pragma unroll
        for (int i = 0; i < kColumnTileSpan + 2 * R; ++i) {
            const Acc value = load(i);
            if constexpr (kTwo) {
                first[i] = value.a;
                second[i] = value.b;
            } else {
                first[i] = value;
            }
        }
#pragma unroll
        for (int k = 0; k < kColumnTileSpan; ++k) {
            const float a = applyTaps<R>(taps.row[0], first + k);
            if constexpr (kCombine == DerivCombine::One) {
                out[k] = a;
            } else {
                const float b = applyTaps<R>(taps.row[1], second + k);
                out[k] = kCombine == DerivCombine::Sum ? a + b : sqrtf(a * a + b * b);
            }
        }
    }
    __device__ float finish(float value) const { return value + taps.delta; }
};

// ---- Float4 strips (float4_strip.cuh) ---------------------------------------------------
// One-channel f32 images of whole float4 rows: as DerivColumns, the column kernels first
// (a pair of results for two filters, shuffled as a pair), then the row kernels and the
// combination, + delta.
__device__ __forceinline__ FloatPair shuffleUp(FloatPair v, int delta)
{
    return {shuffleUp(v.a, delta), shuffleUp(v.b, delta)};
}
__device__ __forceinline__ FloatPair shuffleDown(FloatPair v, int delta)
{
    return {shuffleDown(v.a, delta), shuffleDown(v.b, delta)};
}

template <int R, DerivCombine kCombine> struct DerivStrips {
    static_assert(R <= kDerivMaxRadius);
    static constexpr int kRows = stripRows(R);
    static constexpr bool kTwo = kCombine != DerivCombine::One;
    using Acc = std::conditional_t<kTwo, FloatPair, float>;
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;
    DerivTaps taps;

    __device__ float pad() const { return 0.0f; }
    __device__ void column(const float (&w)[kRows + 2 * R], Acc (&out)[kRows]) const
    {
#pragma unroll
        for (int k = 0; k < kRows; ++k) {
            const float a = applyTaps<R>(taps.column[0], w + k);
            if constexpr (kTwo)
                out[k] = FloatPair{a, applyTaps<R>(taps.column[1], w + k)};
            else
                out[k] = a;
        }
    }
    __device__ void row(const Acc (&w)[4 + 2 * R], float (&out)[4]) const
    {
        if constexpr (kCombine == DerivCombine::One) {
#pragma unroll
            for (int c = 0; c < 4; ++c)
                out[c] = applyTaps<R>(taps.row[0], w + c) + taps.delta;
        } else {
            float first[4 + 2 * R], second[4 + 2 * R];
#pragma unroll
            for (int i = 0; i < 4 + 2 * R; ++i) {
                first[i] = w[i].a;
                second[i] = w[i].b;
            }
#pragma unroll
            for (int c = 0; c < 4; ++c) {
                const float a = applyTaps<R>(taps.row[0], first + c), b = applyTaps<R>(taps.row[1], second + c);
                out[c] = (kCombine == DerivCombine::Sum ? a + b : sqrtf(a * a + b * b)) + taps.delta;
            }
        }
    }
};

} // namespace wb::cuda::kernels
