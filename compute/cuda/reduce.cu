// Whole-array reductions (kernels/reduce.cuh): sum, mean, min, max and norm of every
// dtype, to a 0-D output.
//
// prepare() fixes the launch geometry from the element count and dtype alone (the number
// of blocks never depends on the device, so every GPU adds in the same order) and takes
// the partials buffer, one accumulator per block, from the backend's counting allocator.
// run() checks the operands and launches two kernels on the backend's stream, each
// checked, with no allocation, copy or synchronisation, so it can be recorded into a CUDA
// graph. There are no atomics: the same prepared op gives the same bits on every run.
//
// Cost: one read of the input (the f64 arithmetic of an f32 sum is far below the H200's
// FP64 rate). The grid of at most kMaxBlocks blocks of 256 threads fills an H200 (132 SMs,
// 8 such blocks resident each) about once, and each thread has four 16-byte loads in
// flight (64 KiB per SM), enough to cover DRAM latency. Measured on an H200 at 2^28
// elements: 4.1-4.5 TB/s for every op of u16 ... c128, 3.8 TB/s for u8 (3.3 for its
// norm, an int-to-double conversion per byte), and 2.8 TB/s for f16/bf16 min/max, which
// are bound by the integer work of the keys (next step: two keys per 32-bit word).

#include "check.h"
#include "cuda_backend.h"
#include "dtype_dispatch.h"
#include "ops.h"

#include "kernels/reduce.cuh"

#include "core/operand_check.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace wb::cuda {

namespace {

// Partials at most: the final kernel's 256 threads reduce four each. Fixed, so results
// do not depend on the device's SM count.
constexpr std::int64_t kMaxBlocks = 1024;

template <typename R> class Reduction final : public UnaryOp {
public:
    Reduction(CudaBackend& backend, const ReduceDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_name(name(desc.op).data())
        , m_outType(desc.outputDType())
        , m_count(desc.shape.numel())
    {
        if (m_count > 0) {
            const std::int64_t packs = m_count / kernels::kWidth<typename R::Item>;
            m_blocks = std::clamp<std::int64_t>((packs + kernels::kReduceThreads - 1) / kernels::kReduceThreads, 1,
                                                kMaxBlocks);
            m_partials = backend.scratch(static_cast<std::size_t>(m_blocks) * sizeof(typename R::Acc));
        }
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope(m_name);
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, m_name, "input");
        detail::checkOperand(out, Shape{}, m_outType, place, m_name, "output");
        // The output is written by the second kernel, after the first has read all of the
        // input, so the two may share memory.
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        auto* partials = m_blocks > 0 ? static_cast<typename R::Acc*>(m_partials.data()) : nullptr;
        if (m_blocks > 0) {
            const auto* items = static_cast<const typename R::Item*>(in.data());
            const auto blocks = static_cast<unsigned>(m_blocks);
            if (reinterpret_cast<std::uintptr_t>(items) % alignof(kernels::Pack<typename R::Item>) == 0) {
                kernels::reducePartialsKernel<R, true>
                    <<<blocks, kernels::kReduceThreads, 0, stream>>>(items, m_count, partials);
                WB_CUDA_CHECK_LAUNCH("reducePartialsKernel");
            } else {
                kernels::reducePartialsKernel<R, false>
                    <<<blocks, kernels::kReduceThreads, 0, stream>>>(items, m_count, partials);
                WB_CUDA_CHECK_LAUNCH("reducePartialsKernel");
            }
        }
        kernels::reduceFinalKernel<R><<<1, kernels::kReduceThreads, 0, stream>>>(
            partials, static_cast<int>(m_blocks), m_count, static_cast<typename R::Out*>(out.data()));
        WB_CUDA_CHECK_LAUNCH("reduceFinalKernel");
    }

private:
    CudaBackend& m_backend;
    ReduceDesc m_desc;
    const char* m_name; // name(op) views a string literal
    DType m_outType;
    std::int64_t m_count;
    std::int64_t m_blocks = 0; // 0 for an empty array: only the final kernel runs
    Array m_partials;          // m_blocks accumulators
};

template <typename R> std::unique_ptr<UnaryOp> make(CudaBackend& backend, const ReduceDesc& desc)
{
    return std::make_unique<Reduction<R>>(backend, desc);
}

template <typename T, bool kMax> std::unique_ptr<UnaryOp> prepareExtreme(CudaBackend& backend, const ReduceDesc& desc)
{
    if constexpr (kernels::kIsComplex<T>)
        fail(ErrorCode::DTypeMismatch, "min/max of complex values", {.op = std::string(name(desc.op))});
    else
        return make<kernels::ExtremeReducer<T, kMax>>(backend, desc);
}

} // namespace

std::unique_ptr<UnaryOp> prepareReduce(CudaBackend& backend, const ReduceDesc& desc)
{
    desc.validate();
    return visitDeviceType(desc.dtype, [&](auto tag) -> std::unique_ptr<UnaryOp> {
        using T = typename decltype(tag)::Type;
        switch (desc.op) {
        case ReduceOp::Sum: return make<kernels::SumReducer<T, false>>(backend, desc);
        case ReduceOp::Mean: return make<kernels::SumReducer<T, true>>(backend, desc);
        case ReduceOp::Min: return prepareExtreme<T, false>(backend, desc);
        case ReduceOp::Max: return prepareExtreme<T, true>(backend, desc);
        case ReduceOp::Norm: return make<kernels::NormReducer<T>>(backend, desc);
        }
        fail(ErrorCode::InvalidArgument, "unknown reduction", {.op = "reduce"});
    });
}

} // namespace wb::cuda
