// The descriptors of the non-linear smoothing filters, median and bilateral: validation,
// the bilateral radius as OpenCV derives it, and cost.

#include "image_checks.h"

#include <wb/error.h>
#include <wb/ops.h>

#include <cmath>
#include <string>

namespace wb {

void MedianDesc::validate() const
{
    detail::checkImageShape(shape, "median");
    detail::checkFilterDType(dtype, "median");
    const ErrorContext context{.op = "median"};
    if (ksize < 1 || ksize % 2 == 0)
        fail(ErrorCode::InvalidArgument, "median kernel size must be odd and positive, got " + std::to_string(ksize),
             context);
    const int limit = dtype == DType::U8 ? kMaxKernelSizeU8 : kMaxKernelSize;
    if (ksize > limit)
        fail(ErrorCode::InvalidArgument,
             "median kernel size " + std::to_string(ksize) + " is larger than the limit of " + std::to_string(limit) +
                 " for " + std::string(name(dtype)),
             context);
}

Cost MedianDesc::cost() const
{
    const double n = static_cast<double>(shape.numel());
    return {n * ksize * ksize, 2.0 * n * static_cast<double>(sizeOf(dtype))};
}

void BilateralDesc::validate() const
{
    detail::checkImageShape(shape, "bilateral");
    const ErrorContext context{.op = "bilateral"};
    if (shape.ndim() == 3 && shape[2] != 1 && shape[2] != 3)
        fail(ErrorCode::ShapeMismatch, "bilateral takes images of 1 or 3 channels, got " + std::to_string(shape[2]),
             context);
    if (dtype != DType::U8 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch, "bilateral takes u8 or f32 images, got " + std::string(name(dtype)), context);
    if (diameter < 0)
        fail(ErrorCode::InvalidArgument,
             "bilateral diameter must be >= 0 (0: from sigma_space), got " + std::to_string(diameter), context);
    if (!(sigmaColor > 0) || !(sigmaSpace > 0) || !std::isfinite(sigmaColor) || !std::isfinite(sigmaSpace))
        fail(ErrorCode::InvalidArgument, "bilateral sigma_color and sigma_space must be finite numbers > 0", context);
    if (dtype == DType::F32 && border == BorderMode::Constant)
        fail(ErrorCode::InvalidArgument,
             "bilateral on f32 with border=constant is not supported: OpenCV's colour table spans only the image's "
             "own range, and a zero border beyond it would read past the table's end",
             context);
    // The radius from sigma_space alone may not fit an int: compare in double first.
    const double wanted = diameter > 0 ? diameter / 2 : std::nearbyint(sigmaSpace * 1.5);
    if (wanted > kMaxRadius)
        fail(ErrorCode::InvalidArgument,
             "bilateral radius " + std::to_string(static_cast<long long>(wanted)) +
                 (diameter > 0 ? "" : " (from sigma_space)") + " is larger than the limit of " +
                 std::to_string(kMaxRadius) + " (d up to " + std::to_string(2 * kMaxRadius + 1) + ")",
             context);
}

int BilateralDesc::radius() const
{
    // OpenCV: d / 2, or cvRound(sigmaSpace · 1.5) (half to even) when d <= 0; at least 1.
    const int r = diameter > 0 ? diameter / 2 : static_cast<int>(std::nearbyint(sigmaSpace * 1.5));
    return r < 1 ? 1 : r;
}

Cost BilateralDesc::cost() const
{
    const double r = radius();
    const double taps = 3.14159265358979 * r * r + 1;
    const double n = static_cast<double>(shape.numel());
    return {8.0 * taps * n, 2.0 * n * static_cast<double>(sizeOf(dtype))};
}

} // namespace wb
