#include "verify.h"

#include "core/half.h"

#include <wb/error.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

namespace wb::bench {

namespace {

using Complex = std::complex<double>;
constexpr std::int64_t kChunk = 1 << 14;

template <typename T> Complex widen(T value) { return Complex(static_cast<double>(value), 0.0); }

template <typename T> void readTyped(const void* data, std::int64_t first, std::int64_t count, Complex* out)
{
    const T* source = static_cast<const T*>(data) + first;
    for (std::int64_t i = 0; i < count; ++i)
        out[i] = widen(source[i]);
}

template <typename T> void readComplex(const void* data, std::int64_t first, std::int64_t count, Complex* out)
{
    const std::complex<T>* source = static_cast<const std::complex<T>*>(data) + first;
    for (std::int64_t i = 0; i < count; ++i)
        out[i] = Complex(source[i].real(), source[i].imag());
}

// Elements [first, first + count) of a contiguous host array, widened to complex double.
void readElements(const Array& x, std::int64_t first, std::int64_t count, Complex* out)
{
    const void* data = x.data();
    switch (x.dtype()) {
    case DType::U8: return readTyped<std::uint8_t>(data, first, count, out);
    case DType::U16: return readTyped<std::uint16_t>(data, first, count, out);
    case DType::I32: return readTyped<std::int32_t>(data, first, count, out);
    case DType::F32: return readTyped<float>(data, first, count, out);
    case DType::F64: return readTyped<double>(data, first, count, out);
    case DType::C64: return readComplex<float>(data, first, count, out);
    case DType::C128: return readComplex<double>(data, first, count, out);
    case DType::F16:
    case DType::BF16: {
        const auto* source = static_cast<const std::uint16_t*>(data) + first;
        const auto toFloat = x.dtype() == DType::F16 ? detail::halfToFloat : detail::bf16ToFloat;
        for (std::int64_t i = 0; i < count; ++i)
            out[i] = Complex(toFloat(source[i]), 0.0);
        return;
    }
    }
}

void requireHost(const Array& x, const char* role)
{
    if (!x.valid() || !x.place().isHost() || !x.isContiguous())
        fail(ErrorCode::InvalidArgument, std::string("verification needs a contiguous host array as ") + role);
}

// max |d|² and max |r|² folded into the relative error; NaN once anything is not finite.
double relativeFromSquares(double maxDiff2, double maxRef2, bool finite)
{
    if (!finite)
        return std::numeric_limits<double>::quiet_NaN();
    if (maxRef2 == 0)
        return std::sqrt(maxDiff2);
    return std::sqrt(maxDiff2 / maxRef2);
}

// Calls visit(got, want) for every pair of elements of two contiguous host arrays of one
// shape, widened to complex double, a chunk at a time.
template <typename Visit> void forEachPair(const Array& result, const Array& reference, Visit visit)
{
    requireHost(result, "result");
    requireHost(reference, "reference");
    if (result.shape() != reference.shape())
        fail(ErrorCode::ShapeMismatch, "result " + result.shape().toString() + " and reference " +
                                           reference.shape().toString() + " differ in shape");
    std::vector<Complex> got(kChunk), want(kChunk);
    const std::int64_t total = result.numel();
    for (std::int64_t first = 0; first < total; first += kChunk) {
        const std::int64_t count = std::min(kChunk, total - first);
        readElements(result, first, count, got.data());
        readElements(reference, first, count, want.data());
        for (std::int64_t i = 0; i < count; ++i)
            visit(got[i], want[i]);
    }
}

} // namespace

double maxRelativeError(const Array& result, const Array& reference)
{
    double maxDiff2 = 0, maxRef2 = 0;
    bool finite = true;
    forEachPair(result, reference, [&](Complex got, Complex want) {
        const double diff2 = std::norm(got - want);
        const double ref2 = std::norm(want);
        finite = finite && std::isfinite(diff2) && std::isfinite(ref2);
        maxDiff2 = std::max(maxDiff2, diff2);
        maxRef2 = std::max(maxRef2, ref2);
    });
    return relativeFromSquares(maxDiff2, maxRef2, finite);
}

double sampledRowsError(const Array& a, const Array& b, const Array& c, int rows)
{
    requireHost(a, "A");
    requireHost(b, "B");
    requireHost(c, "C");
    if (a.ndim() != 2 || b.ndim() != 2 || c.ndim() != 2 || a.shape()[1] != b.shape()[0] ||
        c.shape() != Shape{a.shape()[0], b.shape()[1]})
        fail(ErrorCode::ShapeMismatch, "sampled-row check of " + c.shape().toString() + " = " + a.shape().toString() +
                                           " x " + b.shape().toString());
    const std::int64_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
    const std::int64_t count = std::clamp<std::int64_t>(rows, 1, m);
    std::vector<std::int64_t> picked(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i)
        picked[i] = count == 1 ? 0 : i * (m - 1) / (count - 1);

    // Walks B once, row by row, accumulating every picked row of the product at the same time.
    std::vector<Complex> aRows(static_cast<std::size_t>(count * k));
    for (std::int64_t i = 0; i < count; ++i)
        readElements(a, picked[i] * k, k, aRows.data() + i * k);
    std::vector<Complex> bRow(static_cast<std::size_t>(n));
    std::vector<double> exact(static_cast<std::size_t>(count * n), 0.0);
    for (std::int64_t kk = 0; kk < k; ++kk) {
        readElements(b, kk * n, n, bRow.data());
        for (std::int64_t i = 0; i < count; ++i) {
            const double scale = aRows[i * k + kk].real();
            double* out = exact.data() + i * n;
            for (std::int64_t j = 0; j < n; ++j)
                out[j] += scale * bRow[j].real();
        }
    }

    std::vector<Complex> got(static_cast<std::size_t>(n));
    double maxDiff2 = 0, maxRef2 = 0;
    bool finite = true;
    for (std::int64_t i = 0; i < count; ++i) {
        readElements(c, picked[i] * n, n, got.data());
        for (std::int64_t j = 0; j < n; ++j) {
            const double want = exact[i * n + j];
            const double diff2 = std::norm(got[j] - want);
            finite = finite && std::isfinite(diff2) && std::isfinite(want);
            maxDiff2 = std::max(maxDiff2, diff2);
            maxRef2 = std::max(maxRef2, want * want);
        }
    }
    return relativeFromSquares(maxDiff2, maxRef2, finite);
}

double matmulTolerance(Precision precision)
{
    switch (precision) {
    case Precision::FP64: return 1e-10;
    case Precision::Default:
    case Precision::FP32: return 1e-4;
    case Precision::TF32: return 1e-2;
    case Precision::FP16: return 1e-2;
    case Precision::BF16: return 3e-2;
    }
    return 1e-4;
}

double fftTolerance(DType dtype) { return realPart(dtype) == DType::F64 ? 1e-10 : 1e-4; }

// u8 results may differ by one level where the backends round a .5 differently; blurred
// noise peaks well below 255, so one level is close to 1% of the largest value.
double gaussianTolerance(DType dtype) { return dtype == DType::U8 ? 1e-2 : 1e-5; }

double dtypeTolerance(DType dtype)
{
    switch (realPart(dtype)) {
    case DType::F64: return 1e-12;
    case DType::F32: return 1e-5;
    case DType::F16: return 2e-3;
    case DType::BF16: return 1.6e-2;
    default: return 1e-2;
    }
}

double filterError(const Array& result, const Array& reference)
{
    const bool units = isInteger(reference.dtype());
    double worst = 0;
    bool finite = true;
    forEachPair(result, reference, [&](Complex got, Complex want) {
        const double error = std::abs(got - want) / (units ? 1.0 : std::max(std::abs(want), 1.0));
        finite = finite && std::isfinite(error);
        worst = std::max(worst, error);
    });
    return finite ? worst : std::numeric_limits<double>::quiet_NaN();
}

double filterTolerance(DType dtype) { return isInteger(dtype) ? 1.0 : 1e-5; }

Verification verdict(std::string reference, std::string description, double maxRelError, double tolerance)
{
    Verification v;
    v.checked = true;
    v.reference = std::move(reference);
    v.description = std::move(description);
    v.maxRelError = maxRelError;
    v.tolerance = tolerance;
    v.passed = maxRelError <= tolerance; // false for NaN
    return v;
}

} // namespace wb::bench
