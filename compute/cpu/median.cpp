// Median filter on OpenCV (cv::medianBlur) with every border mode, on all of the backend's
// threads. medianBlur always replicates the edge, so each band of rows is first padded by
// the radius with cv::copyMakeBorder in the mode asked for (a band is a view into the whole
// image and copyMakeBorder reads the rows around it from the image, so only the image's own
// edges get the border), filtered, and the middle copied out: medianBlur's replication then
// only reaches pixels that are cropped away.
//
// medianBlur takes u16 and f32 only for ksize 3 and 5, and u8 beyond 5 only with 1, 3 or 4
// channels; otherwise the band runs our own loop (std::nth_element over the window of the padded band), which is
// correct for any size and slow for large ones (ksize² per element).

#include "ops.h"

#include "core/operand_check.h"
#include "parallel.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <warpbench/config.h>

#if WARPBENCH_HAVE_OPENCV
#include "opencv_mat.h"

#include <opencv2/imgproc.hpp>
#endif

namespace wb::cpu {

#if WARPBENCH_HAVE_OPENCV

namespace {

// out(y, x) = the median of padded(y .. y + k − 1, x .. x + k − 1), channel by channel.
template <typename T> void medianOfPadded(const cv::Mat& padded, cv::Mat& out, int k)
{
    const int channels = out.channels();
    const std::size_t area = static_cast<std::size_t>(k) * static_cast<std::size_t>(k);
    std::vector<T> window(area);
    const auto middle = window.begin() + static_cast<std::ptrdiff_t>(area / 2);
    for (int y = 0; y < out.rows; ++y) {
        T* row = out.ptr<T>(y);
        for (int x = 0; x < out.cols; ++x) {
            for (int c = 0; c < channels; ++c) {
                std::size_t n = 0;
                for (int dy = 0; dy < k; ++dy) {
                    const T* source = padded.ptr<T>(y + dy) + static_cast<std::ptrdiff_t>(x) * channels + c;
                    for (int dx = 0; dx < k; ++dx)
                        window[n++] = source[static_cast<std::ptrdiff_t>(dx) * channels];
                }
                std::nth_element(window.begin(), middle, window.end());
                row[static_cast<std::ptrdiff_t>(x) * channels + c] = *middle;
            }
        }
    }
}

class MedianOp final : public UnaryOp {
public:
    explicit MedianOp(const MedianDesc& desc)
        : m_desc(desc)
        , m_border(openCvBorder(desc.border, "median"))
        , m_openCv(desc.ksize <= 5 || (desc.dtype == DType::U8 && (desc.shape.ndim() == 2 || desc.shape[2] != 2)))
    {
    }

    // In place is allowed: the bands read rows another band has overwritten, so the input
    // is copied first.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "median", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), "median", "output");
        if (m_desc.ksize == 1) {
            if (in.data() != out.data())
                std::memcpy(out.data(), in.data(), static_cast<std::size_t>(in.nbytes()));
            return;
        }
        cv::Mat source = wrapImage(in);
        if (in.data() == out.data())
            source = source.clone();
        cv::Mat result = wrapImage(out);
        const int k = m_desc.ksize, r = k / 2;
        // Bands of at least 32 rows and a few times the window, so that the rows each band
        // pads itself with stay a small part of its work.
        const std::int64_t minRows = std::max<std::int64_t>(32, 4 * k);
        parallelFor(result.rows, minRows, [&](std::int64_t begin, std::int64_t end) {
            const cv::Range rows(static_cast<int>(begin), static_cast<int>(end));
            cv::Mat band = result.rowRange(rows);
            cv::Mat padded;
            cv::copyMakeBorder(source.rowRange(rows), padded, r, r, r, r, m_border, cv::Scalar::all(0));
            if (!m_openCv) {
                if (m_desc.dtype == DType::U8)
                    medianOfPadded<std::uint8_t>(padded, band, k);
                else if (m_desc.dtype == DType::U16)
                    medianOfPadded<std::uint16_t>(padded, band, k);
                else
                    medianOfPadded<float>(padded, band, k);
                return;
            }
            cv::Mat filtered;
            cv::medianBlur(padded, filtered, k);
            filtered(cv::Rect(r, r, band.cols, band.rows)).copyTo(band);
            requireWrittenAt(band, result.ptr(rows.start), "median");
        });
    }

private:
    MedianDesc m_desc;
    int m_border;
    bool m_openCv; // medianBlur supports the dtype and channels at this size
};

} // namespace

std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc)
{
    desc.validate();
    return std::make_unique<MedianOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "median on the CPU needs OpenCV, which this build does not have", {.op = "median"});
}

#endif

} // namespace wb::cpu
