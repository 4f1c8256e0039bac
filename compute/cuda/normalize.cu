// Normalize (kernels/normalize.cuh): u8, u16 and f32 in, u8, u16 or f32 out, minmax, l1, l2
// and inf, over every element of the image.
//
// prepare() fixes the reduction's grid from the element count (at most kMaxBlocks blocks, as
// reduce.cu, so the partials do not depend on the device) and takes the partials and the
// (scale, shift) pair from the backend's allocator. run() queues three checked kernels with
// no copy and no synchronisation (graph-recordable). The map runs after the reduction has
// read everything, in stream order, so it may run in place when the dtypes agree.
//
// Cost: two reads of the input and one write of the output; the second read is partly
// served by L2 when the frame fits (an H200's 60 MiB holds a 4K f32 frame).

#include "check.h"
#include "cuda_backend.h"
#include "launch.h"
#include "ops.h"

#include "kernels/normalize.cuh"

#include "core/operand_check.h"

#include <algorithm>

namespace wb::cuda {

namespace {

using kernels::NormKind;

constexpr std::int64_t kMaxBlocks = 1024;

template <typename T, typename U> class NormalizeOp final : public UnaryOp {
public:
    NormalizeOp(CudaBackend& backend, const NormalizeDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_count(desc.shape.numel())
    {
        const std::int64_t packs = m_count / kernels::kWidth<T>;
        m_blocks =
            std::clamp<std::int64_t>((packs + kernels::kReduceThreads - 1) / kernels::kReduceThreads, 1, kMaxBlocks);
        m_partials = backend.scratch(static_cast<std::size_t>(m_blocks) * sizeof(double2));
        m_scaleShift = backend.scratch(sizeof(double2));
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("normalize");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "normalize", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.outputDType(), place, "normalize", "output");
        m_backend.makeCurrent();
        switch (m_desc.norm) {
        case NormType::MinMax: reduce<NormKind::MinMax>(in); break;
        case NormType::L1: reduce<NormKind::L1>(in); break;
        case NormType::L2: reduce<NormKind::L2>(in); break;
        case NormType::Inf: reduce<NormKind::Inf>(in); break;
        }
        const cudaStream_t stream = m_backend.stream();
        const unsigned blocks = gridStrideBlocks(std::max<std::int64_t>(1, m_count / kernels::kWidth<T>));
        const auto* source = static_cast<const T*>(in.data());
        auto* target = static_cast<U*>(out.data());
        const auto* scaleShift = static_cast<const double2*>(m_scaleShift.data());
        if (kernels::chunksAligned<T, U>(in.data(), out.data()))
            kernels::normalizeMapKernel<T, U, true>
                <<<blocks, kElementwiseThreads, 0, stream>>>(source, target, m_count, scaleShift);
        else
            kernels::normalizeMapKernel<T, U, false>
                <<<blocks, kElementwiseThreads, 0, stream>>>(source, target, m_count, scaleShift);
        WB_CUDA_CHECK_LAUNCH("normalizeMapKernel");
    }

private:
    template <NormKind kNorm> void reduce(const Array& in)
    {
        const cudaStream_t stream = m_backend.stream();
        const auto* source = static_cast<const T*>(in.data());
        auto* partials = static_cast<double2*>(m_partials.data());
        const auto blocks = static_cast<unsigned>(m_blocks);
        if (reinterpret_cast<std::uintptr_t>(source) % alignof(kernels::Pack<T>) == 0)
            kernels::normalizeStatsKernel<T, kNorm, true>
                <<<blocks, kernels::kReduceThreads, 0, stream>>>(source, m_count, partials);
        else
            kernels::normalizeStatsKernel<T, kNorm, false>
                <<<blocks, kernels::kReduceThreads, 0, stream>>>(source, m_count, partials);
        WB_CUDA_CHECK_LAUNCH("normalizeStatsKernel");
        kernels::normalizeScaleKernel<kNorm><<<1, kernels::kReduceThreads, 0, stream>>>(
            partials, static_cast<int>(m_blocks), m_desc.alpha, m_desc.beta, m_desc.outputDType() == DType::F32,
            static_cast<double2*>(m_scaleShift.data()));
        WB_CUDA_CHECK_LAUNCH("normalizeScaleKernel");
    }

    CudaBackend& m_backend;
    NormalizeDesc m_desc;
    std::int64_t m_count;
    std::int64_t m_blocks = 1;
    Array m_partials;   // m_blocks double2
    Array m_scaleShift; // one double2: (scale, shift)
};

template <typename T> std::unique_ptr<UnaryOp> makeFor(CudaBackend& backend, const NormalizeDesc& desc)
{
    switch (desc.outputDType()) {
    case DType::U8: return std::make_unique<NormalizeOp<T, std::uint8_t>>(backend, desc);
    case DType::U16: return std::make_unique<NormalizeOp<T, std::uint16_t>>(backend, desc);
    default: return std::make_unique<NormalizeOp<T, float>>(backend, desc);
    }
}

} // namespace

std::unique_ptr<UnaryOp> prepareNormalize(CudaBackend& backend, const NormalizeDesc& desc)
{
    desc.validate();
    switch (desc.dtype) {
    case DType::U8: return makeFor<std::uint8_t>(backend, desc);
    case DType::U16: return makeFor<std::uint16_t>(backend, desc);
    default: return makeFor<float>(backend, desc);
    }
}

} // namespace wb::cuda
