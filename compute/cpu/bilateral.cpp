// Bilateral filter on OpenCV (cv::bilateralFilter), which spreads the rows over its own
// threads (cv::setNumThreads, set by threads()). It is called on the whole image at once:
// its f32 colour table depends on the whole image's range, so bands would not give the
// whole image's result.

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

class BilateralOp final : public UnaryOp {
public:
    explicit BilateralOp(const BilateralDesc& desc)
        : m_desc(desc)
        , m_border(openCvBorder(desc.border, "bilateral"))
    {
    }

    // In place is allowed: bilateralFilter refuses it, so the input is copied first.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "bilateral", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.dtype, Place::host(), "bilateral", "output");
        cv::Mat source = wrapImage(in);
        if (in.data() == out.data())
            source = source.clone();
        cv::Mat result = wrapImage(out);
        // OpenCV derives the radius from d and sigmaSpace exactly as BilateralDesc::radius().
        cv::bilateralFilter(source, result, m_desc.diameter, m_desc.sigmaColor, m_desc.sigmaSpace, m_border);
        requireWrittenInPlace(result, out, "bilateral");
    }

private:
    BilateralDesc m_desc;
    int m_border;
};

} // namespace

std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc)
{
    desc.validate();
    return std::make_unique<BilateralOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "bilateral on the CPU needs OpenCV, which this build does not have",
         {.op = "bilateral"});
}

#endif

} // namespace wb::cpu
