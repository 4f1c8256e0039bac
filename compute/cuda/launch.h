#pragma once
// Host-side launchers for the kernels that .cpp files need (the kernels themselves live in
// kernels/*.cuh and are compiled by nvcc in the .cu files named below). Each queues its
// work on `stream`, checks the launch, and does nothing for n == 0.

#include <wb/dtype.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

namespace wb::cuda {

// Threads per block of the 1-D elementwise kernels.
inline constexpr unsigned kElementwiseThreads = 256;

// Blocks for a grid-stride kernel over n > 0 elements: one element per thread up to 2^16
// blocks (hundreds of waves on any current GPU); beyond that threads loop.
inline unsigned gridStrideBlocks(std::int64_t n, unsigned threads = kElementwiseThreads)
{
    const std::int64_t blocks = (n + threads - 1) / threads;
    return static_cast<unsigned>(std::min<std::int64_t>(blocks, std::int64_t{1} << 16));
}

// elementwise.cu: data[i] *= factor for `count` reals of type F32 or F64 (a complex
// array of n elements is 2n reals). For the 1/N of inverse FFTs.
void launchScale(void* data, DType realType, std::int64_t count, double factor, cudaStream_t stream);

// elementwise.cu: uniform random numbers in [low, high) for F64, F32, F16 or BF16, the same
// stream as the CPU backend's for one seed (kernels/random.cuh), clamped to [first, last]:
// the first and last values of the output type inside [low, high), which rounding could
// otherwise step over.
struct UniformRange {
    double low;
    double high;
    double first;
    double last;
};
void launchUniform(void* out, DType dtype, std::int64_t n, std::uint64_t seed, const UniformRange& range,
                   cudaStream_t stream);

// convert.cu: out = in·scale + offset, elementwise, for every pair of dtypes that
// ConvertDesc accepts, rounding as ConvertDesc says.
void launchConvert(const void* in, DType from, void* out, DType to, std::int64_t n, double scale, double offset,
                   cudaStream_t stream);

} // namespace wb::cuda
