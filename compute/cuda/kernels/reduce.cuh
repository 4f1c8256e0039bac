#pragma once
// Whole-array reductions (sum, mean, min, max, norm) in two kernels, without atomics, so
// that a prepared op gives the same bits on every run.
//
// Launch: reducePartials runs `blocks` blocks of kReduceThreads threads (blocks fixed by
// the element count and dtype, never by the device, so every GPU sums in the same order).
// The array is read as 16-byte packs of kWidth elements, pack i by thread i of the grid,
// then i + gridSize, ...: one vector load per pack when the input is 16-byte aligned,
// kWidth element loads otherwise (a view into a row), in the same order either way, four
// packs loaded before they are combined so that each thread has 64 bytes in flight. The
// up to kWidth − 1 elements after the last whole pack go to the grid's first threads.
// Each block then reduces its threads' accumulators by warp shuffles (a fixed butterfly
// down to lane 0) and one shared-memory exchange of the warp totals (kReduceThreads / 32
// accumulators, at most 32 · 16 bytes), and thread 0 writes the block's partial.
// reduceFinal is one block that reduces the partials the same way and writes the 0-D
// output in its dtype. The second kernel starts after the first in stream order; no other
// synchronisation is needed.
//
// Accumulators match the CPU backend (cpu/reduce.cpp): double for floating values,
// double2 for complex ones, exact 64-bit integers for integer sums, and for min/max an
// order-independent pair (value key, largest NaN pattern), so min/max agree with the CPU
// bit for bit; sums agree within the rounding of two different summation trees.

#include "element.cuh"

#include <cstdint>
#include <type_traits>

namespace wb::cuda::kernels {

inline constexpr int kReduceThreads = 256;

template <typename T> inline constexpr bool kIsIntegerItem =
    std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::uint16_t> || std::is_same_v<T, std::int32_t>;

// 16 bytes of input: 16 u8, 8 u16/f16/bf16, 4 i32/f32, 2 f64/c64, 1 c128.
template <typename T> inline constexpr int kWidth = static_cast<int>(16 / sizeof(T));
template <typename T> struct alignas(16) Pack {
    T items[kWidth<T>];
};

// ---- shuffles of every accumulator type --------------------------------------------------

__device__ __forceinline__ long long shuffleDown(long long v, int offset)
{
    return __shfl_down_sync(0xffffffffu, v, offset);
}
__device__ __forceinline__ double shuffleDown(double v, int offset) { return __shfl_down_sync(0xffffffffu, v, offset); }
__device__ __forceinline__ int shuffleDown(int v, int offset) { return __shfl_down_sync(0xffffffffu, v, offset); }
__device__ __forceinline__ double2 shuffleDown(double2 v, int offset)
{
    return make_double2(__shfl_down_sync(0xffffffffu, v.x, offset), __shfl_down_sync(0xffffffffu, v.y, offset));
}

// ---- reducers: Item, Acc, Out, identity(), load(item), combine(a, b), store(total, n, out) ---

template <typename T, bool kMean> struct SumReducer {
    using Item = T;
    using Acc = std::conditional_t<kIsIntegerItem<T>, long long, std::conditional_t<kIsComplex<T>, double2, double>>;
    using Out = std::conditional_t<kIsIntegerItem<T>, double, T>;

    // -0 is the identity of IEEE addition (a sum of negative zeros stays -0), as on the CPU;
    // an empty sum is +0 (store()).
    __device__ static Acc identity()
    {
        if constexpr (kIsComplex<T>)
            return make_double2(-0.0, -0.0);
        else if constexpr (kIsIntegerItem<T>)
            return 0;
        else
            return -0.0;
    }
    __device__ static Acc load(T v)
    {
        if constexpr (kIsIntegerItem<T>)
            return static_cast<long long>(v);
        else if constexpr (kIsComplex<T>)
            return make_double2(static_cast<double>(v.x), static_cast<double>(v.y));
        else
            return widen<double>(v);
    }
    __device__ static Acc combine(Acc a, Acc b)
    {
        if constexpr (kIsComplex<T>)
            return make_double2(a.x + b.x, a.y + b.y);
        else
            return a + b;
    }
    // Mean of an empty array is 0/0, NaN, as on the CPU and in NumPy.
    __device__ static void store(Acc total, long long n, Out* out)
    {
        if (n == 0) {
            if constexpr (kIsComplex<T>)
                total = make_double2(0.0, 0.0);
            else
                total = 0;
        }
        const double count = static_cast<double>(n);
        if constexpr (kIsComplex<T>) {
            Out result;
            result.x = narrow<PartOf<T>>(kMean ? total.x / count : total.x);
            result.y = narrow<PartOf<T>>(kMean ? total.y / count : total.y);
            *out = result;
        } else {
            const double sum = static_cast<double>(total);
            *out = narrow<Out>(kMean ? sum / count : sum);
        }
    }
};

template <typename T> struct NormReducer {
    using Item = T;
    using Acc = double;
    using Out = std::conditional_t<kIsIntegerItem<T>, double, PartOf<T>>;

    __device__ static Acc identity() { return 0.0; }
    __device__ static Acc load(T v)
    {
        if constexpr (kIsComplex<T>) {
            const double re = v.x, im = v.y;
            return re * re + im * im;
        } else {
            const double x = widen<double>(v);
            return x * x;
        }
    }
    __device__ static Acc combine(Acc a, Acc b) { return a + b; }
    __device__ static void store(Acc total, long long, Out* out) { *out = narrow<Out>(sqrt(total)); }
};

template <typename T, bool kMax> struct IntegerExtremeReducer {
    using Item = T;
    using Acc = int; // holds every u8, u16 and i32 value
    using Out = T;

    __device__ static Acc identity()
    {
        if constexpr (std::is_same_v<T, std::int32_t>)
            return kMax ? static_cast<int>(0x80000000u) : 0x7fffffff;
        else
            return kMax ? 0 : (std::is_same_v<T, std::uint8_t> ? 0xff : 0xffff);
    }
    __device__ static Acc load(T v) { return static_cast<int>(v); }
    __device__ static Acc combine(Acc a, Acc b) { return kMax ? max(a, b) : min(a, b); }
    __device__ static void store(Acc total, long long, Out* out) { *out = static_cast<T>(total); }
};

// Floating min/max on bit patterns, as cpu/reduce.cpp: `key` orders the non-NaN values
// (negative patterns complemented, positive ones with the sign bit set, so −0 < +0), and
// `nan` keeps the largest NaN pattern seen (0, which is +0, when none). Both combine with
// integer min/max, so the result does not depend on the order of the tree.
template <typename Bits> struct ExtremeAcc {
    Bits key;
    Bits nan;
};
template <typename Bits> __device__ __forceinline__ ExtremeAcc<Bits> shuffleDown(ExtremeAcc<Bits> v, int offset)
{
    return {__shfl_down_sync(0xffffffffu, v.key, offset), __shfl_down_sync(0xffffffffu, v.nan, offset)};
}

template <typename T> struct FloatBits; // the pattern width of each format, held in a shuffle-able type
template <> struct FloatBits<__half> {
    using Bits = unsigned;
    static constexpr Bits kAll = 0xffffu, kSign = 0x8000u, kInfinity = 0x7c00u;
    __device__ static Bits of(__half v) { return __half_as_ushort(v); }
    __device__ static __half from(Bits b) { return __ushort_as_half(static_cast<unsigned short>(b)); }
};
template <> struct FloatBits<__nv_bfloat16> {
    using Bits = unsigned;
    static constexpr Bits kAll = 0xffffu, kSign = 0x8000u, kInfinity = 0x7f80u;
    __device__ static Bits of(__nv_bfloat16 v) { return __bfloat16_as_ushort(v); }
    __device__ static __nv_bfloat16 from(Bits b) { return __ushort_as_bfloat16(static_cast<unsigned short>(b)); }
};
template <> struct FloatBits<float> {
    using Bits = unsigned;
    static constexpr Bits kAll = 0xffffffffu, kSign = 0x80000000u, kInfinity = 0x7f800000u;
    __device__ static Bits of(float v) { return __float_as_uint(v); }
    __device__ static float from(Bits b) { return __uint_as_float(b); }
};
template <> struct FloatBits<double> {
    using Bits = unsigned long long;
    static constexpr Bits kAll = ~0ull, kSign = 1ull << 63, kInfinity = 0x7ff0000000000000ull;
    __device__ static Bits of(double v) { return static_cast<Bits>(__double_as_longlong(v)); }
    __device__ static double from(Bits b) { return __longlong_as_double(static_cast<long long>(b)); }
};

template <typename T, bool kMax> struct FloatExtremeReducer {
    using F = FloatBits<T>;
    using Bits = typename F::Bits;
    using Item = T;
    using Acc = ExtremeAcc<Bits>;
    using Out = T;

    __device__ static Acc identity() { return {kMax ? Bits{0} : F::kAll, Bits{0}}; }
    __device__ static Acc load(T v)
    {
        const Bits bits = F::of(v);
        if ((bits & ~F::kSign & F::kAll) > F::kInfinity)
            return {identity().key, bits};
        return {bits ^ ((bits & F::kSign) ? F::kAll : F::kSign), Bits{0}};
    }
    __device__ static Acc combine(Acc a, Acc b)
    {
        return {kMax ? max(a.key, b.key) : min(a.key, b.key), max(a.nan, b.nan)};
    }
    __device__ static void store(Acc total, long long, Out* out)
    {
        const Bits value = total.nan ? total.nan : total.key ^ ((total.key & F::kSign) ? F::kSign : F::kAll);
        *out = F::from(value);
    }
};

template <typename T, bool kMax> using ExtremeReducer =
    std::conditional_t<kIsIntegerItem<T>, IntegerExtremeReducer<T, kMax>, FloatExtremeReducer<T, kMax>>;

// ---- the two kernels ----------------------------------------------------------------------

// The block's total, valid in thread 0. Every thread of the block must call it.
template <typename R> __device__ typename R::Acc blockReduce(typename R::Acc acc)
{
    using Acc = typename R::Acc;
    constexpr int kWarps = kReduceThreads / 32;
    __shared__ Acc warpTotals[kWarps];
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const int warp = static_cast<int>(threadIdx.x) / 32;
#pragma unroll
    for (int offset = 16; offset > 0; offset /= 2)
        acc = R::combine(acc, shuffleDown(acc, offset));
    if (lane == 0)
        warpTotals[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        acc = lane < kWarps ? warpTotals[lane] : R::identity();
#pragma unroll
        for (int offset = 16; offset > 0; offset /= 2)
            acc = R::combine(acc, shuffleDown(acc, offset));
    }
    return acc;
}

// Pack p of the input: one 16-byte load, or kWidth element loads where `in` is not aligned.
template <bool kAligned, typename Item> __device__ __forceinline__ Pack<Item> loadPack(const Item* in, std::int64_t p)
{
    if constexpr (kAligned) {
        return reinterpret_cast<const Pack<Item>*>(in)[p];
    } else {
        Pack<Item> pack;
#pragma unroll
        for (int k = 0; k < kWidth<Item>; ++k)
            pack.items[k] = in[p * kWidth<Item> + k];
        return pack;
    }
}

template <typename R, bool kAligned> __global__ void __launch_bounds__(kReduceThreads)
    reducePartialsKernel(const typename R::Item* __restrict__ in, std::int64_t n,
                         typename R::Acc* __restrict__ partials)
{
    using Item = typename R::Item;
    using Acc = typename R::Acc;
    constexpr int kItems = kWidth<Item>;
    constexpr int kInFlight = 4; // packs loaded before any is combined
    const std::int64_t packs = n / kItems;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t thread = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    Acc acc = R::identity();
    // Packs thread, thread + stride, ... combined in that order; the first loop only
    // issues the loads of four of them together.
    std::int64_t p = thread;
    for (; p + (kInFlight - 1) * stride < packs; p += kInFlight * stride) {
        Pack<Item> pack[kInFlight];
#pragma unroll
        for (int j = 0; j < kInFlight; ++j)
            pack[j] = loadPack<kAligned>(in, p + j * stride);
#pragma unroll
        for (int j = 0; j < kInFlight; ++j) {
#pragma unroll
            for (int k = 0; k < kItems; ++k)
                acc = R::combine(acc, R::load(pack[j].items[k]));
        }
    }
    for (; p < packs; p += stride) {
        const Pack<Item> pack = loadPack<kAligned>(in, p);
#pragma unroll
        for (int k = 0; k < kItems; ++k)
            acc = R::combine(acc, R::load(pack.items[k]));
    }
    if (const std::int64_t tail = packs * kItems + thread; tail < n)
        acc = R::combine(acc, R::load(in[tail]));
    acc = blockReduce<R>(acc);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = acc;
}

// One block of kReduceThreads threads; `count` may be 0 (an empty array: the identity).
template <typename R> __global__ void __launch_bounds__(kReduceThreads)
    reduceFinalKernel(const typename R::Acc* __restrict__ partials, int count, std::int64_t n, typename R::Out* out)
{
    typename R::Acc acc = R::identity();
    for (int i = static_cast<int>(threadIdx.x); i < count; i += kReduceThreads)
        acc = R::combine(acc, partials[i]);
    acc = blockReduce<R>(acc);
    if (threadIdx.x == 0)
        R::store(acc, n, out);
}

} // namespace wb::cuda::kernels
