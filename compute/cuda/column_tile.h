#pragma once
// Launching the columns-first tile kernel of kernels/column_tile.cuh with a filter's policy.

#include "check.h"

#include "kernels/column_tile.cuh"

#include <cstddef>
#include <cstdint>

namespace wb::cuda {

// Whether the kernel takes an image of this height (grid y <= 65535) and these radii.
inline bool columnTileFits(std::int64_t height, int rx, int ry)
{
    return height <= std::int64_t{65535} * kernels::kColumnTileRows && rx <= kernels::kColumnTileMaxRadius &&
           ry <= kernels::kColumnTileMaxRadius;
}

// Whether a u8 image can be taken four pixels to a word (the packed kernels): a width of
// whole words and word-aligned rows.
inline bool takesWords(const void* in, const void* out, std::int64_t width)
{
    return width % 4 == 0 && reinterpret_cast<std::uintptr_t>(in) % 4 == 0 &&
           reinterpret_cast<std::uintptr_t>(out) % 4 == 0;
}

// width counts pixels, or words for packed policies (T the word).
template <typename P, typename T> void launchColumnTile(const void* in, void* out, std::int64_t height,
                                                        std::int64_t width, const P& policy, kernels::Border border,
                                                        cudaStream_t stream)
{
    constexpr std::size_t shared = kernels::columnTileSharedBytes<P>();
    const auto kernel = kernels::columnTile<P, T>;
    // Above 48 KiB (lines of pairs) a kernel must opt in to its dynamic shared memory, once.
    if constexpr (shared > 48 * 1024) {
        static const cudaError_t optedIn =
            cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared));
        WB_CUDA_CHECK(optedIn);
    }
    kernel<<<kernels::columnTileGrid<P>(height, width, policy.radiusX), kernels::columnTileThreads<P>(), shared,
             stream>>>(static_cast<const T*>(in), static_cast<typename P::Out*>(out), height, width, policy, border);
    WB_CUDA_CHECK_LAUNCH("columnTile");
}

} // namespace wb::cuda
