#include "operand_check.h"

#include <cstdint>
#include <string>

namespace wb::detail {

void checkOperand(const Array& array, const Shape& shape, DType dtype, Place place, const char* op, const char* role)
{
    ErrorContext context;
    context.op = op;
    if (!array.valid())
        fail(ErrorCode::InvalidArgument, std::string(role) + " is an empty array", context);
    if (array.shape() != shape)
        fail(ErrorCode::ShapeMismatch,
             std::string(role) + " has shape " + array.shape().toString() + ", prepared for " + shape.toString(),
             context);
    if (array.dtype() != dtype)
        fail(ErrorCode::DTypeMismatch,
             std::string(role) + " is " + std::string(name(array.dtype())) + ", prepared for " +
                 std::string(name(dtype)),
             context);
    if (!(array.place() == place))
        fail(ErrorCode::InvalidArgument,
             std::string(role) + " lives on " + array.place().toString() + ", the op runs on " + place.toString(),
             context);
    if (!array.isContiguous())
        fail(ErrorCode::Unsupported, std::string(role) + " is not contiguous", context);
}

void requireSeparate(const Array& in, const Array& out, const char* op)
{
    const auto inBegin = reinterpret_cast<std::uintptr_t>(in.data());
    const auto outBegin = reinterpret_cast<std::uintptr_t>(out.data());
    if (inBegin < outBegin + out.nbytes() && outBegin < inBegin + in.nbytes())
        fail(ErrorCode::Unsupported, "input and output share memory; pass a separate output array", {.op = op});
}

} // namespace wb::detail
