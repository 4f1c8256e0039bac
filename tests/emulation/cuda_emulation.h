#pragma once
// Runs the kernels of compute/cuda/kernels/*.cuh on the host, for machines without a GPU:
// each block's threads are real threads and __syncthreads() a barrier among them, so the
// indexing, the border handling, the arithmetic and the phases between barriers of a
// kernel run as written. What it cannot show is anything about the GPU itself (speed,
// registers, the memory model beyond the barriers); the GPU tests (tests/gpu) run the same
// kernels on the device.
//
// Include this before the kernel headers. A kernel's dynamic shared memory, the extern
// array it declares, is defined by the test in the kernel's namespace (one block runs at
// a time, so one array serves all blocks).

#include <algorithm>
#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1)
        : x(x_)
        , y(y_)
        , z(z_)
    {
    }
};

struct alignas(16) uint4 {
    unsigned x, y, z, w;
};

struct alignas(16) float4 {
    float x, y, z, w;
};

inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

inline thread_local dim3 threadIdx;
inline thread_local dim3 blockIdx;
inline dim3 gridDim;
inline dim3 blockDim;

namespace wb::emulation {
inline thread_local std::barrier<>* blockBarrier = nullptr;
}

inline void __syncthreads() { wb::emulation::blockBarrier->arrive_and_wait(); }

namespace wb::emulation {
// Warp shuffles through a slot per thread of the block (one block runs at a time), between
// two barriers: every thread of the block that has not returned must shuffle as often,
// which holds for kernels whose warps leave together (the strip kernel's).
inline std::uint64_t shuffleSlots[1024];

template <typename T> T shuffleFrom(T value, unsigned lane)
{
    static_assert(sizeof(T) <= sizeof(std::uint64_t));
    std::memcpy(&shuffleSlots[threadIdx.x], &value, sizeof value);
    __syncthreads();
    T result;
    std::memcpy(&result, &shuffleSlots[(threadIdx.x & ~31u) + lane], sizeof result);
    __syncthreads();
    return result;
}
} // namespace wb::emulation

// As on the GPU, a lane whose source is outside the warp gets its own value.
template <typename T> T __shfl_up_sync(unsigned, T value, unsigned delta)
{
    const unsigned lane = threadIdx.x % 32;
    return wb::emulation::shuffleFrom(value, lane >= delta ? lane - delta : lane);
}
template <typename T> T __shfl_down_sync(unsigned, T value, unsigned delta)
{
    const unsigned lane = threadIdx.x % 32;
    return wb::emulation::shuffleFrom(value, lane + delta < 32 ? lane + delta : lane);
}

template <typename T> T __ldg(const T* p) { return *p; }
inline float __int_as_float(int bits) { return std::bit_cast<float>(bits); }

// The SIMD-in-a-word intrinsics the packed u8 kernels use, byte by byte and half by half.
template <typename Pick> unsigned bytewise(unsigned a, unsigned b, Pick pick)
{
    unsigned result = 0;
    for (int shift = 0; shift < 32; shift += 8)
        result |= pick((a >> shift) & 0xffu, (b >> shift) & 0xffu) << shift;
    return result;
}
inline unsigned __vminu4(unsigned a, unsigned b)
{
    return bytewise(a, b, [](unsigned x, unsigned y) { return std::min(x, y); });
}
inline unsigned __vmaxu4(unsigned a, unsigned b)
{
    return bytewise(a, b, [](unsigned x, unsigned y) { return std::max(x, y); });
}
template <typename Pick> unsigned halfwise(unsigned a, unsigned b, Pick pick)
{
    return pick(a & 0xffffu, b & 0xffffu) | pick(a >> 16, b >> 16) << 16;
}
inline unsigned __vminu2(unsigned a, unsigned b)
{
    return halfwise(a, b, [](unsigned x, unsigned y) { return std::min(x, y); });
}
inline unsigned __vmaxu2(unsigned a, unsigned b)
{
    return halfwise(a, b, [](unsigned x, unsigned y) { return std::max(x, y); });
}
inline unsigned __vimin3_u16x2(unsigned a, unsigned b, unsigned c) { return __vminu2(__vminu2(a, b), c); }
inline unsigned __vimax3_u16x2(unsigned a, unsigned b, unsigned c) { return __vmaxu2(__vmaxu2(a, b), c); }
// Byte i of the result is byte (selector digit i) of the eight bytes a, b (the kernels use
// no sign replication).
inline unsigned __byte_perm(unsigned a, unsigned b, unsigned selector)
{
    const std::uint64_t bytes = a | static_cast<std::uint64_t>(b) << 32;
    unsigned result = 0;
    for (int i = 0; i < 4; ++i)
        result |= static_cast<unsigned>(bytes >> (8 * ((selector >> (4 * i)) & 7u)) & 0xffu) << (8 * i);
    return result;
}

using std::max;
using std::min;

namespace wb::emulation {

// kernel() as `grid` blocks of `threads` threads, one block after another. Each block has
// a barrier of its own, which a thread leaves when it returns (as an exited thread stops
// counting for __syncthreads), and the next block starts when all threads are done.
inline void launch(dim3 grid, unsigned threads, const std::function<void()>& kernel)
{
    gridDim = grid;
    blockDim = dim3{threads, 1, 1};
    std::vector<std::unique_ptr<std::barrier<>>> blocks;
    for (unsigned b = 0; b < grid.x * grid.y; ++b)
        blocks.push_back(std::make_unique<std::barrier<>>(threads));
    std::barrier<> between(threads);
    std::vector<std::jthread> pool;
    pool.reserve(threads);
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            threadIdx = dim3{t, 0, 0};
            for (unsigned b = 0; b < grid.x * grid.y; ++b) {
                blockIdx = dim3{b % grid.x, b / grid.x, 0};
                blockBarrier = blocks[b].get();
                kernel();
                blockBarrier->arrive_and_drop();
                between.arrive_and_wait();
            }
        });
}

} // namespace wb::emulation
