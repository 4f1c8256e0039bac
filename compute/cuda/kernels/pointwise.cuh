#pragma once
// One pass over n elements for the per-element image ops (threshold, normalize's map):
// each thread of a grid-stride loop takes chunks of kWidth<In> elements, 16 bytes of input
// (16 u8, 8 u16, 4 f32), as one vector load and one store of kWidth<In> outputs, where both
// pointers are aligned to their chunk; otherwise the same elements one by one. The up to
// kWidth<In> − 1 elements after the last whole chunk go to the grid's first threads.

#include "reduce.cuh"

#include <cstdint>

namespace wb::cuda::kernels {

template <typename T, int N> struct alignas(sizeof(T) * N) Chunk {
    T items[N];
};

// f(x) for every element: out[i] = f(in[i]).
template <typename In, typename Out, bool kAligned, typename F>
__device__ __forceinline__ void mapElements(const In* __restrict__ in, Out* __restrict__ out, std::int64_t n, F f)
{
    constexpr int kItems = kWidth<In>;
    const std::int64_t chunks = n / kItems;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    const std::int64_t thread = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    for (std::int64_t c = thread; c < chunks; c += stride) {
        if constexpr (kAligned) {
            const Chunk<In, kItems> source = reinterpret_cast<const Chunk<In, kItems>*>(in)[c];
            Chunk<Out, kItems> result;
#pragma unroll
            for (int k = 0; k < kItems; ++k)
                result.items[k] = f(source.items[k]);
            reinterpret_cast<Chunk<Out, kItems>*>(out)[c] = result;
        } else {
#pragma unroll
            for (int k = 0; k < kItems; ++k)
                out[c * kItems + k] = f(in[c * kItems + k]);
        }
    }
    if (const std::int64_t tail = chunks * kItems + thread; tail < n)
        out[tail] = f(in[tail]);
}

// Whether mapElements<In, Out, true> may run on these pointers.
template <typename In, typename Out> inline bool chunksAligned(const void* in, const void* out)
{
    constexpr int kItems = kWidth<In>;
    return reinterpret_cast<std::uintptr_t>(in) % alignof(Chunk<In, kItems>) == 0 &&
           reinterpret_cast<std::uintptr_t>(out) % alignof(Chunk<Out, kItems>) == 0;
}

// Round half to even and saturate to an integer Out (OpenCV's saturate_cast of a float);
// a float Out takes the value. NaN gives 0 for integers.
template <typename Out> __device__ __forceinline__ Out saturateFromFloat(float v)
{
    if constexpr (std::is_same_v<Out, float>) {
        return v;
    } else {
        constexpr float kTop = std::is_same_v<Out, std::uint8_t> ? 255.0f : 65535.0f;
        if (!(v == v))
            return Out{0};
        const float r = rintf(v);
        return static_cast<Out>(r < 0.0f ? 0.0f : (r > kTop ? kTop : r));
    }
}

} // namespace wb::cuda::kernels
