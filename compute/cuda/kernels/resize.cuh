#pragma once
// Resize (wb::ResizeDesc) as cv::resize, one thread per output pixel (all its channels),
// blocks of kResizeBlockX x kResizeBlockY output pixels: a warp writes one row segment of
// 32 pixels, coalesced, and reads the source rows under it, which neighbouring threads
// share through L1. Every coefficient OpenCV would compute is computed on the host, in
// OpenCV's arithmetic, and read from small tables here (per output column and per output
// row), so that the weights are OpenCV's bit for bit:
//   nearest:   xofs/yofs: the source pixel of each output column and row;
//   linear:    (also area enlarging an axis) source pixel and two weights per column and per
//              row; u8 with 11-bit fixed-point weights (OpenCV's INTER_RESIZE_COEF_BITS),
//              the vertical pass as OpenCV's SIMD path rounds it; u16 and f32 in float;
//   areaFast:  integer factors: a plain average of ix·iy pixels (no table);
//   area:      OpenCV's DecimateAlpha tables: per output column a run of (source column,
//              weight), the same per row, summed in OpenCV's order in float.
// Source rows beyond the edge are clamped, as OpenCV's clip().

#include "pointwise.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kResizeBlockX = 32;
inline constexpr int kResizeBlockY = 8;

struct ResizeGeometry {
    int width; // source
    int height;
    int outWidth;
    int outHeight;
};

__device__ __forceinline__ bool resizeThread(const ResizeGeometry& g, int& dx, int& dy)
{
    dx = static_cast<int>(blockIdx.x) * kResizeBlockX + static_cast<int>(threadIdx.x);
    dy = static_cast<int>(blockIdx.y) * kResizeBlockY + static_cast<int>(threadIdx.y);
    return dx < g.outWidth && dy < g.outHeight;
}

template <typename T, int C>
__device__ __forceinline__ const T* pixelAt(const T* in, const ResizeGeometry& g, int y, int x)
{
    return in + (static_cast<std::int64_t>(y) * g.width + x) * C;
}

template <typename T, int C> __device__ __forceinline__ T* outAt(T* out, const ResizeGeometry& g, int y, int x)
{
    return out + (static_cast<std::int64_t>(y) * g.outWidth + x) * C;
}

template <typename T, int C> __global__ void __launch_bounds__(kResizeBlockX* kResizeBlockY)
    resizeNearestKernel(const T* __restrict__ in, T* __restrict__ out, ResizeGeometry g, const int* __restrict__ xofs,
                        const int* __restrict__ yofs)
{
    int dx, dy;
    if (!resizeThread(g, dx, dy))
        return;
    const T* s = pixelAt<T, C>(in, g, yofs[dy], xofs[dx]);
    T* d = outAt<T, C>(out, g, dy, dx);
#pragma unroll
    for (int c = 0; c < C; ++c)
        d[c] = s[c];
}

// Linear tables: per output column sx and (a0, a1); per output row sy (unclamped) and
// (b0, b1). u8 reads the integer weights (shorts as int), the rest the float ones. a1 is 0
// where OpenCV uses the one-pixel form (at and beyond the right edge).
struct LinearTables {
    const int* xofs;
    const float* alpha; // 2 per column
    const int* ialpha;  // 2 per column, u8
    const int* yofs;
    const float* beta; // 2 per row
    const int* ibeta;  // 2 per row, u8
};

template <typename T, int C> __global__ void __launch_bounds__(kResizeBlockX* kResizeBlockY)
    resizeLinearKernel(const T* __restrict__ in, T* __restrict__ out, ResizeGeometry g, LinearTables t)
{
    int dx, dy;
    if (!resizeThread(g, dx, dy))
        return;
    const int sx = t.xofs[dx];
    const int sy = t.yofs[dy];
    const int r0 = min(max(sy, 0), g.height - 1);
    const int r1 = min(max(sy + 1, 0), g.height - 1);
    const T* s0 = pixelAt<T, C>(in, g, r0, sx);
    const T* s1 = pixelAt<T, C>(in, g, r1, sx);
    T* d = outAt<T, C>(out, g, dy, dx);
    if constexpr (std::is_same_v<T, std::uint8_t>) {
        const int a0 = t.ialpha[2 * dx], a1 = t.ialpha[2 * dx + 1];
        const int b0 = t.ibeta[2 * dy], b1 = t.ibeta[2 * dy + 1];
#pragma unroll
        for (int c = 0; c < C; ++c) {
            int h0 = s0[c] * a0, h1 = s1[c] * a0;
            if (a1 != 0) {
                h0 += s0[C + c] * a1;
                h1 += s1[C + c] * a1;
            }
            // VResizeLinearVec_32s8u: (((b0·(h0 >> 4)) >> 16) + ((b1·(h1 >> 4)) >> 16) + 2) >> 2.
            const int v = (((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16) + 2) >> 2;
            d[c] = static_cast<std::uint8_t>(min(max(v, 0), 255));
        }
    } else {
        const float a0 = t.alpha[2 * dx], a1 = t.alpha[2 * dx + 1];
        const float b0 = t.beta[2 * dy], b1 = t.beta[2 * dy + 1];
#pragma unroll
        for (int c = 0; c < C; ++c) {
            float h0 = __fmul_rn(static_cast<float>(s0[c]), a0);
            float h1 = __fmul_rn(static_cast<float>(s1[c]), a0);
            if (a1 != 0.0f) {
                h0 = __fadd_rn(h0, __fmul_rn(static_cast<float>(s0[C + c]), a1));
                h1 = __fadd_rn(h1, __fmul_rn(static_cast<float>(s1[C + c]), a1));
            }
            d[c] = saturateFromFloat<T>(__fmaf_rn(h0, b0, __fmul_rn(h1, b1)));
        }
    }
}

// Integer factors ix, iy: the average of the ix x iy pixels, as resizeAreaFast_: whole
// windows sum exactly (u8 and u16 2x2 as OpenCV's SIMD path, (s + 2) >> 2; otherwise
// sum · (1/area) in float); windows cut by the edge average the pixels inside.
template <typename T, int C> __global__ void __launch_bounds__(kResizeBlockX* kResizeBlockY)
    resizeAreaFastKernel(const T* __restrict__ in, T* __restrict__ out, ResizeGeometry g, int ix, int iy)
{
    int dx, dy;
    if (!resizeThread(g, dx, dy))
        return;
    constexpr bool kInteger = !std::is_same_v<T, float>;
    const int sy0 = dy * iy, sx0 = dx * ix;
    const bool whole = sy0 + iy <= g.height && dx < g.width / ix;
    T* d = outAt<T, C>(out, g, dy, dx);
    const float scale = 1.0f / static_cast<float>(ix * iy);
#pragma unroll
    for (int c = 0; c < C; ++c) {
        using Sum = std::conditional_t<kInteger, std::int64_t, float>;
        Sum sum = 0;
        int count = 0;
        for (int y = sy0; y < sy0 + iy && y < g.height; ++y) {
            const T* s = pixelAt<T, C>(in, g, y, 0);
            for (int x = sx0; x < sx0 + ix && x < g.width; ++x) {
                if constexpr (kInteger)
                    sum += s[x * C + c];
                else
                    sum = __fadd_rn(sum, s[x * C + c]);
                ++count;
            }
        }
        if (whole) {
            if constexpr (kInteger) {
                if (ix == 2 && iy == 2)
                    d[c] = static_cast<T>((sum + 2) >> 2);
                else
                    d[c] = saturateFromFloat<T>(__fmul_rn(static_cast<float>(sum), scale));
            } else {
                d[c] = __fmul_rn(sum, scale);
            }
        } else {
            d[c] = count ? saturateFromFloat<T>(__fdiv_rn(static_cast<float>(sum), static_cast<float>(count))) : T{0};
        }
    }
}

// DecimateAlpha runs: entries start[i] .. start[i + 1] of (src, alpha) for output column or
// row i.
struct AreaTables {
    const int* xstart;
    const int* xsrc;
    const float* xalpha;
    const int* ystart;
    const int* ysrc;
    const float* yalpha;
};

template <typename T, int C> __global__ void __launch_bounds__(kResizeBlockX* kResizeBlockY)
    resizeAreaKernel(const T* __restrict__ in, T* __restrict__ out, ResizeGeometry g, AreaTables t)
{
    int dx, dy;
    if (!resizeThread(g, dx, dy))
        return;
    const int x0 = t.xstart[dx], x1 = t.xstart[dx + 1];
    const int y0 = t.ystart[dy], y1 = t.ystart[dy + 1];
    T* d = outAt<T, C>(out, g, dy, dx);
#pragma unroll
    for (int c = 0; c < C; ++c) {
        float sum = 0.0f;
        for (int j = y0; j < y1; ++j) {
            const T* s = pixelAt<T, C>(in, g, t.ysrc[j], 0);
            float buf = 0.0f;
            for (int k = x0; k < x1; ++k)
                buf = __fadd_rn(buf, __fmul_rn(static_cast<float>(s[t.xsrc[k] * C + c]), t.xalpha[k]));
            sum = __fadd_rn(sum, __fmul_rn(t.yalpha[j], buf));
        }
        d[c] = saturateFromFloat<T>(sum);
    }
}

} // namespace wb::cuda::kernels
