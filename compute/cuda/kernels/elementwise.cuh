#pragma once
// Small elementwise kernels that finish a library call: the 1/N of inverse FFTs (cuFFT
// leaves transforms unnormalised) and the mapping of cuRAND's uniform numbers onto
// [low, high).
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

// cuRAND gives u in (0, 1]; 1 − u is in [0, 1), so low + span·(1 − u) is in [low, high)
// before rounding. Rounding (in the arithmetic or into a narrow output type) can land on
// high or below low, hence the clamp to [first, last], the outermost values of Out inside
// [low, high): clamping to values Out represents exactly keeps the rounded result inside.
// `uniform` and `out` may alias (same element size), so neither is __restrict__.
template <typename Uniform, typename Out>
__global__ void uniformFinishKernel(const Uniform* uniform, Out* out, std::int64_t n, double low, double span,
                                    double first, double last)
{
    using Compute = std::conditional_t<std::is_same_v<Out, double>, double, float>;
    const Compute lowC = static_cast<Compute>(low);
    const Compute spanC = static_cast<Compute>(span);
    const Compute firstC = static_cast<Compute>(first);
    const Compute lastC = static_cast<Compute>(last);
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const Compute x = Compute(1) - static_cast<Compute>(uniform[i]);
        const Compute value = fmin(fmax(lowC + spanC * x, firstC), lastC);
        out[i] = narrow<Out>(value);
    }
}

} // namespace wb::cuda::kernels
