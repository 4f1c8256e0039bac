#pragma once
// ptxas's resource report, as NVRTC logs it with `--ptxas-options=-v` when it makes machine
// code (an sm_XY target): per kernel the registers, shared memory, stack frame, spills and
// barriers, which decide occupancy and explain a slow kernel.

#include <wb/kernel_compile.h>

#include <string_view>
#include <vector>

namespace wb::cuda {

// The kernels of a log in the order ptxas compiled them, C++ names demangled; lines that
// are not part of a report are skipped.
std::vector<KernelResources> parsePtxasReport(std::string_view log);

} // namespace wb::cuda
