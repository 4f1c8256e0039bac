#pragma once
// Separable image filters in one kernel: a block stages its tile of the input and the halo
// in shared memory (each input byte read from DRAM about once; neighbouring blocks read
// the halo again, from L2), filters the tile's rows into a second shared buffer and the
// columns of that into the output. The filter is a policy (Gaussian, box, erode/dilate
// below) that turns a line of shared values into a run of kTileRun outputs, so each
// thread reuses every value it loads for several outputs.
//
// A policy P provides:
//   using Acc                     the type of both shared buffers (float, or u32 sums);
//   int radiusX, radiusY          the halo, at most kMaxRadius (a constant);
//   int extraX(), extraY()        pixels beyond the tile that a run may read (>= 2·radius;
//                                 what is not loaded is P's pad value);
//   Acc pad()                     the value of pixels beyond the edge with a constant
//                                 border, and of the padding;
//   bool readsBorder()            whether pixels beyond the edge read the border mode
//                                 (else they are pad());
//   row(src, step, dst, dstStep)  kTileRun outputs of a row: dst[k·dstStep] from the
//   column(...)                   window src[(k + i)·step], i = 0 .. 2·radius;
//   T finish(Acc)                 the output pixel.
//
// Layout: images (H, W) or (H, W, C) with C interleaved channels. A tile is TP pixels by
// TH rows of output (64 by 64 for C <= 2, 32 by 32 for C >= 3: 64 to 128 elements a row).
// Shared (dynamic): the input tile, TH + extraY rows by (TP + extraX)·C elements, and the
// row-filtered tile, as many rows by TP·C elements, pitches odd (tileLayout).
// Launch: kTileThreads threads; grid (ceil(W / TP), ceil(H / TH)).
// Rows: consecutive lanes take consecutive rows (an odd pitch puts their loads in distinct
// banks). Columns: consecutive lanes take consecutive elements of a row, so loads are
// conflict-free and outputs go out in coalesced lines.

#include "border.cuh"

#include <cstddef>
#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kTileThreads = 256;
inline constexpr int kTileRun = 8;

template <int C> struct TileShape {
    static constexpr int kPixels = C <= 2 ? 64 : 32; // output pixels per tile row
    static constexpr int kRows = C <= 2 ? 64 : 32;   // output rows per tile
    static constexpr int kElements = kPixels * C;
};

struct TileLayout {
    int rows;     // rows of both shared buffers
    int inPitch;  // elements per input-tile row, loaded or padded (odd)
    int midPitch; // elements per row-filtered row (odd)
    std::size_t accBytes;

    std::size_t sharedBytes() const
    {
        return accBytes * static_cast<std::size_t>(rows) * static_cast<std::size_t>(inPitch + midPitch);
    }
};

template <int C> __host__ __device__ inline TileLayout tileLayout(int extraX, int extraY, std::size_t accBytes)
{
    using Shape = TileShape<C>;
    TileLayout layout{};
    layout.rows = Shape::kRows + extraY;
    layout.inPitch = ((Shape::kPixels + extraX) * C) | 1;
    layout.midPitch = Shape::kElements | 1;
    layout.accBytes = accBytes;
    return layout;
}

// Stage the tile: tile row i is input row y0 + i, its element j element j of the row
// segment that starts at pixel x0; beyond the loaded part, the pad value. Thread t takes
// elements t + kTileThreads·n with kBatch loads in flight, stepping (i, j) without a
// division. Interior tiles (all their reads inside the image: the most) have a loop of
// their own without the border mapping, so that the compiler can issue the loads together.
template <bool kInterior, int C, typename T, typename Acc>
__device__ __forceinline__ void stageTile(const T* __restrict__ in, Acc* tile, const TileLayout& layout,
                                          std::int64_t height, std::int64_t width, std::int64_t x0, std::int64_t y0,
                                          int loadedRows, int loadedColumns, Acc pad, Border border)
{
    constexpr int kBatch = 8;
    const std::int64_t rowElements = width * C;
    const T* origin = in + (y0 * width + x0) * C; // only dereferenced for interior tiles
    const int total = layout.rows * layout.inPitch;
    const int stepRows = kTileThreads / layout.inPitch, stepColumns = kTileThreads % layout.inPitch;
    int i = threadIdx.x / layout.inPitch, j = threadIdx.x % layout.inPitch;
    for (int base = threadIdx.x; base < total; base += kTileThreads * kBatch) {
        Acc value[kBatch];
#pragma unroll
        for (int b = 0; b < kBatch; ++b) {
            value[b] = pad;
            if (i < loadedRows && j < loadedColumns) {
                if constexpr (kInterior) {
                    value[b] = static_cast<Acc>(__ldg(origin + i * rowElements + j));
                } else {
                    const std::int64_t y = borderIndex(y0 + i, height, border);
                    const std::int64_t x = borderIndex(x0 + j / C, width, border);
                    if (y >= 0 && x >= 0)
                        value[b] = static_cast<Acc>(__ldg(in + (y * width + x) * C + j % C));
                }
            }
            j += stepColumns;
            i += stepRows + (j >= layout.inPitch ? 1 : 0);
            j -= j >= layout.inPitch ? layout.inPitch : 0;
        }
#pragma unroll
        for (int b = 0; b < kBatch; ++b)
            if (base + b * kTileThreads < total)
                tile[base + b * kTileThreads] = value[b];
    }
}

template <typename P, typename T, int C> __global__ void __launch_bounds__(kTileThreads)
    separableTile(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, P policy,
                  Border border)
{
    using Acc = typename P::Acc;
    using Shape = TileShape<C>;
    extern __shared__ __align__(16) unsigned char tileShared[];
    const TileLayout layout = tileLayout<C>(policy.extraX(), policy.extraY(), sizeof(Acc));
    Acc* tile = reinterpret_cast<Acc*>(tileShared);
    Acc* mid = tile + layout.rows * layout.inPitch;
    const int rx = policy.radiusX, ry = policy.radiusY;
    const std::int64_t px0 = static_cast<std::int64_t>(blockIdx.x) * Shape::kPixels;
    const std::int64_t py0 = static_cast<std::int64_t>(blockIdx.y) * Shape::kRows;
    const int loadedRows = Shape::kRows + 2 * ry;
    const int loadedColumns = (Shape::kPixels + 2 * rx) * C;
    const bool interior =
        px0 - rx >= 0 && px0 + Shape::kPixels + rx <= width && py0 - ry >= 0 && py0 + Shape::kRows + ry <= height;

    if (interior)
        stageTile<true, C>(in, tile, layout, height, width, px0 - rx, py0 - ry, loadedRows, loadedColumns, policy.pad(),
                           border);
    else
        stageTile<false, C>(in, tile, layout, height, width, px0 - rx, py0 - ry, loadedRows, loadedColumns,
                            policy.pad(), policy.readsBorder() ? border : Border::Constant);
    __syncthreads();

    // Rows: run (channel, group) of a row makes the outputs of pixels group·kTileRun + k.
    // Item q is row q mod rows of run q / rows, consecutive threads taking consecutive rows
    // (distinct banks by the odd pitch). The quotient comes from a float reciprocal: exact,
    // since (q + 0.5) / rows stays at least 0.5 / rows from a whole number and q < 2^12.
    constexpr int kRunsPerRow = Shape::kPixels / kTileRun * C;
    const float perRow = 1.0f / static_cast<float>(layout.rows);
    for (int q = threadIdx.x; q < layout.rows * kRunsPerRow; q += kTileThreads) {
        const int run = static_cast<int>((static_cast<float>(q) + 0.5f) * perRow);
        const int row = q - run * layout.rows;
        const int channel = run % C, p0 = run / C * kTileRun;
        policy.row(tile + row * layout.inPitch + p0 * C + channel, C, mid + row * layout.midPitch + p0 * C + channel,
                   C);
    }
    __syncthreads();

    // Columns: run (element e, group) makes output rows group·kTileRun + k.
    const std::int64_t rowElements = width * C;
    const int elements = static_cast<int>(min(static_cast<std::int64_t>(Shape::kPixels), width - px0)) * C;
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(Shape::kRows), height - py0));
    for (int q = threadIdx.x; q < Shape::kElements * (Shape::kRows / kTileRun); q += kTileThreads) {
        const int e = q % Shape::kElements, r0 = q / Shape::kElements * kTileRun;
        if (e >= elements || r0 >= rows)
            continue;
        Acc result[kTileRun];
        policy.column(mid + r0 * layout.midPitch + e, layout.midPitch, result, 1);
        T* dst = out + (py0 + r0) * rowElements + px0 * C + e;
#pragma unroll
        for (int k = 0; k < kTileRun; ++k) {
            if (r0 + k < rows)
                *dst = policy.finish(result[k]);
            dst += rowElements;
        }
    }
}

} // namespace wb::cuda::kernels
