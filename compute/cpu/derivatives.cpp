// Sobel, Scharr, their gradient magnitude and the Laplacian on OpenCV (cv::Sobel, cv::Scharr,
// cv::magnitude, cv::Laplacian with ddepth = CV_32F), on all of the backend's threads:
// OpenCV runs one such filter on one thread, so the rows are cut into bands, one call
// each, as box.cpp does. A band is a view into the whole image, and OpenCV reads the rows
// around a view from the image it belongs to (no BORDER_ISOLATED), so the bands together
// give exactly the whole-image result with the border applied only at the image's edges.
// The magnitude writes gx into the output band, gy into the same band of a scratch image
// made in prepare, and cv::magnitude of the two into the output band.

#include "ops.h"

#include "core/operand_check.h"
#include "parallel.h"

#include <warpbench/config.h>

#if WARPBENCH_HAVE_OPENCV
#include "opencv_mat.h"

#include <opencv2/imgproc.hpp>
#endif

#include <functional>
#include <string>

namespace wb::cpu {

#if WARPBENCH_HAVE_OPENCV

namespace {

// Bands of at least this many rows, so that the rows each band reads around itself (at
// most 3 on each side) stay a small part of its work.
constexpr std::int64_t kMinBandRows = 32;

// The filter of one band: the source's rows in, the same rows of the f32 output out.
using BandFilter = std::function<void(const cv::Mat& source, cv::Mat& result, const cv::Range& rows)>;

class FilterOp final : public UnaryOp {
public:
    FilterOp(std::string name, Shape shape, DType dtype, BandFilter filter)
        : m_name(std::move(name))
        , m_shape(std::move(shape))
        , m_dtype(dtype)
        , m_filter(std::move(filter))
    {
    }

    // In place (f32 only) is allowed: the bands would read rows another band has
    // overwritten, so the input is copied first.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_shape, m_dtype, Place::host(), m_name.c_str(), "input");
        detail::checkOperand(out, m_shape, DType::F32, Place::host(), m_name.c_str(), "output");
        cv::Mat source = wrapImage(in);
        if (in.data() == out.data())
            source = source.clone();
        cv::Mat result = wrapImage(out);
        parallelFor(result.rows, kMinBandRows, [&](std::int64_t begin, std::int64_t end) {
            const cv::Range rows(static_cast<int>(begin), static_cast<int>(end));
            cv::Mat band = result.rowRange(rows);
            const void* const start = band.data;
            m_filter(source.rowRange(rows), band, rows);
            requireWrittenAt(band, start, m_name.c_str());
        });
    }

private:
    std::string m_name;
    Shape m_shape;
    DType m_dtype;
    BandFilter m_filter;
};

// One derivative of a band into `result` (CV_32F, the band's size).
void derivative(const DerivativeDesc& desc, int dx, int dy, int border, const cv::Mat& source, cv::Mat& result)
{
    if (desc.kind == DerivativeKind::Scharr)
        cv::Scharr(source, result, CV_32F, dx, dy, desc.scale, desc.delta, border);
    else
        cv::Sobel(source, result, CV_32F, dx, dy, desc.ksize, desc.scale, desc.delta, border);
}

} // namespace

std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc)
{
    desc.validate();
    const std::string op = desc.opName();
    const int border = openCvBorder(desc.border, op.c_str());
    if (!desc.magnitude)
        return std::make_unique<FilterOp>(op, desc.shape, desc.dtype,
                                          [desc, border](const cv::Mat& source, cv::Mat& result, const cv::Range&) {
                                              derivative(desc, desc.dx, desc.dy, border, source, result);
                                          });
    // gy of every band, in the band's rows of one image made here; shared by the bands.
    const Array scratch = Array::emptyHost(desc.shape, DType::F32);
    return std::make_unique<FilterOp>(
        op, desc.shape, desc.dtype,
        [desc, border, scratch](const cv::Mat& source, cv::Mat& result, const cv::Range& rows) {
            cv::Mat gy = wrapImage(scratch).rowRange(rows);
            const void* const start = gy.data;
            derivative(desc, 1, 0, border, source, result);
            derivative(desc, 0, 1, border, source, gy);
            requireWrittenAt(gy, start, "magnitude");
            cv::magnitude(result, gy, result);
        });
}

std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc)
{
    desc.validate();
    const int border = openCvBorder(desc.border, "laplacian");
    return std::make_unique<FilterOp>(
        "laplacian", desc.shape, desc.dtype, [desc, border](const cv::Mat& source, cv::Mat& result, const cv::Range&) {
            cv::Laplacian(source, result, CV_32F, desc.ksize, desc.scale, desc.delta, border);
        });
}

#else

std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, desc.opName() + " on the CPU needs OpenCV, which this build does not have",
         {.op = desc.opName()});
}

std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "laplacian on the CPU needs OpenCV, which this build does not have",
         {.op = "laplacian"});
}

#endif

} // namespace wb::cpu
