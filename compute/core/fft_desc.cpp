#include <wb/error.h>
#include <wb/ops.h>

#include <cmath>
#include <string>

namespace wb {

namespace {

const char* opName(const FftDesc& d)
{
    const bool two = d.rank == 2;
    switch (d.kind) {
    case FftKind::R2C: return two ? "rfft2" : "rfft";
    case FftKind::C2R: return two ? "irfft2" : "irfft";
    case FftKind::C2C: break;
    }
    if (d.direction == FftDirection::Forward)
        return two ? "fft2" : "fft";
    return two ? "ifft2" : "ifft";
}

} // namespace

void FftDesc::validate() const
{
    ErrorContext context{.op = opName(*this)};
    if (rank != 1 && rank != 2)
        fail(ErrorCode::InvalidArgument, "FFT rank must be 1 or 2, got " + std::to_string(rank), context);
    if (input.ndim() < rank)
        fail(ErrorCode::ShapeMismatch,
             "a rank-" + std::to_string(rank) + " FFT needs at least " + std::to_string(rank) + " dimensions, got " +
                 input.toString(),
             context);
    for (int i = 1; i <= rank; ++i) {
        if (input[-i] == 0)
            fail(ErrorCode::ShapeMismatch, "FFT of an empty axis in " + input.toString(), context);
    }
    const bool wantComplex = kind != FftKind::R2C;
    if (wantComplex && !isComplex(dtype))
        fail(ErrorCode::DTypeMismatch,
             std::string(context.op) + " takes c64 or c128 input, got " + std::string(name(dtype)) +
                 (kind == FftKind::C2C ? " (convert real input with astype(c64), or use rfft)" : ""),
             context);
    if (!wantComplex && dtype != DType::F32 && dtype != DType::F64)
        fail(ErrorCode::DTypeMismatch,
             std::string(context.op) + " takes f32 or f64 input, got " + std::string(name(dtype)), context);
    if (kind == FftKind::R2C && direction != FftDirection::Forward)
        fail(ErrorCode::InvalidArgument, "real-to-complex transforms are forward only", context);
    if (kind == FftKind::C2R) {
        if (direction != FftDirection::Inverse)
            fail(ErrorCode::InvalidArgument, "complex-to-real transforms are inverse only", context);
        const std::int64_t n = lastAxisOut ? lastAxisOut : 2 * (input[-1] - 1);
        if (n < 1 || n / 2 + 1 != input[-1])
            fail(ErrorCode::ShapeMismatch,
                 "output length " + std::to_string(n) + " does not match " + std::to_string(input[-1]) +
                     " complex inputs on the last axis (needs n/2+1 of them)",
                 context);
    }
    // cuFFT and FFTW take int sizes per axis.
    for (int i = 0; i < input.ndim(); ++i) {
        if (input[i] > 0x7fffffff)
            fail(ErrorCode::ShapeMismatch, "FFT axis longer than 2^31-1 in " + input.toString(), context);
    }
}

Shape FftDesc::outputShape() const
{
    switch (kind) {
    case FftKind::R2C: return input.with(-1, input[-1] / 2 + 1);
    case FftKind::C2R: return input.with(-1, lastAxisOut ? lastAxisOut : 2 * (input[-1] - 1));
    case FftKind::C2C: break;
    }
    return input;
}

DType FftDesc::outputDType() const
{
    switch (kind) {
    case FftKind::R2C: return complexOf(dtype);
    case FftKind::C2R: return realPart(dtype);
    case FftKind::C2C: break;
    }
    return dtype;
}

Shape FftDesc::transformShape() const
{
    const Shape logical = kind == FftKind::C2R ? outputShape() : input;
    if (rank == 1)
        return Shape{logical[-1]};
    return Shape{logical[-2], logical[-1]};
}

std::int64_t FftDesc::batch() const
{
    std::int64_t count = 1;
    for (int i = 0; i < input.ndim() - rank; ++i)
        count *= input[i];
    return count;
}

Cost FftDesc::cost() const
{
    const double n = static_cast<double>(transformShape().numel());
    const double perTransform = 5.0 * n * std::log2(std::max(n, 2.0));
    const double real = kind == FftKind::C2C ? 1.0 : 0.5;
    const double inBytes = static_cast<double>(input.numel() * sizeOf(dtype));
    const double outBytes = static_cast<double>(outputShape().numel() * sizeOf(outputDType()));
    return {perTransform * real * static_cast<double>(batch()), inBytes + outBytes};
}

void FftShiftDesc::validate() const
{
    if (shape.ndim() < 1)
        fail(ErrorCode::ShapeMismatch, "fftshift of a 0-D array", {.op = inverse ? "ifftshift" : "fftshift"});
}

Cost FftShiftDesc::cost() const { return {0.0, 2.0 * static_cast<double>(shape.numel() * sizeOf(dtype))}; }

} // namespace wb
