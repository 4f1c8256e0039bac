#pragma once
// CUDA C++ source for one ElementwiseDesc: a single kernel that NVRTC compiles at run time
// (elementwise_op.cpp). Plain C++ with no CUDA headers, so tests compile it without a GPU.
//
// The kernel, "wb_elementwise", takes one pointer per input in the desc's order, then the
// output pointer and the element count n (long long):
//
//   extern "C" __global__ void wb_elementwise(const float* in0, const unsigned short* in1,
//                                             float* out, long long n)
//
// Launch: 1-D grid-stride loop with 64-bit indices, kElementwiseBlock threads per block,
// any grid (the op uses gridStrideBlocks); one element per thread and iteration, so loads
// and the store are coalesced. No shared memory. Inputs that hold one element (broadcast)
// are read once per thread, before the loop. An input may be the output itself when it is
// not broadcast and its elements have the output's size (each element is read before it is
// written, by the same thread).
//
// Arithmetic follows the node dtypes that ElementwiseDesc::validate() set:
//   - integer nodes compute in 32-bit unsigned arithmetic and wrap to their dtype;
//   - f16 and bf16 nodes compute in f32 and are rounded once, when stored (or by a Cast);
//     their constants are the f32 nearest the double, not rounded to 16 bits first;
//   - Cast rounds and saturates exactly as ConvertDesc on the GPU (kernels/element.cuh);
//   - comparisons compare in promoteTypes(a, b) and give 0 or 1;
//   - Minimum/Maximum propagate NaN as NumPy's; Round is half to even (rint); complex
//     division is Smith's algorithm, as NumPy's;
//   - math functions are CUDA's precise ones (no fast math, no contracted multiply-adds:
//     -fmad=false), so + - * / and sqrt round exactly as the CPU does.
// f16 and bf16 are handled as their bits with the PTX conversions cuda_fp16.h and
// cuda_bf16.h use, and complex values as float2/double2 with small helpers in the source:
// NVRTC 13.0 has no built-in cuda_fp16.h, and the generated source includes nothing, so it
// compiles wherever libnvrtc is, with no toolkit headers.

#include <wb/ops.h>

#include <string>
#include <vector>

namespace wb::cuda {

inline constexpr const char* kElementwiseKernelName = "wb_elementwise";
inline constexpr int kElementwiseBlock = 256;
// Kernel parameters are 8 bytes each and must fit in 4 KiB.
inline constexpr int kMaxElementwiseInputs = 256;

struct ElementwiseKernelSource {
    std::string source;
    std::vector<bool> broadcast; // per input: holds one element that every element uses
};

// True when input `input` holds one element while the output has another count.
bool isBroadcastInput(const ElementwiseDesc& desc, int input);

// The kernel for a validated desc (node dtypes set). Throws Unsupported for a node whose
// dtypes the generator has no code for (validate() refuses those), or for more than
// kMaxElementwiseInputs inputs.
ElementwiseKernelSource generateElementwiseKernel(const ElementwiseDesc& desc);

// NVRTC options for the generated kernels, the architecture aside.
std::vector<std::string> elementwiseCompileOptions();

} // namespace wb::cuda
