#pragma once
// Bilateral filter with cv::bilateralFilter's weights and tables (see wb::BilateralDesc).
//
// bilateralFilter: a block of 32 x 8 threads owns 32 x 32 output pixels (each thread 4
// rows, 8 apart). It stages their (32 + 2r) x (32 + 2r) input pixels, as float, in dynamic
// shared memory (each pixel read from DRAM once; the halo again from L2 by the neighbours),
// and for u8 the colour weights of every integer distance (256·C floats) beside them. Each
// thread then sums its disc: per row dy of the window the offsets |dx| <= span[dy], the
// spatial weight from constant memory (every thread of a warp reads the same one), the
// colour weight from the table by the colour distance (u8: the exact integer |a − b| summed
// over channels; f32: OpenCV's 4096-bin-per-channel table over the image's range, linearly
// interpolated, read through L1). Only edge blocks map coordinates through the border.
// One __syncthreads, after staging.
//
// f32 needs the image's range first: bilateralRange (block minima and maxima of the
// order-preserving unsigned keys, one atomicMin/atomicMax per block) and bilateralTable (the
// table as OpenCV fills it, exp in double, and the scale; a range below FLT_EPSILON marks
// the run as a copy, as OpenCV copies such an image).

#include "border.cuh"

#include <cfloat>
#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

inline constexpr int kBilateralBlockX = 32;
inline constexpr int kBilateralBlockY = 8;
inline constexpr int kBilateralRows = 4; // output rows per thread
inline constexpr int kBilateralMaxRadius = 31;
inline constexpr int kBilateralMaxSide = 2 * kBilateralMaxRadius + 1;
inline constexpr int kBilateralBinsPerChannel = 1 << 12; // OpenCV's kExpNumBinsPerChannel

// The spatial weights of the (2r + 1)² square, row by row, and the half width of the disc
// in each row. Only bilateral.cu includes this header, so there is one copy per module.
__constant__ float c_bilateralSpace[kBilateralMaxSide * kBilateralMaxSide];
__constant__ int c_bilateralSpan[kBilateralMaxSide];

// The f32 image's range and what follows from it; written by the two range kernels.
struct BilateralRange {
    std::uint32_t minKey; // order-preserving keys of the smallest and largest value
    std::uint32_t maxKey;
    float scaleIndex; // table bins per unit of colour distance
    int copy;         // the range is below FLT_EPSILON: the output is the input
};

__device__ __forceinline__ std::uint32_t orderedKey(float v)
{
    const std::uint32_t bits = __float_as_uint(v);
    return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

__device__ __forceinline__ float fromOrderedKey(std::uint32_t key)
{
    return __uint_as_float((key & 0x80000000u) ? key & 0x7fffffffu : ~key);
}

inline constexpr int kBilateralRangeThreads = 256;

// Launch: block kBilateralRangeThreads, any grid (grid-stride over the n elements). The
// keys start at (0xffffffff, 0), set by the host. Shared (static): 2 keys per warp.
__global__ void __launch_bounds__(kBilateralRangeThreads)
    bilateralRange(const float* __restrict__ in, std::int64_t n, BilateralRange* range)
{
    __shared__ std::uint32_t lows[kBilateralRangeThreads / 32], highs[kBilateralRangeThreads / 32];
    std::uint32_t low = 0xffffffffu, high = 0;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
         i += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        const std::uint32_t key = orderedKey(__ldg(in + i));
        low = min(low, key);
        high = max(high, key);
    }
    low = __reduce_min_sync(0xffffffffu, low);
    high = __reduce_max_sync(0xffffffffu, high);
    const int warp = threadIdx.x / 32;
    if (threadIdx.x % 32 == 0) {
        lows[warp] = low;
        highs[warp] = high;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < kBilateralRangeThreads / 32; ++w) {
            low = min(low, lows[w]);
            high = max(high, highs[w]);
        }
        atomicMin(&range->minKey, low);
        atomicMax(&range->maxKey, high);
    }
}

// Launch: any 1-D grid covering bins + 2 entries. table[i] for i in [0, bins + 2), as
// OpenCV's bilateralFilter_32f: exp(v²·colorCoeff) in double for v = i / scaleIndex in float.
__global__ void bilateralTable(BilateralRange* range, float* __restrict__ table, int bins, int channels,
                               double colorCoeff)
{
    const double low = fromOrderedKey(range->minKey), high = fromOrderedKey(range->maxKey);
    const float length = static_cast<float>(high - low) * static_cast<float>(channels);
    const float scaleIndex = __fdiv_rn(static_cast<float>(bins), length);
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (i == 0) {
        range->scaleIndex = scaleIndex;
        range->copy = fabs(low - high) < FLT_EPSILON;
    }
    if (i < bins + 2) {
        const double v = __fdiv_rn(static_cast<float>(i), scaleIndex);
        table[i] = static_cast<float>(exp(v * v * colorCoeff));
    }
}

// Pixel (y, x) channel c of the image, through the border (constant: 0).
template <typename T, int C> __device__ __forceinline__ float bilateralRead(const T* __restrict__ in, std::int64_t y,
                                                                            std::int64_t x, int c, std::int64_t height,
                                                                            std::int64_t width, Border border)
{
    y = borderIndex(y, height, border);
    x = borderIndex(x, width, border);
    if (y < 0 || x < 0)
        return 0.0f;
    return static_cast<float>(__ldg(in + (y * width + x) * C + c));
}

template <typename T> __device__ __forceinline__ T bilateralStore(float v)
{
    if constexpr (std::is_same_v<T, float>)
        return v;
    else
        return static_cast<T>(min(max(__float2int_rn(v), 0), 255));
}

// Launch: block (32, 8); grid (ceil(W / 32), ceil(H / 32)). Dynamic shared:
// (32 + 2r)² · C floats, plus 256·C floats for u8 (bilateralSharedBytes). colorTable: u8,
// the 256·C colour weights; f32, OpenCV's interpolated table (bins + 2 entries) with
// `range` from bilateralTable.
template <typename T, int C> __global__ void __launch_bounds__(kBilateralBlockX* kBilateralBlockY)
    bilateralFilter(const T* __restrict__ in, T* __restrict__ out, std::int64_t height, std::int64_t width, int radius,
                    Border border, const float* __restrict__ colorTable, const BilateralRange* __restrict__ range)
{
    constexpr bool kU8 = std::is_same_v<T, std::uint8_t>;
    extern __shared__ float staged[];
    const int side = 2 * radius;
    const int tw = kBilateralBlockX + side, th = kBilateralBlockY * kBilateralRows + side;
    float* tile = staged;
    float* weights = staged + tw * th * C; // u8 only
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kBilateralBlockX;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * (kBilateralBlockY * kBilateralRows);
    const int tid = threadIdx.y * kBilateralBlockX + threadIdx.x;

    float scaleIndex = 0.0f;
    if constexpr (!kU8) {
        if (range->copy) { // as OpenCV: a flat image is copied
            const std::int64_t x = x0 + threadIdx.x;
            for (int i = 0; i < kBilateralRows; ++i) {
                const std::int64_t y = y0 + threadIdx.y + i * kBilateralBlockY;
                if (x < width && y < height)
                    for (int c = 0; c < C; ++c)
                        out[(y * width + x) * C + c] = in[(y * width + x) * C + c];
            }
            return;
        }
        scaleIndex = range->scaleIndex;
    } else {
        for (int i = tid; i < 256 * C; i += kBilateralBlockX * kBilateralBlockY)
            weights[i] = colorTable[i];
    }

    const bool interior = x0 >= radius && y0 >= radius && x0 + tw - radius <= width && y0 + th - radius <= height;
    for (int ty = threadIdx.y; ty < th; ty += kBilateralBlockY) {
        const std::int64_t y = y0 - radius + ty;
        for (int tx = threadIdx.x; tx < tw; tx += kBilateralBlockX) {
            const std::int64_t x = x0 - radius + tx;
            float* target = tile + (ty * tw + tx) * C;
            if (interior) {
                const T* source = in + (y * width + x) * C;
#pragma unroll
                for (int c = 0; c < C; ++c)
                    target[c] = static_cast<float>(__ldg(source + c));
            } else {
#pragma unroll
                for (int c = 0; c < C; ++c)
                    target[c] = bilateralRead<T, C>(in, y, x, c, height, width, border);
            }
        }
    }
    __syncthreads();

    const int kside = side + 1;
    const std::int64_t x = x0 + threadIdx.x;
    for (int i = 0; i < kBilateralRows; ++i) {
        const int oy = threadIdx.y + i * kBilateralBlockY;
        const std::int64_t y = y0 + oy;
        if (x >= width || y >= height)
            continue;
        const float* centre = tile + ((oy + radius) * tw + threadIdx.x + radius) * C;
        float v0[C];
#pragma unroll
        for (int c = 0; c < C; ++c)
            v0[c] = centre[c];
        float sum[C] = {};
        float wsum = 0.0f;
        for (int dy = -radius; dy <= radius; ++dy) {
            const int span = c_bilateralSpan[dy + radius];
            const float* row = centre + dy * tw * C;
            const float* space = c_bilateralSpace + (dy + radius) * kside + radius;
            for (int dx = -span; dx <= span; ++dx) {
                const float* p = row + dx * C;
                float distance = fabsf(p[0] - v0[0]);
#pragma unroll
                for (int c = 1; c < C; ++c)
                    distance += fabsf(p[c] - v0[c]);
                float w;
                if constexpr (kU8) {
                    w = space[dx] * weights[static_cast<int>(distance)];
                } else {
                    float alpha = distance * scaleIndex;
                    const int idx = __float2int_rd(alpha);
                    alpha -= static_cast<float>(idx);
                    const float a = __ldg(colorTable + idx), b = __ldg(colorTable + idx + 1);
                    w = space[dx] * (a + alpha * (b - a));
                }
#pragma unroll
                for (int c = 0; c < C; ++c)
                    sum[c] += p[c] * w;
                wsum += w;
            }
        }
        T* target = out + (y * width + x) * C;
        if constexpr (C == 1) {
            target[0] = bilateralStore<T>(sum[0] / wsum);
        } else {
            const float inverse = 1.0f / wsum;
#pragma unroll
            for (int c = 0; c < C; ++c)
                target[c] = bilateralStore<T>(sum[c] * inverse);
        }
    }
}

// The dynamic shared memory bilateralFilter<T, C> needs for `radius`.
inline std::size_t bilateralSharedBytes(int radius, int channels, bool u8)
{
    const std::size_t side = static_cast<std::size_t>(kBilateralBlockX + 2 * radius);
    const std::size_t rows = static_cast<std::size_t>(kBilateralBlockY * kBilateralRows + 2 * radius);
    return (side * rows * channels + (u8 ? 256u * channels : 0u)) * sizeof(float);
}

} // namespace wb::cuda::kernels
