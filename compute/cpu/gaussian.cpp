// Gaussian blur on OpenCV (cv::GaussianBlur), whose kernel sizes and weights define the op
// (see wb::gaussianKernel). Images are wrapped, not copied.

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

class GaussianOp final : public UnaryOp {
public:
    explicit GaussianOp(const GaussianDesc& desc)
        : m_desc(desc)
        , m_ksize(desc.resolvedKsizeX(), desc.resolvedKsizeY())
        , m_border(openCvBorder(desc.border, "gaussian"))
    {
    }

    // In place (out sharing in's buffer) is allowed: OpenCV filters through row buffers.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "gaussian", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), "gaussian", "output");
        cv::Mat result = wrapImage(out);
        cv::GaussianBlur(wrapImage(in), result, m_ksize, m_desc.sigmaX, m_desc.resolvedSigmaY(), m_border);
        requireWrittenInPlace(result, out, "gaussian");
    }

private:
    GaussianDesc m_desc;
    cv::Size m_ksize; // width (x) first, as OpenCV takes it
    int m_border;
};

} // namespace

std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc)
{
    desc.validate();
    return std::make_unique<GaussianOp>(desc);
}

#else

// Parameters are checked first: they are wrong whatever the build.
std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "gaussian on the CPU needs OpenCV, which this build does not have",
         {.op = "gaussian"});
}

#endif

} // namespace wb::cpu
