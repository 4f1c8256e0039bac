#pragma once
// Box filter in one pass: each pixel of the input is read from DRAM once (its neighbours'
// blocks read the few halo rows and columns again, mostly from L2) and each output pixel is
// written once, at a cost per pixel that does not depend on the kernel size.
//
// A block owns a strip of `rowsPerBlock` output rows and tw = S − 2·rx output columns,
// S = kBoxThreads·ITEMS pixels of segment. Each thread keeps, in registers, the vertical
// window sums (ky rows) of ITEMS consecutive segment pixels × C channels, and walks down
// the strip: going one row down adds the row entering the window and subtracts the row
// leaving it (read again, from L2, ky rows after it was first read). Per output row, the
// block turns the vertical sums into a prefix sum along the segment (each thread its ITEMS
// pixels in registers, then a block-wide exclusive scan of the thread totals with warp
// shuffles), and each output is the difference of two prefix sums, kx pixels apart.
//
// Sums: unsigned integers for u8 and u16 (u32, or u64 for u16 windows over 65537 pixels),
// whose modular differences are exact whenever the true window sum fits, which the type
// choice guarantees; double for f32, so that running sums over thousands of rows and the
// prefix differences lose nothing that float would show (OpenCV sums f32 in double too).
//
// Launch: block kBoxThreads (128) threads; grid (ceil(W / tw), ceil(H / rowsPerBlock)),
// both within the limits by the host's choice of rowsPerBlock. Shared (static): S·C sums
// for the prefix line plus C per warp: at most 1024·4·8 B = 32 KiB (f32, 4 channels,
// ITEMS = 8). Three __syncthreads per output row: after the warp totals, after the
// prefix line, and before the next row overwrites both.
// The host guarantees 4·rx <= S, so a block always has tw >= S/2 outputs.

#include "border.cuh"
#include "column_tile.cuh"
#include "float4_strip.cuh"
#include "separable_tile.cuh"

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

inline constexpr int kBoxThreads = 128;

// How a window sum becomes an output pixel, following cv::boxFilter's choices.
enum class BoxRounding : int {
    FixedPoint, // u8 windows of <= 256 pixels: (s + delta)·divScale >> 23 (ColumnSum<ushort, uchar>)
    Float,      // other integer sums: round(float(s)·float(1/n)) half to even, saturated
    Double,     // double sums (f32, u16 windows over 32768 pixels): s·(1/n) in double
    None,       // normalize = false: the sum, saturated to the dtype
};

struct BoxScale {
    BoxRounding rounding = BoxRounding::None;
    float scaleF = 1.0f;
    double scaleD = 1.0;
    std::uint32_t divScale = 0;
    std::uint32_t divDelta = 0;
};

template <typename T> __device__ __forceinline__ T saturateTo(double value);

template <> __device__ __forceinline__ float saturateTo<float>(double value) { return static_cast<float>(value); }

template <> __device__ __forceinline__ std::uint8_t saturateTo<std::uint8_t>(double value)
{
    return static_cast<std::uint8_t>(fmin(fmax(rint(value), 0.0), 255.0));
}

template <> __device__ __forceinline__ std::uint16_t saturateTo<std::uint16_t>(double value)
{
    return static_cast<std::uint16_t>(fmin(fmax(rint(value), 0.0), 65535.0));
}

template <typename T, typename Acc> __device__ __forceinline__ T boxFinish(Acc sum, const BoxScale& scale)
{
    if constexpr (std::is_same_v<T, float>) {
        return scale.rounding == BoxRounding::None ? static_cast<float>(sum)
                                                   : static_cast<float>(static_cast<double>(sum) * scale.scaleD);
    } else {
        constexpr double kMax = std::is_same_v<T, std::uint8_t> ? 255.0 : 65535.0;
        switch (scale.rounding) {
        case BoxRounding::FixedPoint:
            // Sums of at most 256 u8 pixels; the product stays below 2^32 (see box.cu).
            return static_cast<T>((static_cast<std::uint32_t>(sum) + scale.divDelta) * scale.divScale >> 23);
        case BoxRounding::Float: {
            const float scaled = static_cast<float>(sum) * scale.scaleF;
            return static_cast<T>(fminf(fmaxf(rintf(scaled), 0.0f), static_cast<float>(kMax)));
        }
        case BoxRounding::Double: return saturateTo<T>(static_cast<double>(sum) * scale.scaleD);
        case BoxRounding::None: break;
        }
        return static_cast<T>(sum > static_cast<Acc>(kMax) ? static_cast<Acc>(kMax) : sum);
    }
}

// Element c of pixel column `column` (-1: the constant border, 0) of row `row` (-1 too).
template <typename T, typename Acc, int C> __device__ __forceinline__ Acc boxRead(const T* __restrict__ in,
                                                                                  std::int64_t row, std::int64_t column,
                                                                                  std::int64_t width, int c)
{
    if (row < 0 || column < 0)
        return Acc(0);
    return static_cast<Acc>(__ldg(in + (row * width + column) * C + c));
}

template <typename T, int C, typename Acc, int ITEMS> __global__ void __launch_bounds__(kBoxThreads)
    boxFilter(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, int rx, int ry,
              int rowsPerBlock, Border border, BoxScale scale)
{
    constexpr int kSegment = kBoxThreads * ITEMS;
    constexpr int kWarps = kBoxThreads / 32;
    __shared__ Acc prefix[kSegment * C];
    __shared__ Acc warpTotals[kWarps][C];

    const int tw = kSegment - 2 * rx;
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * tw;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * rowsPerBlock;
    if (y0 >= height)
        return;
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(rowsPerBlock), height - y0));
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;

    // The image columns of this thread's segment pixels, border mapped once.
    std::int64_t column[ITEMS];
#pragma unroll
    for (int j = 0; j < ITEMS; ++j)
        column[j] = borderIndex(x0 - rx + threadIdx.x * ITEMS + j, width, border);

    // Vertical sums of the first output row's window.
    Acc v[ITEMS][C];
#pragma unroll
    for (int j = 0; j < ITEMS; ++j)
#pragma unroll
        for (int c = 0; c < C; ++c)
            v[j][c] = Acc(0);
    for (int k = -ry; k <= ry; ++k) {
        const std::int64_t row = borderIndex(y0 + k, height, border);
#pragma unroll
        for (int j = 0; j < ITEMS; ++j)
#pragma unroll
            for (int c = 0; c < C; ++c)
                v[j][c] += boxRead<T, Acc, C>(in, row, column[j], width, c);
    }

    const int outputs = static_cast<int>(min(static_cast<std::int64_t>(tw), width - x0)) * C;
    for (int r = 0; r < rows; ++r) {
        const std::int64_t y = y0 + r;
        // Rows entering and leaving the window for the next output row, loaded now so that
        // their latency hides behind this row's scan.
        Acc entering[ITEMS][C], leaving[ITEMS][C];
        const bool more = r + 1 < rows;
        const std::int64_t enterRow = more ? borderIndex(y + 1 + ry, height, border) : -1;
        const std::int64_t leaveRow = more ? borderIndex(y - ry, height, border) : -1;
#pragma unroll
        for (int j = 0; j < ITEMS; ++j)
#pragma unroll
            for (int c = 0; c < C; ++c) {
                entering[j][c] = boxRead<T, Acc, C>(in, enterRow, column[j], width, c);
                leaving[j][c] = boxRead<T, Acc, C>(in, leaveRow, column[j], width, c);
            }

        // Prefix sums of this thread's pixels, then of the thread totals across the block.
        Acc local[ITEMS][C];
        Acc total[C], inclusive[C];
#pragma unroll
        for (int c = 0; c < C; ++c) {
            Acc running = Acc(0);
#pragma unroll
            for (int j = 0; j < ITEMS; ++j) {
                running += v[j][c];
                local[j][c] = running;
            }
            total[c] = running;
            inclusive[c] = running;
#pragma unroll
            for (int offset = 1; offset < 32; offset *= 2) {
                const Acc up = __shfl_up_sync(0xffffffffu, inclusive[c], offset);
                if (lane >= offset)
                    inclusive[c] += up;
            }
            if (lane == 31)
                warpTotals[warp][c] = inclusive[c];
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < C; ++c) {
            Acc offset = inclusive[c] - total[c];
            for (int w = 0; w < warp; ++w)
                offset += warpTotals[w][c];
#pragma unroll
            for (int j = 0; j < ITEMS; ++j)
                prefix[(threadIdx.x * ITEMS + j) * C + c] = offset + local[j][c];
        }
        __syncthreads();

        // Output o's window covers segment pixels o .. o + 2·rx.
        T* dst = out + (y * width + x0) * C;
        for (int e = threadIdx.x; e < outputs; e += kBoxThreads) {
            const Acc end = prefix[e + 2 * rx * C];
            const Acc begin = e >= C ? prefix[e - C] : Acc(0);
            dst[e] = boxFinish<T, Acc>(end - begin, scale);
        }
        __syncthreads(); // the next row overwrites the prefix line and the warp totals

#pragma unroll
        for (int j = 0; j < ITEMS; ++j)
#pragma unroll
            for (int c = 0; c < C; ++c)
                v[j][c] += entering[j][c] - leaving[j][c];
    }
}

// ---- Fused tile (separable_tile.cuh) ------------------------------------------------
// For radii up to kMaxBoxTileRadius: window sums of the staged tile, rows then columns.
// A run's first sum adds its 2r + 1 values, each next one adds the value entering and
// subtracts the one leaving: (2r + 15) / 8 adds per output, from shared memory. Sums are
// u32 for u8 and u16 (exact: at most 65535·65^2 < 2^32, modular differences exact) and
// float for f32 (a few dozen additions of values of one sign).
inline constexpr int kMaxBoxTileRadius = 32;

// f32 sums are float in the fused kernels, so the scale is applied in float too: no
// conversions to double and back (a quarter-rate pipe) for every output.
template <typename T, typename Acc> __device__ __forceinline__ T boxTileFinish(Acc sum, const BoxScale& scale)
{
    if constexpr (std::is_same_v<T, float>)
        return scale.rounding == BoxRounding::None ? sum : sum * scale.scaleF;
    else
        return boxFinish<T, Acc>(sum, scale);
}

template <typename T> struct BoxTile {
    static constexpr int kMaxRadius = kMaxBoxTileRadius;
    using Acc = std::conditional_t<std::is_same_v<T, float>, float, std::uint32_t>;
    int radiusX, radiusY;
    BoxScale scale;

    __host__ __device__ int extraX() const { return 2 * radiusX; }
    __host__ __device__ int extraY() const { return 2 * radiusY; }
    __device__ Acc pad() const { return Acc(0); }
    __device__ bool readsBorder() const { return true; }

    static __device__ __forceinline__ void run(int r, const Acc* src, int step, Acc* dst, int dstStep)
    {
        Acc sum = Acc(0);
        for (int i = 0; i <= 2 * r; ++i)
            sum += src[i * step];
        dst[0] = sum;
#pragma unroll
        for (int k = 1; k < kTileRun; ++k) {
            sum += src[(2 * r + k) * step] - src[(k - 1) * step];
            dst[k * dstStep] = sum;
        }
    }
    __device__ void row(const Acc* src, int step, Acc* dst, int dstStep) const
    {
        run(radiusX, src, step, dst, dstStep);
    }
    __device__ void column(const Acc* src, int step, Acc* dst, int dstStep) const
    {
        run(radiusY, src, step, dst, dstStep);
    }
    __device__ T finish(Acc sum) const { return boxTileFinish<T>(sum, scale); }
};

// ---- Columns first (column_tile.cuh) ------------------------------------------------
// One-channel images, radii up to kColumnTileMaxRadius: running window sums, each column's
// 32 rows in one go (2r + 1 additions, then one value entering and one leaving per row:
// the leaving one read again, from L1) and each row's span of 32 alike, from shared
// memory. Sums and scaling as BoxTile's.
template <typename T> struct BoxColumns {
    // 5 blocks (48 registers) spilled and ran 10% slower on the H200 than 4 (64).
    static constexpr int kMinBlocks = 4;
    using Acc = typename BoxTile<T>::Acc;
    using Value = Acc;
    using Span = Acc;
    using Out = T;
    int radiusX, radiusY;
    BoxScale scale;

    __device__ Acc pad() const { return Acc(0); }
    __device__ bool readsBorder() const { return true; }

    template <int kOutputs, typename Load> static __device__ __forceinline__ void run(int r, Load load, Acc* dst)
    {
        Acc sum = Acc(0);
#pragma unroll 4
        for (int i = 0; i <= 2 * r; ++i)
            sum += load(i);
        dst[0] = sum;
#pragma unroll
        for (int k = 1; k < kOutputs; ++k) {
            sum += load(2 * r + k) - load(k - 1);
            dst[k] = sum;
        }
    }
    template <typename Load> __device__ void column(Load load, Acc (&out)[kColumnTileRows]) const
    {
        run<kColumnTileRows>(radiusY, load, out);
    }
    template <typename Load> __device__ void row(Load load, Acc (&out)[kColumnTileSpan]) const
    {
        run<kColumnTileSpan>(radiusX, load, out);
    }
    __device__ T finish(Acc sum) const { return boxTileFinish<T>(sum, scale); }
};

// ---- Float4 strips (float4_strip.cuh) ---------------------------------------------------
// One-channel f32 squares of radius R (1 .. kMaxBoxStripRadius, compiled in): BoxColumns'
// running sums in float down each column's kRows outputs and along each float4's four,
// scaled as BoxTile's.
inline constexpr int kMaxBoxStripRadius = 8;

template <int R> struct BoxStrips {
    static_assert(R >= 1 && R <= kMaxBoxStripRadius);
    static constexpr int kRows = stripRows(R);
    using Acc = float;
    static constexpr int radiusX = R;
    static constexpr int radiusY = R;
    BoxScale scale;

    __device__ float pad() const { return 0.0f; }
    // BoxColumns::run's sums, wholly unrolled (its partial unroll put w in local memory).
    template <int kOutputs> static __device__ __forceinline__ void run(const float* w, float (&out)[kOutputs])
    {
        float sum = 0.0f;
#pragma unroll
        for (int i = 0; i <= 2 * R; ++i)
            sum += w[i];
        out[0] = sum;
#pragma unroll
        for (int k = 1; k < kOutputs; ++k) {
            sum += w[2 * R + k] - w[k - 1];
            out[k] = sum;
        }
    }
    __device__ void column(const float (&w)[kRows + 2 * R], float (&out)[kRows]) const { run(w, out); }
    __device__ void row(const float (&w)[4 + 2 * R], float (&out)[4]) const
    {
        run(w, out);
#pragma unroll
        for (int c = 0; c < 4; ++c)
            out[c] = boxTileFinish<float>(out[c], scale);
    }
};

} // namespace wb::cuda::kernels
