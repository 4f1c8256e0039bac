#pragma once
// The 3x3 median of one-channel u8 images as a columns-first tile (column_tile.cuh). With
// each column of three sorted (lo <= mid <= hi), the median of the 3x3 window is
// med3(max of the three lo, med3 of the three mid, min of the three hi), exactly (the
// identity medianSmall uses with rows). Phase 1 sorts every vertical triple of a column
// (its 34 pixels loaded once into registers) and packs the sorted three into one word of
// the line, lo | mid << 8 | hi << 16; phase 2 unpacks each word of a span once and takes
// the three extremes and medians across neighbouring columns, the maxima of lo and minima
// of hi of neighbouring pairs shared by two outputs.

#include "column_tile.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

struct MedianColumns3 {
    // 64 registers, no spills (104 unbounded, 2 blocks an SM): 25.3 -> 22.7 us on the H200.
    static constexpr int kMinBlocks = 4;
    using Value = std::uint32_t;
    using Acc = std::uint32_t;
    using Span = std::uint32_t;
    using Out = std::uint8_t;
    static constexpr int radiusX = 1;
    static constexpr int radiusY = 1;

    static __device__ __forceinline__ std::uint32_t med3(std::uint32_t a, std::uint32_t b, std::uint32_t c)
    {
        return max(min(a, b), min(max(a, b), c));
    }

    __device__ std::uint32_t pad() const { return 0; }
    __device__ bool readsBorder() const { return true; }

    template <typename Load> __device__ void column(Load load, std::uint32_t (&out)[kColumnTileRows]) const
    {
        std::uint32_t v[kColumnTileRows + 2];
        loadWindow(load, v);
#pragma unroll
        for (int k = 0; k < kColumnTileRows; ++k) {
            const std::uint32_t low = min(v[k], v[k + 1]), high = max(v[k], v[k + 1]);
            const std::uint32_t lo = min(low, v[k + 2]), hi = max(high, v[k + 2]);
            const std::uint32_t mid = max(low, min(high, v[k + 2]));
            out[k] = lo | mid << 8 | hi << 16;
        }
    }
    template <typename Load> __device__ void row(Load load, std::uint32_t (&out)[kColumnTileSpan]) const
    {
        constexpr int kWords = kColumnTileSpan + 2;
        std::uint32_t lo[kWords], mid[kWords], hi[kWords];
#pragma unroll
        for (int i = 0; i < kWords; ++i) {
            const std::uint32_t word = load(i);
            lo[i] = word & 0xffu;
            mid[i] = word >> 8 & 0xffu;
            hi[i] = word >> 16;
        }
#pragma unroll
        for (int k = 0; k < kColumnTileSpan; k += 2) {
            // Outputs k and k + 1 share columns k + 1 and k + 2.
            const std::uint32_t loPair = max(lo[k + 1], lo[k + 2]), hiPair = min(hi[k + 1], hi[k + 2]);
            out[k] = med3(max(lo[k], loPair), med3(mid[k], mid[k + 1], mid[k + 2]), min(hi[k], hiPair));
            out[k + 1] = med3(max(loPair, lo[k + 3]), med3(mid[k + 1], mid[k + 2], mid[k + 3]), min(hiPair, hi[k + 3]));
        }
    }
    __device__ std::uint8_t finish(std::uint32_t value) const { return static_cast<std::uint8_t>(value); }
};

} // namespace wb::cuda::kernels
