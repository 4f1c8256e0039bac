#pragma once
// Separable Gaussian filter in two passes through an intermediate image: a row pass
// (input -> intermediate, along W) and a column pass (intermediate -> output, along H).
// Images are (H, W) or (H, W, C) with C interleaved channels; a row is W·C elements.
//
// Arithmetic follows OpenCV's cv::GaussianBlur so that the CPU backend's result is matched:
//  - f32: float weights, float accumulation, float intermediate.
//  - u8: OpenCV's bit-exact fixed point. Weights are integers in units of 2^-8 summing to
//    256; the row pass sums weight·pixel exactly into a 16-bit intermediate (at most
//    255·256); the column pass sums weight·intermediate exactly in 32 bits (units of
//    2^-16) and rounds half up with saturation. No rounding happens before the last step.
//
// Weights travel as a kernel parameter (Taps, 520 bytes): parameters live in the constant
// bank, every thread of a warp reads the same tap at the same time (a broadcast), and
// each prepared op keeps its own weights without a per-run upload.

#include "border.cuh"
#include "column_tile.cuh"
#include "separable_tile.cuh"

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

inline constexpr int kMaxTaps = 129; // GaussianDesc::kMaxKernelSize

template <typename Weight> struct Taps {
    Weight w[kMaxTaps];
    int radius; // taps are w[0 .. 2·radius]
};

template <typename T> struct GaussianArith;

template <> struct GaussianArith<float> {
    using Weight = float;
    using Acc = float;
    using Mid = float;
    static __device__ __forceinline__ float finish(float acc) { return acc; }
};

template <> struct GaussianArith<std::uint8_t> {
    using Weight = std::uint32_t;
    using Acc = std::uint32_t;
    using Mid = std::uint16_t;
    static __device__ __forceinline__ std::uint8_t finish(std::uint32_t acc)
    {
        return static_cast<std::uint8_t>(min((acc + (1u << 15)) >> 16, 255u));
    }
};

// ---- Row pass -----------------------------------------------------------------------
// Launch: block (kRowThreads, kRowLines); grid (ceil(W / kRowTile), min(ceil(H / kRowLines),
// 65535)), grid-stride over groups of kRowLines rows in y.
// Shared (dynamic): kRowLines lines of (kRowTile + 2r)·C elements of T, one line per
// threadIdx.y: at most 4 · 256 · 4 · 4 B = 16 KiB (f32, 4 channels, r = 64).
// Each line is loaded by its own 128 threads at consecutive addresses (coalesced; border
// pixels mapped), then each thread computes outputs o = threadIdx.x + 128·i of its line:
// the window of output element o starts at tile element o and its taps are C apart, so a
// warp reads 32 consecutive shared words per tap (no bank conflicts).
inline constexpr int kRowThreads = 128;
inline constexpr int kRowLines = 4;
inline constexpr int kRowTile = 128; // output pixels per line and block

template <typename T, int C> __global__ void __launch_bounds__(kRowThreads* kRowLines)
    gaussianRows(const T* __restrict__ in, typename GaussianArith<T>::Mid* __restrict__ mid, std::int64_t height,
                 std::int64_t width, Taps<typename GaussianArith<T>::Weight> taps, Border border)
{
    using Arith = GaussianArith<T>;
    using Acc = typename Arith::Acc;
    using Mid = typename Arith::Mid;
    extern __shared__ __align__(16) unsigned char rowShared[];
    const int r = taps.radius;
    const int span = (kRowTile + 2 * r) * C;
    T* line = reinterpret_cast<T*>(rowShared) + threadIdx.y * span;
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kRowTile;
    const int outputs = static_cast<int>(min(static_cast<std::int64_t>(kRowTile), width - x0)) * C;

    for (std::int64_t yBase = static_cast<std::int64_t>(blockIdx.y) * kRowLines; yBase < height;
         yBase += static_cast<std::int64_t>(gridDim.y) * kRowLines) {
        const std::int64_t y = yBase + threadIdx.y;
        const bool active = y < height;
        if (active) {
            const T* src = in + y * width * C;
            for (int e = threadIdx.x; e < span; e += kRowThreads) {
                const std::int64_t p = borderIndex(x0 - r + e / C, width, border);
                line[e] = p < 0 ? T(0) : src[p * C + e % C];
            }
        }
        __syncthreads();
        if (active) {
            Mid* dst = mid + (y * width + x0) * C;
            for (int o = threadIdx.x; o < outputs; o += kRowThreads) {
                Acc acc = 0;
                for (int k = 0; k <= 2 * r; ++k)
                    acc += taps.w[k] * static_cast<Acc>(line[o + k * C]);
                dst[o] = static_cast<Mid>(acc);
            }
        }
        __syncthreads(); // the next row group overwrites the lines
    }
}

// ---- Column pass --------------------------------------------------------------------
// Channels do not matter vertically: a row is W·C independent element columns.
// Launch: block (kColWidth, kColLines) = (32, 8); grid (ceil(W·C / 32), min(ceil(H /
// kColTile), 65535)), grid-stride over strips of kColTile rows in y.
// Shared (dynamic): (kColTile + 2r) rows × 32 elements of Mid: at most 192 · 32 · 4 B =
// 24 KiB (f32, r = 64).
// Warps load whole 32-element rows of the strip and its halo (128 B per warp for f32,
// coalesced; border rows mapped); then each thread computes kColTile / 8 outputs of its
// column, rows threadIdx.y + 8·j, a warp reading 32 consecutive shared elements per tap.
inline constexpr int kColWidth = 32;
inline constexpr int kColLines = 8;
inline constexpr int kColTile = 64; // output rows per block

template <typename T> __global__ void __launch_bounds__(kColWidth* kColLines)
    gaussianColumns(const typename GaussianArith<T>::Mid* __restrict__ mid, T* __restrict__ out, std::int64_t height,
                    std::int64_t rowElements, Taps<typename GaussianArith<T>::Weight> taps, Border border)
{
    using Arith = GaussianArith<T>;
    using Acc = typename Arith::Acc;
    using Mid = typename Arith::Mid;
    extern __shared__ __align__(16) unsigned char columnShared[];
    Mid* tile = reinterpret_cast<Mid*>(columnShared);
    const int r = taps.radius;
    const int tileRows = kColTile + 2 * r;
    const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * kColWidth + threadIdx.x;
    const bool inside = col < rowElements;

    for (std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * kColTile; y0 < height;
         y0 += static_cast<std::int64_t>(gridDim.y) * kColTile) {
        for (int i = threadIdx.y; i < tileRows; i += kColLines) {
            const std::int64_t sy = borderIndex(y0 - r + i, height, border);
            tile[i * kColWidth + threadIdx.x] = (sy < 0 || !inside) ? Mid(0) : mid[sy * rowElements + col];
        }
        __syncthreads();
        if (inside) {
            for (int j = threadIdx.y; j < kColTile && y0 + j < height; j += kColLines) {
                Acc acc = 0;
                for (int k = 0; k <= 2 * r; ++k)
                    acc += taps.w[k] * static_cast<Acc>(tile[(j + k) * kColWidth + threadIdx.x]);
                out[(y0 + j) * rowElements + col] = Arith::finish(acc);
            }
        }
        __syncthreads(); // the next strip overwrites the tile
    }
}

// ---- Fused tile (separable_tile.cuh) ------------------------------------------------
// For kernels up to 33 taps each way. Each run takes the taps in chunks of kTileRun,
// holding 2·kTileRun window values in registers, so a shared-memory load feeds kTileRun
// multiply-adds; the weights are padded with zeros to whole chunks, and the tile's padding
// is zeros, so a padded tap adds 0·0. Arithmetic is float for both dtypes: for u8,
// OpenCV's fixed point carried exactly (integer weights summing to 256, row sums at most
// 255·256 and column sums at most 255·2^16 < 2^24, all integers, exact in float), rounded
// half up at the end as cv::GaussianBlur's bit-exact path does.
inline constexpr int kMaxTileRadius = 16;
inline constexpr int kMaxTileChunks = (2 * kMaxTileRadius + kTileRun) / kTileRun;

// The output pixel of a fused kernel's float sum: for u8 OpenCV's rounding of its 2^-16 units.
template <typename T> __device__ __forceinline__ T gaussianTileFinish(float acc)
{
    if constexpr (std::is_same_v<T, float>)
        return acc;
    else
        return static_cast<T>(min((static_cast<std::uint32_t>(acc) + (1u << 15)) >> 16, 255u));
}

struct TileTaps {
    float w[kMaxTileChunks * kTileRun];
    int chunks; // ceil((2·radius + 1) / kTileRun)
};

template <typename T> struct GaussianTile {
    static constexpr int kMaxRadius = kMaxTileRadius;
    using Acc = float;
    TileTaps tapsX, tapsY;
    int radiusX, radiusY;

    __host__ __device__ int extraX() const { return tapsX.chunks * kTileRun; }
    __host__ __device__ int extraY() const { return tapsY.chunks * kTileRun; }
    __device__ float pad() const { return 0.0f; }
    __device__ bool readsBorder() const { return true; }

    static __device__ __forceinline__ void run(const TileTaps& taps, const float* src, int step, float* dst,
                                               int dstStep)
    {
        float acc[kTileRun] = {};
        for (int chunk = 0; chunk < taps.chunks; ++chunk) {
            float window[2 * kTileRun];
#pragma unroll
            for (int i = 0; i < 2 * kTileRun; ++i)
                window[i] = src[(chunk * kTileRun + i) * step];
#pragma unroll
            for (int t = 0; t < kTileRun; ++t) {
                const float w = taps.w[chunk * kTileRun + t];
#pragma unroll
                for (int k = 0; k < kTileRun; ++k)
                    acc[k] = fmaf(w, window[t + k], acc[k]);
            }
        }
#pragma unroll
        for (int k = 0; k < kTileRun; ++k)
            dst[k * dstStep] = acc[k];
    }
    __device__ void row(const float* src, int step, float* dst, int dstStep) const
    {
        run(tapsX, src, step, dst, dstStep);
    }
    __device__ void column(const float* src, int step, float* dst, int dstStep) const
    {
        run(tapsY, src, step, dst, dstStep);
    }
    __device__ T finish(float acc) const { return gaussianTileFinish<T>(acc); }
};

// ---- Columns first (column_tile.cuh) ------------------------------------------------
// One-channel images with the same radius R both ways, R <= kMaxColumnTileRadius, a
// template argument: a column's 32 + 2R window values, or a row span's, are loaded once
// into registers and every output is its 2R + 1 multiply-adds, taps in order as
// GaussianTile's. Arithmetic as GaussianTile's (exact integers in float for u8, so the
// order of the passes does not matter).
inline constexpr int kMaxColumnTileRadius = 12;

template <typename T, int R> struct GaussianColumns {
    static_assert(R <= kMaxColumnTileRadius && R <= kColumnTileMaxRadius);
    // No bound: 4 blocks (64 registers, a 16-byte spill at R = 9) ran 3% slower on the H200.
    static constexpr int kMinBlocks = 1;
    using Value = float;
    using Acc = float;
    using Span = Acc;
    using Out = T;
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;
    float wx[2 * R + 1];
    float wy[2 * R + 1];

    __device__ float pad() const { return 0.0f; }
    __device__ bool readsBorder() const { return true; }

    template <int kOutputs, typename Load>
    static __device__ __forceinline__ void run(const float (&w)[2 * R + 1], Load load, float* dst)
    {
        float window[kOutputs + 2 * R];
        loadWindow(load, window);
#pragma unroll
        for (int k = 0; k < kOutputs; ++k) {
            float acc = 0.0f;
#pragma unroll
            for (int t = 0; t <= 2 * R; ++t)
                acc = fmaf(w[t], window[k + t], acc);
            dst[k] = acc;
        }
    }
    template <typename Load> __device__ void column(Load load, float (&out)[kColumnTileRows]) const
    {
        run<kColumnTileRows>(wy, load, out);
    }
    template <typename Load> __device__ void row(Load load, float (&out)[kColumnTileSpan]) const
    {
        run<kColumnTileSpan>(wx, load, out);
    }
    __device__ T finish(float acc) const { return gaussianTileFinish<T>(acc); }
};

} // namespace wb::cuda::kernels
