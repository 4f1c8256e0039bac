// Descriptors of threshold, normalize and resize (wb/ops.h): validation, output shapes and
// sizes as OpenCV computes them, and cost.

#include "image_checks.h"

#include <wb/error.h>
#include <wb/ops.h>

#include <cmath>
#include <string>

namespace wb {

namespace {

void validateLevelsImage(const Shape& shape, DType dtype, const char* op)
{
    detail::checkImageShape(shape, op);
    detail::checkFilterDType(dtype, op);
}

void requireFinite(double value, const char* what, const char* op)
{
    if (!std::isfinite(value))
        fail(ErrorCode::InvalidArgument, std::string(op) + " " + what + " must be a finite number", {.op = op});
}

double bytesOf(const Shape& shape, DType dtype) { return static_cast<double>(shape.numel() * sizeOf(dtype)); }

// OpenCV's saturate_cast<int>(double): round half to even.
std::int64_t roundedSize(std::int64_t side, double factor)
{
    return static_cast<std::int64_t>(std::nearbyint(static_cast<double>(side) * factor));
}

} // namespace

// ---- threshold --------------------------------------------------------------------------

std::string_view name(ThresholdType type)
{
    switch (type) {
    case ThresholdType::Binary: return "binary";
    case ThresholdType::BinaryInv: return "binary_inv";
    case ThresholdType::Trunc: return "trunc";
    case ThresholdType::ToZero: return "to_zero";
    case ThresholdType::ToZeroInv: return "to_zero_inv";
    }
    return "?";
}

ThresholdType parseThresholdType(std::string_view text)
{
    for (ThresholdType type : {ThresholdType::Binary, ThresholdType::BinaryInv, ThresholdType::Trunc,
                               ThresholdType::ToZero, ThresholdType::ToZeroInv}) {
        if (name(type) == text)
            return type;
    }
    fail(ErrorCode::InvalidArgument, "unknown threshold type '" + std::string(text) +
                                         "' (expected binary, binary_inv, trunc, to_zero or to_zero_inv)");
}

void ThresholdDesc::validate() const
{
    validateLevelsImage(shape, dtype, "threshold");
    requireFinite(thresh, "thresh", "threshold");
    requireFinite(maxval, "maxval", "threshold");
    if (type != ThresholdType::Binary && type != ThresholdType::BinaryInv && type != ThresholdType::Trunc &&
        type != ThresholdType::ToZero && type != ThresholdType::ToZeroInv)
        fail(ErrorCode::InvalidArgument, "unknown threshold type", {.op = "threshold"});
    if (otsu && dtype == DType::F32)
        fail(ErrorCode::DTypeMismatch, "threshold with otsu takes u8 or u16 images (as OpenCV), got f32",
             {.op = "threshold"});
    if (otsu && detail::imageChannels(shape) != 1)
        fail(ErrorCode::ShapeMismatch,
             "threshold with otsu takes single-channel images (as OpenCV), got " + shape.toString(),
             {.op = "threshold"});
}

Cost ThresholdDesc::cost() const
{
    return {static_cast<double>(shape.numel()), (otsu ? 3.0 : 2.0) * bytesOf(shape, dtype)};
}

// ---- normalize --------------------------------------------------------------------------

std::string_view name(NormType norm)
{
    switch (norm) {
    case NormType::MinMax: return "minmax";
    case NormType::L1: return "l1";
    case NormType::L2: return "l2";
    case NormType::Inf: return "inf";
    }
    return "?";
}

NormType parseNormType(std::string_view text)
{
    for (NormType norm : {NormType::MinMax, NormType::L1, NormType::L2, NormType::Inf}) {
        if (name(norm) == text)
            return norm;
    }
    fail(ErrorCode::InvalidArgument, "unknown norm '" + std::string(text) + "' (expected minmax, l1, l2 or inf)");
}

void NormalizeDesc::validate() const
{
    validateLevelsImage(shape, dtype, "normalize");
    requireFinite(alpha, "alpha", "normalize");
    requireFinite(beta, "beta", "normalize");
    if (norm != NormType::MinMax && norm != NormType::L1 && norm != NormType::L2 && norm != NormType::Inf)
        fail(ErrorCode::InvalidArgument, "unknown norm", {.op = "normalize"});
    const DType to = outputDType();
    if (to != DType::U8 && to != DType::U16 && to != DType::F32)
        fail(ErrorCode::DTypeMismatch, "normalize writes u8, u16 or f32, got " + std::string(name(to)),
             {.op = "normalize"});
}

Cost NormalizeDesc::cost() const
{
    return {3.0 * static_cast<double>(shape.numel()), 2.0 * bytesOf(shape, dtype) + bytesOf(shape, outputDType())};
}

// ---- resize -----------------------------------------------------------------------------

std::string_view name(Interpolation interpolation)
{
    switch (interpolation) {
    case Interpolation::Nearest: return "nearest";
    case Interpolation::Bilinear: return "bilinear";
    case Interpolation::Area: return "area";
    }
    return "?";
}

Interpolation parseInterpolation(std::string_view text)
{
    for (Interpolation interpolation : {Interpolation::Nearest, Interpolation::Bilinear, Interpolation::Area}) {
        if (name(interpolation) == text)
            return interpolation;
    }
    if (text == "linear")
        return Interpolation::Bilinear;
    fail(ErrorCode::InvalidArgument,
         "unknown interpolation '" + std::string(text) + "' (expected nearest, bilinear or area)");
}

std::int64_t ResizeDesc::outputWidth() const { return width > 0 ? width : roundedSize(shape[1], fx); }

std::int64_t ResizeDesc::outputHeight() const { return height > 0 ? height : roundedSize(shape[0], fy); }

double ResizeDesc::inverseScaleX() const
{
    return width > 0 ? static_cast<double>(width) / static_cast<double>(shape[1]) : fx;
}

double ResizeDesc::inverseScaleY() const
{
    return height > 0 ? static_cast<double>(height) / static_cast<double>(shape[0]) : fy;
}

Shape ResizeDesc::outputShape() const
{
    if (shape.ndim() == 3)
        return Shape{outputHeight(), outputWidth(), shape[2]};
    return Shape{outputHeight(), outputWidth()};
}

void ResizeDesc::validate() const
{
    const ErrorContext context{.op = "resize"};
    validateLevelsImage(shape, dtype, "resize");
    if (interpolation != Interpolation::Nearest && interpolation != Interpolation::Bilinear &&
        interpolation != Interpolation::Area)
        fail(ErrorCode::InvalidArgument, "unknown interpolation", context);
    const std::string limit = std::to_string(kMaxSide);
    if (shape[0] > kMaxSide || shape[1] > kMaxSide)
        fail(ErrorCode::InvalidArgument,
             "resize takes images of at most " + limit + " pixels a side, got " + shape.toString(), context);
    const bool sized = width != 0 || height != 0;
    if (sized) {
        if (width < 1 || height < 1)
            fail(ErrorCode::InvalidArgument,
                 "resize size must be positive, got (" + std::to_string(width) + ", " + std::to_string(height) + ")",
                 context);
    } else {
        if (!std::isfinite(fx) || !std::isfinite(fy) || fx <= 0 || fy <= 0)
            fail(ErrorCode::InvalidArgument, "resize needs a size (w, h) or positive finite factors (fx, fy)", context);
        if (static_cast<double>(shape[1]) * fx > static_cast<double>(kMaxSide) ||
            static_cast<double>(shape[0]) * fy > static_cast<double>(kMaxSide))
            fail(ErrorCode::InvalidArgument,
                 "resize of " + shape.toString() + " by (" + std::to_string(fx) + ", " + std::to_string(fy) +
                     ") is larger than " + limit + " pixels a side",
                 context);
    }
    const std::int64_t w = outputWidth(), h = outputHeight();
    if (w < 1 || h < 1)
        fail(ErrorCode::InvalidArgument,
             "resize of " + shape.toString() + " gives an empty image (" + std::to_string(w) + "x" + std::to_string(h) +
                 "); use larger factors",
             context);
    if (w > kMaxSide || h > kMaxSide)
        fail(ErrorCode::InvalidArgument,
             "resize output " + std::to_string(w) + "x" + std::to_string(h) + " is larger than " + limit +
                 " pixels a side",
             context);
}

Cost ResizeDesc::cost() const
{
    const Shape out = outputShape();
    return {8.0 * static_cast<double>(out.numel()), bytesOf(shape, dtype) + bytesOf(out, dtype)};
}

} // namespace wb
