// Launchers for the small kernels that finish library calls (kernels/elementwise.cuh).

#include "check.h"
#include "dtype_dispatch.h"
#include "launch.h"

#include "kernels/elementwise.cuh"

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

void launchUniformFinish(const void* uniform, DType uniformType, void* out, DType outType, std::int64_t n,
                         const UniformRange& range, cudaStream_t stream)
{
    if (n == 0)
        return;
    if (uniformType != DType::F32 && uniformType != DType::F64)
        fail(ErrorCode::Internal, "launchUniformFinish from " + std::string(name(uniformType)));
    const unsigned blocks = gridStrideBlocks(n);
    visitDeviceType(uniformType, [&](auto uniformTag) {
        visitDeviceType(outType, [&](auto outTag) {
            using Uniform = typename decltype(uniformTag)::Type;
            using Out = typename decltype(outTag)::Type;
            if constexpr ((std::is_same_v<Uniform, float> || std::is_same_v<Uniform, double>) &&
                          (std::is_same_v<Out, __half> || std::is_same_v<Out, __nv_bfloat16> ||
                           std::is_same_v<Out, float> || std::is_same_v<Out, double>)) {
                kernels::uniformFinishKernel<<<blocks, kElementwiseThreads, 0, stream>>>(
                    static_cast<const Uniform*>(uniform), static_cast<Out*>(out), n, range.low,
                    range.high - range.low, range.first, range.last);
                WB_CUDA_CHECK_LAUNCH("uniformFinishKernel");
            } else {
                fail(ErrorCode::Internal, "launchUniformFinish to " + std::string(name(outType)));
            }
        });
    });
}

} // namespace wb::cuda
