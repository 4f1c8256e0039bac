#pragma once
// conv2d: correlation of an image with a user matrix (wb::Conv2dDesc), one kernel launch,
// dense (kw·kh taps) or separable (a row pass and a column pass through shared memory).
// Images are (H, W) or (H, W, C) with C interleaved channels; a row is W·C elements and
// the horizontal taps of element e are e + (j − ax)·C, so channels cost nothing extra.
//
// Arithmetic: float weights, float sums starting from delta (as cv::filter2D and
// cv::sepFilter2D, which sum in float for u8, u16 and f32), then rounded half to even and
// saturated for u8 and u16 outputs.
//
// Launch: block (kConvThreadsX, kConvThreadsY) = (32, 4); grid (ceil(W·C / kConvTileW),
// ceil(H / kConvTileH)). Each block makes a tile of kConvTileW = 128 elements by
// kConvTileH = 32 rows; each thread kConvCols = 4 elements 32 apart (so that a warp reads 32
// consecutive shared words: no bank conflicts) in kConvRows = 8 consecutive rows.
//
// Shared (dynamic): the input tile with its halo as float, (32 + kh − 1) rows of
// (128 + (kw − 1)·C) elements, loaded once from global memory (coalesced, each element
// read by one thread; border pixels mapped only in blocks that touch an edge). The
// separable kernel adds the row pass's result, (32 + kh − 1) x 128 floats. At most
// 62 · 248 · 4 B = 61 KiB (dense, 31x31, 4 channels) and 92 KiB (separable).
//
// Reuse: for each matrix column j a thread walks down the kConvRows + kh − 1 input rows
// its outputs read, loading each value once and adding it to every output that uses it, so
// a dense kw x kh matrix costs kw·(kh + 7) / 8 shared loads per output instead of kw·kh.

#include "border.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kConvMaxSize = 31; // Conv2dDesc::kMaxKernelSize
inline constexpr int kConvThreadsX = 32;
inline constexpr int kConvThreadsY = 4;
inline constexpr int kConvCols = 4;
inline constexpr int kConvRows = 8;
inline constexpr int kConvTileW = kConvThreadsX * kConvCols; // elements
inline constexpr int kConvTileH = kConvThreadsY * kConvRows; // rows

// The weights as a __grid_constant__ parameter (3.9 KB, in the constant bank: every thread
// of a warp reads the same weight at once, a broadcast; each prepared op keeps its own).
struct ConvWeights {
    float w[kConvMaxSize * kConvMaxSize]; // dense: kh rows of kw; separable: the row (kw), then the column (kh)
    int kw;
    int kh;
    int ax; // the anchor: kw / 2, kh / 2
    int ay;
    float delta;
};

// The geometry both kernels share: the image and where this block's tile lies.
struct ConvImage {
    std::int64_t height;
    std::int64_t width;       // pixels
    std::int64_t rowElements; // width · channels
    int channels;
    Border border;
};

template <typename T> __device__ __forceinline__ T convStore(float v);

template <> __device__ __forceinline__ float convStore<float>(float v) { return v; }

template <> __device__ __forceinline__ std::uint8_t convStore<std::uint8_t>(float v)
{
    return static_cast<std::uint8_t>(min(max(__float2int_rn(v), 0), 255));
}

template <> __device__ __forceinline__ std::uint16_t convStore<std::uint16_t>(float v)
{
    return static_cast<std::uint16_t>(min(max(__float2int_rn(v), 0), 65535));
}

// Loads the tile and its halo, rows [top, top + rows) and elements [left, left + pitch),
// into `tile` (pitch floats a row). Inside the image: plain coalesced loads. Touching an
// edge: rows and pixels through borderIndex, the pixel and channel of each element kept by
// increments (no division in the loop).
template <typename T> __device__ void loadConvTile(const T* __restrict__ in, float* tile, int pitch, int rows,
                                                   std::int64_t top, std::int64_t left, const ConvImage& image)
{
    const bool inside = top >= 0 && top + rows <= image.height && left >= 0 && left + pitch <= image.rowElements;
    if (inside) {
        // The tile as one run of rows · pitch elements, 128 threads apart, the (row, column)
        // of each kept by increments (pitch >= 128, so a step crosses at most one row end);
        // unrolled so that each thread has eight loads in flight before it stores.
        constexpr int kThreads = kConvThreadsX * kConvThreadsY;
        const int total = rows * pitch;
        const T* origin = in + top * image.rowElements + left;
        int i = threadIdx.y * kConvThreadsX + threadIdx.x;
        int r = i / pitch, e = i - r * pitch;
#pragma unroll 8
        for (; i < total; i += kThreads) {
            tile[i] = static_cast<float>(origin[r * image.rowElements + e]);
            e += kThreads;
            if (e >= pitch) {
                e -= pitch;
                ++r;
            }
        }
        return;
    }
    const int c = image.channels;
    // Element left + threadIdx.x as (pixel, channel), flooring for negative elements.
    const std::int64_t first = left + threadIdx.x;
    const std::int64_t firstPixel = first >= 0 ? first / c : -((-first + c - 1) / c);
    const int firstChannel = static_cast<int>(first - firstPixel * c);
    const int stepPixels = kConvThreadsX / c, stepChannels = kConvThreadsX % c;
    for (int r = threadIdx.y; r < rows; r += kConvThreadsY) {
        const std::int64_t sy = borderIndex(top + r, image.height, image.border);
        const T* src = in + (sy < 0 ? 0 : sy) * image.rowElements; // a constant border row reads nothing
        float* dst = tile + r * pitch;
        std::int64_t pixel = firstPixel;
        int channel = firstChannel;
        for (int e = threadIdx.x; e < pitch; e += kConvThreadsX) {
            const std::int64_t sx = borderIndex(pixel, image.width, image.border);
            dst[e] = (sy < 0 || sx < 0) ? 0.0f : static_cast<float>(src[sx * c + channel]);
            pixel += stepPixels;
            channel += stepChannels;
            if (channel >= c) {
                channel -= c;
                ++pixel;
            }
        }
    }
}

// acc[o][k] += sum over i < kh, j < kw of w[i·kw + j] · src[(row0 + o + i)·pitch + x_k + j·stride]
// with x_k = threadIdx.x + 32·k: for each j, the kConvRows + kh − 1 rows are read once each.
// KH > 0 is kh known at compile time (3, 5, 7: the common heights): the loops unroll, the
// column's weights sit in registers and which output a row feeds is decided by the
// compiler, about a third of the instructions of the general loop (KH = 0).
template <int KH> __device__ __forceinline__ void convAccumulate(const float* src, int pitch, int stride, int row0,
                                                                 const float* w, int kw, int kh,
                                                                 float (&acc)[kConvRows][kConvCols])
{
    for (int j = 0; j < kw; ++j) {
        const float* column = src + row0 * pitch + threadIdx.x + j * stride;
        if constexpr (KH > 0) {
            float weight[KH];
#pragma unroll
            for (int i = 0; i < KH; ++i)
                weight[i] = w[i * kw + j];
#pragma unroll
            for (int s = 0; s < kConvRows + KH - 1; ++s) {
                float v[kConvCols];
#pragma unroll
                for (int k = 0; k < kConvCols; ++k)
                    v[k] = column[s * pitch + k * kConvThreadsX];
#pragma unroll
                for (int o = 0; o < kConvRows; ++o) {
                    if (s - o >= 0 && s - o < KH) {
#pragma unroll
                        for (int k = 0; k < kConvCols; ++k)
                            acc[o][k] = fmaf(weight[s - o], v[k], acc[o][k]);
                    }
                }
            }
        } else {
            for (int s = 0; s < kConvRows + kh - 1; ++s) {
                float v[kConvCols];
#pragma unroll
                for (int k = 0; k < kConvCols; ++k)
                    v[k] = column[s * pitch + k * kConvThreadsX];
#pragma unroll
                for (int o = 0; o < kConvRows; ++o) {
                    const int i = s - o;
                    if (i >= 0 && i < kh) {
                        const float weight = w[i * kw + j];
#pragma unroll
                        for (int k = 0; k < kConvCols; ++k)
                            acc[o][k] = fmaf(weight, v[k], acc[o][k]);
                    }
                }
            }
        }
    }
}

template <typename Out> __device__ __forceinline__ void convWrite(Out* __restrict__ out, const ConvImage& image,
                                                                  std::int64_t y0, std::int64_t x0,
                                                                  const float (&acc)[kConvRows][kConvCols])
{
#pragma unroll
    for (int o = 0; o < kConvRows; ++o) {
        const std::int64_t y = y0 + threadIdx.y * kConvRows + o;
        if (y >= image.height)
            break;
        Out* row = out + y * image.rowElements;
#pragma unroll
        for (int k = 0; k < kConvCols; ++k) {
            const std::int64_t x = x0 + threadIdx.x + k * kConvThreadsX;
            if (x < image.rowElements)
                row[x] = convStore<Out>(acc[o][k]);
        }
    }
}

__device__ __forceinline__ void convStart(float (&acc)[kConvRows][kConvCols], float delta)
{
#pragma unroll
    for (int o = 0; o < kConvRows; ++o) {
#pragma unroll
        for (int k = 0; k < kConvCols; ++k)
            acc[o][k] = delta;
    }
}

// ---- Dense ----------------------------------------------------------------------------
// KH: the matrix's height when it is 3, 5 or 7, else 0 (see convAccumulate).
template <typename T, typename Out, int KH> __global__ void __launch_bounds__(kConvThreadsX* kConvThreadsY)
    conv2dDense(const T* __restrict__ in, Out* __restrict__ out, ConvImage image,
                const __grid_constant__ ConvWeights weights)
{
    extern __shared__ __align__(16) unsigned char convShared[];
    float* tile = reinterpret_cast<float*>(convShared);
    const int c = image.channels;
    const int pitch = kConvTileW + (weights.kw - 1) * c;
    const int rows = kConvTileH + weights.kh - 1;
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kConvTileW;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * kConvTileH;
    loadConvTile(in, tile, pitch, rows, y0 - weights.ay, x0 - static_cast<std::int64_t>(weights.ax) * c, image);
    __syncthreads();

    float acc[kConvRows][kConvCols];
    convStart(acc, weights.delta);
    convAccumulate<KH>(tile, pitch, c, threadIdx.y * kConvRows, weights.w, weights.kw, weights.kh, acc);
    convWrite(out, image, y0, x0, acc);
}

// ---- Separable --------------------------------------------------------------------------
// The row pass fills `mid` (rows x 128 floats) from the tile, rows threadIdx.y + 4·m; then
// the column pass is the dense accumulation with a kh x 1 matrix over `mid`.
template <typename T, typename Out, int KH> __global__ void __launch_bounds__(kConvThreadsX* kConvThreadsY)
    conv2dSeparable(const T* __restrict__ in, Out* __restrict__ out, ConvImage image,
                    const __grid_constant__ ConvWeights weights)
{
    extern __shared__ __align__(16) unsigned char convShared[];
    const int c = image.channels;
    const int kw = weights.kw, kh = weights.kh;
    const int pitch = kConvTileW + (kw - 1) * c;
    const int rows = kConvTileH + kh - 1;
    float* tile = reinterpret_cast<float*>(convShared);
    float* mid = tile + rows * pitch;
    const std::int64_t x0 = static_cast<std::int64_t>(blockIdx.x) * kConvTileW;
    const std::int64_t y0 = static_cast<std::int64_t>(blockIdx.y) * kConvTileH;
    loadConvTile(in, tile, pitch, rows, y0 - weights.ay, x0 - static_cast<std::int64_t>(weights.ax) * c, image);
    __syncthreads();

    const float* rowWeights = weights.w;
    for (int r = threadIdx.y; r < rows; r += kConvThreadsY) {
        const float* line = tile + r * pitch + threadIdx.x;
        float sums[kConvCols] = {};
        for (int j = 0; j < kw; ++j) {
            const float weight = rowWeights[j];
#pragma unroll
            for (int k = 0; k < kConvCols; ++k)
                sums[k] = fmaf(weight, line[j * c + k * kConvThreadsX], sums[k]);
        }
#pragma unroll
        for (int k = 0; k < kConvCols; ++k)
            mid[r * kConvTileW + threadIdx.x + k * kConvThreadsX] = sums[k];
    }
    __syncthreads();

    float acc[kConvRows][kConvCols];
    convStart(acc, weights.delta);
    convAccumulate<KH>(mid, kConvTileW, 0, threadIdx.y * kConvRows, weights.w + kw, 1, kh, acc);
    convWrite(out, image, y0, x0, acc);
}

} // namespace wb::cuda::kernels
