// Sobel, Scharr, their gradient magnitude and the Laplacian: our one-pass separable
// derivative kernel (kernels/derivatives.cuh), u8, u16 and f32 in, f32 out, 1 to 4
// interleaved channels, every border mode, OpenCV's kernels (wb::derivativeFilters).
//
// prepare() turns the descriptor into the float taps of one or two separable filters
// (as OpenCV's cv::Sobel, cv::Scharr and cv::Laplacian apply them, the scale folded in)
// and checks the sizes the kernel's 32-bit tile arithmetic needs. run() is one launch on
// the backend's stream: derivativeFilter<T, C, R, TWO> with C the channels, R the radius
// (1 for ksize 1 and 3, 2 for 5, 3 for 7) and TWO for the magnitude and the Laplacian,
// which compute both of their filters from the same tile in the same pass. Input and
// output must not be the same array (each block reads rows around its own); in place (f32
// only), the input is first copied to a scratch image made on first need.
//
// Launch geometry, shared memory and the memory traffic are described in the kernel's
// header: one read of the input from DRAM and one f32 write; the halo of each 128 x 16
// tile (1 to 3 rows and columns around it) comes mostly from L2.
// One-channel images take the columns-first tile kernel instead (kernels/column_tile.cuh,
// policy DerivColumns): each column's window loaded once into registers, straight from
// global memory, no staged tile; f32 ones of whole float4 rows the float4 strips
// (kernels/float4_strip.cuh, policy DerivStrips).

#include "border.h"
#include "check.h"
#include "column_tile.h"
#include "cuda_backend.h"
#include "derivative_taps.h"
#include "float4_strip.h"
#include "in_place.h"
#include "ops.h"

#include "kernels/derivatives.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <type_traits>

namespace wb::cuda {

namespace {

using kernels::DerivShape;
using kernels::DerivTaps;

struct Launch {
    const void* in;
    float* out;
    DerivShape shape;
    DerivTaps taps;
    kernels::Border border;
    dim3 grid;
    cudaStream_t stream;
};

template <typename T, int C, int R, bool TWO> void launchFilter(const Launch& launch)
{
    kernels::derivativeFilter<T, C, R, TWO><<<launch.grid, kernels::kDerivThreads, 0, launch.stream>>>(
        static_cast<const T*>(launch.in), launch.out, launch.shape, launch.taps, launch.border);
    WB_CUDA_CHECK_LAUNCH("derivativeFilter");
}

// Calls f.template operator()<R>() with the radius as a template argument (1 to 3).
template <typename F> void visitRadius(int radius, F&& f)
{
    switch (radius) {
    case 1: f.template operator()<1>(); return;
    case 2: f.template operator()<2>(); return;
    case 3: f.template operator()<3>(); return;
    default: fail(ErrorCode::Internal, "derivative filters: no kernel of radius " + std::to_string(radius));
    }
}

template <typename T, int C> void dispatchRadius(int radius, bool two, const Launch& launch)
{
    visitRadius(radius, [&]<int R>() {
        if (two)
            launchFilter<T, C, R, true>(launch);
        else
            launchFilter<T, C, R, false>(launch);
    });
}

// One channel: the columns-first tile kernel, radius and combination compiled in.
template <typename T> void launchColumns(int radius, bool two, const Launch& launch)
{
    using Combine = kernels::DerivCombine;
    const Combine combine = !two ? Combine::One : launch.shape.magnitude ? Combine::Magnitude : Combine::Sum;
    visitRadius(radius, [&]<int R>() {
        auto go = [&]<Combine kCombine>() {
            launchColumnTile<kernels::DerivColumns<T, R, kCombine>, T>(
                launch.in, launch.out, launch.shape.height, launch.shape.width,
                kernels::DerivColumns<T, R, kCombine>{launch.taps}, launch.border, launch.stream);
        };
        switch (combine) {
        case Combine::One: go.template operator()<Combine::One>(); return;
        case Combine::Sum: go.template operator()<Combine::Sum>(); return;
        case Combine::Magnitude: go.template operator()<Combine::Magnitude>(); return;
        }
    });
}

// One channel of f32 in whole float4 rows: the float4 strip kernel, radius and combination
// compiled in. Whether it launched (stripFits).
bool launchStrips(int radius, bool two, const Launch& launch)
{
    using Combine = kernels::DerivCombine;
    const Combine combine = !two ? Combine::One : launch.shape.magnitude ? Combine::Magnitude : Combine::Sum;
    bool launched = false;
    visitRadius(radius, [&]<int R>() {
        auto go = [&]<Combine kCombine>() {
            using Policy = kernels::DerivStrips<R, kCombine>;
            launched = stripFits<Policy>(launch.in, launch.out, launch.shape.height, launch.shape.width);
            if (launched)
                launchFloat4Strip(launch.in, launch.out, launch.shape.height, launch.shape.width, Policy{launch.taps},
                                  launch.border, launch.stream);
        };
        switch (combine) {
        case Combine::One: go.template operator()<Combine::One>(); return;
        case Combine::Sum: go.template operator()<Combine::Sum>(); return;
        case Combine::Magnitude: go.template operator()<Combine::Magnitude>(); return;
        }
    });
    return launched;
}

template <typename T> void dispatchChannels(int channels, int radius, bool two, const Launch& launch)
{
    if constexpr (std::is_same_v<T, float>)
        if (channels == 1 && launchStrips(radius, two, launch))
            return;
    if (channels == 1 && columnTileFits(launch.shape.height, radius, radius)) {
        launchColumns<T>(radius, two, launch);
        return;
    }
    switch (channels) {
    case 1: dispatchRadius<T, 1>(radius, two, launch); return;
    case 2: dispatchRadius<T, 2>(radius, two, launch); return;
    case 3: dispatchRadius<T, 3>(radius, two, launch); return;
    case 4: dispatchRadius<T, 4>(radius, two, launch); return;
    default: fail(ErrorCode::ShapeMismatch, "images have 1 to 4 channels");
    }
}

class DerivativeOp final : public UnaryOp {
public:
    DerivativeOp(CudaBackend& backend, std::string name, const Shape& shape, DType dtype,
                 const DerivativeFilters& filters, BorderMode border)
        : m_backend(backend)
        , m_name(std::move(name))
        , m_shape(shape)
        , m_dtype(dtype)
        , m_channels(detail::imageChannels(shape))
        , m_radius(filters.radius)
        , m_two(filters.count == 2)
        , m_taps(derivativeTaps(filters))
        , m_border(toKernelBorder(border, m_name.c_str()))
    {
        const std::int64_t height = shape[0], width = shape[1];
        const std::int64_t rowElements = width * m_channels;
        // The kernel indexes a tile row's elements, and edge tiles' pixels, in 32 bits.
        if (rowElements > INT_MAX - 1024)
            fail(ErrorCode::Unsupported, m_name + ": rows of more than 2^31 − 1024 elements", {.op = m_name});
        const std::int64_t bands = (height + kernels::kDerivRows - 1) / kernels::kDerivRows;
        if (bands > INT_MAX)
            fail(ErrorCode::Unsupported, m_name + ": image too tall", {.op = m_name});
        m_kernelShape = DerivShape{height,      width,
                                   rowElements, static_cast<int>(bands),
                                   false,       filters.combine == DerivativeFilters::Combine::Magnitude};
        m_grid = dim3(static_cast<unsigned>((rowElements + kernels::kDerivTile - 1) / kernels::kDerivTile),
                      static_cast<unsigned>(std::min<std::int64_t>(bands, 65535)));
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope(m_name.c_str());
        const Place place = m_backend.place();
        detail::checkOperand(in, m_shape, m_dtype, place, m_name.c_str(), "input");
        detail::checkOperand(out, m_shape, DType::F32, place, m_name.c_str(), "output");
        m_backend.makeCurrent();
        const void* source = inputBesideOutput(m_backend, in, out, m_copy);
        Launch launch{
            source, static_cast<float*>(out.data()), m_kernelShape, m_taps, m_border, m_grid, m_backend.stream()};
        const std::size_t pitch = static_cast<std::size_t>(m_kernelShape.rowElements) * sizeOf(m_dtype);
        launch.shape.vector = reinterpret_cast<std::uintptr_t>(source) % kernels::kDerivVectorBytes == 0 &&
                              pitch % kernels::kDerivVectorBytes == 0;
        switch (m_dtype) {
        case DType::U8: dispatchChannels<std::uint8_t>(m_channels, m_radius, m_two, launch); return;
        case DType::U16: dispatchChannels<std::uint16_t>(m_channels, m_radius, m_two, launch); return;
        case DType::F32: dispatchChannels<float>(m_channels, m_radius, m_two, launch); return;
        default:
            fail(ErrorCode::DTypeMismatch, m_name + " takes u8, u16 or f32 images, got " + std::string(name(m_dtype)),
                 {.op = m_name});
        }
    }

private:
    CudaBackend& m_backend;
    std::string m_name;
    Shape m_shape;
    DType m_dtype;
    int m_channels;
    int m_radius;
    bool m_two;
    DerivTaps m_taps;
    kernels::Border m_border;
    DerivShape m_kernelShape{};
    dim3 m_grid;
    Array m_copy{}; // the input's copy for runs in place
};

} // namespace

std::unique_ptr<UnaryOp> prepareDerivative(CudaBackend& backend, const DerivativeDesc& desc)
{
    desc.validate();
    return std::make_unique<DerivativeOp>(backend, desc.opName(), desc.shape, desc.dtype, derivativeFilters(desc),
                                          desc.border);
}

std::unique_ptr<UnaryOp> prepareLaplacian(CudaBackend& backend, const LaplacianDesc& desc)
{
    desc.validate();
    return std::make_unique<DerivativeOp>(backend, "laplacian", desc.shape, desc.dtype, derivativeFilters(desc),
                                          desc.border);
}

} // namespace wb::cuda
