// Launchers for the small elementwise kernels: the 1/N of inverse FFTs
// (kernels/elementwise.cuh) and uniform random arrays (kernels/random.cuh).

#include "check.h"
#include "dtype_dispatch.h"
#include "launch.h"

#include "kernels/elementwise.cuh"
#include "kernels/random.cuh"

namespace wb::cuda {

void launchScale(void* data, DType realType, std::int64_t count, double factor, cudaStream_t stream)
{
    if (count == 0)
        return;
    const unsigned blocks = gridStrideBlocks(count);
    if (realType == DType::F64) {
        kernels::scaleKernel<<<blocks, kElementwiseThreads, 0, stream>>>(static_cast<double*>(data), count, factor);
    } else if (realType == DType::F32) {
        kernels::scaleKernel<<<blocks, kElementwiseThreads, 0, stream>>>(static_cast<float*>(data), count,
                                                                         static_cast<float>(factor));
    } else {
        fail(ErrorCode::Internal, "launchScale on " + std::string(name(realType)));
    }
    WB_CUDA_CHECK_LAUNCH("scaleKernel");
}

void launchUniform(void* out, DType dtype, std::int64_t n, std::uint64_t seed, const UniformRange& range,
                   cudaStream_t stream)
{
    if (n == 0)
        return;
    const uint2 key = make_uint2(static_cast<unsigned>(seed), static_cast<unsigned>(seed >> 32));
    auto launch = [&](auto* typed, auto compute) {
        using Compute = decltype(compute);
        const std::int64_t blocks = (n + kernels::kUniformsPerBlock<Compute> - 1) / kernels::kUniformsPerBlock<Compute>;
        kernels::philoxUniformKernel<<<gridStrideBlocks(blocks), kElementwiseThreads, 0, stream>>>(
            typed, n, key, static_cast<Compute>(range.low), static_cast<Compute>(range.high - range.low),
            static_cast<Compute>(range.first), static_cast<Compute>(range.last),
            reinterpret_cast<std::uintptr_t>(typed) % (sizeof(*typed) * kernels::kUniformsPerBlock<Compute>) == 0);
        WB_CUDA_CHECK_LAUNCH("philoxUniformKernel");
    };
    switch (dtype) {
    case DType::F64: launch(static_cast<double*>(out), 0.0); return;
    case DType::F32: launch(static_cast<float*>(out), 0.0f); return;
    case DType::F16: launch(static_cast<__half*>(out), 0.0f); return;
    case DType::BF16: launch(static_cast<__nv_bfloat16*>(out), 0.0f); return;
    default: fail(ErrorCode::Internal, "launchUniform to " + std::string(name(dtype)));
    }
}

} // namespace wb::cuda
