// Box filter on OpenCV (cv::boxFilter), on all of the backend's threads: OpenCV runs one
// box filter on one thread, so the rows are cut into bands, one cv::boxFilter each. A band
// is a view into the whole image, and OpenCV reads the rows around a view from the image
// it belongs to (no BORDER_ISOLATED), so the bands together give exactly the whole-image
// result with the border applied only at the image's edges.

#include "ops.h"

#include "core/operand_check.h"
#include "parallel.h"

#include <algorithm>

#include <warpbench/config.h>

#if WARPBENCH_HAVE_OPENCV
#include "opencv_mat.h"

#include <opencv2/imgproc.hpp>
#endif

namespace wb::cpu {

#if WARPBENCH_HAVE_OPENCV

namespace {

class BoxOp final : public UnaryOp {
public:
    explicit BoxOp(const BoxDesc& desc)
        : m_desc(desc)
        , m_border(openCvBorder(desc.border, "box"))
    {
    }

    // In place is allowed: the bands would read rows another band has overwritten, so the
    // input is copied first.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "box", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), "box", "output");
        cv::Mat source = wrapImage(in);
        if (in.data() == out.data())
            source = source.clone();
        cv::Mat result = wrapImage(out);
        const cv::Size ksize(m_desc.ksizeX, m_desc.ksizeY);
        // Bands of at least 32 rows and a few times the kernel's height, so that the rows
        // each band reads around itself stay a small part of its work.
        const std::int64_t minRows = std::max<std::int64_t>(32, 4 * m_desc.ksizeY);
        parallelFor(result.rows, minRows, [&](std::int64_t begin, std::int64_t end) {
            const cv::Range rows(static_cast<int>(begin), static_cast<int>(end));
            cv::Mat band = result.rowRange(rows);
            const void* const start = band.data;
            cv::boxFilter(source.rowRange(rows), band, -1, ksize, cv::Point(-1, -1), m_desc.normalize, m_border);
            requireWrittenAt(band, start, "box");
        });
    }

private:
    BoxDesc m_desc;
    int m_border;
};

} // namespace

std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc)
{
    desc.validate();
    return std::make_unique<BoxOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "box on the CPU needs OpenCV, which this build does not have", {.op = "box"});
}

#endif

} // namespace wb::cpu
