// Gaussian blur: our own separable filter, u8 and f32, 1 to 4 interleaved channels, with
// OpenCV's kernel sizes, weights and border modes.
//
// Kernels up to 33 taps each way (radius kMaxTileRadius) run as one fused kernel
// (kernels/separable_tile.cuh): a shared-memory tile per block, the image read from DRAM
// once and written once, both passes register-blocked; one-channel images with the same
// radius both ways, up to kMaxColumnTileRadius, take the columns-first tile kernel
// (kernels/column_tile.cuh) with the radius compiled in. Wider kernels run as two passes
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
#include "column_tile.h"
#include "cuda_backend.h"
#include "gaussian_taps.h"
#include "in_place.h"
#include "ops.h"
#include "separable_tile.h"

#include "kernels/gaussian.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace wb::cuda {

namespace {

using kernels::Taps;

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

// The columns-first kernel for one channel and the same radius both ways, the radius a
// template argument (0 .. kMaxColumnTileRadius).
template <typename T> void dispatchGaussianColumns(int radius, const void* in, void* out, std::int64_t height,
                                                   std::int64_t width, const kernels::TileTaps& tapsX,
                                                   const kernels::TileTaps& tapsY, kernels::Border border,
                                                   cudaStream_t stream)
{
    const bool launched = [&]<int... Rs>(std::integer_sequence<int, Rs...>)
    {
        auto launch = [&]<int R>() {
            launchColumnTile<kernels::GaussianColumns<T, R>, T>(in, out, height, width,
                                                                columnPolicy<T, R>(tapsX, tapsY), border, stream);
            return true;
        };
        return ((radius == Rs && launch.template operator()<Rs>()) || ...);
    }
    (std::make_integer_sequence<int, kernels::kMaxColumnTileRadius + 1>{});
    if (!launched)
        fail(ErrorCode::Internal, "gaussian: no columns-first kernel for radius " + std::to_string(radius),
             {.op = "gaussian"});
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
            if constexpr (C == 1)
                if (m_columnTile) {
                    dispatchGaussianColumns<T>(m_tapsX.radius, source, out.data(), m_height, m_width, m_tile.tapsX,
                                               m_tile.tapsY, m_border, m_backend.stream());
                    return;
                }
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
    bool m_columnTile = m_tiled && m_channels == 1 && m_tapsX.radius == m_tapsY.radius &&
                        m_tapsX.radius <= kernels::kMaxColumnTileRadius &&
                        columnTileFits(m_height, m_tapsX.radius, m_tapsY.radius);
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
