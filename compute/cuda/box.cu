// Box filter: our one-pass running-sum kernel (kernels/box.cuh), u8, u16 and f32, 1 to 4
// interleaved channels, every border mode, with cv::boxFilter's rounding.
//
// Radii up to kMaxBoxTileRadius each way run as the fused tile kernel instead
// (kernels/separable_tile.cuh): a shared-memory tile with its halo, window sums of rows and
// then columns; the image read from DRAM once, the halo again from L2. One-channel images
// take the columns-first tile kernel (kernels/column_tile.cuh) for those radii, 3x3 aside;
// one-channel f32 squares of whole float4 rows up to radius kMaxBoxStripRadius the float4
// strips (kernels/float4_strip.cuh).
//
// prepare() decides everything a run needs: the sum type, the rounding (OpenCV's, see
// BoxDesc), the pixels per thread and the rows per block. run() is one kernel launch on
// the backend's stream. Input and output must not be the same array (each block reads
// rows around its own); in place, the input is first copied to a scratch image made in
// prepare() on first need.
//
// Launch geometry: pixels per thread ITEMS is the smallest of 1, 2, 4, 8 that gives
// 4·rx <= 128·ITEMS, and at least 4/C, so that the block-wide scan is shared by a few
// pixels. Rows per block: enough for about 2048 blocks (about 15 per SM of an H200, which
// holds 16 such blocks), at least 16 so that the ky rows read to start a strip stay a small
// part of its reads, and enough to keep the grid's y within 65535.
//
// Cost: one read of the frame from DRAM and one write; per pixel and row about 4 adds, a
// share of the scan and 2 shared loads, independent of kx and ky. What grows with the
// kernel: the 2·rx halo columns per strip (at most half of the segment) and the ky rows
// read to start each strip of rowsPerBlock rows (from L2, mostly).

#include "border.h"
#include "box_scale.h"
#include "channel_dispatch.h"
#include "check.h"
#include "column_tile.h"
#include "cuda_backend.h"
#include "float4_strip.h"
#include "in_place.h"
#include "ops.h"
#include "separable_tile.h"

#include "kernels/box.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace wb::cuda {

namespace {

using kernels::BoxRounding;
using kernels::BoxScale;

int itemsFor(int rx, int channels)
{
    int items = std::max(1, 4 / channels);
    while (4 * rx > kernels::kBoxThreads * items)
        items *= 2;
    return items;
}

struct BoxGeometry {
    int items = 1;
    int rowsPerBlock = 16;
    dim3 grid;
};

BoxGeometry boxGeometry(const BoxDesc& desc)
{
    BoxGeometry geometry;
    const std::int64_t height = desc.shape[0], width = desc.shape[1];
    const int rx = desc.ksizeX / 2;
    geometry.items = itemsFor(rx, detail::imageChannels(desc.shape));
    const std::int64_t tw = std::int64_t{kernels::kBoxThreads} * geometry.items - 2 * rx;
    const std::int64_t strips = (width + tw - 1) / tw;
    if (strips > 0x7fffffff)
        fail(ErrorCode::Unsupported, "box: image too wide for one grid", {.op = "box"});
    constexpr std::int64_t kTargetBlocks = 2048;
    std::int64_t rows =
        std::max<std::int64_t>({16, (height * strips + kTargetBlocks - 1) / kTargetBlocks, (height + 65534) / 65535});
    rows = std::min(rows, height);
    if (rows > 0x7fffffff)
        fail(ErrorCode::Unsupported, "box: image too tall for one grid", {.op = "box"});
    geometry.rowsPerBlock = static_cast<int>(rows);
    geometry.grid = dim3(static_cast<unsigned>(strips), static_cast<unsigned>((height + rows - 1) / rows));
    return geometry;
}

template <typename T, int C, typename Acc, int ITEMS>
void launchBox(const void* in, void* out, const BoxDesc& desc, const BoxGeometry& geometry, kernels::Border border,
               const BoxScale& scale, cudaStream_t stream)
{
    kernels::boxFilter<T, C, Acc, ITEMS><<<geometry.grid, kernels::kBoxThreads, 0, stream>>>(
        static_cast<const T*>(in), static_cast<T*>(out), desc.shape[0], desc.shape[1], desc.ksizeX / 2, desc.ksizeY / 2,
        geometry.rowsPerBlock, border, scale);
    WB_CUDA_CHECK_LAUNCH("boxFilter");
}

template <typename T, int C, typename Acc> void dispatchItems(const void* in, void* out, const BoxDesc& desc,
                                                              const BoxGeometry& geometry, kernels::Border border,
                                                              const BoxScale& scale, cudaStream_t stream)
{
    // Only the pixel counts itemsFor() can choose for C are instantiated.
    switch (geometry.items) {
    case 1:
        if constexpr (C >= 3) {
            launchBox<T, C, Acc, 1>(in, out, desc, geometry, border, scale, stream);
            return;
        }
        break;
    case 2:
        if constexpr (C >= 2) {
            launchBox<T, C, Acc, 2>(in, out, desc, geometry, border, scale, stream);
            return;
        }
        break;
    case 4: launchBox<T, C, Acc, 4>(in, out, desc, geometry, border, scale, stream); return;
    case 8: launchBox<T, C, Acc, 8>(in, out, desc, geometry, border, scale, stream); return;
    default: break;
    }
    fail(ErrorCode::Internal, "box: no kernel for " + std::to_string(geometry.items) + " pixels per thread",
         {.op = "box"});
}

template <typename T, typename Acc> class BoxOp final : public UnaryOp {
public:
    BoxOp(CudaBackend& backend, const BoxDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_channels(detail::imageChannels(desc.shape))
        , m_geometry(boxGeometry(desc))
        , m_border(toKernelBorder(desc.border, "box"))
        , m_scale(boxScale(desc))
    {
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("box");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "box", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, "box", "output");
        m_backend.makeCurrent();
        const void* source = inputBesideOutput(m_backend, in, out, m_copy);
        auto launch = [&]<int C>() {
            // f32 squares of radius 1 .. kMaxBoxStripRadius: the float4 strips.
            if constexpr (C == 1 && std::is_same_v<T, float>)
                if (m_rx == m_ry && launchStripsOfRadius<kernels::kMaxBoxStripRadius>(
                                        m_rx, source, out.data(), m_desc.shape[0], m_desc.shape[1], m_border,
                                        m_backend.stream(), [this]<int R>() { return kernels::BoxStrips<R>{m_scale}; }))
                    return;
            if constexpr (C == 1)
                if (m_columnTile) {
                    launchColumnTile<kernels::BoxColumns<T>, T>(source, out.data(), m_desc.shape[0], m_desc.shape[1],
                                                                kernels::BoxColumns<T>{m_rx, m_ry, m_scale}, m_border,
                                                                m_backend.stream());
                    return;
                }
            if (m_tiled)
                launchSeparableTile<kernels::BoxTile<T>, T, C>(source, out.data(), m_desc.shape[0], m_desc.shape[1],
                                                               kernels::BoxTile<T>{m_rx, m_ry, m_scale}, m_border,
                                                               m_backend.stream());
            else
                dispatchItems<T, C, Acc>(source, out.data(), m_desc, m_geometry, m_border, m_scale, m_backend.stream());
        };
        visitChannels(m_channels, "box", launch);
    }

private:
    CudaBackend& m_backend;
    BoxDesc m_desc;
    int m_channels;
    BoxGeometry m_geometry;
    kernels::Border m_border;
    BoxScale m_scale;
    int m_rx = m_desc.ksizeX / 2;
    int m_ry = m_desc.ksizeY / 2;
    // The fused tile kernel for radii it holds, with sums that fit its u32 (u16 with a
    // window over 65537 pixels stays on the strip kernel), and images its grid covers.
    bool m_tiled =
        m_rx <= kernels::kMaxBoxTileRadius && m_ry <= kernels::kMaxBoxTileRadius &&
        (!std::is_same_v<T, std::uint16_t> || std::is_same_v<Acc, std::uint32_t>)&&tileGridFits<4>(m_desc.shape[0]);
    // One channel: the columns-first kernel, for the same radii and sums as the tile kernel,
    // but 3x3 (on the H200, 4K f32: 32.3 us in the tile kernel, 35.5 columns first; 15x15
    // and up are as fast or faster columns first: 40.9 against 41.0, 63x63 65.5 against 106).
    bool m_columnTile = m_tiled && m_channels == 1 && std::max(m_rx, m_ry) > 1 &&
                        columnTileFits(m_desc.shape[0], m_rx, m_ry);
    Array m_copy{}; // the input's copy for runs in place
};

} // namespace

std::unique_ptr<UnaryOp> prepareBox(CudaBackend& backend, const BoxDesc& desc)
{
    desc.validate();
    const std::int64_t area = std::int64_t{desc.ksizeX} * desc.ksizeY;
    switch (desc.dtype) {
    case DType::U8: return std::make_unique<BoxOp<std::uint8_t, std::uint32_t>>(backend, desc);
    case DType::U16:
        // 65535·area must fit the sum type for the modular differences to be exact.
        if (area <= 65537)
            return std::make_unique<BoxOp<std::uint16_t, std::uint32_t>>(backend, desc);
        return std::make_unique<BoxOp<std::uint16_t, unsigned long long>>(backend, desc);
    default: return std::make_unique<BoxOp<float, double>>(backend, desc);
    }
}

} // namespace wb::cuda
