#pragma once
// Separable filters of one-channel f32 images of whole float4 widths, in strips of four
// columns: no shared memory and no barrier, so every warp is on its own and the loads of
// one warp overlap the arithmetic of the others (the column tile's phases, with a barrier
// between them, left its loads waiting: docs/benchmarks.md).
//
// A thread owns one float4 column (pixels 4g .. 4g + 3) and kRows output rows. It loads
// the float4s of its kRows + 2·radiusY rows at once (independent 16-byte loads, all in
// flight together), filters each output row's four pixels down the columns, then takes the
// pixels left and right of them from its neighbours' results by warp shuffles and filters
// along the row. So lane 0 and 31 lack neighbours: the first and last
// stripHaloLanes<P>() = ceil(radiusX / 4) lanes of a warp only serve as the horizontal
// halo, and a warp writes stripOutputLanes<P>() float4 columns (30 of 32 for radius 1 to
// 4). Warps of a block are stacked down the image; neighbouring strips read the halo rows
// and columns again, mostly from L2.
//
// Columns beyond the left or right edge (only in the first and last blocks of a row) map
// each of their pixels through the border mode; rows beyond the top or bottom map as rows.
//
// A policy P provides:
//   int radiusX, radiusY, kRows       compile time
//   using Acc                         what the column pass makes per pixel (float, or a
//                                     pair for two filters at once); shuffled with
//                                     shuffleUp / shuffleDown overloads
//   float pad()                       pixels beyond the edge with a constant border
//   column(const float (&w)[kRows + 2·radiusY], Acc (&out)[kRows])
//                                     a column's kRows outputs of the windows w[k ..
//                                     k + 2·radiusY]
//   row(const Acc (&w)[4 + 2·radiusX], float (&out)[4])
//                                     a float4's four pixels of the windows w[c .. c +
//                                     2·radiusX] of column results
//
// Launch: kStripThreads threads, grid stripGrid<P>(H, W); W a multiple of 4, input and
// output 16-byte aligned (stripFits in float4_strip.h says which images).

#include "border.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kStripWarps = 4; // warps a block, each kRows rows below the last
inline constexpr int kStripThreads = 32 * kStripWarps;

// Rows a thread makes, by the radius (the policies' kRows). H200, 4K f32: 4 rows for radius
// 1 (box, erode, sobel 3x3 19.2 to 19.3 us, against 19.9 to 20.1 with 8), 8 for radius 7
// (15x15: box 25.4, erode 26.1, against 29.2 and 30.3 with 4, 26.9 and 30.1 with 16). The
// kernel asks for one block an SM, no register bound in effect (which still steers ptxas's
// allocation: without it the registers differ): 6 blocks an SM at radius 7 ran box 15x15
// in 35.3 us.
__host__ __device__ constexpr int stripRows(int radius) { return radius <= 2 ? 4 : 8; }

template <typename P> __host__ __device__ constexpr int stripHaloLanes() { return (P::radiusX + 3) / 4; }
template <typename P> __host__ __device__ constexpr int stripOutputLanes() { return 32 - 2 * stripHaloLanes<P>(); }

template <typename P> dim3 stripGrid(std::int64_t height, std::int64_t width)
{
    const std::int64_t groups = width / 4, rows = std::int64_t{P::kRows} * kStripWarps;
    return dim3(static_cast<unsigned>((groups + stripOutputLanes<P>() - 1) / stripOutputLanes<P>()),
                static_cast<unsigned>((height + rows - 1) / rows));
}

__device__ __forceinline__ float shuffleUp(float v, int delta) { return __shfl_up_sync(0xffffffffu, v, delta); }
__device__ __forceinline__ float shuffleDown(float v, int delta) { return __shfl_down_sync(0xffffffffu, v, delta); }

__device__ __forceinline__ float component(const float4& v, int c)
{
    return c == 0 ? v.x : c == 1 ? v.y : c == 2 ? v.z : v.w;
}

// Which loads a copy of the strip code takes: Any decides per thread among the three
// loaders; Interior, for blocks whose windows lie inside the image, only the plain one;
// Edges, for the other blocks, the border-mapped ones.
enum class StripLoads { Any, Interior, Edges };

// Radii from which a block picks an Interior or an Edges copy (below, one Any copy). H200,
// 4K f32: box and erode 15x15 0.4 to 0.5 us faster than one copy; radius 1 gained nothing
// and the extra copy costs it registers (docs/benchmarks.md, "Sixth measurement").
inline constexpr int kStripSplitRadius = 3;

template <typename P, StripLoads kLoads>
__device__ __forceinline__ void stripBlock(const float* __restrict__ in, float* __restrict__ out, std::int64_t height,
                                           std::int64_t width, const P& policy, Border border)
{
    constexpr int RX = P::radiusX, RY = P::radiusY, kRows = P::kRows, kWindow = kRows + 2 * RY;
    constexpr int kHalo = stripHaloLanes<P>();
    using Acc = typename P::Acc;
    const int lane = static_cast<int>(threadIdx.x % 32);
    const std::int64_t groups = width / 4;
    const std::int64_t g = static_cast<std::int64_t>(blockIdx.x) * stripOutputLanes<P>() - kHalo + lane;
    const std::int64_t y0 = (static_cast<std::int64_t>(blockIdx.y) * kStripWarps + threadIdx.x / 32) * kRows;
    if (y0 >= height)
        return; // the whole warp: no shuffle loses a partner
    const float pad = policy.pad();
    const std::int64_t top = y0 - RY;

    // The common loader (rows and column inside) is plain addresses with no branch between
    // its loads.
    float4 window[kWindow];
    const float4* column = reinterpret_cast<const float4*>(in) + g;
    const bool rowsInside = top >= 0 && y0 + kRows + RY <= height;
    if (kLoads == StripLoads::Interior || (kLoads == StripLoads::Any && g >= 0 && g < groups && rowsInside)) {
        const float4* first = column + top * groups;
#pragma unroll
        for (int i = 0; i < kWindow; ++i)
            window[i] = __ldg(first + i * groups);
    } else if (g >= 0 && g < groups) {
#pragma unroll
        for (int i = 0; i < kWindow; ++i) {
            // Edges: one loader for the rows inside too, so that the filter is not copied.
            const std::int64_t y =
                kLoads == StripLoads::Edges && rowsInside ? top + i : borderIndex(top + i, height, border);
            window[i] = y < 0 ? make_float4(pad, pad, pad, pad) : __ldg(column + y * groups);
        }
    } else {
        std::int64_t x[4];
#pragma unroll
        for (int c = 0; c < 4; ++c)
            x[c] = borderIndex(4 * g + c, width, border);
#pragma unroll
        for (int i = 0; i < kWindow; ++i) {
            const std::int64_t y = borderIndex(top + i, height, border);
            const float* row = in + y * width;
            auto at = [&](int c) { return y < 0 || x[c] < 0 ? pad : __ldg(row + x[c]); };
            window[i] = make_float4(at(0), at(1), at(2), at(3));
        }
    }

    Acc columns[4][kRows];
#pragma unroll
    for (int c = 0; c < 4; ++c) {
        float w[kWindow];
#pragma unroll
        for (int i = 0; i < kWindow; ++i)
            w[i] = component(window[i], c);
        policy.column(w, columns[c]);
    }

    const bool writes = lane >= kHalo && lane < 32 - kHalo && g < groups;
    float4* dst = reinterpret_cast<float4*>(out) + y0 * groups + g;
#pragma unroll
    for (int k = 0; k < kRows; ++k) {
        // line[j] is pixel 4g − RX + j's column result: own, or lane floor(d / 4) away's.
        Acc line[4 + 2 * RX];
#pragma unroll
        for (int j = 0; j < 4 + 2 * RX; ++j) {
            const int d = j - RX;
            const int lanes = d >= 0 ? d / 4 : (d - 3) / 4;
            const Acc& from = columns[d - 4 * lanes][k];
            line[j] = lanes == 0 ? from : lanes < 0 ? shuffleUp(from, -lanes) : shuffleDown(from, lanes);
        }
        float pixels[4];
        policy.row(line, pixels);
        if (writes && y0 + k < height)
            dst[k * groups] = make_float4(pixels[0], pixels[1], pixels[2], pixels[3]);
    }
}

template <typename P> __global__ void __launch_bounds__(kStripThreads, 1)
    float4Strip(const float* __restrict__ in, float* __restrict__ out, std::int64_t height, std::int64_t width,
                P policy, Border border)
{
    if constexpr (P::radiusX < kStripSplitRadius && P::radiusY < kStripSplitRadius) {
        stripBlock<P, StripLoads::Any>(in, out, height, width, policy, border);
    } else {
        const std::int64_t firstGroup =
            static_cast<std::int64_t>(blockIdx.x) * stripOutputLanes<P>() - stripHaloLanes<P>();
        const std::int64_t rows = std::int64_t{P::kRows} * kStripWarps;
        const std::int64_t top = static_cast<std::int64_t>(blockIdx.y) * rows - P::radiusY;
        if (firstGroup >= 0 && firstGroup + 32 <= width / 4 && top >= 0 && top + rows + 2 * P::radiusY <= height)
            stripBlock<P, StripLoads::Interior>(in, out, height, width, policy, border);
        else
            stripBlock<P, StripLoads::Edges>(in, out, height, width, policy, border);
    }
}

} // namespace wb::cuda::kernels
