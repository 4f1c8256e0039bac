// RGB(A) -> gray on OpenCV (cv::cvtColor with the BT.601 weights). Our images are RGB
// ordered, so the RGB codes apply, not OpenCV's default BGR ones.

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

class GrayscaleOp final : public UnaryOp {
public:
    explicit GrayscaleOp(const GrayscaleDesc& desc)
        : m_desc(desc)
        , m_code(desc.shape[2] == 4 ? cv::COLOR_RGBA2GRAY : cv::COLOR_RGB2GRAY)
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "grayscale", "input");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.dtype, Place::host(), "grayscale", "output");
        detail::requireSeparate(in, out, "grayscale");
        cv::Mat result = wrapImage(out);
        cv::cvtColor(wrapImage(in), result, m_code);
        requireWrittenInPlace(result, out, "grayscale");
    }

private:
    GrayscaleDesc m_desc;
    int m_code;
};

} // namespace

std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc)
{
    desc.validate();
    return std::make_unique<GrayscaleOp>(desc);
}

#else

// Parameters are checked first: they are wrong whatever the build.
std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "grayscale on the CPU needs OpenCV, which this build does not have",
         {.op = "grayscale"});
}

#endif

} // namespace wb::cpu
