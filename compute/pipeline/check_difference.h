#pragma once
// What a check() finds where its two arrays differ (docs/pipeline-language.md, "Checks"):
// the element-wise difference |x - ref| as an array on the backend that holds both, and,
// from the host copies the check compares anyway, where the largest difference is and how
// many elements are out of tolerance. Used by the executor after the timed repetitions.

#include <wb/array.h>
#include <wb/backend.h>
#include <wb/pipeline_run.h>

#include <string>

namespace wb::pipeline {

// "|x - ref|" for check(x, ref=ref); "|x gpu - cpu|" for the check between the backends.
std::string differenceLabel(const std::string& x, const std::string& reference);
std::string backendsDifferenceLabel(const std::string& x);

// |x - ref| element by element, run once on `backend` with its elementwise op; x and ref
// live there and have one shape. f64 when either is f64 or c128, else f32; complex
// operands give the modulus of their difference.
Array differenceArray(Backend& backend, const Array& x, const Array& reference);

// One pass over host arrays x and ref of one shape: the largest |x - ref| (the first
// element that is not finite wins), where it is, both values there, and how many
// elements fail |x - ref| <= atol + rtol * |ref| (as numpy.allclose; NaN fails).
// `backend` and `label` are left empty for the caller.
CheckDifference compareElements(Backend& cpu, const Array& x, const Array& reference, double rtol, double atol);

} // namespace wb::pipeline
