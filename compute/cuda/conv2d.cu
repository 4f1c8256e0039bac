// conv2d on the GPU: our one-pass tiled kernels (kernels/conv2d.cuh), dense or separable
// as wb::Conv2dDesc::separable() decides (the CPU backend takes the same path), u8, u16
// and f32 in, the input's dtype or f32 out, 1 to 4 interleaved channels, every border mode.
//
// prepare() turns the weights into floats (the matrix, or the row then the column factor),
// decides the shared memory a block needs and raises the kernel's limit where it is over
// 48 KiB (31x31 matrices on 4 channels), and checks the grid fits. run() is one launch on
// the backend's stream. Blocks read the rows around their own, so in place the input is
// first copied (in_place.h).
//
// Square matrices on one-channel f32 in whole float4 rows, f32 out, run as float4 strips
// (kernels/float4_strip.cuh), which read the frame about once at near the copy's bandwidth
// (docs/benchmarks.md): separable ones of 3x3 to 7x7 as the derivatives' (policy
// DerivStrips with one filter: the column factor, then the row factor, + delta), dense ones
// of 3x3 and 5x5 with DenseConvStrips.
//
// Cost: one read of the input from DRAM (halo columns and rows again, mostly from L2:
// (kh − 1) / 32 of the rows, (kw − 1)·C / 128 of the columns) and one write. Dense: about
// kw·(kh + 7) / 8 shared loads and kw·kh FMAs per output; separable: kw + (kh + 7) / 8 loads
// and kw + kh FMAs, so 3x3 to 7x7 stay near the DRAM limit and large dense matrices are
// bound by shared-memory bandwidth.

#include "border.h"
#include "check.h"
#include "cuda_backend.h"
#include "float4_strip.h"
#include "in_place.h"
#include "ops.h"

#include "kernels/conv2d.cuh"
#include "kernels/conv2d_strips.cuh"
#include "kernels/derivatives.cuh"

#include "core/operand_check.h"

#include <cstdint>
#include <optional>
#include <type_traits>
#include <vector>

namespace wb::cuda {

namespace {

using kernels::ConvImage;
using kernels::ConvWeights;

template <typename T, typename Out> class Conv2dOp final : public UnaryOp {
public:
    Conv2dOp(CudaBackend& backend, const Conv2dDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
    {
        OpScope scope("conv2d");
        const std::int64_t channels = desc.shape.ndim() == 3 ? desc.shape[2] : 1;
        m_image = {desc.shape[0], desc.shape[1], desc.shape[1] * channels, static_cast<int>(channels),
                   toKernelBorder(desc.border, "conv2d")};
        m_weights.kw = desc.kernelWidth;
        m_weights.kh = desc.kernelHeight;
        m_weights.ax = desc.anchorX();
        m_weights.ay = desc.anchorY();
        m_weights.delta = static_cast<float>(desc.delta);
        const std::optional<SeparableFactors> factors = desc.separable();
        m_separable = factors.has_value();
        std::vector<double> values = m_separable ? factors->row : desc.weights();
        if (m_separable)
            values.insert(values.end(), factors->column.begin(), factors->column.end());
        for (std::size_t i = 0; i < values.size(); ++i)
            m_weights.w[i] = static_cast<float>(values[i]);
        if constexpr (std::is_same_v<T, float> && std::is_same_v<Out, float>)
            if (channels == 1 && desc.kernelWidth == desc.kernelHeight && desc.kernelWidth % 2 == 1 &&
                desc.kernelWidth >= 3)
                prepareStrips(desc.kernelWidth / 2);

        const std::int64_t gridX = (m_image.rowElements + kernels::kConvTileW - 1) / kernels::kConvTileW;
        const std::int64_t gridY = (m_image.height + kernels::kConvTileH - 1) / kernels::kConvTileH;
        if (gridX > 0x7fffffff || gridY > 65535)
            fail(ErrorCode::Unsupported, "conv2d: image " + desc.shape.toString() + " too large for one grid",
                 {.op = "conv2d"});
        m_grid = dim3(static_cast<unsigned>(gridX), static_cast<unsigned>(gridY));
        const std::size_t pitch = kernels::kConvTileW + static_cast<std::size_t>(desc.kernelWidth - 1) * channels;
        const std::size_t rows = kernels::kConvTileH + static_cast<std::size_t>(desc.kernelHeight) - 1;
        m_shared = rows * (pitch + (m_separable ? kernels::kConvTileW : 0)) * sizeof(float);
        if (m_shared > 48 * 1024) {
            m_backend.makeCurrent();
            WB_CUDA_CHECK(cudaFuncSetAttribute(kernel(), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                               static_cast<int>(m_shared)));
        }
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("conv2d");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "conv2d", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.outDType, place, "conv2d", "output");
        m_backend.makeCurrent();
        const void* source = inputBesideOutput(m_backend, in, out, m_copy);
        if (m_stripRadius > 0 && launchStrips(source, out.data()))
            return;
        const dim3 block(kernels::kConvThreadsX, kernels::kConvThreadsY);
        kernel()<<<m_grid, block, m_shared, m_backend.stream()>>>(static_cast<const T*>(source),
                                                                  static_cast<Out*>(out.data()), m_image, m_weights);
        WB_CUDA_CHECK_LAUNCH("conv2d");
    }

private:
    // The float4 strips of radius r for the weights of m_weights, where they apply.
    void prepareStrips(int r)
    {
        if (m_separable ? r > kernels::kDerivMaxRadius : r > kernels::kConvMaxStripRadius)
            return;
        m_stripRadius = r;
        const int size = 2 * r + 1;
        for (int i = 0; i < size; ++i) {
            m_taps.row[0][i] = m_weights.w[i];
            m_taps.column[0][i] = m_weights.w[size + i];
        }
        m_taps.delta = m_weights.delta;
    }

    bool launchStrips(const void* in, void* out) const
    {
        const auto launch = [&]<int kLargest>(auto make) {
            return launchStripsOfRadius<kLargest>(m_stripRadius, in, out, m_image.height, m_image.width, m_image.border,
                                                  m_backend.stream(), make);
        };
        if (m_separable)
            return launch.template operator()<kernels::kDerivMaxRadius>(
                [&]<int R>() { return kernels::DerivStrips<R, kernels::DerivCombine::One>{m_taps}; });
        return launch.template operator()<kernels::kConvMaxStripRadius>([&]<int R>() {
            kernels::DenseConvStrips<R> policy{};
            for (int i = 0; i < (2 * R + 1) * (2 * R + 1); ++i)
                policy.w[i] = m_weights.w[i];
            policy.delta = m_weights.delta;
            return policy;
        });
    }

    using Kernel = void (*)(const T*, Out*, ConvImage, const ConvWeights);

    // The kernel for the matrix's height: unrolled for 3, 5 and 7, general otherwise.
    Kernel kernel() const
    {
        switch (m_weights.kh) {
        case 3: return pick<3>();
        case 5: return pick<5>();
        case 7: return pick<7>();
        default: return pick<0>();
        }
    }

    template <int KH> Kernel pick() const
    {
        return m_separable ? kernels::conv2dSeparable<T, Out, KH> : kernels::conv2dDense<T, Out, KH>;
    }

    CudaBackend& m_backend;
    Conv2dDesc m_desc;
    ConvImage m_image{};
    ConvWeights m_weights{};
    bool m_separable = false;
    int m_stripRadius = 0;       // the float4 strips' radius, 0 where they do not apply
    kernels::DerivTaps m_taps{}; // separable: the strips' row and column factors
    dim3 m_grid;
    std::size_t m_shared = 0;
    Array m_copy{}; // the input's copy for runs in place
};

template <typename T> std::unique_ptr<UnaryOp> makeConv2d(CudaBackend& backend, const Conv2dDesc& desc)
{
    if (desc.outDType == DType::F32)
        return std::make_unique<Conv2dOp<T, float>>(backend, desc);
    return std::make_unique<Conv2dOp<T, T>>(backend, desc);
}

} // namespace

std::unique_ptr<UnaryOp> prepareConv2d(CudaBackend& backend, const Conv2dDesc& desc)
{
    desc.validate();
    switch (desc.dtype) {
    case DType::U8: return makeConv2d<std::uint8_t>(backend, desc);
    case DType::U16: return makeConv2d<std::uint16_t>(backend, desc);
    default: return makeConv2d<float>(backend, desc);
    }
}

} // namespace wb::cuda
