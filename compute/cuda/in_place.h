#pragma once
// For filters whose blocks read pixels around their own (box, conv2d, the derivatives, ...): the input a run
// may read while writing `out`. When `in` and `out` are the same array, the input is first
// copied, on the backend's stream, into `copy` (a scratch image made on first need and kept
// by the op); otherwise `in` itself.

#include "check.h"
#include "cuda_backend.h"

namespace wb::cuda {

inline const void* inputBesideOutput(CudaBackend& backend, const Array& in, const Array& out, Array& copy)
{
    if (in.data() != out.data())
        return in.data();
    if (!copy.valid())
        copy = backend.scratch(in.nbytes());
    WB_CUDA_CHECK(cudaMemcpyAsync(copy.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, backend.stream()));
    return copy.data();
}

} // namespace wb::cuda
