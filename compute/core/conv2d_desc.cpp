// conv2d's descriptor: validation, the weights as applied, the separable test and cost.

#include <wb/error.h>
#include <wb/ops.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace wb {

std::optional<SeparableFactors> separableFactors(std::span<const double> matrix, int kw, int kh, double tolerance)
{
    if (kw < 1 || kh < 1 || matrix.size() != static_cast<std::size_t>(kw) * static_cast<std::size_t>(kh))
        return std::nullopt;
    // The pivot: the entry of largest magnitude (the first one on ties).
    std::size_t pivot = 0;
    for (std::size_t i = 1; i < matrix.size(); ++i) {
        if (std::fabs(matrix[i]) > std::fabs(matrix[pivot]))
            pivot = i;
    }
    const double largest = std::fabs(matrix[pivot]);
    if (!(largest > 0) || !std::isfinite(largest))
        return std::nullopt;
    const auto at = [&](int i, int j) { return matrix[static_cast<std::size_t>(i) * kw + j]; };
    const int pi = static_cast<int>(pivot / static_cast<std::size_t>(kw));
    const int pj = static_cast<int>(pivot % static_cast<std::size_t>(kw));
    SeparableFactors factors;
    factors.column.resize(static_cast<std::size_t>(kh));
    factors.row.resize(static_cast<std::size_t>(kw));
    for (int i = 0; i < kh; ++i)
        factors.column[static_cast<std::size_t>(i)] = at(i, pj);
    for (int j = 0; j < kw; ++j)
        factors.row[static_cast<std::size_t>(j)] = at(pi, j) / at(pi, pj);
    for (int i = 0; i < kh; ++i) {
        for (int j = 0; j < kw; ++j) {
            const double product =
                factors.column[static_cast<std::size_t>(i)] * factors.row[static_cast<std::size_t>(j)];
            if (std::fabs(at(i, j) - product) > tolerance * largest)
                return std::nullopt;
        }
    }
    return factors;
}

void Conv2dDesc::validate() const
{
    const ErrorContext context{.op = "conv2d"};
    if (shape.ndim() != 2 && shape.ndim() != 3)
        fail(ErrorCode::ShapeMismatch, "conv2d takes (H, W) or (H, W, C) images, got " + shape.toString(), context);
    if (shape.ndim() == 3 && (shape[2] < 1 || shape[2] > 4))
        fail(ErrorCode::ShapeMismatch, "images have 1 to 4 channels, got " + std::to_string(shape[2]), context);
    if (shape[0] == 0 || shape[1] == 0)
        fail(ErrorCode::ShapeMismatch, "conv2d of an empty image " + shape.toString(), context);
    if (dtype != DType::U8 && dtype != DType::U16 && dtype != DType::F32)
        fail(ErrorCode::DTypeMismatch, "conv2d takes u8, u16 or f32 images, got " + std::string(name(dtype)), context);
    if (outDType != dtype && outDType != DType::F32)
        fail(ErrorCode::DTypeMismatch,
             "conv2d gives the input's dtype or f32, not " + std::string(name(outDType)) + " from " +
                 std::string(name(dtype)),
             context);
    const std::string size = std::to_string(kernelWidth) + "x" + std::to_string(kernelHeight);
    if (kernelWidth < 1 || kernelHeight < 1 || kernelWidth > kMaxKernelSize || kernelHeight > kMaxKernelSize)
        fail(ErrorCode::InvalidArgument,
             "conv2d matrix " + size + " is outside 1x1 .. " + std::to_string(kMaxKernelSize) + "x" +
                 std::to_string(kMaxKernelSize),
             context);
    if (kernel.size() != static_cast<std::size_t>(kernelWidth) * static_cast<std::size_t>(kernelHeight))
        fail(ErrorCode::InvalidArgument,
             "conv2d matrix of " + size + " needs " + std::to_string(kernelWidth * kernelHeight) + " entries, got " +
                 std::to_string(kernel.size()),
             context);
    if (!std::all_of(kernel.begin(), kernel.end(), [](double w) { return std::isfinite(w); }))
        fail(ErrorCode::InvalidArgument, "conv2d matrix entries must be finite", context);
    if (!std::isfinite(scale) || !std::isfinite(delta))
        fail(ErrorCode::InvalidArgument, "conv2d scale and delta must be finite", context);
    if (normalize) {
        double sum = 0, magnitude = 0;
        for (double w : kernel) {
            sum += w;
            magnitude += std::fabs(w);
        }
        if (!(std::fabs(sum) > 1e-12 * magnitude))
            fail(ErrorCode::InvalidArgument,
                 "conv2d cannot normalise a matrix whose entries sum to 0 (use normalize=false and a scale)", context);
    }
}

std::vector<double> Conv2dDesc::weights() const
{
    double factor = scale;
    if (normalize) {
        double sum = 0;
        for (double w : kernel)
            sum += w;
        factor /= sum;
    }
    std::vector<double> applied(kernel);
    for (double& w : applied)
        w *= factor;
    return applied;
}

std::optional<SeparableFactors> Conv2dDesc::separable() const
{
    return separableFactors(weights(), kernelWidth, kernelHeight);
}

std::string Conv2dDesc::path() const
{
    const std::string w = std::to_string(kernelWidth), h = std::to_string(kernelHeight);
    return separable() ? "separable 1x" + w + " + " + h + "x1" : "dense " + w + "x" + h;
}

Cost Conv2dDesc::cost() const
{
    const double n = static_cast<double>(shape.numel());
    const double taps = separable() ? kernelWidth + kernelHeight : kernelWidth * kernelHeight;
    return {2.0 * taps * n, n * static_cast<double>(sizeOf(dtype) + sizeOf(outDType))};
}

} // namespace wb
