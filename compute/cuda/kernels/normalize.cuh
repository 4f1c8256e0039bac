#pragma once
// Normalize (wb::NormalizeDesc) in three kernels on one stream, with no copy to the host:
//   normalizeStatsKernel: per block, (min, max) of its elements, or the sum of |x|, the sum
//     of x², or the maximum of |x|, in double (exact for every u8, u16 and f32 value; sums
//     rounded as any double sum), read as 16-byte packs as reduce.cuh does;
//   normalizeScaleKernel: one block combines the partials and computes scale and shift as
//     cv::normalize does (double arithmetic, float rounding for an f32 minmax);
//   normalizeMapKernel: out = saturate(fma(x, scale, shift)) in float, as OpenCV's
//     convertTo (cvt_32f: float scale and shift, one fused multiply-add, round half to even).

#include "pointwise.cuh"

#include <cfloat>
#include <cstdint>

namespace wb::cuda::kernels {

enum class NormKind : int { MinMax = 0, L1 = 1, L2 = 2, Inf = 3 };

// (min, max) for MinMax; (sum or max, unused) otherwise.
template <NormKind kNorm> struct NormStats {
    __device__ static double2 identity()
    {
        return kNorm == NormKind::MinMax ? make_double2(INFINITY, -INFINITY) : make_double2(0.0, 0.0);
    }
    __device__ static double2 load(double x)
    {
        switch (kNorm) {
        case NormKind::MinMax: return make_double2(x, x);
        case NormKind::L1: return make_double2(fabs(x), 0.0);
        case NormKind::L2: return make_double2(x * x, 0.0);
        case NormKind::Inf: return make_double2(fabs(x), 0.0);
        }
        return make_double2(0.0, 0.0);
    }
    __device__ static double2 combine(double2 a, double2 b)
    {
        switch (kNorm) {
        case NormKind::MinMax: return make_double2(fmin(a.x, b.x), fmax(a.y, b.y));
        case NormKind::Inf: return make_double2(fmax(a.x, b.x), 0.0);
        default: return make_double2(a.x + b.x, 0.0);
        }
    }
};

template <NormKind kNorm> __device__ double2 blockCombine(double2 acc)
{
    constexpr int kWarps = kReduceThreads / 32;
    __shared__ double2 warpTotals[kWarps];
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2)
        acc = NormStats<kNorm>::combine(acc, shuffleDown(acc, offset));
    if (lane == 0)
        warpTotals[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        acc = lane < kWarps ? warpTotals[lane] : NormStats<kNorm>::identity();
#pragma unroll
        for (int offset = 16; offset > 0; offset /= 2)
            acc = NormStats<kNorm>::combine(acc, shuffleDown(acc, offset));
    }
    return acc;
}

template <typename T, NormKind kNorm, bool kAligned> __global__ void __launch_bounds__(kReduceThreads)
    normalizeStatsKernel(const T* __restrict__ in, std::int64_t n, double2* __restrict__ partials)
{
    using S = NormStats<kNorm>;
    constexpr int kItems = kWidth<T>;
    const std::int64_t packs = n / kItems;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t thread = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    double2 acc = S::identity();
    for (std::int64_t p = thread; p < packs; p += stride) {
        const Pack<T> pack = loadPack<kAligned>(in, p);
#pragma unroll
        for (int k = 0; k < kItems; ++k)
            acc = S::combine(acc, S::load(static_cast<double>(pack.items[k])));
    }
    if (const std::int64_t tail = packs * kItems + thread; tail < n)
        acc = S::combine(acc, S::load(static_cast<double>(in[tail])));
    acc = blockCombine<kNorm>(acc);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = acc;
}

// One block of kReduceThreads threads; writes (scale, shift) to *result.
template <NormKind kNorm> __global__ void __launch_bounds__(kReduceThreads)
    normalizeScaleKernel(const double2* __restrict__ partials, int count, double alpha, double beta, bool floatOut,
                         double2* __restrict__ result)
{
    double2 acc = NormStats<kNorm>::identity();
    for (int i = static_cast<int>(threadIdx.x); i < count; i += kReduceThreads)
        acc = NormStats<kNorm>::combine(acc, partials[i]);
    acc = blockCombine<kNorm>(acc);
    if (threadIdx.x != 0)
        return;
    double scale = 0, shift = 0;
    if constexpr (kNorm == NormKind::MinMax) {
        const double smin = acc.x, smax = acc.y;
        const double dmin = fmin(alpha, beta), dmax = fmax(alpha, beta);
        scale = (dmax - dmin) * (smax - smin > DBL_EPSILON ? 1. / (smax - smin) : 0.);
        if (floatOut) {
            scale = static_cast<float>(scale);
            shift = __fadd_rn(static_cast<float>(dmin), -static_cast<float>(smin * scale));
        } else {
            shift = __dadd_rn(dmin, -__dmul_rn(smin, scale)); // not fused, as on the CPU
        }
    } else {
        const double norm = kNorm == NormKind::L2 ? sqrt(acc.x) : acc.x;
        scale = norm > DBL_EPSILON ? alpha / norm : 0.;
    }
    *result = make_double2(scale, shift);
}

template <typename T, typename U, bool kAligned> __global__ void __launch_bounds__(256)
    normalizeMapKernel(const T* __restrict__ in, U* __restrict__ out, std::int64_t n,
                       const double2* __restrict__ scaleShift)
{
    const double2 s = *scaleShift;
    const float scale = static_cast<float>(s.x), shift = static_cast<float>(s.y);
    mapElements<T, U, kAligned>(
        in, out, n, [=](T x) { return saturateFromFloat<U>(__fmaf_rn(static_cast<float>(x), scale, shift)); });
}

} // namespace wb::cuda::kernels
