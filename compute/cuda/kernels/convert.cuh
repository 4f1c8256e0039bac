#pragma once
// Elementwise dtype conversion, out = in·scale + offset (see element.cuh for rounding).
//
// Launch: 1-D grid-stride loop, any grid and block size; one element per thread and
// iteration, so consecutive threads touch consecutive elements (coalesced on both sides).
// No shared memory. `in` and `out` may be the same array when the element sizes match.

#include "element.cuh"

namespace wb::cuda::kernels {

template <typename From, typename To>
__global__ void convertKernel(const From* in, To* out, std::int64_t n, bool affine, double scale, double offset)
{
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const From value = in[i];
        if constexpr (kIsComplex<From>) {
            static_assert(kIsComplex<To>, "complex to real is refused by ConvertDesc::validate()");
            To result;
            result.x = convertValue<PartOf<To>>(value.x, affine, scale, offset);
            result.y = scaleValue<PartOf<To>>(value.y, affine, scale);
            out[i] = result;
        } else if constexpr (kIsComplex<To>) {
            To result;
            result.x = convertValue<PartOf<To>>(value, affine, scale, offset);
            result.y = 0;
            out[i] = result;
        } else {
            out[i] = convertValue<To>(value, affine, scale, offset);
        }
    }
}

} // namespace wb::cuda::kernels
