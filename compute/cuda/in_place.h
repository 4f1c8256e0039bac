#pragma once
// For filters whose blocks read pixels around their own (box, median, the derivative
// filters, ...): such a kernel cannot write over its input, so a run in place reads a copy.

#include "check.h"
#include "cuda_backend.h"

#include <wb/array.h>

namespace wb::cuda {

// The input a kernel may read while it writes `out`: `in` itself, or, when the two are the
// same array, a device-to-device copy of it queued on the backend's stream, in `copy`
// (scratch made on first need and kept for the next runs).
inline const void* separateInput(CudaBackend& backend, const Array& in, const Array& out, Array& copy)
{
    if (in.data() != out.data())
        return in.data();
    if (!copy.valid())
        copy = backend.scratch(in.nbytes());
    WB_CUDA_CHECK(cudaMemcpyAsync(copy.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, backend.stream()));
    return copy.data();
}

} // namespace wb::cuda
