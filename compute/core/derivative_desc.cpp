// The derivative filters' descriptors (sobel, scharr, their magnitudes, laplacian):
// validation, OpenCV's kernels, the separable filters both backends apply, cost.

#include "core/image_checks.h"

#include <wb/error.h>
#include <wb/ops.h>

#include <cmath>
#include <string>

namespace wb {

namespace {

void checkScaleAndDelta(double scale, double delta, const std::string& op)
{
    if (!std::isfinite(scale) || !std::isfinite(delta))
        fail(ErrorCode::InvalidArgument, op + " scale and delta must be finite numbers", {.op = op});
}

void checkKsize(int ksize, const std::string& op)
{
    if (ksize < 1 || ksize % 2 == 0 || ksize > DerivativeDesc::kMaxKernelSize)
        fail(ErrorCode::InvalidArgument, op + " ksize must be 1, 3, 5 or 7, got " + std::to_string(ksize), {.op = op});
}

// Padded with zeros on both sides to 2·radius + 1 taps.
std::vector<double> padded(std::vector<double> taps, int radius)
{
    const std::size_t pad = (static_cast<std::size_t>(2 * radius + 1) - taps.size()) / 2;
    taps.insert(taps.begin(), pad, 0.0);
    taps.insert(taps.end(), pad, 0.0);
    return taps;
}

std::vector<double> scaled(std::vector<double> taps, double scale)
{
    for (double& w : taps)
        w *= scale;
    return taps;
}

// The taps of a Scharr kernel of order 0 or 1 (cv::getScharrKernels).
std::vector<double> scharrKernel(int order)
{
    return order == 0 ? std::vector<double>{3, 10, 3} : std::vector<double>{-1, 0, 1};
}

std::vector<double> kernelOf(const DerivativeDesc& desc, int order)
{
    return desc.kind == DerivativeKind::Scharr ? scharrKernel(order) : sobelKernel(order, desc.ksize);
}

// The taps either kernel of a filter of this aperture needs on each side.
int radiusOf(int ksize) { return ksize <= 3 ? 1 : ksize / 2; }

double tapsPerPixel(const DerivativeFilters& filters)
{
    double taps = 0;
    for (int i = 0; i < filters.count; ++i)
        taps += static_cast<double>(filters.row[i].size() + filters.column[i].size());
    return taps;
}

Cost filterCost(const Shape& shape, DType dtype, const DerivativeFilters& filters)
{
    const double n = static_cast<double>(shape.numel());
    return {2.0 * tapsPerPixel(filters) * n, n * static_cast<double>(sizeOf(dtype) + sizeOf(DType::F32))};
}

} // namespace

std::vector<double> sobelKernel(int order, int ksize)
{
    const int size = ksize == 1 && order > 0 ? 3 : ksize;
    if (order < 0 || order >= std::max(size, 1) || size % 2 == 0)
        fail(ErrorCode::InvalidArgument,
             "no Sobel kernel of order " + std::to_string(order) + " for ksize " + std::to_string(ksize));
    if (size == 1)
        return {1};
    // OpenCV's construction: start from [1, 0, ...], smooth (ksize − order − 1) times with
    // [1, 1], difference `order` times with [-1, 1].
    std::vector<long long> k(static_cast<std::size_t>(size) + 1, 0);
    k[0] = 1;
    for (int i = 0; i < size - order - 1; ++i) {
        long long previous = k[0];
        for (int j = 1; j <= size; ++j) {
            const long long next = k[j] + k[j - 1];
            k[j - 1] = previous;
            previous = next;
        }
    }
    for (int i = 0; i < order; ++i) {
        long long previous = -k[0];
        for (int j = 1; j <= size; ++j) {
            const long long next = k[j - 1] - k[j];
            k[j - 1] = previous;
            previous = next;
        }
    }
    return std::vector<double>(k.begin(), k.begin() + size);
}

std::string DerivativeDesc::opName() const
{
    return std::string(kind == DerivativeKind::Scharr ? "scharr" : "sobel") + (magnitude ? "_magnitude" : "");
}

void DerivativeDesc::validate() const
{
    const std::string op = opName();
    const ErrorContext context{.op = op};
    detail::checkImageShape(shape, op);
    detail::checkFilterDType(dtype, op);
    checkScaleAndDelta(scale, delta, op);
    if (magnitude && delta != 0)
        fail(ErrorCode::InvalidArgument, op + " takes no delta (a magnitude is never negative)", context);
    if (kind == DerivativeKind::Scharr) {
        if (ksize != 3)
            fail(ErrorCode::InvalidArgument, op + " is 3x3 only, got ksize " + std::to_string(ksize), context);
        if (!magnitude && (dx < 0 || dy < 0 || dx + dy != 1))
            fail(ErrorCode::InvalidArgument,
                 "scharr needs dx + dy == 1 (dx, dy >= 0), got dx=" + std::to_string(dx) + " dy=" + std::to_string(dy),
                 context);
        return;
    }
    checkKsize(ksize, op);
    if (magnitude)
        return;
    const int highest = ksize == 1 ? 2 : ksize - 1;
    if (dx < 0 || dy < 0 || dx > highest || dy > highest || dx + dy < 1)
        fail(ErrorCode::InvalidArgument,
             "sobel with ksize " + std::to_string(ksize) + " takes orders dx, dy in 0.." + std::to_string(highest) +
                 " with dx + dy >= 1, got dx=" + std::to_string(dx) + " dy=" + std::to_string(dy),
             context);
}

Cost DerivativeDesc::cost() const { return filterCost(shape, dtype, derivativeFilters(*this)); }

void LaplacianDesc::validate() const
{
    detail::checkImageShape(shape, "laplacian");
    detail::checkFilterDType(dtype, "laplacian");
    checkScaleAndDelta(scale, delta, "laplacian");
    checkKsize(ksize, "laplacian");
}

Cost LaplacianDesc::cost() const { return filterCost(shape, dtype, derivativeFilters(*this)); }

DerivativeFilters derivativeFilters(const DerivativeDesc& desc)
{
    DerivativeFilters filters;
    filters.radius = radiusOf(desc.ksize);
    // One derivative (dx, dy), or the two of the magnitude: (1, 0) and (0, 1).
    const int orders[2][2] = {{desc.magnitude ? 1 : desc.dx, desc.magnitude ? 0 : desc.dy}, {0, 1}};
    filters.count = desc.magnitude ? 2 : 1;
    for (int i = 0; i < filters.count; ++i) {
        const auto [dx, dy] = orders[i];
        std::vector<double> row = kernelOf(desc, dx);
        std::vector<double> column = kernelOf(desc, dy);
        // OpenCV scales the smoothing kernel when there is one along x, else the y one.
        if (dx == 0)
            row = scaled(std::move(row), desc.scale);
        else
            column = scaled(std::move(column), desc.scale);
        filters.row[i] = padded(std::move(row), filters.radius);
        filters.column[i] = padded(std::move(column), filters.radius);
    }
    filters.combine = desc.magnitude ? DerivativeFilters::Combine::Magnitude : DerivativeFilters::Combine::One;
    filters.delta = desc.delta;
    return filters;
}

DerivativeFilters derivativeFilters(const LaplacianDesc& desc)
{
    DerivativeFilters filters;
    filters.radius = radiusOf(desc.ksize);
    filters.count = 2;
    // ksize 1 is OpenCV's 3x3 cross: d²/dx² with no smoothing across, and d²/dy² likewise.
    const std::vector<double> second = sobelKernel(2, desc.ksize == 1 ? 3 : desc.ksize);
    const std::vector<double> smooth = desc.ksize == 1 ? std::vector<double>{1} : sobelKernel(0, desc.ksize);
    filters.row[0] = padded(second, filters.radius);
    filters.column[0] = padded(scaled(smooth, desc.scale), filters.radius);
    filters.row[1] = padded(smooth, filters.radius);
    filters.column[1] = padded(scaled(second, desc.scale), filters.radius);
    filters.combine = DerivativeFilters::Combine::Sum;
    filters.delta = desc.delta;
    return filters;
}

} // namespace wb
