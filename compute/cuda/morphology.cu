// Erode, dilate, open and close: our van Herk / Gil-Werman passes (kernels/morphology.cuh),
// u8, u16 and f32, 1 to 4 interleaved channels, rectangles and crosses of any odd size,
// with OpenCV's results (see wb::MorphDesc for why the border mode does not matter).
//
// prepare() turns the desc into stages, each one erosion or dilation by one element:
//   - a rectangle: `iterations` passes are one pass by the rectangle they amount to
//     (MorphDesc::effectiveKsizeX/Y), as OpenCV does; open and close are two stages.
//   - a cross: one stage per iteration (repeated crosses are no cross).
// and allocates the scratch images the stages need. run() launches, per stage:
//   - rectangle kx x ky: the row pass (in -> mid), then the column pass (mid -> out);
//     a pass of size 1 is left out;
//   - cross: the row pass (in -> mid), then the column pass of the same input combined
//     with it (in, mid -> out).
// A rectangle of radii 1 to kMaxMorphTileRadius each way runs as one fused kernel instead
// (kernels/separable_tile.cuh): the image read and written once per stage; one-channel
// images take the columns-first tile kernel (kernels/column_tile.cuh) for those radii,
// u8 ones of whole words four pixels to a word, f32 squares of whole float4 rows up to
// radius kMaxMorphStripRadius the float4 strips (kernels/float4_strip.cuh).
// Stages in sequence alternate between two scratch images, the last writes the output.
// Runs in place copy the input to scratch first (a pass reads pixels other threads write).
//
// Cost per stage: a rectangle reads and writes the image twice (the intermediate mostly
// in L2 for frames up to about 40 MB), a cross three times; each pass does at most three
// comparisons per pixel, whatever the size.

#include "channel_dispatch.h"
#include "check.h"
#include "column_tile.h"
#include "cuda_backend.h"
#include "float4_strip.h"
#include "ops.h"
#include "separable_tile.h"

#include "kernels/morphology.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <algorithm>
#include <type_traits>
#include <vector>

namespace wb::cuda {

namespace {

using kernels::MaxOp;
using kernels::MinOp;

struct Stage {
    bool minimum = true; // erosion; else dilation
    bool cross = false;
    int kx = 1;
    int ky = 1;
};

std::vector<Stage> stagesOf(const MorphDesc& desc)
{
    const bool rect = desc.element == MorphShape::Rect || desc.ksizeX == 1 || desc.ksizeY == 1;
    std::vector<bool> ops;
    const bool first = desc.op == MorphOp::Erode || desc.op == MorphOp::Open;
    ops.push_back(first);
    if (desc.passes() == 2)
        ops.push_back(!first);
    std::vector<Stage> stages;
    for (bool minimum : ops) {
        if (rect) {
            stages.push_back({minimum, false, desc.effectiveKsizeX(), desc.effectiveKsizeY()});
            continue;
        }
        for (int i = 0; i < desc.iterations; ++i)
            stages.push_back({minimum, true, desc.ksizeX, desc.ksizeY});
    }
    return stages;
}

// Rows per row-pass block: up to 8, within 48 KiB of shared memory.
int rowLines(int r, int channels, std::size_t elementSize)
{
    const std::size_t perLine =
        static_cast<std::size_t>(2 * kernels::kMorphRowTile + 2 * r) * static_cast<std::size_t>(channels) * elementSize;
    return static_cast<int>(std::clamp<std::size_t>((std::size_t{48} << 10) / perLine, 1, 8));
}

unsigned gridY(std::int64_t count, int perBlock)
{
    return static_cast<unsigned>(std::clamp<std::int64_t>((count + perBlock - 1) / perBlock, 1, 65535));
}

template <typename T, int C, typename Op>
void launchRows(const T* in, T* out, std::int64_t height, std::int64_t width, int r, cudaStream_t stream)
{
    const int lines = rowLines(r, C, sizeof(T));
    const std::size_t shared = static_cast<std::size_t>(lines) * (2 * kernels::kMorphRowTile + 2 * r) * C * sizeof(T);
    const dim3 grid(static_cast<unsigned>((width + kernels::kMorphRowTile - 1) / kernels::kMorphRowTile),
                    gridY(height, lines));
    kernels::morphRows<T, C, Op><<<grid, kernels::kMorphRowThreads, shared, stream>>>(in, out, height, width, r, lines);
    WB_CUDA_CHECK_LAUNCH("morphRows");
}

template <typename T, typename Op> void launchColumns(const T* in, T* out, const T* combine, std::int64_t height,
                                                      std::int64_t rowElements, int r, cudaStream_t stream)
{
    const std::int64_t blocks = (height + 2 * r) / (2 * r + 1);
    const dim3 block(kernels::kMorphColWidth, kernels::kMorphColLines);
    const dim3 grid(static_cast<unsigned>((rowElements + kernels::kMorphColWidth - 1) / kernels::kMorphColWidth),
                    gridY(blocks, kernels::kMorphColLines));
    kernels::morphColumns<T, Op><<<grid, block, 0, stream>>>(in, out, combine, height, rowElements, r);
    WB_CUDA_CHECK_LAUNCH("morphColumns");
}

// One-channel u8 rectangles four pixels to a word.
template <typename Op> void launchPacked(const std::uint8_t* in, std::uint8_t* out, std::int64_t height,
                                         std::int64_t width, int rx, int ry, cudaStream_t stream)
{
    using WordOp = std::conditional_t<std::is_same_v<Op, MinOp<std::uint8_t>>, kernels::MinBytes, kernels::MaxBytes>;
    kernels::visitPackedMorph<WordOp>(rx, [&]<typename Policy>() {
        launchColumnTile<Policy, std::uint32_t>(in, out, height, width / 4, Policy::of(rx, ry),
                                                kernels::Border::Constant, stream);
    });
}

template <typename T> class MorphologyOp final : public UnaryOp {
public:
    MorphologyOp(CudaBackend& backend, const MorphDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_name(name(desc.op))
        , m_channels(detail::imageChannels(desc.shape))
        , m_stages(stagesOf(desc))
    {
        // Grid x counts 256-pixel tiles and 32-element strips in 32-bit unsigned.
        if (desc.shape[1] * m_channels > (std::int64_t{1} << 36))
            fail(ErrorCode::Unsupported, m_name + " rows longer than 2^36 elements", {.op = m_name});
        OpScope scope(m_name.c_str());
        const std::size_t bytes = static_cast<std::size_t>(desc.shape.numel()) * sizeof(T);
        m_mid = backend.scratch(bytes);
        // Two images to alternate between: the stages in sequence write them in turn, and a
        // run in place starts from a copy of the input in the first.
        m_ping = backend.scratch(bytes);
        if (m_stages.size() > 1)
            m_pong = backend.scratch(bytes);
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope(m_name.c_str());
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, m_name.c_str(), "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, m_name.c_str(), "output");
        m_backend.makeCurrent();
        cudaStream_t stream = m_backend.stream();
        const T* source = in.data<T>();
        T* const target = out.data<T>();
        if (static_cast<const void*>(source) == static_cast<const void*>(target)) {
            WB_CUDA_CHECK(cudaMemcpyAsync(m_ping.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, stream));
            source = m_ping.data<T>();
        }
        for (std::size_t i = 0; i < m_stages.size(); ++i) {
            T* dst = target;
            if (i + 1 < m_stages.size()) // alternate between the scratch images that are not the source
                dst = source == m_ping.data<T>() ? m_pong.data<T>() : m_ping.data<T>();
            runStage(m_stages[i], source, dst, stream);
            source = dst;
        }
    }

private:
    template <typename Op> void runStage(const Stage& stage, const T* src, T* dst, cudaStream_t stream)
    {
        const std::int64_t height = m_desc.shape[0], width = m_desc.shape[1];
        T* mid = m_mid.data<T>();
        const int rx = stage.kx / 2, ry = stage.ky / 2;
        auto rows = [&](const T* from, T* to) {
            visitChannels(m_channels, m_name,
                          [&]<int C>() { launchRows<T, C, Op>(from, to, height, width, rx, stream); });
        };
        const std::int64_t rowElements = width * m_channels;
        const bool tiled = !stage.cross && rx > 0 && ry > 0 && rx <= kernels::kMaxMorphTileRadius &&
                           ry <= kernels::kMaxMorphTileRadius && tileGridFits<4>(height);
        if (tiled && m_channels == 1 && columnTileFits(height, rx, ry)) {
            if constexpr (std::is_same_v<T, std::uint8_t>)
                if (takesWords(src, dst, width)) {
                    launchPacked<Op>(src, dst, height, width, rx, ry, stream);
                    return;
                }
            // f32 squares of radius 1 .. kMaxMorphStripRadius: the float4 strips.
            if constexpr (std::is_same_v<T, float>)
                if (rx == ry && launchStripsOfRadius<kernels::kMaxMorphStripRadius>(
                                    rx, src, dst, height, width, kernels::Border::Constant, stream,
                                    [&]<int R>() { return kernels::MorphStrips<Op, R>{}; }))
                    return;
            launchColumnTile<kernels::MorphColumns<T, Op>, T>(
                src, dst, height, width, kernels::MorphColumns<T, Op>{rx, ry}, kernels::Border::Constant, stream);
            return;
        }
        if (tiled) {
            const kernels::MorphTile<T, Op> policy{rx, ry};
            auto tile = [&]<int C>() {
                launchSeparableTile<kernels::MorphTile<T, Op>, T, C>(src, dst, height, width, policy,
                                                                     kernels::Border::Constant, stream);
            };
            visitChannels(m_channels, m_name, tile);
            return;
        }
        if (stage.cross) {
            rows(src, mid);
            launchColumns<T, Op>(src, dst, mid, height, rowElements, ry, stream);
        } else if (rx > 0 && ry > 0) {
            rows(src, mid);
            launchColumns<T, Op>(mid, dst, nullptr, height, rowElements, ry, stream);
        } else if (rx > 0) {
            rows(src, dst);
        } else if (ry > 0) {
            launchColumns<T, Op>(src, dst, nullptr, height, rowElements, ry, stream);
        } else {
            WB_CUDA_CHECK(cudaMemcpyAsync(dst, src, static_cast<std::size_t>(m_desc.shape.numel()) * sizeof(T),
                                          cudaMemcpyDeviceToDevice, stream));
        }
    }

    void runStage(const Stage& stage, const T* src, T* dst, cudaStream_t stream)
    {
        if (stage.minimum)
            runStage<MinOp<T>>(stage, src, dst, stream);
        else
            runStage<MaxOp<T>>(stage, src, dst, stream);
    }

    CudaBackend& m_backend;
    MorphDesc m_desc;
    std::string m_name;
    int m_channels;
    std::vector<Stage> m_stages;
    Array m_mid{};
    Array m_ping{};
    Array m_pong{};
};

} // namespace

std::unique_ptr<UnaryOp> prepareMorphology(CudaBackend& backend, const MorphDesc& desc)
{
    desc.validate();
    switch (desc.dtype) {
    case DType::U8: return std::make_unique<MorphologyOp<std::uint8_t>>(backend, desc);
    case DType::U16: return std::make_unique<MorphologyOp<std::uint16_t>>(backend, desc);
    default: return std::make_unique<MorphologyOp<float>>(backend, desc);
    }
}

} // namespace wb::cuda
