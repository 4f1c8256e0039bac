#pragma once
// Checking a result against a reference before any speedup is shown. Errors are computed
// in double precision on the host, as max |result - reference| / max |reference| over
// all elements: a relative measure that stays meaningful where single elements are near
// zero (an FFT's spectrum, a product of signed matrices).

#include <wb/array.h>
#include <wb/ops.h>

#include <cstdint>
#include <string>

namespace wb::bench {

struct Verification {
    bool checked = false;
    bool passed = false;
    std::string reference;   // "cpu", "fp64-sampled-rows"; empty when not checked
    std::string description; // one line for people: what was compared with what
    double maxRelError = 0;  // meaningful only when checked (NaN when the result had NaNs)
    double tolerance = 0;
};

// Both host arrays, same shape; any dtypes (f16 and bf16 are widened, complex compared as
// complex). Returns NaN when either side has a NaN or an infinity, so a check fails.
double maxRelativeError(const Array& result, const Array& reference);

// The same measure for `rows` rows of C = A·B (2-D host arrays), spread evenly over C and
// including the first and last, against products of those rows computed in double.
double sampledRowsError(const Array& a, const Array& b, const Array& c, int rows);

// A tolerance that fits the arithmetic: fp64 results are held to near machine precision,
// tf32 and half precision to their mantissas.
double matmulTolerance(Precision precision);
double fftTolerance(DType dtype);
double gaussianTolerance(DType dtype);
// For a result whose error comes only from rounding to its dtype (elementwise maths,
// conversions, reductions summed in f64): f64 1e-12, f32 1e-5, f16 2e-3, bf16 1.6e-2, complex
// as its real part; integers 1e-2 (one level of 255 where a .5 rounds differently).
double dtypeTolerance(DType dtype);

// Image filters against OpenCV (issue 6), per element: integers within 1 unit, f32 within
// 1e-5 of max(|reference|, 1). filterError() is the worst element's error in those terms
// (units for integers), NaN when either side has a NaN or an infinity.
double filterError(const Array& result, const Array& reference);
double filterTolerance(DType dtype);

// Builds the verdict: passed when the error is a number no larger than the tolerance.
Verification verdict(std::string reference, std::string description, double maxRelError, double tolerance);

} // namespace wb::bench
