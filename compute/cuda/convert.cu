// astype: elementwise dtype conversion for every pair ConvertDesc accepts, one kernel
// instantiation per pair (kernels/convert.cuh). A conversion to the same dtype without
// scale or offset is a plain device-to-device copy.

#include "check.h"
#include "cuda_backend.h"
#include "dtype_dispatch.h"
#include "launch.h"
#include "ops.h"

#include "kernels/convert.cuh"

#include "core/operand_check.h"

namespace wb::cuda {

void launchConvert(const void* in, DType from, void* out, DType to, std::int64_t n, double scale, double offset,
                   cudaStream_t stream)
{
    if (n == 0)
        return;
    const bool affine = scale != 1.0 || offset != 0.0;
    visitDeviceType(from, [&](auto fromTag) {
        visitDeviceType(to, [&](auto toTag) {
            using From = typename decltype(fromTag)::Type;
            using To = typename decltype(toTag)::Type;
            if constexpr (kernels::kIsComplex<From> && !kernels::kIsComplex<To>) {
                fail(ErrorCode::DTypeMismatch, "complex to real conversion", {.op = "astype"});
            } else {
                kernels::convertKernel<<<gridStrideBlocks(n), kElementwiseThreads, 0, stream>>>(
                    static_cast<const From*>(in), static_cast<To*>(out), n, affine, scale, offset);
                WB_CUDA_CHECK_LAUNCH("convertKernel");
            }
        });
    });
}

namespace {

class ConvertOp final : public UnaryOp {
public:
    ConvertOp(CudaBackend& backend, const ConvertDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
    {
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("astype");
        detail::checkOperand(in, m_desc.shape, m_desc.from, m_backend.place(), "astype", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.to, m_backend.place(), "astype", "output");
        // Element i is read before it is written, so in place works for equal element sizes.
        const bool inPlace = in.data() == out.data() && sizeOf(m_desc.from) == sizeOf(m_desc.to);
        if (!inPlace)
            detail::requireSeparate(in, out, "astype");
        m_backend.makeCurrent();
        if (m_desc.from == m_desc.to && m_desc.scale == 1.0 && m_desc.offset == 0.0) {
            if (!inPlace)
                WB_CUDA_CHECK(
                    cudaMemcpyAsync(out.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, m_backend.stream()));
            return;
        }
        launchConvert(in.data(), m_desc.from, out.data(), m_desc.to, in.numel(), m_desc.scale, m_desc.offset,
                      m_backend.stream());
    }

private:
    CudaBackend& m_backend;
    ConvertDesc m_desc;
};

} // namespace

std::unique_ptr<UnaryOp> prepareConvert(CudaBackend& backend, const ConvertDesc& desc)
{
    desc.validate();
    return std::make_unique<ConvertOp>(backend, desc);
}

} // namespace wb::cuda
