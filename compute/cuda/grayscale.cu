// grayscale (kernels/grayscale.cuh): u8, u16 and f32 images with 3 or 4 channels.

#include "check.h"
#include "cuda_backend.h"
#include "launch.h"
#include "ops.h"

#include "kernels/grayscale.cuh"

#include "core/operand_check.h"

namespace wb::cuda {

namespace {

template <typename T>
void launchGrayscale(const void* in, void* out, int channels, std::int64_t pixels, cudaStream_t stream)
{
    const unsigned blocks = gridStrideBlocks(pixels);
    const auto* source = static_cast<const T*>(in);
    auto* target = static_cast<T*>(out);
    if (channels == 3)
        kernels::grayscaleKernel<T, 3><<<blocks, kElementwiseThreads, 0, stream>>>(source, target, pixels);
    else
        kernels::grayscaleKernel<T, 4><<<blocks, kElementwiseThreads, 0, stream>>>(source, target, pixels);
    WB_CUDA_CHECK_LAUNCH("grayscaleKernel");
}

class GrayscaleOp final : public UnaryOp {
public:
    GrayscaleOp(CudaBackend& backend, const GrayscaleDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
    {
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("grayscale");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "grayscale", "input");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.outputDType(), place, "grayscale", "output");
        detail::requireSeparate(in, out, "grayscale");
        m_backend.makeCurrent();
        const int channels = static_cast<int>(m_desc.shape[2]);
        const std::int64_t pixels = m_desc.shape[0] * m_desc.shape[1];
        const cudaStream_t stream = m_backend.stream();
        switch (m_desc.dtype) {
        case DType::U8: launchGrayscale<std::uint8_t>(in.data(), out.data(), channels, pixels, stream); return;
        case DType::U16: launchGrayscale<std::uint16_t>(in.data(), out.data(), channels, pixels, stream); return;
        case DType::F32: launchGrayscale<float>(in.data(), out.data(), channels, pixels, stream); return;
        default: fail(ErrorCode::DTypeMismatch, "grayscale of " + std::string(name(m_desc.dtype)), {.op = "grayscale"});
        }
    }

private:
    CudaBackend& m_backend;
    GrayscaleDesc m_desc;
};

} // namespace

std::unique_ptr<UnaryOp> prepareGrayscale(CudaBackend& backend, const GrayscaleDesc& desc)
{
    desc.validate();
    return std::make_unique<GrayscaleOp>(backend, desc);
}

} // namespace wb::cuda
