// conv2d on OpenCV: cv::sepFilter2D for a separable matrix, cv::filter2D otherwise, in row
// bands on all of the backend's threads (OpenCV runs one filter on one thread). A band is a
// view into the whole image and OpenCV reads the rows around a view from the image it
// belongs to, so the bands together give the whole-image result, borders only at the edges.
//
// There are at least two bands (or, for images of fewer than four rows, two column pieces)
// wherever the image has two rows (columns): given a whole image, filter2D switches to a DFT
// for matrices of 50 or more entries (130 for u8 and f32), which rounds differently; a view
// never takes that path, so the result does not depend on the thread count.

#include "ops.h"

#include "core/operand_check.h"
#include "cpu_backend.h"
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

cv::Mat floatMatrix(const std::vector<double>& values, int rows, int cols)
{
    cv::Mat matrix(rows, cols, CV_32F);
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j)
            matrix.at<float>(i, j) = static_cast<float>(values[static_cast<std::size_t>(i) * cols + j]);
    }
    return matrix;
}

class Conv2dOp final : public UnaryOp {
public:
    explicit Conv2dOp(const Conv2dDesc& desc)
        : m_desc(desc)
        , m_border(openCvBorder(desc.border, "conv2d"))
        , m_outDepth(openCvDepth(desc.outDType))
    {
        if (const std::optional<SeparableFactors> factors = desc.separable()) {
            m_column = floatMatrix(factors->column, desc.kernelHeight, 1);
            m_row = floatMatrix(factors->row, 1, desc.kernelWidth);
        } else {
            m_matrix = floatMatrix(desc.weights(), desc.kernelHeight, desc.kernelWidth);
        }
    }

    // In place is allowed: the bands would read rows another band has overwritten, so the
    // input is copied first.
    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "conv2d", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.outDType, Place::host(), "conv2d", "output");
        cv::Mat source = wrapImage(in);
        if (in.data() == out.data())
            source = source.clone();
        cv::Mat result = wrapImage(out);
        // Along rows, or along columns for images of fewer than four rows. Pieces of rows
        // are at least two rows each: OpenCV 4.6 reads the border above a first band of one
        // row wrongly (reflect101 with an even matrix height). At least two pieces where the
        // image allows it, more when there are threads and rows enough for them.
        const bool byRows = result.rows >= 4 || result.cols < 2;
        const int length = byRows ? result.rows : result.cols;
        const int minLength = std::max(32, 4 * (byRows ? m_desc.kernelHeight : m_desc.kernelWidth));
        const std::int64_t most = std::max(1, byRows ? length / 2 : length);
        const std::int64_t pieces =
            std::clamp<std::int64_t>(std::min(threads(), length / minLength), std::min<std::int64_t>(2, most), most);
        parallelFor(pieces, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t piece = first; piece < last; ++piece) {
                const cv::Range range(static_cast<int>(length * piece / pieces),
                                      static_cast<int>(length * (piece + 1) / pieces));
                cv::Mat part = byRows ? result.rowRange(range) : result.colRange(range);
                const void* const start = part.data;
                filter(byRows ? source.rowRange(range) : source.colRange(range), part);
                requireWrittenAt(part, start, "conv2d");
            }
        });
    }

private:
    void filter(const cv::Mat& source, cv::Mat& result) const
    {
        if (m_matrix.empty())
            cv::sepFilter2D(source, result, m_outDepth, m_row, m_column, cv::Point(-1, -1), m_desc.delta, m_border);
        else
            cv::filter2D(source, result, m_outDepth, m_matrix, cv::Point(-1, -1), m_desc.delta, m_border);
    }

    Conv2dDesc m_desc;
    int m_border;
    int m_outDepth;
    cv::Mat m_matrix; // dense: the weights as applied, CV_32F
    cv::Mat m_column; // separable: kh x 1 and 1 x kw, CV_32F
    cv::Mat m_row;
};

} // namespace

std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc)
{
    desc.validate();
    return std::make_unique<Conv2dOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "conv2d on the CPU needs OpenCV, which this build does not have", {.op = "conv2d"});
}

#endif

} // namespace wb::cpu
