#pragma once
// Threshold (wb::ThresholdDesc) and the three kernels of Otsu's method.
//
// thresholdKernel: one pass, mapElements (pointwise.cuh). Integers compare with an integer
// threshold as OpenCV's thresh_8u/thresh_16u (x > floor(t)), f32 in float. With Otsu the
// integer threshold is read from device memory, where otsuSearchKernel left it, so the whole
// op stays on the stream with no copy to the host (and can be recorded into a graph).
//
// otsuHistogramKernel: u8 with one 256-bin histogram per warp in shared memory (8 KiB for
// 256 threads), so that the atomics of one warp do not queue behind the other warps', merged
// into the global histogram at the end with one atomicAdd per bin and warp. u16's 65536 bins
// do not fit in shared memory: atomics on the global histogram (in L2).
//
// otsuSearchKernel: one block. The mean is an exact integer sum (done in parallel, then
// scaled as OpenCV scales it); the search over the bins is OpenCV's getThreshVal_Otsu loop,
// in one thread with its operations in the same order and none fused (__dmul_rn, ...), so
// the threshold chosen is OpenCV's bit for bit. Each step waits for the previous division:
// about 256 dependent steps for u8 (a few microseconds), 65536 for u16 (milliseconds).

#include "pointwise.cuh"

#include <cfloat>
#include <cstdint>

namespace wb::cuda::kernels {

inline constexpr int kOtsuThreads = 256;

enum class ThresholdKind : int { Binary = 0, BinaryInv = 1, Trunc = 2, ToZero = 3, ToZeroInv = 4 };

struct ThresholdParams {
    ThresholdKind kind = ThresholdKind::Binary;
    int ithresh = 0;   // integers: floor(thresh), clamped to [-1, 65535]
    int imaxval = 0;   // integers: round(maxval) saturated to the dtype
    float thresh = 0;  // f32
    float maxval = 0;  // f32
    const int* otsu{}; // when set, the integer threshold is *otsu (otsuSearchKernel's result)
};

template <typename T> __device__ __forceinline__ T thresholdOne(T x, ThresholdKind kind, int ithresh, int imaxval)
{
    const int v = static_cast<int>(x);
    const bool above = v > ithresh;
    switch (kind) {
    case ThresholdKind::Binary: return static_cast<T>(above ? imaxval : 0);
    case ThresholdKind::BinaryInv: return static_cast<T>(above ? 0 : imaxval);
    case ThresholdKind::Trunc: return static_cast<T>(above ? (ithresh < 0 ? 0 : ithresh) : v);
    case ThresholdKind::ToZero: return static_cast<T>(above ? v : 0);
    case ThresholdKind::ToZeroInv: return static_cast<T>(above ? 0 : v);
    }
    return x;
}

__device__ __forceinline__ float thresholdOne(float x, ThresholdKind kind, float thresh, float maxval)
{
    const bool above = x > thresh;
    switch (kind) {
    case ThresholdKind::Binary: return above ? maxval : 0.0f;
    case ThresholdKind::BinaryInv: return above ? 0.0f : maxval;
    case ThresholdKind::Trunc: return above ? thresh : x;
    case ThresholdKind::ToZero: return above ? x : 0.0f;
    case ThresholdKind::ToZeroInv: return above ? 0.0f : x;
    }
    return x;
}

template <typename T, bool kAligned> __global__ void __launch_bounds__(256)
    thresholdKernel(const T* __restrict__ in, T* __restrict__ out, std::int64_t n, ThresholdParams params)
{
    if constexpr (std::is_same_v<T, float>) {
        mapElements<T, T, kAligned>(
            in, out, n, [=](float x) { return thresholdOne(x, params.kind, params.thresh, params.maxval); });
    } else {
        int ithresh = params.ithresh;
        int imaxval = params.imaxval;
        if (params.otsu) {
            ithresh = *params.otsu;
            if (params.kind == ThresholdKind::Trunc)
                imaxval = ithresh;
        }
        mapElements<T, T, kAligned>(in, out, n, [=](T x) { return thresholdOne(x, params.kind, ithresh, imaxval); });
    }
}

// hist: 256 (u8) or 65536 (u16) counters, zeroed before the launch.
template <typename T, bool kAligned> __global__ void __launch_bounds__(kOtsuThreads)
    otsuHistogramKernel(const T* __restrict__ in, std::int64_t n, unsigned* __restrict__ hist)
{
    constexpr int kItems = kWidth<T>;
    constexpr bool kShared = std::is_same_v<T, std::uint8_t>;
    constexpr int kWarps = kOtsuThreads / 32;
    __shared__ unsigned warpHist[kShared ? kWarps * 256 : 1];
    const int warp = static_cast<int>(threadIdx.x) / 32;
    if constexpr (kShared) {
        for (int i = static_cast<int>(threadIdx.x); i < kWarps * 256; i += kOtsuThreads)
            warpHist[i] = 0;
        __syncthreads();
    }
    auto count = [&](T v) {
        if constexpr (kShared)
            atomicAdd(&warpHist[warp * 256 + v], 1u);
        else
            atomicAdd(&hist[v], 1u);
    };
    const std::int64_t chunks = n / kItems;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t thread = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    for (std::int64_t c = thread; c < chunks; c += stride) {
        const Pack<T> pack = loadPack<kAligned>(in, c);
#pragma unroll
        for (int k = 0; k < kItems; ++k)
            count(pack.items[k]);
    }
    if (const std::int64_t tail = chunks * kItems + thread; tail < n)
        count(in[tail]);
    if constexpr (kShared) {
        __syncthreads();
        for (int bin = static_cast<int>(threadIdx.x); bin < 256; bin += kOtsuThreads) {
            unsigned total = 0;
#pragma unroll
            for (int w = 0; w < kWarps; ++w)
                total += warpHist[w * 256 + bin];
            if (total)
                atomicAdd(&hist[bin], total);
        }
    }
}

// One block of kOtsuThreads threads; writes OpenCV's Otsu threshold to *result.
// `pixels`: the image's pixel count (OpenCV's size.width·size.height).
template <int kBins> __global__ void __launch_bounds__(kOtsuThreads)
    otsuSearchKernel(const unsigned* __restrict__ hist, std::int64_t pixels, int* __restrict__ result)
{
    // mu = sum i·h[i]: every product and partial sum is an integer below 2^53, so summing
    // exactly in 64-bit integers and converting once gives OpenCV's double sum.
    __shared__ unsigned long long partial[kOtsuThreads];
    unsigned long long sum = 0;
    for (int i = static_cast<int>(threadIdx.x); i < kBins; i += kOtsuThreads)
        sum += static_cast<unsigned long long>(i) * hist[i];
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int half = kOtsuThreads / 2; half > 0; half /= 2) {
        if (static_cast<int>(threadIdx.x) < half)
            partial[threadIdx.x] += partial[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x != 0)
        return;
    const double scale = 1. / static_cast<double>(pixels);
    const double mu = __dmul_rn(static_cast<double>(partial[0]), scale);
    const double lowest = static_cast<double>(FLT_EPSILON);
    const double highest = 1. - static_cast<double>(FLT_EPSILON);
    double mu1 = 0, q1 = 0, maxSigma = 0;
    int maxVal = 0;
    for (int i = 0; i < kBins; ++i) {
        const double p = __dmul_rn(static_cast<double>(hist[i]), scale);
        mu1 = __dmul_rn(mu1, q1);
        q1 = __dadd_rn(q1, p);
        const double q2 = __dadd_rn(1., -q1);
        if (fmin(q1, q2) < lowest || fmax(q1, q2) > highest)
            continue;
        mu1 = __ddiv_rn(__dadd_rn(mu1, __dmul_rn(static_cast<double>(i), p)), q1);
        const double mu2 = __ddiv_rn(__dadd_rn(mu, -__dmul_rn(q1, mu1)), q2);
        const double d = __dadd_rn(mu1, -mu2);
        const double sigma = __dmul_rn(__dmul_rn(__dmul_rn(q1, q2), d), d);
        if (sigma > maxSigma) {
            maxSigma = sigma;
            maxVal = i;
        }
    }
    *result = maxVal;
}

} // namespace wb::cuda::kernels
