// Resize (kernels/resize.cuh): nearest, bilinear and area as cv::resize, u8, u16 and f32,
// 1 to 4 channels.
//
// prepare() repeats cv::resize's decisions on the host: the factors (inv_scale_x/y from the
// desc), the switch of a 2x2 bilinear reduction to the area average, the integer-factor area
// path, and the tables of source indices and weights, computed in OpenCV's arithmetic
// (double to float, cvFloor, saturate_cast<short>) and uploaded once. run() is one kernel on
// the stream (or a device copy for an output of the input's size), with no allocation.
//
// Launch geometry: 32 x 8 threads per block, one output pixel each; grid ceil(OW/32) x
// ceil(OH/8) (OH <= 32768 keeps it within 65535). Cost: one read of the input (each source
// row is read by the output rows over it, mostly from L1/L2) and one coalesced write.

#include "channel_dispatch.h"
#include "check.h"
#include "cuda_backend.h"
#include "ops.h"

#include "kernels/resize.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

namespace wb::cuda {

namespace {

enum class Path { Copy, Nearest, Linear, AreaFast, Area };

// OpenCV's saturate_cast<int>(double) and saturate_cast<short>(float): round half to even.
int roundToInt(double v) { return static_cast<int>(std::nearbyint(v)); }
int roundToShort(float v) { return std::clamp(static_cast<int>(std::nearbyint(v)), -32768, 32767); }

struct LinearAxis {
    std::vector<int> ofs;
    std::vector<float> weights; // 2 per entry
};

// One axis of resizeGeneric_'s coefficients (INTER_LINEAR, or INTER_AREA enlarging).
// `clampRight`: the x axis, where OpenCV switches to the one-pixel form at the right edge.
LinearAxis linearAxis(int in, int out, double scale, double inverseScale, bool areaMode, bool clampRight)
{
    LinearAxis axis;
    for (int d = 0; d < out; ++d) {
        int s = 0;
        float f = 0;
        if (!areaMode) {
            f = static_cast<float>((d + 0.5) * scale - 0.5);
            s = static_cast<int>(std::floor(f));
            f -= static_cast<float>(s);
        } else {
            s = static_cast<int>(std::floor(d * scale));
            f = static_cast<float>((d + 1) - (s + 1) * inverseScale);
            f = f <= 0 ? 0.f : f - std::floor(f);
        }
        if (clampRight) {
            if (s < 0) {
                f = 0;
                s = 0;
            }
            if (s + 1 >= in) {
                f = 0;
                s = in - 1;
            }
        }
        axis.ofs.push_back(s);
        axis.weights.push_back(1.f - f);
        axis.weights.push_back(clampRight && s + 1 >= in ? 0.f : f);
    }
    return axis;
}

struct AreaAxis {
    std::vector<int> start; // out + 1
    std::vector<int> src;
    std::vector<float> alpha;
};

// computeResizeAreaTab, grouped by output index.
AreaAxis areaAxis(int in, int out, double scale)
{
    AreaAxis axis;
    for (int d = 0; d < out; ++d) {
        axis.start.push_back(static_cast<int>(axis.src.size()));
        const double fs1 = d * scale, fs2 = fs1 + scale;
        const double cell = std::min(scale, in - fs1);
        int s1 = static_cast<int>(std::ceil(fs1)), s2 = static_cast<int>(std::floor(fs2));
        s2 = std::min(s2, in - 1);
        s1 = std::min(s1, s2);
        if (s1 - fs1 > 1e-3) {
            axis.src.push_back(s1 - 1);
            axis.alpha.push_back(static_cast<float>((s1 - fs1) / cell));
        }
        for (int s = s1; s < s2; ++s) {
            axis.src.push_back(s);
            axis.alpha.push_back(static_cast<float>(1.0 / cell));
        }
        if (fs2 - s2 > 1e-3) {
            axis.src.push_back(s2);
            axis.alpha.push_back(static_cast<float>(std::min(std::min(fs2 - s2, 1.), cell) / cell));
        }
    }
    axis.start.push_back(static_cast<int>(axis.src.size()));
    return axis;
}

class ResizeOp final : public UnaryOp {
public:
    ResizeOp(CudaBackend& backend, const ResizeDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_out(desc.outputShape())
        , m_channels(detail::imageChannels(desc.shape))
    {
        m_geometry = {static_cast<int>(desc.shape[1]), static_cast<int>(desc.shape[0]),
                      static_cast<int>(desc.outputWidth()), static_cast<int>(desc.outputHeight())};
        plan();
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("resize");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "resize", "input");
        detail::checkOperand(out, m_out, m_desc.dtype, place, "resize", "output");
        detail::requireSeparate(in, out, "resize");
        m_backend.makeCurrent();
        const cudaStream_t stream = m_backend.stream();
        if (m_path == Path::Copy) {
            WB_CUDA_CHECK(cudaMemcpyAsync(out.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, stream));
            return;
        }
        switch (m_desc.dtype) {
        case DType::U8: dispatch<std::uint8_t>(in.data(), out.data(), stream); return;
        case DType::U16: dispatch<std::uint16_t>(in.data(), out.data(), stream); return;
        case DType::F32: dispatch<float>(in.data(), out.data(), stream); return;
        default: fail(ErrorCode::DTypeMismatch, "resize of " + std::string(name(m_desc.dtype)), {.op = "resize"});
        }
    }

private:
    Array upload(const std::vector<int>& values)
    {
        Array host =
            Array::emptyHost(Shape{static_cast<std::int64_t>(std::max<std::size_t>(values.size(), 1))}, DType::I32);
        std::copy(values.begin(), values.end(), host.data<std::int32_t>());
        Array device = m_backend.empty(host.shape(), DType::I32);
        m_backend.copy(host, device);
        m_backend.synchronize(); // the host table is freed on return
        return device;
    }

    Array upload(const std::vector<float>& values)
    {
        Array host =
            Array::emptyHost(Shape{static_cast<std::int64_t>(std::max<std::size_t>(values.size(), 1))}, DType::F32);
        std::copy(values.begin(), values.end(), host.data<float>());
        Array device = m_backend.empty(host.shape(), DType::F32);
        m_backend.copy(host, device);
        m_backend.synchronize();
        return device;
    }

    // cv::resize's choice of path and its tables.
    void plan()
    {
        const int w = m_geometry.width, h = m_geometry.height;
        const int ow = m_geometry.outWidth, oh = m_geometry.outHeight;
        if (ow == w && oh == h) {
            m_path = Path::Copy;
            return;
        }
        const double invX = m_desc.inverseScaleX(), invY = m_desc.inverseScaleY();
        const double scaleX = 1. / invX, scaleY = 1. / invY;
        if (m_desc.interpolation == Interpolation::Nearest) {
            m_path = Path::Nearest;
            std::vector<int> xofs, yofs;
            for (int x = 0; x < ow; ++x)
                xofs.push_back(std::min(static_cast<int>(std::floor(x * scaleX)), w - 1));
            for (int y = 0; y < oh; ++y)
                yofs.push_back(std::min(static_cast<int>(std::floor(y * scaleY)), h - 1));
            m_tables.push_back(upload(xofs));
            m_tables.push_back(upload(yofs));
            return;
        }
        const int ix = roundToInt(scaleX), iy = roundToInt(scaleY);
        const bool areaFast = std::abs(scaleX - ix) < DBL_EPSILON && std::abs(scaleY - iy) < DBL_EPSILON;
        Interpolation mode = m_desc.interpolation;
        if (mode == Interpolation::Bilinear && areaFast && ix == 2 && iy == 2)
            mode = Interpolation::Area;
        if (mode == Interpolation::Area && scaleX >= 1 && scaleY >= 1) {
            if (areaFast) {
                m_path = Path::AreaFast;
                m_ix = ix;
                m_iy = iy;
                return;
            }
            m_path = Path::Area;
            const AreaAxis x = areaAxis(w, ow, scaleX), y = areaAxis(h, oh, scaleY);
            for (const auto* v : {&x.start, &x.src, &y.start, &y.src})
                m_tables.push_back(upload(*v));
            m_tables.push_back(upload(x.alpha));
            m_tables.push_back(upload(y.alpha));
            return;
        }
        m_path = Path::Linear;
        const bool areaMode = mode == Interpolation::Area;
        const LinearAxis x = linearAxis(w, ow, scaleX, invX, areaMode, true);
        const LinearAxis y = linearAxis(h, oh, scaleY, invY, areaMode, false);
        std::vector<int> ix16, iy16;
        for (float v : x.weights)
            ix16.push_back(roundToShort(v * 2048));
        for (float v : y.weights)
            iy16.push_back(roundToShort(v * 2048));
        m_tables.push_back(upload(x.ofs));
        m_tables.push_back(upload(x.weights));
        m_tables.push_back(upload(ix16));
        m_tables.push_back(upload(y.ofs));
        m_tables.push_back(upload(y.weights));
        m_tables.push_back(upload(iy16));
    }

    template <typename T> void dispatch(const void* in, void* out, cudaStream_t stream)
    {
        visitChannels(m_channels, "resize", [&]<int C>() { launch<T, C>(in, out, stream); });
    }

    template <typename T, int C> void launch(const void* in, void* out, cudaStream_t stream)
    {
        const dim3 block(kernels::kResizeBlockX, kernels::kResizeBlockY);
        const dim3 grid((m_geometry.outWidth + kernels::kResizeBlockX - 1) / kernels::kResizeBlockX,
                        (m_geometry.outHeight + kernels::kResizeBlockY - 1) / kernels::kResizeBlockY);
        const auto* source = static_cast<const T*>(in);
        auto* target = static_cast<T*>(out);
        auto table = [&](int i) { return m_tables.at(static_cast<std::size_t>(i)).data(); };
        switch (m_path) {
        case Path::Nearest:
            kernels::resizeNearestKernel<T, C><<<grid, block, 0, stream>>>(
                source, target, m_geometry, static_cast<const int*>(table(0)), static_cast<const int*>(table(1)));
            WB_CUDA_CHECK_LAUNCH("resizeNearestKernel");
            return;
        case Path::Linear: {
            const kernels::LinearTables tables{static_cast<const int*>(table(0)),   static_cast<const float*>(table(1)),
                                               static_cast<const int*>(table(2)),   static_cast<const int*>(table(3)),
                                               static_cast<const float*>(table(4)), static_cast<const int*>(table(5))};
            kernels::resizeLinearKernel<T, C><<<grid, block, 0, stream>>>(source, target, m_geometry, tables);
            WB_CUDA_CHECK_LAUNCH("resizeLinearKernel");
            return;
        }
        case Path::AreaFast:
            kernels::resizeAreaFastKernel<T, C><<<grid, block, 0, stream>>>(source, target, m_geometry, m_ix, m_iy);
            WB_CUDA_CHECK_LAUNCH("resizeAreaFastKernel");
            return;
        case Path::Area: {
            const kernels::AreaTables tables{static_cast<const int*>(table(0)),   static_cast<const int*>(table(1)),
                                             static_cast<const float*>(table(4)), static_cast<const int*>(table(2)),
                                             static_cast<const int*>(table(3)),   static_cast<const float*>(table(5))};
            kernels::resizeAreaKernel<T, C><<<grid, block, 0, stream>>>(source, target, m_geometry, tables);
            WB_CUDA_CHECK_LAUNCH("resizeAreaKernel");
            return;
        }
        case Path::Copy: return;
        }
    }

    CudaBackend& m_backend;
    ResizeDesc m_desc;
    Shape m_out;
    int m_channels;
    kernels::ResizeGeometry m_geometry{};
    Path m_path = Path::Copy;
    int m_ix = 1; // AreaFast factors
    int m_iy = 1;
    std::vector<Array> m_tables; // device tables, in the order each path reads them
};

} // namespace

std::unique_ptr<UnaryOp> prepareResize(CudaBackend& backend, const ResizeDesc& desc)
{
    desc.validate();
    return std::make_unique<ResizeOp>(backend, desc);
}

} // namespace wb::cuda
