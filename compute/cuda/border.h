#pragma once
// The kernels' border mode (kernels/border.cuh) for a wb::BorderMode, on the host.

#include "kernels/border.cuh"

#include <wb/error.h>
#include <wb/ops.h>

namespace wb::cuda {

inline kernels::Border toKernelBorder(BorderMode mode, const char* op)
{
    switch (mode) {
    case BorderMode::Reflect101: return kernels::Border::Reflect101;
    case BorderMode::Replicate: return kernels::Border::Replicate;
    case BorderMode::Constant: return kernels::Border::Constant;
    }
    fail(ErrorCode::InvalidArgument, "unknown border mode", {.op = op});
}

} // namespace wb::cuda
