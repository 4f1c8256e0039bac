#pragma once
// Launching the float4 strip kernel of kernels/float4_strip.cuh with a filter's policy.

#include "check.h"

#include "kernels/float4_strip.cuh"

#include <cstdint>
#include <utility>

namespace wb::cuda {

// Whether the strip kernel takes these f32 images with policy P: whole float4 rows,
// 16-byte aligned, and a grid of at most 65535 blocks down.
template <typename P> bool stripFits(const void* in, const void* out, std::int64_t height, std::int64_t width)
{
    return width % 4 == 0 && reinterpret_cast<std::uintptr_t>(in) % 16 == 0 &&
           reinterpret_cast<std::uintptr_t>(out) % 16 == 0 &&
           height <= std::int64_t{65535} * P::kRows * kernels::kStripWarps;
}

template <typename P> void launchFloat4Strip(const void* in, void* out, std::int64_t height, std::int64_t width,
                                             const P& policy, kernels::Border border, cudaStream_t stream)
{
    kernels::float4Strip<P><<<kernels::stripGrid<P>(height, width), kernels::kStripThreads, 0, stream>>>(
        static_cast<const float*>(in), static_cast<float*>(out), height, width, policy, border);
    WB_CUDA_CHECK_LAUNCH("float4Strip");
}

// The strips of policy make.template operator()<R>() for the radius r in 1 .. kLargest
// (compiled in), where the image fits them. Whether it launched.
template <int kLargest, typename Make> bool launchStripsOfRadius(int r, const void* in, void* out, std::int64_t height,
                                                                 std::int64_t width, kernels::Border border,
                                                                 cudaStream_t stream, Make make)
{
    return [&]<int... Rs>(std::integer_sequence<int, Rs...>)
    {
        auto launch = [&]<int R>() {
            using Policy = decltype(make.template operator()<R>());
            if (!stripFits<Policy>(in, out, height, width))
                return false;
            launchFloat4Strip(in, out, height, width, make.template operator()<R>(), border, stream);
            return true;
        };
        return ((r == Rs + 1 && launch.template operator()<Rs + 1>()) || ...);
    }
    (std::make_integer_sequence<int, kLargest>{});
}

} // namespace wb::cuda
