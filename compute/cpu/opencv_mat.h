#pragma once
// Our host images as cv::Mat headers over the same bytes: (H, W) is one channel and
// (H, W, C) C interleaved channels. Only for builds with OpenCV.

#include <wb/array.h>
#include <wb/error.h>
#include <wb/ops.h>

#include <opencv2/core.hpp>

#include <climits>
#include <string>

namespace wb::cpu {

inline int openCvDepth(DType dtype)
{
    switch (dtype) {
    case DType::U8: return CV_8U;
    case DType::U16: return CV_16U;
    case DType::F32: return CV_32F;
    default: break;
    }
    fail(ErrorCode::DTypeMismatch, std::string(name(dtype)) + " has no OpenCV equivalent", {.library = "OpenCV"});
}

inline cv::Mat wrapImage(const Array& image)
{
    const Shape& shape = image.shape();
    if (shape[0] > INT_MAX || shape[1] > INT_MAX)
        fail(ErrorCode::Unsupported, "image " + shape.toString() + " exceeds OpenCV's 32-bit sizes",
             {.library = "OpenCV"});
    const int channels = shape.ndim() == 3 ? static_cast<int>(shape[2]) : 1;
    return cv::Mat(static_cast<int>(shape[0]), static_cast<int>(shape[1]),
                   CV_MAKETYPE(openCvDepth(image.dtype()), channels), image.data());
}

// The OpenCV border type of a border mode; BORDER_CONSTANT pads with the value the filter
// passes (0 for the linear filters, morphologyDefaultBorderValue for erode and dilate).
inline int openCvBorder(BorderMode mode, const char* op)
{
    switch (mode) {
    case BorderMode::Reflect101: return cv::BORDER_REFLECT_101;
    case BorderMode::Replicate: return cv::BORDER_REPLICATE;
    case BorderMode::Constant: return cv::BORDER_CONSTANT;
    }
    fail(ErrorCode::InvalidArgument, "unknown border mode", {.op = op});
}

// OpenCV reallocates a destination whose size or type it did not expect, and would then
// write somewhere we never see: treat that as a broken invariant rather than a wrong image.
inline void requireWrittenAt(const cv::Mat& result, const void* expected, const char* op)
{
    if (result.data != expected)
        fail(ErrorCode::Internal, "OpenCV wrote its result outside the output array", {.op = op, .library = "OpenCV"});
}

inline void requireWrittenInPlace(const cv::Mat& result, const Array& out, const char* op)
{
    requireWrittenAt(result, out.data(), op);
}

} // namespace wb::cpu
