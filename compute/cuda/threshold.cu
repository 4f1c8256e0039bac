// Threshold (kernels/threshold.cuh): u8, u16 and f32, any channel count; with Otsu (u8 and
// u16, one channel) three kernels on the stream: the histogram, the search and the threshold.
//
// prepare() turns the parameters into the kernel's (OpenCV's integer threshold and maximum)
// and, for Otsu, takes the histogram and the result from the backend's allocator. run()
// queues a memset of the histogram and the kernels, each checked; no copy to the host and no
// synchronisation, so it can be recorded into a CUDA graph. Elementwise, so it may run in
// place (the histogram is complete before the threshold kernel starts, in stream order).
//
// Launch geometry: grid-stride loops of 256 threads over 16-byte chunks, one chunk per
// thread up to 2^16 blocks (gridStrideBlocks). The histogram uses at most 1024 blocks (4 per
// SM of an H200 several times over), so that the merge into the global histogram costs at
// most 1024·256 atomics.

#include "check.h"
#include "cuda_backend.h"
#include "launch.h"
#include "ops.h"

#include "kernels/threshold.cuh"

#include "core/operand_check.h"

#include <algorithm>
#include <cmath>

namespace wb::cuda {

namespace {

using kernels::ThresholdKind;
using kernels::ThresholdParams;

ThresholdKind kindOf(ThresholdType type)
{
    switch (type) {
    case ThresholdType::Binary: return ThresholdKind::Binary;
    case ThresholdType::BinaryInv: return ThresholdKind::BinaryInv;
    case ThresholdType::Trunc: return ThresholdKind::Trunc;
    case ThresholdType::ToZero: return ThresholdKind::ToZero;
    case ThresholdType::ToZeroInv: return ThresholdKind::ToZeroInv;
    }
    fail(ErrorCode::InvalidArgument, "unknown threshold type", {.op = "threshold"});
}

// OpenCV's thresh_8u / thresh_16u setup: floor(thresh), round(maxval) saturated, and trunc's
// value the threshold itself.
ThresholdParams paramsOf(const ThresholdDesc& desc)
{
    ThresholdParams params;
    params.kind = kindOf(desc.type);
    const double top = desc.dtype == DType::U8 ? 255.0 : 65535.0;
    params.ithresh = static_cast<int>(std::clamp(std::floor(desc.thresh), -1.0, top));
    params.imaxval = static_cast<int>(std::clamp(std::nearbyint(desc.maxval), 0.0, top));
    if (desc.type == ThresholdType::Trunc)
        params.imaxval = std::clamp(params.ithresh, 0, static_cast<int>(top));
    params.thresh = static_cast<float>(desc.thresh);
    params.maxval = static_cast<float>(desc.maxval);
    return params;
}

template <typename T>
void launchThreshold(const void* in, void* out, std::int64_t n, const ThresholdParams& params, cudaStream_t stream)
{
    const std::int64_t chunks = std::max<std::int64_t>(1, n / kernels::kWidth<T>);
    const unsigned blocks = gridStrideBlocks(chunks);
    const auto* source = static_cast<const T*>(in);
    auto* target = static_cast<T*>(out);
    if (kernels::chunksAligned<T, T>(in, out))
        kernels::thresholdKernel<T, true><<<blocks, kElementwiseThreads, 0, stream>>>(source, target, n, params);
    else
        kernels::thresholdKernel<T, false><<<blocks, kElementwiseThreads, 0, stream>>>(source, target, n, params);
    WB_CUDA_CHECK_LAUNCH("thresholdKernel");
}

template <typename T> void launchOtsu(const void* in, std::int64_t n, unsigned* hist, int* result, cudaStream_t stream)
{
    constexpr int kBins = std::is_same_v<T, std::uint8_t> ? 256 : 65536;
    WB_CUDA_CHECK(cudaMemsetAsync(hist, 0, kBins * sizeof(unsigned), stream));
    const std::int64_t chunks = std::max<std::int64_t>(1, n / kernels::kWidth<T>);
    const unsigned blocks = static_cast<unsigned>(
        std::min<std::int64_t>((chunks + kernels::kOtsuThreads - 1) / kernels::kOtsuThreads, 1024));
    const auto* source = static_cast<const T*>(in);
    if (reinterpret_cast<std::uintptr_t>(in) % alignof(kernels::Pack<T>) == 0)
        kernels::otsuHistogramKernel<T, true><<<blocks, kernels::kOtsuThreads, 0, stream>>>(source, n, hist);
    else
        kernels::otsuHistogramKernel<T, false><<<blocks, kernels::kOtsuThreads, 0, stream>>>(source, n, hist);
    WB_CUDA_CHECK_LAUNCH("otsuHistogramKernel");
    kernels::otsuSearchKernel<kBins><<<1, kernels::kOtsuThreads, 0, stream>>>(hist, n, result);
    WB_CUDA_CHECK_LAUNCH("otsuSearchKernel");
}

class ThresholdOp final : public UnaryOp {
public:
    ThresholdOp(CudaBackend& backend, const ThresholdDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_params(paramsOf(desc))
    {
        if (desc.otsu) {
            const std::size_t bins = desc.dtype == DType::U8 ? 256 : 65536;
            m_hist = backend.scratch(bins * sizeof(unsigned));
            m_result = backend.scratch(sizeof(int));
        }
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("threshold");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "threshold", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, "threshold", "output");
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        const std::int64_t n = m_desc.shape.numel();
        ThresholdParams params = m_params;
        if (m_desc.otsu) {
            auto* hist = static_cast<unsigned*>(m_hist.data());
            auto* result = static_cast<int*>(m_result.data());
            if (m_desc.dtype == DType::U8)
                launchOtsu<std::uint8_t>(in.data(), n, hist, result, stream);
            else
                launchOtsu<std::uint16_t>(in.data(), n, hist, result, stream);
            params.otsu = result;
        }
        switch (m_desc.dtype) {
        case DType::U8: launchThreshold<std::uint8_t>(in.data(), out.data(), n, params, stream); return;
        case DType::U16: launchThreshold<std::uint16_t>(in.data(), out.data(), n, params, stream); return;
        case DType::F32: launchThreshold<float>(in.data(), out.data(), n, params, stream); return;
        default: fail(ErrorCode::DTypeMismatch, "threshold of " + std::string(name(m_desc.dtype)), {.op = "threshold"});
        }
    }

private:
    CudaBackend& m_backend;
    ThresholdDesc m_desc;
    ThresholdParams m_params;
    Array m_hist{};   // Otsu: 256 or 65536 counters
    Array m_result{}; // Otsu: the threshold chosen, one int
};

} // namespace

std::unique_ptr<UnaryOp> prepareThreshold(CudaBackend& backend, const ThresholdDesc& desc)
{
    desc.validate();
    return std::make_unique<ThresholdOp>(backend, desc);
}

} // namespace wb::cuda
