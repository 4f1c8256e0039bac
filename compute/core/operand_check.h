#pragma once
// Checks that backends run before touching an operand: the array matches what the op was
// prepared for. Shared by every backend so the messages read the same everywhere.

#include <wb/array.h>
#include <wb/error.h>

namespace wb::detail {

// Throws ShapeMismatch / DTypeMismatch / Unsupported naming `op` and `role` ("input A").
void checkOperand(const Array& array, const Shape& shape, DType dtype, Place place, const char* op, const char* role);

// For ops that read their input while writing the output out of order: an output that
// shares bytes with the input would be read after it was overwritten. Throws Unsupported.
void requireSeparate(const Array& in, const Array& out, const char* op);

} // namespace wb::detail
