// Erode, dilate, open and close on OpenCV (cv::erode, cv::dilate, cv::morphologyEx), which
// spread the rows over their own threads (cv::setNumThreads, set by threads()). The
// structuring element is made once in prepare; constant borders use OpenCV's default border
// value, so that pixels beyond the edge never win (see MorphDesc).

#include "ops.h"

#include "core/operand_check.h"

#include <warpbench/config.h>

#if WARPBENCH_HAVE_OPENCV
#include "opencv_mat.h"

#include <opencv2/imgproc.hpp>
#endif

namespace wb::cpu {

#if WARPBENCH_HAVE_OPENCV

namespace {

class MorphologyOp final : public UnaryOp {
public:
    explicit MorphologyOp(const MorphDesc& desc)
        : m_desc(desc)
        , m_name(name(desc.op))
        , m_element(cv::getStructuringElement(desc.element == MorphShape::Rect ? cv::MORPH_RECT : cv::MORPH_CROSS,
                                              cv::Size(desc.ksizeX, desc.ksizeY)))
        , m_border(openCvBorder(desc.border, m_name.c_str()))
    {
    }

    // In place is allowed: OpenCV's morphology filters through row buffers.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), m_name.c_str(), "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), m_name.c_str(), "output");
        const cv::Mat source = wrapImage(in);
        cv::Mat result = wrapImage(out);
        const cv::Point anchor(-1, -1);
        const cv::Scalar value = cv::morphologyDefaultBorderValue();
        switch (m_desc.op) {
        case MorphOp::Erode: cv::erode(source, result, m_element, anchor, m_desc.iterations, m_border, value); break;
        case MorphOp::Dilate: cv::dilate(source, result, m_element, anchor, m_desc.iterations, m_border, value); break;
        case MorphOp::Open:
        case MorphOp::Close:
            cv::morphologyEx(source, result, m_desc.op == MorphOp::Open ? cv::MORPH_OPEN : cv::MORPH_CLOSE, m_element,
                             anchor, m_desc.iterations, m_border, value);
            break;
        }
        requireWrittenInPlace(result, out, m_name.c_str());
    }

private:
    MorphDesc m_desc;
    std::string m_name;
    cv::Mat m_element;
    int m_border;
};

} // namespace

std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc)
{
    desc.validate();
    return std::make_unique<MorphologyOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable,
         std::string(name(desc.op)) + " on the CPU needs OpenCV, which this build does not have",
         {.op = std::string(name(desc.op))});
}

#endif

} // namespace wb::cpu
