// Normalize as cv::normalize, on all of the backend's threads: cv::normalize runs its
// reduction and its convertTo on one thread, so both are cut into row bands here. Each band
// gives its minimum and maximum (cv::minMaxIdx) or its norm (cv::norm; L2 as the sum of
// squares), the bands are combined in row order, scale and shift follow from them exactly as
// cv::normalize computes them, and each band is then converted (cv::Mat::convertTo). The
// image is seen as one channel of W·C columns: every channel counts together, as in OpenCV.
// Elementwise after the reduction, so it may run in place when the dtypes agree.

#include "ops.h"

#include "core/operand_check.h"
#include "parallel.h"

#include <warpbench/config.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <map>
#include <mutex>

#if WARPBENCH_HAVE_OPENCV
#include "opencv_mat.h"

#include <opencv2/core.hpp>
#endif

namespace wb::cpu {

#if WARPBENCH_HAVE_OPENCV

namespace {

// The image as (H, W·C), one channel.
cv::Mat flatImage(const Array& image)
{
    const cv::Mat mat = wrapImage(image);
    return mat.reshape(1, mat.rows);
}

struct BandResult {
    double first = 0;  // min (minmax), or the band's norm (sum of |x|, sum of squares, max |x|)
    double second = 0; // max (minmax)
};

class NormalizeOp final : public UnaryOp {
public:
    explicit NormalizeOp(const NormalizeDesc& desc)
        : m_desc(desc)
    {
    }

    void run(const Array& in, Array& out) override
    {
        detail::checkOperand(in, m_desc.shape, m_desc.dtype, Place::host(), "normalize", "input");
        detail::checkOperand(out, m_desc.shape, m_desc.outputDType(), Place::host(), "normalize", "output");
        const cv::Mat source = flatImage(in);
        cv::Mat result = flatImage(out);
        const auto [scale, shift] = scaleAndShift(source);
        const int rtype = openCvDepth(m_desc.outputDType());
        parallelFor(result.rows, 16, [&](std::int64_t begin, std::int64_t end) {
            const cv::Range rows(static_cast<int>(begin), static_cast<int>(end));
            cv::Mat band = result.rowRange(rows);
            const void* const start = band.data;
            source.rowRange(rows).convertTo(band, rtype, scale, shift);
            requireWrittenAt(band, start, "normalize");
        });
    }

private:
    // scale and shift as cv::normalize computes them from the reduction.
    std::pair<double, double> scaleAndShift(const cv::Mat& source) const
    {
        std::map<std::int64_t, BandResult> bands;
        std::mutex mutex;
        const NormType norm = m_desc.norm;
        parallelFor(source.rows, 16, [&](std::int64_t begin, std::int64_t end) {
            const cv::Mat band = source.rowRange(static_cast<int>(begin), static_cast<int>(end));
            BandResult part;
            if (norm == NormType::MinMax)
                cv::minMaxIdx(band, &part.first, &part.second);
            else
                part.first = cv::norm(band, norm == NormType::L1   ? cv::NORM_L1
                                            : norm == NormType::L2 ? cv::NORM_L2SQR
                                                                   : cv::NORM_INF);
            const std::lock_guard lock(mutex);
            bands[begin] = part;
        });
        if (norm == NormType::MinMax) {
            double smin = INFINITY, smax = -INFINITY;
            for (const auto& [row, part] : bands) {
                smin = std::min(smin, part.first);
                smax = std::max(smax, part.second);
            }
            const double dmin = std::min(m_desc.alpha, m_desc.beta), dmax = std::max(m_desc.alpha, m_desc.beta);
            double scale = (dmax - dmin) * (smax - smin > DBL_EPSILON ? 1. / (smax - smin) : 0);
            double shift = 0;
            if (m_desc.outputDType() == DType::F32) {
                scale = static_cast<float>(scale);
                // In float, as OpenCV: (float)dmin - (float)(smin*scale).
                shift = static_cast<float>(dmin) - static_cast<float>(smin * scale);
            } else {
                shift = dmin - smin * scale;
            }
            return {scale, shift};
        }
        double total = 0;
        for (const auto& [row, part] : bands)
            total = norm == NormType::Inf ? std::max(total, part.first) : total + part.first;
        if (norm == NormType::L2)
            total = std::sqrt(total);
        return {total > DBL_EPSILON ? m_desc.alpha / total : 0., 0.};
    }

    NormalizeDesc m_desc;
};

} // namespace

std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc)
{
    desc.validate();
    return std::make_unique<NormalizeOp>(desc);
}

#else

std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc)
{
    desc.validate();
    fail(ErrorCode::Unavailable, "normalize on the CPU needs OpenCV, which this build does not have",
         {.op = "normalize"});
}

#endif

} // namespace wb::cpu
