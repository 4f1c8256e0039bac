#pragma once
// The module's side of wb::compileKernel (wb/kernel_compile.h): NVRTC options for a user's
// kernel (its folder and CUDA's headers on the include path), the architecture, timing.

#include "nvrtc_compiler.h"

#include <wb/kernel_compile.h>

namespace wb::cuda {

// deviceCc: 10·major + minor of the GPU that will run it, 0 where there is none; it picks
// the architecture when the request names none.
KernelCompileResult compileUserKernel(const KernelCompileRequest& request, int deviceCc);
// The same, also handing back the compiled program (CUBIN and PTX) for loading: launch().
KernelCompileResult compileUserKernel(const KernelCompileRequest& request, int deviceCc, CompileResult* program);

} // namespace wb::cuda
