// Median filter: our kernels (kernels/median.cuh), u8, u16 and f32, 1 to 4 interleaved
// channels, every border mode; the same values as the CPU backend (a median is one of the
// window's values, so there is nothing to round).
//
// prepare() picks the kernel: for 3x3 and 5x5 on one-channel u8 of whole words, four pixels
// to a word (kernels/median_words.cuh); for other 3x3 on one-channel u8 the columns-first
// tile (kernels/median_columns.cuh); medianSmall for ksize 3 and 5 (every dtype),
// medianHistogram for u8 from 7, medianSelect for u16 and f32 from 7; ksize 1 is a copy. run() is one
// launch on the backend's stream. Each block reads pixels around its own outputs, so a run
// in place first copies the input to a scratch image made on first need.
//
// Launch geometry: see each kernel. medianSmall: 8 rows per thread for 3x3 (the row sorts of
// 10 rows give 8 outputs) and 4 for 5x5 (two pairs), 64 rows per block or 32. medianHistogram:
// strips of max(64, 2·ksize) rows, so that filling the histogram for a strip's first row
// (ksize² reads) stays below the strip's 2·ksize reads per row.

#include "border.h"
#include "channel_dispatch.h"
#include "check.h"
#include "column_tile.h"
#include "cuda_backend.h"
#include "in_place.h"
#include "ops.h"

#include "kernels/median.cuh"
#include "kernels/median_columns.cuh"
#include "kernels/median_words.cuh"

#include "core/image_checks.h"
#include "core/operand_check.h"

#include <algorithm>
#include <type_traits>

namespace wb::cuda {

namespace {

using kernels::Border;

template <typename T, int C, int R, int ITEMS>
void launchSmall(const T* in, T* out, std::int64_t height, std::int64_t width, Border border, cudaStream_t stream)
{
    constexpr std::int64_t bx = kernels::kMedianBlockX * kernels::kMedianLanes<T>;
    constexpr std::int64_t by = kernels::kMedianBlockY * ITEMS;
    const std::int64_t blocksX = (width * C + bx - 1) / bx, blocksY = (height + by - 1) / by;
    if (blocksX > 0x7fffffff || blocksY > 65535)
        fail(ErrorCode::Unsupported, "median: image too large for one grid", {.op = "median"});
    const dim3 grid(static_cast<unsigned>(blocksX), static_cast<unsigned>(blocksY));
    const dim3 block(kernels::kMedianBlockX, kernels::kMedianBlockY);
    kernels::medianSmall<T, C, R, ITEMS><<<grid, block, 0, stream>>>(in, out, height, width, border);
    WB_CUDA_CHECK_LAUNCH("medianSmall");
}

template <int C> void launchHistogram(const std::uint8_t* in, std::uint8_t* out, std::int64_t height,
                                      std::int64_t width, int ksize, Border border, cudaStream_t stream)
{
    const std::int64_t rows = std::min<std::int64_t>(height, std::max(64, 2 * ksize));
    const std::int64_t blocksX = (width * C + kernels::kMedianHistThreads - 1) / kernels::kMedianHistThreads;
    const std::int64_t blocksY = (height + rows - 1) / rows;
    if (blocksX > 0x7fffffff || blocksY > 65535)
        fail(ErrorCode::Unsupported, "median: image too large for one grid", {.op = "median"});
    const dim3 grid(static_cast<unsigned>(blocksX), static_cast<unsigned>(blocksY));
    kernels::medianHistogram<C><<<grid, kernels::kMedianHistThreads, 0, stream>>>(in, out, height, width, ksize / 2,
                                                                                  static_cast<int>(rows), border);
    WB_CUDA_CHECK_LAUNCH("medianHistogram");
}

template <typename T, int C> void launchSelect(const T* in, T* out, std::int64_t height, std::int64_t width, int ksize,
                                               Border border, cudaStream_t stream)
{
    const std::int64_t blocksX = (width * C + kernels::kMedianSelectThreads - 1) / kernels::kMedianSelectThreads;
    if (blocksX > 0x7fffffff)
        fail(ErrorCode::Unsupported, "median: image too wide for one grid", {.op = "median"});
    const dim3 grid(static_cast<unsigned>(blocksX), static_cast<unsigned>(std::min<std::int64_t>(height, 65535)));
    kernels::medianSelect<T, C>
        <<<grid, kernels::kMedianSelectThreads, 0, stream>>>(in, out, height, width, ksize / 2, border);
    WB_CUDA_CHECK_LAUNCH("medianSelect");
}

// Whether the word kernels take the image: one channel of whole words, a grid they fit.
bool wordsFit(const void* in, const void* out, std::int64_t height, std::int64_t width)
{
    return takesWords(in, out, width) && height <= std::int64_t{65535} * kernels::kMedianWordRows;
}

void launchWords(const void* in, void* out, std::int64_t height, std::int64_t width, int ksize, Border border,
                 cudaStream_t stream)
{
    const std::int64_t words = width / 4;
    const dim3 grid(static_cast<unsigned>((words + kernels::kMedianWordThreads - 1) / kernels::kMedianWordThreads),
                    static_cast<unsigned>((height + kernels::kMedianWordRows - 1) / kernels::kMedianWordRows));
    const auto* source = static_cast<const std::uint32_t*>(in);
    auto* target = static_cast<std::uint32_t*>(out);
    if (ksize == 3) {
        kernels::medianWords3<<<grid, kernels::kMedianWordThreads, 0, stream>>>(source, target, height, words, border);
        WB_CUDA_CHECK_LAUNCH("medianWords3");
    } else {
        kernels::medianWords5<<<grid, kernels::kMedianWordThreads, 0, stream>>>(source, target, height, words, border);
        WB_CUDA_CHECK_LAUNCH("medianWords5");
    }
}

template <typename T, int C>
void launchMedian(const void* in, void* out, const MedianDesc& desc, Border border, cudaStream_t stream)
{
    const auto* source = static_cast<const T*>(in);
    auto* target = static_cast<T*>(out);
    const std::int64_t height = desc.shape[0], width = desc.shape[1];
    if constexpr (C == 1 && std::is_same_v<T, std::uint8_t>) {
        if ((desc.ksize == 3 || desc.ksize == 5) && wordsFit(in, out, height, width)) {
            launchWords(in, out, height, width, desc.ksize, border, stream);
            return;
        }
        if (desc.ksize == 3 && columnTileFits(height, 1, 1)) {
            launchColumnTile<kernels::MedianColumns3, T>(in, out, height, width, kernels::MedianColumns3{}, border,
                                                         stream);
            return;
        }
    }
    if (desc.ksize == 3)
        launchSmall<T, C, 1, 8>(source, target, height, width, border, stream);
    else if (desc.ksize == 5)
        launchSmall<T, C, 2, 4>(source, target, height, width, border, stream);
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        launchHistogram<C>(source, target, height, width, desc.ksize, border, stream);
    else
        launchSelect<T, C>(source, target, height, width, desc.ksize, border, stream);
}

template <typename T> class MedianOp final : public UnaryOp {
public:
    MedianOp(CudaBackend& backend, const MedianDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_channels(detail::imageChannels(desc.shape))
        , m_border(toKernelBorder(desc.border, "median"))
    {
    }

    void run(const Array& in, Array& out) override
    {
        OpScope scope("median");
        const Place place = m_backend.place();
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, place, "median", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, place, "median", "output");
        m_backend.makeCurrent();
        if (m_desc.ksize == 1) {
            if (in.data() != out.data())
                WB_CUDA_CHECK(
                    cudaMemcpyAsync(out.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, m_backend.stream()));
            return;
        }
        const void* source = inputBesideOutput(m_backend, in, out, m_copy);
        const cudaStream_t stream = m_backend.stream();
        visitChannels(m_channels, "median",
                      [&]<int C>() { launchMedian<T, C>(source, out.data(), m_desc, m_border, stream); });
    }

private:
    CudaBackend& m_backend;
    MedianDesc m_desc;
    int m_channels;
    Border m_border;
    Array m_copy{}; // the input's copy for runs in place
};

} // namespace

std::unique_ptr<UnaryOp> prepareMedian(CudaBackend& backend, const MedianDesc& desc)
{
    desc.validate();
    switch (desc.dtype) {
    case DType::U8: return std::make_unique<MedianOp<std::uint8_t>>(backend, desc);
    case DType::U16: return std::make_unique<MedianOp<std::uint16_t>>(backend, desc);
    default: return std::make_unique<MedianOp<float>>(backend, desc);
    }
}

} // namespace wb::cuda
