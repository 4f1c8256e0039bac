// astype (wb::convert on the CPU backend) against OpenCV's cv::Mat::convertTo among the
// image dtypes u8, u16 and f32: the same rounding (half to even) and saturation. The GPU's
// astype is compared with this backend in tests/gpu/test_convert.cpp, so it matches OpenCV
// through it. OpenCV scales in float and we in double, so with a scale or an offset a result
// that lands within float's rounding of a half may round the other way: 1 unit for integer
// targets, 2 float ulps for f32; a plain conversion agrees exactly. One difference is ours:
// a scaled value beyond int's range gives 0 in OpenCV (cvRound's INT_MIN, saturated) and the
// nearest end of the range here.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#if WARPBENCH_HAVE_OPENCV
#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace wb;

int depthOf(DType dtype) { return dtype == DType::U8 ? CV_8U : dtype == DType::U16 ? CV_16U : CV_32F; }

// Whole numbers, halves and values beyond both ends of every target's range.
Array sourceValues(DType dtype)
{
    std::vector<double> values = {0, 1, 2, 3, 127, 128, 254, 255, 256, 65534, 65535};
    if (dtype == DType::F32) {
        values.insert(values.end(), {-1e6, -300.5, -0.5, 0.5, 1.5, 2.5, 254.5, 255.5, 256.5, 65535.5, 70000.25, 1e9});
        values.push_back(NAN);
    }
    const Array random = test::randomArray({997}, DType::F32, 21, -1000, 70000);
    Array array = Array::emptyHost({static_cast<std::int64_t>(values.size()) + random.numel()}, dtype);
    std::int64_t i = 0;
    for (double v : values)
        test::setAt(array, i++, v);
    for (std::int64_t j = 0; j < random.numel(); ++j)
        test::setAt(array, i++, test::realAt(random, j));
    return array;
}

} // namespace

TEST(ConvertOpenCv, AstypeRoundsAndSaturatesAsConvertTo)
{
    const std::vector<DType> dtypes = {DType::U8, DType::U16, DType::F32};
    const std::vector<std::pair<double, double>> scalings = {{1, 0},         {0.5, 0},   {1.7, -3.25},
                                                             {1.0 / 255, 0}, {255, 0.5}, {-1, 100}};
    for (DType from : dtypes) {
        const Array x = sourceValues(from);
        const cv::Mat source(1, static_cast<int>(x.numel()), depthOf(from), x.data());
        for (DType to : dtypes) {
            for (const auto& [scale, offset] : scalings) {
                SCOPED_TRACE(std::string(name(from)) + " -> " + std::string(name(to)) + " scale " +
                             std::to_string(scale) + " offset " + std::to_string(offset));
                const Array ours = convert(test::cpuBackend(), x, to, scale, offset);
                cv::Mat theirs;
                source.convertTo(theirs, depthOf(to), scale, offset);
                const bool plain = scale == 1 && offset == 0;
                for (std::int64_t i = 0; i < x.numel(); ++i) {
                    const double a = test::realAt(ours, i);
                    const double e = to == DType::U8    ? theirs.at<std::uint8_t>(0, static_cast<int>(i))
                                     : to == DType::U16 ? theirs.at<std::uint16_t>(0, static_cast<int>(i))
                                                        : theirs.at<float>(0, static_cast<int>(i));
                    // Beyond int's range cvRound gives INT_MIN on x86, which saturates to 0;
                    // ours saturate towards the value, a difference we keep (docs).
                    const double exact = test::realAt(x, i) * scale + offset;
                    if (to != DType::F32 && std::fabs(exact) >= 2147483648.0)
                        continue;
                    if (std::isnan(e)) {
                        EXPECT_TRUE(std::isnan(a)) << "element " << i;
                        continue;
                    }
                    const double tolerance = plain              ? 0.0
                                             : to == DType::F32 ? 2.4e-7 * std::max(std::fabs(e), 1.0)
                                                                : 1.0;
                    ASSERT_LE(std::fabs(a - e), tolerance)
                        << "element " << i << ": " << test::realAt(x, i) << " gives " << a << ", OpenCV " << e;
                }
            }
        }
    }
}

#endif
