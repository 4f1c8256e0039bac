#pragma once
// fftshift / ifftshift over every axis: out[j] = in[(j + shift) mod n] on each axis, with
// shift = n − n/2 for fftshift (numpy.roll by n//2) and n/2 for ifftshift.
//
// Launch: 2-D. x runs along the last axis (blockDim.x threads, one element each), y over
// the rows formed by all leading axes (blockDim.y rows per block, grid-stride in y). Each
// thread finds its source row from the shifted leading indices once per row; writes are
// contiguous and reads are contiguous except at the one wrap-around of the row. Elements
// are moved as opaque words of their size (1 to 16 bytes). No shared memory.

#include <cstdint>

namespace wb::cuda::kernels {

struct ShiftGeometry {
    int ndim;
    std::int64_t dims[4];
    std::int64_t shifts[4];
};

template <typename Word>
__global__ void fftshiftKernel(const Word* __restrict__ in, Word* __restrict__ out, ShiftGeometry g, std::int64_t rows)
{
    const int last = g.ndim - 1;
    const std::int64_t width = g.dims[last];
    const std::int64_t col = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (col >= width)
        return;
    std::int64_t srcCol = col + g.shifts[last];
    if (srcCol >= width)
        srcCol -= width;
    const std::int64_t rowStride = static_cast<std::int64_t>(gridDim.y) * blockDim.y;
    for (std::int64_t row = static_cast<std::int64_t>(blockIdx.y) * blockDim.y + threadIdx.y; row < rows;
         row += rowStride) {
        std::int64_t rest = row;
        std::int64_t srcRow = 0;
        std::int64_t stride = 1;
        for (int axis = last - 1; axis >= 0; --axis) {
            const std::int64_t n = g.dims[axis];
            const std::int64_t index = rest % n;
            rest /= n;
            std::int64_t source = index + g.shifts[axis];
            if (source >= n)
                source -= n;
            srcRow += source * stride;
            stride *= n;
        }
        out[row * width + col] = in[srcRow * width + srcCol];
    }
}

} // namespace wb::cuda::kernels
