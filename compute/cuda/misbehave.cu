// The device kinds of TestMisbehaviour (kernels/misbehave.cuh): a fault and a hang, each
// launched on the backend's stream and waited for, so that the fault is thrown here, as
// DeviceLost, and the hang never returns.

#include "check.h"
#include "cuda_backend.h"
#include "ops.h"

#include "kernels/misbehave.cuh"

#include <cstdint>

namespace wb::cuda {

void misbehave(CudaBackend& backend, const TestMisbehaviour& what)
{
    const bool fault = what.kind == TestMisbehaviour::Kind::DeviceFault;
    OpScope scope(fault ? "test_gpu_fault" : "test_gpu_hang");
    if (what.kind == TestMisbehaviour::Kind::Hang)
        fail(ErrorCode::Internal, "a host hang reached the device misbehaviour");
    backend.makeCurrent();
    const cudaStream_t stream = backend.stream();
    if (fault) {
        // 256 bytes above address 0: see faultKernel.
        auto* target = reinterpret_cast<unsigned*>(std::uintptr_t{256});
        kernels::faultKernel<<<1, 1, 0, stream>>>(target);
        WB_CUDA_CHECK_LAUNCH("faultKernel");
    } else {
        const Array flag = backend.scratch(sizeof(unsigned));
        WB_CUDA_CHECK(cudaMemsetAsync(flag.data(), 0, sizeof(unsigned), stream));
        kernels::hangKernel<<<1, 1, 0, stream>>>(static_cast<const unsigned*>(flag.data()));
        WB_CUDA_CHECK_LAUNCH("hangKernel");
    }
    backend.synchronize();
    if (fault)
        fail(ErrorCode::Internal, "the faulting kernel of test_gpu_fault finished without a fault");
}

} // namespace wb::cuda
