// FFTs on cuFFT: plans made with cufftMakePlanMany64 over the last one or two axes with the
// leading axes as the batch, bound to the backend's stream and to a work area from the
// backend's counting allocator (automatic allocation is off, so the plan's memory shows in
// the memory figures and nothing is allocated while running). A backend keeps one plan per
// transform while any prepared op uses it, so preparing the same transform again is free;
// sharing the work area is safe because everything runs in order on the one stream.
//
// run() is one cufftExec* call, plus:
//  - for inverse transforms, one pass of scaleKernel over the output: cuFFT does not
//    normalise, and FftDesc promises NumPy's 1/N;
//  - for C2R, a device-to-device copy of the input into a scratch array made in prepare:
//    cuFFT's out-of-place C2R overwrites its input, and an op must not destroy what the
//    caller passed in. The copy costs one extra read and write of the input per run.

#include "check.h"
#include "cuda_backend.h"
#include "launch.h"
#include "library_calls.h"
#include "ops.h"

#include "core/operand_check.h"

#include <algorithm>

namespace wb::cuda {

namespace {

cufftType cufftTypeFor(const FftDesc& desc)
{
    const bool dbl = realPart(desc.dtype) == DType::F64;
    switch (desc.kind) {
    case FftKind::C2C: return dbl ? CUFFT_Z2Z : CUFFT_C2C;
    case FftKind::R2C: return dbl ? CUFFT_D2Z : CUFFT_R2C;
    case FftKind::C2R: return dbl ? CUFFT_Z2D : CUFFT_C2R;
    }
    fail(ErrorCode::Internal, "unknown FFT kind");
}

} // namespace

FftPlan makeFftPlan(const FftDesc& desc)
{
    FftPlan result{createCufftPlan(), cufftTypeFor(desc)};
    WB_CUFFT_CHECK(cufftSetAutoAllocation(result.plan.get(), 0));
    const Shape logical = desc.transformShape();
    long long sizes[2] = {logical[0], desc.rank == 2 ? logical[1] : 0};
    // No embeds: the default, densely packed layout, which is how contiguous arrays lie.
    std::size_t workBytes = 0;
    WB_CUFFT_CHECK(cufftMakePlanMany64(result.plan.get(), desc.rank, sizes, nullptr, 1, 0, nullptr, 1, 0, result.type,
                                       desc.batch(), &workBytes));
    result.workBytes = workBytes;
    return result;
}

void execFft(const FftPlan& plan, FftDirection direction, void* in, void* out)
{
    const cufftHandle handle = plan.plan.get();
    const int sign = direction == FftDirection::Forward ? CUFFT_FORWARD : CUFFT_INVERSE;
    switch (plan.type) {
    case CUFFT_C2C:
        WB_CUFFT_CHECK(cufftExecC2C(handle, static_cast<cufftComplex*>(in), static_cast<cufftComplex*>(out), sign));
        return;
    case CUFFT_Z2Z:
        WB_CUFFT_CHECK(
            cufftExecZ2Z(handle, static_cast<cufftDoubleComplex*>(in), static_cast<cufftDoubleComplex*>(out), sign));
        return;
    case CUFFT_R2C:
        WB_CUFFT_CHECK(cufftExecR2C(handle, static_cast<cufftReal*>(in), static_cast<cufftComplex*>(out)));
        return;
    case CUFFT_D2Z:
        WB_CUFFT_CHECK(cufftExecD2Z(handle, static_cast<cufftDoubleReal*>(in), static_cast<cufftDoubleComplex*>(out)));
        return;
    case CUFFT_C2R:
        WB_CUFFT_CHECK(cufftExecC2R(handle, static_cast<cufftComplex*>(in), static_cast<cufftReal*>(out)));
        return;
    case CUFFT_Z2D:
        WB_CUFFT_CHECK(cufftExecZ2D(handle, static_cast<cufftDoubleComplex*>(in), static_cast<cufftDoubleReal*>(out)));
        return;
    }
    fail(ErrorCode::Internal, "unknown cuFFT type " + std::to_string(static_cast<int>(plan.type)));
}

struct PlannedFft {
    FftPlan plan;
    Array workArea;
};

std::shared_ptr<const PlannedFft> CudaBackend::fftPlan(const FftDesc& desc)
{
    // Direction is not part of a cuFFT plan: it is given to each exec call.
    const Shape logical = desc.transformShape();
    std::string key = std::to_string(static_cast<int>(desc.kind)) + "/" + std::string(wb::name(desc.dtype)) + "/" +
                      std::to_string(desc.batch());
    for (std::int64_t size : logical)
        key += "/" + std::to_string(size);
    if (auto existing = m_fftPlans[key].lock())
        return existing;
    std::erase_if(m_fftPlans, [](const auto& entry) { return entry.second.expired(); });
    auto planned = std::make_shared<PlannedFft>();
    planned->plan = makeFftPlan(desc);
    // cuFFT may need no work area; a small block keeps the plan from ever lacking one.
    planned->workArea = scratch(std::max<std::size_t>(planned->plan.workBytes, 256));
    WB_CUFFT_CHECK(cufftSetWorkArea(planned->plan.plan.get(), planned->workArea.data()));
    WB_CUFFT_CHECK(cufftSetStream(planned->plan.plan.get(), stream()));
    m_fftPlans[key] = planned;
    return planned;
}

namespace {

class FftOp final : public UnaryOp {
public:
    FftOp(CudaBackend& backend, const FftDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
    {
        if (desc.batch() == 0)
            return; // an empty batch: nothing to plan or run
        OpScope scope("fft");
        backend.makeCurrent();
        m_plan = backend.fftPlan(desc);
        if (desc.kind == FftKind::C2R)
            m_inputCopy = backend.empty(desc.input, desc.dtype);
    }

    void run(const Array& in, Array& out) override
    {
        // Named "fft" for every kind and direction, as on the CPU backend.
        OpScope scope("fft");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.input, m_desc.dtype, place, "fft", "input");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.outputDType(), place, "fft", "output");
        // cuFFT transforms C2C in place when both pointers are equal; any other overlap is wrong.
        if (!(m_desc.kind == FftKind::C2C && in.data() == out.data()))
            detail::requireSeparate(in, out, "fft");
        if (!m_plan)
            return;
        m_backend.makeCurrent();
        void* source = in.data();
        if (m_inputCopy.valid()) {
            WB_CUDA_CHECK(cudaMemcpyAsync(m_inputCopy.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice,
                                          m_backend.stream()));
            source = m_inputCopy.data();
        }
        execFft(m_plan->plan, m_desc.direction, source, out.data());
        if (m_desc.direction == FftDirection::Inverse) {
            const DType real = realPart(out.dtype());
            const std::int64_t reals = out.numel() * (isComplex(out.dtype()) ? 2 : 1);
            launchScale(out.data(), real, reals, 1.0 / static_cast<double>(m_desc.transformShape().numel()),
                        m_backend.stream());
        }
    }

private:
    CudaBackend& m_backend;
    FftDesc m_desc;
    std::shared_ptr<const PlannedFft> m_plan;
    Array m_inputCopy;
};

} // namespace

std::unique_ptr<UnaryOp> prepareFft(CudaBackend& backend, const FftDesc& desc)
{
    desc.validate();
    return std::make_unique<FftOp>(backend, desc);
}

} // namespace wb::cuda
