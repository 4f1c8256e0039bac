// Gaussian blur: our own separable filter, u8 and f32, 1 to 4 interleaved channels, with
// OpenCV's kernel sizes, weights and border modes.
//
// Kernels up to 33 taps each way (radius kMaxTileRadius) run as one fused kernel
// (kernels/gaussian_tile.cuh): a shared-memory tile per block, the image read from DRAM
// once and written once, both passes register-blocked. Wider kernels run as two passes
// through an intermediate image (kernels/gaussian.cuh), whose shared-memory tiles hold a
// halo of up to 64 pixels: each tap is one shared-memory load per output there.
//
// prepare() computes the weights (wb::gaussianKernel, as OpenCV's getGaussianKernel; for
// u8 also OpenCV's fixed-point rounding of them) and, for the two-pass path, allocates
// the intermediate image (f32 for f32 images, u16 for u8 images). The fused kernel reads
// pixels around its own tile, so a run in place first copies the input to scratch memory.

#include "border.h"
#include "channel_dispatch.h"
#include "check.h"
#include "cuda_backend.h"
#include "in_place.h"
#include "ops.h"
#include "separable_tile.h"

#include "kernels/gaussian.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <cmath>
#include <vector>

namespace wb::cuda {

namespace {

using kernels::Taps;

Taps<float> floatTaps(const std::vector<double>& weights)
{
    Taps<float> taps{};
    taps.radius = static_cast<int>(weights.size() / 2);
    for (std::size_t i = 0; i < weights.size(); ++i)
        taps.w[i] = static_cast<float>(weights[i]);
    return taps;
}

// OpenCV's fixed-point weights for 8-bit images (getGaussianKernelFixedPoint_ED): units of
// 2^-8, rounded from the outside in with the rounding error carried to the next tap, the
// kernel kept symmetric, and the centre tap taking what makes the sum exactly 256.
Taps<std::uint32_t> fixedPointTaps(const std::vector<double>& weights)
{
    Taps<std::uint32_t> taps{};
    const int n = static_cast<int>(weights.size());
    taps.radius = n / 2;
    double carried = 0;
    std::int64_t sum = 0;
    for (int i = 0; i < n / 2; ++i) {
        const double adjusted = weights[i] * 256.0 + carried;
        const std::int64_t rounded = std::llrint(adjusted); // half to even, as cvRound
        carried = adjusted - static_cast<double>(rounded);
        taps.w[i] = taps.w[n - 1 - i] = static_cast<std::uint32_t>(rounded);
        sum += rounded;
    }
    taps.w[n / 2] = static_cast<std::uint32_t>(256 - 2 * sum);
    return taps;
}

template <typename T> auto tapsFor(const std::vector<double>& weights)
{
    if constexpr (std::is_same_v<T, float>)
        return floatTaps(weights);
    else
        return fixedPointTaps(weights);
}

// The weights of the fused kernel, padded with zeros to whole chunks; for u8 the
// fixed-point integers, which float holds exactly.
template <typename Weight> kernels::TileTaps tileTaps(const Taps<Weight>& taps)
{
    kernels::TileTaps tile{};
    tile.chunks = (2 * taps.radius + kernels::kTileRun) / kernels::kTileRun;
    for (int i = 0; i <= 2 * taps.radius; ++i)
        tile.w[i] = static_cast<float>(taps.w[i]);
    return tile;
}

template <typename T, int C> void launchGaussian(const void* in, void* mid, void* out, std::int64_t height,
                                                 std::int64_t width,
                                                 const Taps<typename kernels::GaussianArith<T>::Weight>& tapsX,
                                                 const Taps<typename kernels::GaussianArith<T>::Weight>& tapsY,
                                                 kernels::Border border, cudaStream_t stream)
{
    using Mid = typename kernels::GaussianArith<T>::Mid;
    auto gridY = [](std::int64_t rows, int perBlock) {
        return static_cast<unsigned>(std::min<std::int64_t>((rows + perBlock - 1) / perBlock, 65535));
    };

    const dim3 rowBlock(kernels::kRowThreads, kernels::kRowLines);
    const dim3 rowGrid(static_cast<unsigned>((width + kernels::kRowTile - 1) / kernels::kRowTile),
                       gridY(height, kernels::kRowLines));
    const std::size_t rowShared =
        std::size_t{kernels::kRowLines} * (kernels::kRowTile + 2 * tapsX.radius) * C * sizeof(T);
    kernels::gaussianRows<T, C><<<rowGrid, rowBlock, rowShared, stream>>>(
        static_cast<const T*>(in), static_cast<Mid*>(mid), height, width, tapsX, border);
    WB_CUDA_CHECK_LAUNCH("gaussianRows");

    const std::int64_t rowElements = width * C;
    const dim3 columnBlock(kernels::kColWidth, kernels::kColLines);
    const dim3 columnGrid(static_cast<unsigned>((rowElements + kernels::kColWidth - 1) / kernels::kColWidth),
                          gridY(height, kernels::kColTile));
    const std::size_t columnShared =
        std::size_t{kernels::kColTile + 2 * static_cast<unsigned>(tapsY.radius)} * kernels::kColWidth * sizeof(Mid);
    kernels::gaussianColumns<T><<<columnGrid, columnBlock, columnShared, stream>>>(
        static_cast<const Mid*>(mid), static_cast<T*>(out), height, rowElements, tapsY, border);
    WB_CUDA_CHECK_LAUNCH("gaussianColumns");
}

template <typename T> class GaussianOp final : public UnaryOp {
public:
    using Weight = typename kernels::GaussianArith<T>::Weight;
    using Mid = typename kernels::GaussianArith<T>::Mid;

    GaussianOp(CudaBackend& backend, const GaussianDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_height(desc.shape[0])
        , m_width(desc.shape[1])
        , m_channels(detail::imageChannels(desc.shape))
        , m_tapsX(tapsFor<T>(gaussianKernel(desc.resolvedKsizeX(), desc.sigmaX)))
        , m_tapsY(tapsFor<T>(gaussianKernel(desc.resolvedKsizeY(), desc.resolvedSigmaY())))
        , m_border(toKernelBorder(desc.border, "gaussian"))
    {
        // Grid x counts row tiles and column strips in 32-bit unsigned; keep well inside it.
        if (m_width * m_channels > (std::int64_t{1} << 36))
            fail(ErrorCode::Unsupported, "gaussian rows longer than 2^36 elements", {.op = "gaussian"});
        OpScope scope("gaussian");
        if (m_tiled)
            return; // the fused kernel needs no intermediate
        m_intermediate = backend.scratch(static_cast<std::size_t>(desc.shape.numel()) * sizeof(Mid));
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("gaussian");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "gaussian", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, "gaussian", "output");
        m_backend.makeCurrent();
        const void* source = m_tiled ? inputBesideOutput(m_backend, in, out, m_intermediate) : in.data();
        auto launch = [&]<int C>() {
            if (m_tiled)
                launchSeparableTile<kernels::GaussianTile<T>, T, C>(source, out.data(), m_height, m_width, m_tile,
                                                                    m_border, m_backend.stream());
            else
                launchGaussian<T, C>(in.data(), m_intermediate.data(), out.data(), m_height, m_width, m_tapsX, m_tapsY,
                                     m_border, m_backend.stream());
        };
        visitChannels(m_channels, "gaussian", launch);
    }

private:
    CudaBackend& m_backend;
    GaussianDesc m_desc;
    std::int64_t m_height;
    std::int64_t m_width;
    int m_channels;
    Taps<Weight> m_tapsX;
    Taps<Weight> m_tapsY;
    kernels::Border m_border;
    // The fused kernel for kernels it holds and images its grid covers (any channel count).
    bool m_tiled = m_tapsX.radius <= kernels::kMaxTileRadius && m_tapsY.radius <= kernels::kMaxTileRadius &&
                   tileGridFits<4>(m_height);
    kernels::GaussianTile<T> m_tile =
        m_tiled ? kernels::GaussianTile<T>{tileTaps(m_tapsX), tileTaps(m_tapsY), m_tapsX.radius, m_tapsY.radius}
                : kernels::GaussianTile<T>{};
    Array m_intermediate; // the two-pass path's intermediate image, or the input's copy for the fused one in place
};

} // namespace

std::unique_ptr<UnaryOp> prepareGaussian(CudaBackend& backend, const GaussianDesc& desc)
{
    desc.validate();
    if (desc.dtype == DType::U8)
        return std::make_unique<GaussianOp<std::uint8_t>>(backend, desc);
    return std::make_unique<GaussianOp<float>>(backend, desc);
}

} // namespace wb::cuda
