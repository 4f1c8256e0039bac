#pragma once
// Launching the fused tile kernel of kernels/separable_tile.cuh with a filter's policy.

#include "check.h"

#include "kernels/separable_tile.cuh"

#include <wb/error.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace wb::cuda {

// Whether the tile kernel's grid can cover an image of this height (grid y <= 65535).
template <int C> bool tileGridFits(std::int64_t height)
{
    return height <= std::int64_t{65535} * kernels::TileShape<C>::kRows;
}

template <typename P, typename T, int C> void launchSeparableTile(const void* in, void* out, std::int64_t height,
                                                                  std::int64_t width, const P& policy,
                                                                  kernels::Border border, cudaStream_t stream)
{
    using Shape = kernels::TileShape<C>;
    const auto layout = kernels::tileLayout<C>(policy.extraX(), policy.extraY(), sizeof(typename P::Acc));
    const std::size_t shared = layout.sharedBytes();
    const auto kernel = kernels::separableTile<P, T, C>;
    // Above 48 KiB a kernel must opt in to its dynamic shared memory; each instantiation
    // remembers the most it was granted.
    // The whole of the unified L1/shared memory as shared memory: the tile kernel reads
    // through L1 only for its halo, and more resident blocks hide more load latency.
    static const cudaError_t carveout =
        cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout, cudaSharedmemCarveoutMaxShared);
    WB_CUDA_CHECK(carveout);
    static std::atomic<std::size_t> granted{48 * 1024};
    if (shared > granted.load()) {
        WB_CUDA_CHECK(
            cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(shared)));
        granted.store(shared);
    }
    const dim3 grid(static_cast<unsigned>((width + Shape::kPixels - 1) / Shape::kPixels),
                    static_cast<unsigned>((height + Shape::kRows - 1) / Shape::kRows));
    kernel<<<grid, kernels::kTileThreads, shared, stream>>>(static_cast<const T*>(in), static_cast<T*>(out), height,
                                                            width, policy, border);
    WB_CUDA_CHECK_LAUNCH("separableTile");
}

} // namespace wb::cuda
