// Image files through OpenCV's imgcodecs. The bytes are read and written by us and only
// decoded and encoded by OpenCV, so that a missing folder, a permission problem or a full
// disk is reported with its real reason and a failed save never leaves half a file.

#include "file_access.h"

#include <wb/error.h>
#include <wb/io.h>

#include <warpbench/config.h>

#if WARPBENCH_HAVE_IMGCODECS
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#endif

#include <filesystem>

namespace wb {

#if WARPBENCH_HAVE_IMGCODECS

namespace {

int imreadFlags(ImageMode mode)
{
    switch (mode) {
    case ImageMode::Unchanged: return cv::IMREAD_UNCHANGED;
    case ImageMode::Gray: return cv::IMREAD_GRAYSCALE | cv::IMREAD_ANYDEPTH;
    case ImageMode::Color: return cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH;
    }
    return cv::IMREAD_UNCHANGED;
}

DType dtypeForDepth(int depth, const std::string& path)
{
    switch (depth) {
    case CV_8U: return DType::U8;
    case CV_16U: return DType::U16;
    case CV_32F: return DType::F32;
    default:
        detail::failCorrupt(path, "pixel depth " + cv::typeToString(CV_MAKETYPE(depth, 1)) +
                                      " is not supported (8-bit, 16-bit unsigned or 32-bit float images load)");
    }
}

int depthFor(DType dtype) { return dtype == DType::U8 ? CV_8U : CV_16U; }

// OpenCV keeps colour as BGR(A); Warpbench arrays are RGB(A).
void swapRedBlue(const cv::Mat& from, cv::Mat& to)
{
    if (from.channels() == 3)
        cv::cvtColor(from, to, cv::COLOR_BGR2RGB);
    else if (from.channels() == 4)
        cv::cvtColor(from, to, cv::COLOR_BGRA2RGBA);
    else
        from.copyTo(to);
}

} // namespace

bool imageFilesAvailable() { return true; }

Array loadImage(const std::string& path, ImageMode mode)
{
    const std::vector<unsigned char> bytes = detail::readWholeFile(path);
    if (bytes.empty())
        detail::failCorrupt(path, "the file is empty");
    cv::Mat decoded;
    try {
        decoded = cv::imdecode(bytes, imreadFlags(mode));
    } catch (const cv::Exception& e) {
        detail::failCorrupt(path, "cannot decode the image: " + e.err);
    }
    if (decoded.empty())
        detail::failCorrupt(path, "not a readable image (unknown format, or the file is corrupt or truncated)");

    const DType dtype = dtypeForDepth(decoded.depth(), path);
    const int channels = decoded.channels();
    Array image = channels == 1 ? Array::emptyHost({decoded.rows, decoded.cols}, dtype)
                                : Array::emptyHost({decoded.rows, decoded.cols, channels}, dtype);
    cv::Mat wrapped(decoded.rows, decoded.cols, decoded.type(), image.data());
    swapRedBlue(decoded, wrapped);
    return image;
}

void saveImage(const std::string& path, const Array& image)
{
    if (!image.valid() || !image.place().isHost())
        fail(ErrorCode::InvalidArgument, "saveImage takes a host array (" + path + ")");
    if (image.dtype() != DType::U8 && image.dtype() != DType::U16)
        fail(ErrorCode::DTypeMismatch, "saveImage writes u8 or u16 arrays, got " + std::string(name(image.dtype())) +
                                           " (convert it first, e.g. astype(u8, scale=255))");
    const Shape& shape = image.shape();
    const bool goodShape =
        shape.ndim() == 2 || (shape.ndim() == 3 && (shape[2] == 1 || shape[2] == 3 || shape[2] == 4));
    if (!goodShape || shape.numel() == 0)
        fail(ErrorCode::ShapeMismatch,
             "saveImage writes (H, W), (H, W, 3) or (H, W, 4) arrays, got " + shape.toString());
    if (!image.isContiguous())
        fail(ErrorCode::Unsupported, "saveImage of a non-contiguous array (" + path + ")");
    const std::string extension = std::filesystem::path(path).extension().string();
    if (extension.empty())
        fail(ErrorCode::InvalidArgument,
             "cannot tell the image format of " + path + " (give it an extension such as .png)");

    const int channels = shape.ndim() == 3 ? static_cast<int>(shape[2]) : 1;
    const cv::Mat wrapped(static_cast<int>(shape[0]), static_cast<int>(shape[1]),
                          CV_MAKETYPE(depthFor(image.dtype()), channels), image.data());
    std::vector<unsigned char> encoded;
    try {
        cv::Mat bgr;
        swapRedBlue(wrapped, bgr);
        if (!cv::imencode(extension, bgr, encoded))
            fail(ErrorCode::Io,
                 "cannot write " + path + ": OpenCV could not encode " + image.describe() + " as " + extension);
    } catch (const cv::Exception& e) {
        fail(ErrorCode::Io, "cannot write " + path + ": " + e.err);
    }
    detail::writeFileReplacing(path, [&](std::ostream& out) {
        out.write(reinterpret_cast<const char*>(encoded.data()), static_cast<std::streamsize>(encoded.size()));
    });
}

#else

namespace {

[[noreturn]] void failNoImgcodecs(const std::string& path)
{
    fail(ErrorCode::Unavailable,
         "image files need OpenCV imgcodecs, which this build does not have (" + path + "); use .npy files instead");
}

} // namespace

bool imageFilesAvailable() { return false; }

Array loadImage(const std::string& path, ImageMode) { failNoImgcodecs(path); }

void saveImage(const std::string& path, const Array&) { failNoImgcodecs(path); }

#endif

} // namespace wb
