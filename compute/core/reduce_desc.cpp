#include <wb/error.h>
#include <wb/ops.h>

#include <string>

namespace wb {

std::string_view name(ReduceOp op)
{
    switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Min: return "min";
    case ReduceOp::Max: return "max";
    case ReduceOp::Norm: return "norm";
    }
    return "?";
}

void ReduceDesc::validate() const
{
    const std::string opName(name(op));
    ErrorContext context{.op = opName};
    if (opName == "?")
        fail(ErrorCode::InvalidArgument, "unknown reduction " + std::to_string(static_cast<int>(op)), context);
    if (op == ReduceOp::Min || op == ReduceOp::Max) {
        if (isComplex(dtype))
            fail(ErrorCode::DTypeMismatch,
                 opName + " of complex values is not defined (take abs() or real() first), got " +
                     std::string(name(dtype)),
                 context);
        // NumPy raises here too: an empty array has no smallest or largest element.
        if (shape.numel() == 0)
            fail(ErrorCode::InvalidArgument, opName + " of an empty array " + shape.toString(), context);
    }
}

DType ReduceDesc::outputDType() const
{
    switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: return isInteger(dtype) ? DType::F64 : dtype;
    case ReduceOp::Min:
    case ReduceOp::Max: return dtype;
    case ReduceOp::Norm: return isInteger(dtype) ? DType::F64 : realPart(dtype);
    }
    return dtype;
}

Cost ReduceDesc::cost() const
{
    const double n = static_cast<double>(shape.numel());
    const double flopsPerElement = op == ReduceOp::Norm ? 2.0 : 1.0;
    return {flopsPerElement * n, n * static_cast<double>(sizeOf(dtype)) + static_cast<double>(sizeOf(outputDType()))};
}

} // namespace wb
