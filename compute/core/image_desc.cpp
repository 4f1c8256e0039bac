#include <wb/error.h>
#include <wb/ops.h>

#include <cmath>
#include <string>

namespace wb {

std::string_view name(BorderMode mode)
{
    switch (mode) {
    case BorderMode::Reflect101: return "reflect101";
    case BorderMode::Replicate: return "replicate";
    case BorderMode::Constant: return "constant";
    }
    return "?";
}

BorderMode parseBorderMode(std::string_view text)
{
    for (BorderMode mode : {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant}) {
        if (name(mode) == text)
            return mode;
    }
    if (text == "reflect-101" || text == "reflect_101" || text == "default")
        return BorderMode::Reflect101;
    fail(ErrorCode::InvalidArgument,
         "unknown border mode '" + std::string(text) + "' (expected reflect101, replicate or constant)");
}

namespace {

void validateImage(const Shape& shape, const char* op)
{
    ErrorContext context{.op = op};
    if (shape.ndim() != 2 && shape.ndim() != 3)
        fail(ErrorCode::ShapeMismatch, std::string(op) + " takes (H, W) or (H, W, C) images, got " + shape.toString(),
             context);
    if (shape.ndim() == 3 && (shape[2] < 1 || shape[2] > 4))
        fail(ErrorCode::ShapeMismatch, "images have 1 to 4 channels, got " + std::to_string(shape[2]), context);
    if (shape[0] == 0 || shape[1] == 0)
        fail(ErrorCode::ShapeMismatch, std::string(op) + " of an empty image " + shape.toString(), context);
}

double imageBytes(const Shape& shape, DType dtype) { return static_cast<double>(shape.numel() * sizeOf(dtype)); }

// OpenCV derives the size from sigma with 3 sigmas each side for u8 and 4 for the rest.
int deriveKsize(double sigma, DType dtype)
{
    return static_cast<int>(std::lround(sigma * (dtype == DType::U8 ? 3 : 4) * 2 + 1)) | 1;
}

} // namespace

void GaussianDesc::validate() const
{
    ErrorContext context{.op = "gaussian"};
    validateImage(shape, "gaussian");
    if (dtype != DType::U8 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch, "gaussian takes u8 or f32 images, got " + std::string(name(dtype)), context);
    if (sigmaX < 0 || sigmaY < 0 || !std::isfinite(sigmaX) || !std::isfinite(sigmaY))
        fail(ErrorCode::InvalidArgument, "sigma must be a finite number >= 0", context);
    if (sigmaX == 0 && ksizeX == 0)
        fail(ErrorCode::InvalidArgument, "gaussian needs sigma > 0 or an explicit kernel size", context);
    for (int k : {ksizeX, ksizeY}) {
        if (k < 0 || (k > 0 && k % 2 == 0))
            fail(ErrorCode::InvalidArgument, "kernel size must be odd and positive, got " + std::to_string(k), context);
    }
    const int kx = resolvedKsizeX(), ky = resolvedKsizeY();
    if (kx > kMaxKernelSize || ky > kMaxKernelSize)
        fail(ErrorCode::InvalidArgument,
             "kernel " + std::to_string(kx) + "x" + std::to_string(ky) + " is larger than the limit of " +
                 std::to_string(kMaxKernelSize) + " (sigma " + std::to_string(sigmaX) + ")",
             context);
}

double GaussianDesc::resolvedSigmaY() const { return sigmaY > 0 ? sigmaY : sigmaX; }

int GaussianDesc::resolvedKsizeX() const { return ksizeX > 0 ? ksizeX : deriveKsize(sigmaX, dtype); }

int GaussianDesc::resolvedKsizeY() const
{
    if (ksizeY > 0)
        return ksizeY;
    if (ksizeX > 0 && sigmaY == 0)
        return ksizeX;
    return deriveKsize(resolvedSigmaY(), dtype);
}

Cost GaussianDesc::cost() const
{
    const double taps = resolvedKsizeX() + resolvedKsizeY();
    return {2.0 * taps * static_cast<double>(shape.numel()), 2.0 * imageBytes(shape, dtype)};
}

std::vector<double> gaussianKernel(int ksize, double sigma)
{
    // OpenCV's fixed kernels for small sizes when no sigma is given (cv::getGaussianKernel).
    static const std::vector<double> small[] = {
        {1.0},
        {0.25, 0.5, 0.25},
        {0.0625, 0.25, 0.375, 0.25, 0.0625},
        {0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125},
    };
    if (sigma <= 0 && ksize % 2 == 1 && ksize <= 7)
        return small[ksize / 2];
    const double s = sigma > 0 ? sigma : ((ksize - 1) * 0.5 - 1) * 0.3 + 0.8;
    const double scale = -0.5 / (s * s);
    std::vector<double> kernel(static_cast<std::size_t>(ksize));
    double sum = 0;
    for (int i = 0; i < ksize; ++i) {
        const double x = i - (ksize - 1) * 0.5;
        kernel[i] = std::exp(scale * x * x);
        sum += kernel[i];
    }
    for (double& w : kernel)
        w /= sum;
    return kernel;
}

namespace {

void validateFilterDType(DType dtype, const char* op)
{
    if (dtype != DType::U8 && dtype != DType::U16 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch,
             std::string(op) + " takes u8, u16 or f32 images, got " + std::string(name(dtype)), {.op = op});
}

void validateWindow(int kx, int ky, int limit, const char* op)
{
    for (int k : {kx, ky}) {
        if (k < 1 || k % 2 == 0)
            fail(ErrorCode::InvalidArgument,
                 std::string(op) + " kernel sizes must be odd and positive, got " + std::to_string(kx) + "x" +
                     std::to_string(ky),
                 {.op = op});
        if (k > limit)
            fail(ErrorCode::InvalidArgument,
                 std::string(op) + " kernel " + std::to_string(kx) + "x" + std::to_string(ky) +
                     " is larger than the limit of " + std::to_string(limit),
                 {.op = op});
    }
}

} // namespace

void BoxDesc::validate() const
{
    validateImage(shape, "box");
    validateFilterDType(dtype, "box");
    validateWindow(ksizeX, ksizeY, kMaxKernelSize, "box");
}

Cost BoxDesc::cost() const { return {4.0 * static_cast<double>(shape.numel()), 2.0 * imageBytes(shape, dtype)}; }

std::string_view name(MorphOp op)
{
    switch (op) {
    case MorphOp::Erode: return "erode";
    case MorphOp::Dilate: return "dilate";
    case MorphOp::Open: return "morph_open";
    case MorphOp::Close: return "morph_close";
    }
    return "?";
}

std::string_view name(MorphShape shape) { return shape == MorphShape::Rect ? "rect" : "cross"; }

MorphShape parseMorphShape(std::string_view text)
{
    for (MorphShape shape : {MorphShape::Rect, MorphShape::Cross}) {
        if (name(shape) == text)
            return shape;
    }
    fail(ErrorCode::InvalidArgument,
         "unknown structuring element '" + std::string(text) + "' (expected rect or cross)");
}

void MorphDesc::validate() const
{
    const std::string opName(name(op));
    validateImage(shape, opName.c_str());
    validateFilterDType(dtype, opName.c_str());
    validateWindow(ksizeX, ksizeY, kMaxKernelSize, opName.c_str());
    if (element != MorphShape::Rect && element != MorphShape::Cross)
        fail(ErrorCode::InvalidArgument, "unknown structuring element", {.op = opName});
    if (iterations < 1 || iterations > kMaxIterations)
        fail(ErrorCode::InvalidArgument,
             opName + " iterations must be 1 .. " + std::to_string(kMaxIterations) + ", got " +
                 std::to_string(iterations),
             {.op = opName});
    if (element == MorphShape::Rect && (effectiveKsizeX() > kMaxEffectiveSize || effectiveKsizeY() > kMaxEffectiveSize))
        fail(ErrorCode::InvalidArgument,
             opName + " with " + std::to_string(iterations) + " iterations of a " + std::to_string(ksizeX) + "x" +
                 std::to_string(ksizeY) + " rectangle is one " + std::to_string(effectiveKsizeX()) + "x" +
                 std::to_string(effectiveKsizeY()) + " rectangle, larger than the limit of " +
                 std::to_string(kMaxEffectiveSize),
             {.op = opName});
}

int MorphDesc::effectiveKsizeX() const { return ksizeX + (iterations - 1) * (ksizeX - 1); }

int MorphDesc::effectiveKsizeY() const { return ksizeY + (iterations - 1) * (ksizeY - 1); }

Cost MorphDesc::cost() const
{
    const double n = static_cast<double>(shape.numel());
    const double stages = passes() * (element == MorphShape::Rect ? 1 : iterations);
    return {6.0 * n * stages, 2.0 * imageBytes(shape, dtype)};
}

void GrayscaleDesc::validate() const
{
    ErrorContext context{.op = "grayscale"};
    validateImage(shape, "grayscale");
    if (shape.ndim() != 3 || (shape[2] != 3 && shape[2] != 4))
        fail(ErrorCode::ShapeMismatch,
             "grayscale takes (H, W, 3) RGB or (H, W, 4) RGBA images, got " + shape.toString(), context);
    if (dtype != DType::U8 && dtype != DType::U16 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch, "grayscale takes u8, u16 or f32 images, got " + std::string(name(dtype)),
             context);
}

Shape GrayscaleDesc::outputShape() const { return Shape{shape[0], shape[1]}; }

Cost GrayscaleDesc::cost() const
{
    const double pixels = static_cast<double>(shape[0] * shape[1]);
    return {5.0 * pixels, imageBytes(shape, dtype) + pixels * static_cast<double>(sizeOf(dtype))};
}

void ConvertDesc::validate() const
{
    ErrorContext context{.op = "astype"};
    if (isComplex(from) && !isComplex(to))
        fail(ErrorCode::DTypeMismatch,
             "converting " + std::string(name(from)) + " to " + std::string(name(to)) +
                 " would drop the imaginary part; use abs(), real() or angle() first",
             context);
    if (!std::isfinite(scale) || !std::isfinite(offset))
        fail(ErrorCode::InvalidArgument, "scale and offset must be finite", context);
}

Cost ConvertDesc::cost() const
{
    const double n = static_cast<double>(shape.numel());
    return {(scale != 1.0 || offset != 0.0) ? 2.0 * n : 0.0, n * static_cast<double>(sizeOf(from) + sizeOf(to))};
}

void RandomDesc::validate() const
{
    ErrorContext context{.op = distribution == Distribution::Uniform ? "rand" : "randn"};
    if (!isReal(dtype))
        fail(ErrorCode::DTypeMismatch, "random arrays are f16, bf16, f32 or f64, not " + std::string(name(dtype)),
             context);
    if (!std::isfinite(a) || !std::isfinite(b))
        fail(ErrorCode::InvalidArgument, "distribution parameters must be finite", context);
    if (distribution == Distribution::Uniform && !(a < b))
        fail(ErrorCode::InvalidArgument, "uniform range needs low < high", context);
    if (distribution == Distribution::Normal && b < 0)
        fail(ErrorCode::InvalidArgument, "standard deviation must be >= 0", context);
}

Cost RandomDesc::cost() const { return {0.0, static_cast<double>(shape.numel() * sizeOf(dtype))}; }

} // namespace wb
