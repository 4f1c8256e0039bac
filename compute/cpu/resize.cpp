// Resize on OpenCV (cv::resize), which runs on its own threads (cv::setNumThreads holds the
// backend's count). The output size and OpenCV's factors come from ResizeDesc; with a size
// given, cv::resize derives the factors from it, and with factors given they are passed as
// they are (dsize empty), so both backends see the same inv_scale_x and inv_scale_y.
// The output is a different array from the input (sizes differ, or a copy).

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

int openCvInterpolation(Interpolation interpolation)
{
    switch (interpolation) {
    case Interpolation::Nearest: return cv::INTER_NEAREST;
    case Interpolation::Bilinear: return cv::INTER_LINEAR;
    case Interpolation::Area: return cv::INTER_AREA;
    }
    fail(ErrorCode::InvalidArgument, "unknown interpolation", {.op = "resize"});
}

class ResizeOp final : public UnaryOp {
public:
    explicit ResizeOp(const ResizeDesc& desc)
        : m_desc(desc)
        , m_interpolation(openCvInterpolation(desc.interpolation))
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "resize", "input");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.dtype, Place::host(), "resize", "output");
        detail::requireSeparate(in, out, "resize");
        cv::Mat result = wrapImage(out);
        if (m_desc.width > 0)
            cv::resize(wrapImage(in), result, result.size(), 0, 0, m_interpolation);
        else
            cv::resize(wrapImage(in), result, cv::Size(), m_desc.fx, m_desc.fy, m_interpolation);
        requireWrittenInPlace(result, out, "resize");
    }

private:
    ResizeDesc m_desc;
    int m_interpolation;
};

} // namespace

std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc)
{
    desc.validate();
    return std::make_unique<ResizeOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "resize on the CPU needs OpenCV, which this build does not have", {.op = "resize"});
}

#endif

} // namespace wb::cpu
