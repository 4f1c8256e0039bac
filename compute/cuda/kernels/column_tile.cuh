#pragma once
// Separable filters of one-channel images, columns first, in one kernel. A block of n
// threads (256, or the policy's kThreads) owns a tile of kColumnTileRows output rows by
// tw = n − 2·rx output columns:
//  1. columns: each thread takes one of the tile's n columns (the outputs' and the
//     horizontal halo) and filters all its rows straight from global memory (a warp reads
//     32 consecutive pixels per row; the vertical halo of neighbouring tiles comes again,
//     mostly from L2) into a shared line per row;
//  2. rows: lane r of warp s filters row r's span of kColumnTileSpan outputs, 32s ..
//     32s + 31, from that line, and keeps the results in registers;
//  3. after a barrier the results replace the lines and the block writes them out, each
//     row in consecutive addresses (coalesced).
// So no input pixel is staged twice and no thread indexes by a division: one item per
// thread in each phase. Lines have an odd pitch, so that lanes of different rows reading
// the same column hit distinct banks, and lanes of one row writing consecutive columns do.
//
// Packed policies (kPacked) filter u8 images four pixels to a 32-bit word: a "column" is
// then a column of words (pixels 4i .. 4i + 3 in bytes 0 .. 3), T and Out are the word,
// the width and radiusX count words, and the image's width must be a multiple of 4 (so a
// word is wholly inside the image or wholly beyond its edge, where it is pad(): packed
// policies take the constant border). The policy's row() works out the pixels' window
// within its words.
//
// A policy P provides:
//   using Value                      what phase 1 reads pixels as (float, or u32);
//   using Acc                        the type of the lines (Value, or a pair of them for
//                                    two filters at once);
//   using Span                       what row() makes (Acc, or the two filters combined:
//                                    what a lane keeps across the barrier);
//   using Out                        the output pixel's type;
//   int radiusX, radiusY             at most kColumnTileMaxRadius;
//   static int kMinBlocks            blocks an SM must be able to hold (the registers
//                                    a thread may use follow: 64 for 4, 48 for 5);
//   static int kThreads (optional)   threads per block, a multiple of 32 (default 256);
//   static bool kPacked (optional)   four u8 pixels to a word, as above;
//   Value pad()                      pixels beyond the edge with a constant border;
//   bool readsBorder()               whether those read the border mode (else pad());
//   column(load, out)                kColumnTileRows outputs out[k] of the windows
//                                    load(k .. k + 2·radiusY);
//   row(load, out)                   kColumnTileSpan Spans out[k] of the windows
//                                    load(k .. k + 2·radiusX) (reads past the line's
//                                    end only make outputs beyond tw, which are dropped);
//   Out finish(Span)                 the output pixel.
//
// Launch: columnTileThreads<P>() threads; grid columnTileGrid<P>(H, W, rx).
// Shared (dynamic): columnTileSharedBytes<P>(), 33 KiB for 4-byte lines of 256 columns.

#include "border.cuh"

#include <cstddef>
#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kColumnTileThreads = 256; // the default: columns per tile, halo included
inline constexpr int kColumnTileRows = 32;     // = lanes of a warp: one row each in phase 2
inline constexpr int kColumnTileSpan = 32;     // outputs per lane in phase 2: one warp's columns
inline constexpr int kColumnTileMaxRadius = 32;

template <typename P> __host__ __device__ constexpr int columnTileThreads()
{
    if constexpr (requires { P::kThreads; })
        return P::kThreads;
    else
        return kColumnTileThreads;
}

template <typename P> __host__ __device__ constexpr bool columnTilePacked()
{
    if constexpr (requires { P::kPacked; })
        return P::kPacked;
    else
        return false;
}

template <typename P> constexpr std::size_t columnTileSharedBytes()
{
    // Lines of one column more than the tile's; the last row's spans may read
    // 2·kColumnTileMaxRadius past its end.
    constexpr std::size_t pitch = columnTileThreads<P>() + 1;
    return sizeof(typename P::Acc) * (std::size_t{kColumnTileRows} * pitch + 2 * kColumnTileMaxRadius);
}

// For policies that keep a window in registers: window[i] = load(i), unrolled.
template <typename V, int kCount, typename Load>
__device__ __forceinline__ void loadWindow(Load load, V (&window)[kCount])
{
#pragma unroll
    for (int i = 0; i < kCount; ++i)
        window[i] = load(i);
}

// The grid for an image (width in words for packed policies), rx the policy's radiusX.
template <typename P> dim3 columnTileGrid(std::int64_t height, std::int64_t width, int rx)
{
    const std::int64_t tw = columnTileThreads<P>() - 2 * rx;
    return dim3(static_cast<unsigned>((width + tw - 1) / tw),
                static_cast<unsigned>((height + kColumnTileRows - 1) / kColumnTileRows));
}

template <typename P, typename T> __global__ void __launch_bounds__(columnTileThreads<P>(), P::kMinBlocks)
    columnTile(const T* __restrict__ in, typename P::Out* __restrict__ out, std::int64_t height, std::int64_t width,
               P policy, Border border)
{
    using Value = typename P::Value;
    using Acc = typename P::Acc;
    constexpr int kThreads = columnTileThreads<P>();
    constexpr int kPitch = kThreads + 1;
    extern __shared__ __align__(16) unsigned char columnTileShared[];
    Acc* lines = reinterpret_cast<Acc*>(columnTileShared);
    const int rx = policy.radiusX, ry = policy.radiusY;
    const int tw = kThreads - 2 * rx;
    const std::int64_t px0 = static_cast<std::int64_t>(blockIdx.x) * tw;
    const std::int64_t py0 = static_cast<std::int64_t>(blockIdx.y) * kColumnTileRows;
    // Packed policies: a word beyond the edge is all pad().
    const Border mode = policy.readsBorder() && !columnTilePacked<P>() ? border : Border::Constant;

    // 1. Column threadIdx.x of the tile: image column px0 − rx + threadIdx.x. Three loaders,
    // so that in the common one (rows inside, column inside) every load is a plain address
    // the compiler can issue early, with no branch between loads.
    {
        const std::int64_t x = borderIndex(px0 - rx + threadIdx.x, width, mode);
        const std::int64_t top = py0 - ry;
        const Value pad = policy.pad();
        Acc sums[kColumnTileRows];
        if (x < 0) {
            policy.column([pad](int) { return pad; }, sums);
        } else if (top >= 0 && py0 + kColumnTileRows + ry <= height) {
            const T* first = in + top * width + x;
            policy.column([first, width](int i) { return static_cast<Value>(__ldg(first + i * width)); }, sums);
        } else {
            const T* column = in + x;
            policy.column(
                [=](int i) {
                    const std::int64_t y = borderIndex(top + i, height, mode);
                    return y < 0 ? pad : static_cast<Value>(__ldg(column + y * width));
                },
                sums);
        }
#pragma unroll
        for (int k = 0; k < kColumnTileRows; ++k)
            lines[k * kPitch + threadIdx.x] = sums[k];
    }
    __syncthreads();

    // 2. Row lane of this warp's span.
    const int lane = threadIdx.x % 32, span = threadIdx.x / 32;
    Acc* line = lines + lane * kPitch + span * kColumnTileSpan;
    typename P::Span result[kColumnTileSpan];
    policy.row([line](int i) { return line[i]; }, result);
    __syncthreads();
    auto* spans = reinterpret_cast<typename P::Span*>(lines); // same pitch, no larger than Acc
#pragma unroll
    for (int k = 0; k < kColumnTileSpan; ++k)
        spans[lane * kPitch + span * kColumnTileSpan + k] = result[k];
    __syncthreads();

    // 3. Out, thread threadIdx.x taking output column threadIdx.x of every row.
    const std::int64_t columns = min(static_cast<std::int64_t>(tw), width - px0);
    const int rows = static_cast<int>(min(static_cast<std::int64_t>(kColumnTileRows), height - py0));
    if (threadIdx.x >= columns)
        return;
    typename P::Out* dst = out + py0 * width + px0 + threadIdx.x;
    for (int r = 0; r < rows; ++r)
        dst[r * width] = policy.finish(spans[r * kPitch + threadIdx.x]);
}

} // namespace wb::cuda::kernels
