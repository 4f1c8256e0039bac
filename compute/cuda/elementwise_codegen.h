#pragma once
// CUDA C++ source for one ElementwiseDesc: one program that NVRTC compiles at run time
// (elementwise_op.cpp), holding two or four kernels that compute the same values and walk
// the elements differently. Plain C++ with no CUDA headers, so tests compile it without a
// GPU. Each kernel takes one pointer per input in the desc's order, then the output pointer
// and the element count n (long long):
//
//   extern "C" __global__ void wb_elementwise_vector32(const float* in0, const unsigned short* in1,
//                                                      float* out, long long n)
//
//   - wb_elementwise_vector32/64: each thread moves E = vectorWidth consecutive elements of
//     every array with one load or store, 16 bytes for the widest array the kernel reads
//     or writes (E = 16 for 1-byte, 8 for 2-byte, 4 for 4-byte, 2 for 8-byte elements; a
//     u8 input beside an f32 output moves 4 bytes). Every such array must start on a
//     multiple of its vector (fitsVectorPath); the last n % E elements are done one per
//     thread by block 0. Absent when E would be 1 (a c128 array).
//   - wb_elementwise_scalar32/64: one element per load, for arrays at any element offset
//     (a view of an odd row), and the only kernels when E is 1.
//   - 32: 32-bit unsigned indices, for n <= 2^31 - 1 (elementwiseWideIndex), so that
//     index + stride stays below 2^32; 64: long long indices.
//
// Launch: 1-D, kElementwiseBlock threads per block, any grid. Blocks stride over tiles of
// kElementwiseUnroll x kElementwiseBlock vectors (elements, in the scalar kernels); thread t
// takes vectors t and t + kElementwiseBlock of a tile, issues the loads of both before it
// computes either, then stores both. No shared memory. The op launches no more blocks than
// there are tiles and at most kElementwiseWaves waves of what the device holds at once
// (SMs x resident blocks per SM, from the occupancy calculator, in prepare).
//
// Why, for y = ((((x * 1.5 + 0.5) * x - 0.25) / (x + 2)) * 3 - x) * 0.5 + 1 in f32 over
// 2^28 elements, which on an H200 ran in 0.698 ms with one element per thread and
// iteration, 64-bit indices and 2^16 blocks, against 0.508 ms for cudaMemcpy of the bytes:
//   - Bytes in flight. Reading at ~4.2 TB/s with ~0.8 us of DRAM latency under load takes
//     ~3.4 MB of loads in flight, ~26 KB per SM of 132. A thread has only one iteration's
//     loads in flight: a load may not pass an earlier store, since an input may be the
//     output. One 4-byte load per thread at 2048 threads per SM is 8 KB; two 16-byte
//     loads per thread are 64 KB at full occupancy, 32 KB at half. ptxas gives this
//     chain's kernels 21 to 31 registers, so 8 blocks of 256 threads fit on an SM (the
//     nvrtc tests hold it to 32).
//   - Instructions per element. The chain is 10 floating-point instructions, the IEEE
//     division ~10 of them (reciprocal, Newton steps, a range check whose slow path runs
//     only near the limits of the exponent range). Moving one element per iteration cost
//     ~7 more: two 64-bit pointer increments, a 4-byte load and store, and a quarter of
//     the loop control (nvcc unrolled it by 4, unable to hoist a load above the previous
//     store). A tile of 2 vectors of 4 costs ~24 for 8 elements (two guards, four 32-bit
//     index and address computations, two 16-byte loads and stores, the loop): ~3 each.
//   The values do not depend on the kernel: every element is computed by the same inlined
//   code from the same inputs; only the way bytes move changes.
//
// Inputs that hold one element (broadcast) are read once per thread, before the loop, and
// need no alignment. An input may be the output itself when it is not broadcast and its
// elements have the output's size: each thread reads its elements before it writes them,
// and no other thread touches them.
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

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace wb::cuda {

inline constexpr int kElementwiseBlock = 256;
// Vectors (scalar kernels: elements) per thread in each tile.
inline constexpr int kElementwiseUnroll = 2;
// The op launches at most this many waves of resident blocks (elementwise_op.cpp).
inline constexpr int kElementwiseWaves = 4;
// The widest load or store of the vector kernels.
inline constexpr std::size_t kElementwiseVectorBytes = 16;
// Kernel parameters are 8 bytes each and must fit in 4 KiB.
inline constexpr int kMaxElementwiseInputs = 256;

// How a desc's kernels read and write memory, whatever the element count.
struct ElementwiseLayout {
    std::vector<bool> broadcast; // per input: holds one element that every element uses
    // Elements per vector in the vector kernels; 1 when there are none.
    int vectorWidth = 1;
    // Per input: the byte multiple its address must be for the vector kernels
    // (vectorWidth x its element size), 0 for an input read once or not at all.
    std::vector<std::size_t> inputAlignment;
    std::size_t outputAlignment = 1; // vectorWidth x the output's element size
};

struct ElementwiseKernelSource {
    std::string source;
    ElementwiseLayout layout;
};

// True when input `input` holds one element while the output has another count.
bool isBroadcastInput(const ElementwiseDesc& desc, int input);

// The layout of a validated desc's kernels, without generating them.
ElementwiseLayout elementwiseLayout(const ElementwiseDesc& desc);

// The program for a validated desc (node dtypes set). Throws Unsupported for a node whose
// dtypes the generator has no code for (validate() refuses those), or for more than
// kMaxElementwiseInputs inputs.
ElementwiseKernelSource generateElementwiseKernel(const ElementwiseDesc& desc);

// "wb_elementwise_vector32", "wb_elementwise_scalar64", ...
std::string elementwiseKernelName(bool vector, bool wideIndex);
// Every kernel in the program of a desc with this layout: the scalar ones, then the vector ones.
std::vector<std::string> elementwiseKernelNames(const ElementwiseLayout& layout);
// True when n elements need the 64-bit kernels.
bool elementwiseWideIndex(std::int64_t n);
// True when the vector kernels can run on these arrays: there are vector kernels, and
// every array they stream starts on a multiple of its vector. Host arithmetic only.
bool fitsVectorPath(const ElementwiseLayout& layout, std::span<const void* const> inputs, const void* out);

// NVRTC options for the generated kernels, the architecture aside.
std::vector<std::string> elementwiseCompileOptions();

} // namespace wb::cuda
