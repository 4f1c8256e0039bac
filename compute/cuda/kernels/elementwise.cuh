#pragma once
// The 1/N of inverse FFTs: cuFFT leaves transforms unnormalised.
//
// Launch: 1-D grid-stride loops, any grid and block size; one element per thread and
// iteration, coalesced. No shared memory.

#include "element.cuh"

namespace wb::cuda::kernels {

template <typename T> __global__ void scaleKernel(T* data, std::int64_t n, T factor)
{
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        data[i] *= factor;
}

} // namespace wb::cuda::kernels
