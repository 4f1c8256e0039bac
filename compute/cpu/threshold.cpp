// Threshold on OpenCV (cv::threshold). OpenCV splits the image into stripes on its own
// threads (cv::setNumThreads holds the backend's count); with otsu it first computes the
// threshold from the histogram of the whole image on the calling thread, as THRESH_OTSU.
// Elementwise, so it may run in place.

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

int openCvThresholdType(ThresholdType type)
{
    switch (type) {
    case ThresholdType::Binary: return cv::THRESH_BINARY;
    case ThresholdType::BinaryInv: return cv::THRESH_BINARY_INV;
    case ThresholdType::Trunc: return cv::THRESH_TRUNC;
    case ThresholdType::ToZero: return cv::THRESH_TOZERO;
    case ThresholdType::ToZeroInv: return cv::THRESH_TOZERO_INV;
    }
    fail(ErrorCode::InvalidArgument, "unknown threshold type", {.op = "threshold"});
}

class ThresholdOp final : public UnaryOp {
public:
    explicit ThresholdOp(const ThresholdDesc& desc)
        : m_desc(desc)
        , m_type(openCvThresholdType(desc.type) | (desc.otsu ? cv::THRESH_OTSU : 0))
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "threshold", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), "threshold", "output");
        cv::Mat result = wrapImage(out);
        cv::threshold(wrapImage(in), result, m_desc.thresh, m_desc.maxval, m_type);
        requireWrittenInPlace(result, out, "threshold");
    }

private:
    ThresholdDesc m_desc;
    int m_type;
};

} // namespace

std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc)
{
    desc.validate();
    return std::make_unique<ThresholdOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "threshold on the CPU needs OpenCV, which this build does not have",
         {.op = "threshold"});
}

#endif

} // namespace wb::cpu
