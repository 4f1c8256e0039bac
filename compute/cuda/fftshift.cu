// fftshift / ifftshift (kernels/fftshift.cuh). The kernel moves elements as words of their
// size, so one instantiation per element size serves every dtype.

#include "check.h"
#include "cuda_backend.h"
#include "ops.h"

#include "kernels/fftshift.cuh"

#include "core/operand_check.h"

#include <algorithm>

namespace wb::cuda {

namespace {

template <typename Word> void launchShift(const void* in, void* out, const kernels::ShiftGeometry& geometry,
                                          std::int64_t rows, cudaStream_t stream)
{
    // A block covers up to 256 elements of a row; narrow rows stack several rows per block.
    const std::int64_t width = geometry.dims[geometry.ndim - 1];
    const unsigned x = static_cast<unsigned>(std::min<std::int64_t>(256, (width + 31) / 32 * 32));
    const dim3 block(x, 256 / x);
    const std::int64_t rowBlocks = (rows + block.y - 1) / block.y;
    const dim3 grid(static_cast<unsigned>((width + x - 1) / x),
                    static_cast<unsigned>(std::min<std::int64_t>(rowBlocks, 65535)));
    kernels::fftshiftKernel<<<grid, block, 0, stream>>>(static_cast<const Word*>(in), static_cast<Word*>(out), geometry,
                                                        rows);
    WB_CUDA_CHECK_LAUNCH("fftshiftKernel");
}

class FftShiftOp final : public UnaryOp {
public:
    FftShiftOp(CudaBackend& backend, const FftShiftDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_name(desc.inverse ? "ifftshift" : "fftshift")
    {
        m_geometry.ndim = desc.shape.ndim();
        for (int axis = 0; axis < m_geometry.ndim; ++axis) {
            const std::int64_t n = desc.shape[axis];
            m_geometry.dims[axis] = n;
            m_geometry.shifts[axis] = desc.inverse ? n / 2 : n - n / 2;
        }
        const std::int64_t width = desc.shape[-1];
        m_rows = width == 0 ? 0 : desc.shape.numel() / width;
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope(m_name);
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, m_name, "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, m_name, "output");
        detail::requireSeparate(in, out, m_name);
        if (m_rows == 0)
            return;
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        switch (sizeOf(m_desc.dtype)) {
        case 1: launchShift<std::uint8_t>(in.data(), out.data(), m_geometry, m_rows, stream); return;
        case 2: launchShift<std::uint16_t>(in.data(), out.data(), m_geometry, m_rows, stream); return;
        case 4: launchShift<std::uint32_t>(in.data(), out.data(), m_geometry, m_rows, stream); return;
        case 8: launchShift<uint2>(in.data(), out.data(), m_geometry, m_rows, stream); return;
        case 16: launchShift<uint4>(in.data(), out.data(), m_geometry, m_rows, stream); return;
        default: fail(ErrorCode::Internal, "fftshift of " + std::to_string(sizeOf(m_desc.dtype)) + "-byte elements");
        }
    }

private:
    CudaBackend& m_backend;
    FftShiftDesc m_desc;
    const char* m_name;
    kernels::ShiftGeometry m_geometry{};
    std::int64_t m_rows = 0;
};

} // namespace

std::unique_ptr<UnaryOp> prepareFftShift(CudaBackend& backend, const FftShiftDesc& desc)
{
    desc.validate();
    return std::make_unique<FftShiftOp>(backend, desc);
}

} // namespace wb::cuda
