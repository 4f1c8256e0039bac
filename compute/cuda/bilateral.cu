// Bilateral filter: our kernels (kernels/bilateral.cuh), u8 and f32, 1 or 3 channels, every
// border mode (f32 with constant is refused by BilateralDesc), OpenCV's weights.
//
// prepare() computes what does not depend on the pixels, on the host exactly as OpenCV
// does (the spatial weights as float(exp(r²·coeff)) with r = sqrt(dx² + dy²) in double, the
// disc's half width per row, and for u8 the colour weight of every integer distance), uploads
// the tables to device buffers and sets the dynamic shared memory limit. run(): for f32 the
// range (two memsets, bilateralRange, bilateralTable), then bilateralFilter, all on the
// backend's stream. The spatial weights live in constant memory, which all bilateral ops of
// a device share: run() copies its own there (device to device, stream ordered) only when
// another op's are loaded, which a host-side record per device tells.
//
// Each block reads pixels around its outputs, so a run in place first copies the input to
// a scratch image made on first need.

#include "border.h"
#include "check.h"
#include "cuda_backend.h"
#include "in_place.h"
#include "ops.h"

#include "kernels/bilateral.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <vector>

namespace wb::cuda {

namespace {

using kernels::Border;

// Which op's spatial weights each device's constant memory holds (0: none yet).
std::mutex g_spaceOwnerMutex;
std::map<int, std::uint64_t> g_spaceOwner;
std::atomic<std::uint64_t> g_nextOpId{1};

template <typename T, int C> void setSharedLimit(std::size_t bytes)
{
    WB_CUDA_CHECK(cudaFuncSetAttribute(kernels::bilateralFilter<T, C>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(bytes)));
}

class BilateralOp final : public UnaryOp {
public:
    BilateralOp(CudaBackend& backend, const BilateralDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_channels(detail::imageChannels(desc.shape))
        , m_radius(desc.radius())
        , m_border(toKernelBorder(desc.border, "bilateral"))
        , m_id(g_nextOpId.fetch_add(1))
    {
        const int side = 2 * m_radius + 1;
        const double spaceCoeff = -0.5 / (desc.sigmaSpace * desc.sigmaSpace);
        std::vector<float> space(static_cast<std::size_t>(kernels::kBilateralMaxSide * kernels::kBilateralMaxSide),
                                 0.f);
        std::vector<int> span(static_cast<std::size_t>(kernels::kBilateralMaxSide), 0);
        for (int dy = -m_radius; dy <= m_radius; ++dy) {
            for (int dx = -m_radius; dx <= m_radius; ++dx) {
                const double r = std::sqrt(static_cast<double>(dy) * dy + static_cast<double>(dx) * dx);
                if (r > m_radius)
                    continue;
                space[static_cast<std::size_t>((dy + m_radius) * side + dx + m_radius)] =
                    static_cast<float>(std::exp(r * r * spaceCoeff));
                span[static_cast<std::size_t>(dy + m_radius)] =
                    std::max(span[static_cast<std::size_t>(dy + m_radius)], dx);
            }
        }
        const std::size_t spaceBytes = space.size() * sizeof(float), spanBytes = span.size() * sizeof(int);
        m_spatial = m_backend.scratch(spaceBytes + spanBytes);
        const bool u8 = desc.dtype == DType::U8;
        const double colorCoeff = -0.5 / (desc.sigmaColor * desc.sigmaColor);
        std::vector<float> color;
        if (u8) {
            color.resize(static_cast<std::size_t>(256 * m_channels));
            for (std::size_t i = 0; i < color.size(); ++i)
                color[i] = static_cast<float>(std::exp(static_cast<double>(i) * static_cast<double>(i) * colorCoeff));
            m_color = m_backend.scratch(color.size() * sizeof(float));
        } else {
            m_bins = kernels::kBilateralBinsPerChannel * m_channels;
            m_colorCoeff = colorCoeff;
            m_color = m_backend.scratch(static_cast<std::size_t>(m_bins + 2) * sizeof(float));
            m_range = m_backend.scratch(sizeof(kernels::BilateralRange));
        }
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        auto* spatial = static_cast<std::uint8_t*>(m_spatial.data());
        WB_CUDA_CHECK(cudaMemcpyAsync(spatial, space.data(), spaceBytes, cudaMemcpyHostToDevice, stream));
        WB_CUDA_CHECK(cudaMemcpyAsync(spatial + spaceBytes, span.data(), spanBytes, cudaMemcpyHostToDevice, stream));
        if (u8)
            WB_CUDA_CHECK(cudaMemcpyAsync(m_color.data(), color.data(), color.size() * sizeof(float),
                                          cudaMemcpyHostToDevice, stream));
        // The host vectors go out of scope here: wait for the copies.
        WB_CUDA_CHECK(cudaStreamSynchronize(stream));

        m_sharedBytes = kernels::bilateralSharedBytes(m_radius, m_channels, u8);
        dispatch([&]<typename T, int C>() { setSharedLimit<T, C>(m_sharedBytes); });
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("bilateral");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "bilateral", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, "bilateral", "output");
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        const void* source = inputBesideOutput(m_backend, in, out, m_copy);
        loadSpatialWeights(place.device, stream);
        auto* range = static_cast<kernels::BilateralRange*>(m_range.valid() ? m_range.data() : nullptr);
        if (m_desc.dtype == DType::F32) {
            WB_CUDA_CHECK(cudaMemsetAsync(&range->minKey, 0xff, sizeof(std::uint32_t), stream));
            WB_CUDA_CHECK(cudaMemsetAsync(&range->maxKey, 0, sizeof(std::uint32_t), stream));
            const std::int64_t n = m_desc.shape.numel();
            const std::int64_t blocks = std::min<std::int64_t>(1024, (n + 4 * kernels::kBilateralRangeThreads - 1) /
                                                                         (4 * kernels::kBilateralRangeThreads));
            kernels::bilateralRange<<<static_cast<unsigned>(blocks), kernels::kBilateralRangeThreads, 0, stream>>>(
                static_cast<const float*>(source), n, range);
            WB_CUDA_CHECK_LAUNCH("bilateralRange");
            kernels::bilateralTable<<<static_cast<unsigned>((m_bins + 2 + 255) / 256), 256, 0, stream>>>(
                range, static_cast<float*>(m_color.data()), m_bins, m_channels, m_colorCoeff);
            WB_CUDA_CHECK_LAUNCH("bilateralTable");
        }
        const std::int64_t height = m_desc.shape[0], width = m_desc.shape[1];
        constexpr std::int64_t kRowsPerBlock = kernels::kBilateralBlockY * kernels::kBilateralRows;
        const std::int64_t blocksX = (width + kernels::kBilateralBlockX - 1) / kernels::kBilateralBlockX;
        const std::int64_t blocksY = (height + kRowsPerBlock - 1) / kRowsPerBlock;
        if (blocksX > 0x7fffffff || blocksY > 65535)
            fail(ErrorCode::Unsupported, "bilateral: image too large for one grid", {.op = "bilateral"});
        const dim3 grid(static_cast<unsigned>(blocksX), static_cast<unsigned>(blocksY));
        const dim3 block(kernels::kBilateralBlockX, kernels::kBilateralBlockY);
        const auto* table = static_cast<const float*>(m_color.data());
        dispatch([&]<typename T, int C>() {
            kernels::bilateralFilter<T, C>
                <<<grid, block, m_sharedBytes, stream>>>(static_cast<const T*>(source), static_cast<T*>(out.data()),
                                                         height, width, m_radius, m_border, table, range);
            WB_CUDA_CHECK_LAUNCH("bilateralFilter");
        });
    }

private:
    // Calls f.template operator()<T, C>() for this op's dtype and channel count.
    template <typename F> void dispatch(F&& f) const
    {
        const bool u8 = m_desc.dtype == DType::U8;
        if (u8 && m_channels == 1)
            f.template operator()<std::uint8_t, 1>();
        else if (u8)
            f.template operator()<std::uint8_t, 3>();
        else if (m_channels == 1)
            f.template operator()<float, 1>();
        else
            f.template operator()<float, 3>();
    }

    void loadSpatialWeights(int device, cudaStream_t stream)
    {
        const std::lock_guard lock(g_spaceOwnerMutex);
        std::uint64_t& owner = g_spaceOwner[device];
        if (owner == m_id)
            return;
        const auto* spatial = static_cast<const std::uint8_t*>(m_spatial.data());
        constexpr std::size_t spaceBytes = sizeof(float) * kernels::kBilateralMaxSide * kernels::kBilateralMaxSide;
        WB_CUDA_CHECK(cudaMemcpyToSymbolAsync(kernels::c_bilateralSpace, spatial, spaceBytes, 0,
                                              cudaMemcpyDeviceToDevice, stream));
        WB_CUDA_CHECK(cudaMemcpyToSymbolAsync(kernels::c_bilateralSpan, spatial + spaceBytes,
                                              sizeof(int) * kernels::kBilateralMaxSide, 0, cudaMemcpyDeviceToDevice,
                                              stream));
        owner = m_id;
    }

    CudaBackend& m_backend;
    BilateralDesc m_desc;
    int m_channels;
    int m_radius;
    Border m_border;
    std::uint64_t m_id; // this op's mark in g_spaceOwner
    int m_bins = 0;     // f32: table bins, 4096 per channel
    double m_colorCoeff = 0.0;
    std::size_t m_sharedBytes = 0;
    Array m_spatial{}; // spatial weights (the whole square) then the spans
    Array m_color{};   // u8: 256·C colour weights; f32: the interpolated table, filled per run
    Array m_range{};   // f32: kernels::BilateralRange
    Array m_copy{};    // the input's copy for runs in place
};

} // namespace

std::unique_ptr<UnaryOp> prepareBilateral(CudaBackend& backend, const BilateralDesc& desc)
{
    desc.validate();
    return std::make_unique<BilateralOp>(backend, desc);
}

} // namespace wb::cuda
