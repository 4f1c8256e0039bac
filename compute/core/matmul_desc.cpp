#include <wb/error.h>
#include <wb/ops.h>

#include <string>

namespace wb {

std::string_view name(Precision precision)
{
    switch (precision) {
    case Precision::Default: return "default";
    case Precision::FP64: return "fp64";
    case Precision::FP32: return "fp32";
    case Precision::TF32: return "tf32";
    case Precision::FP16: return "fp16";
    case Precision::BF16: return "bf16";
    }
    return "?";
}

Precision parsePrecision(std::string_view text)
{
    for (Precision p :
         {Precision::Default, Precision::FP64, Precision::FP32, Precision::TF32, Precision::FP16, Precision::BF16}) {
        if (name(p) == text)
            return p;
    }
    fail(ErrorCode::InvalidArgument,
         "unknown precision '" + std::string(text) + "' (expected fp64, fp32, tf32, fp16 or bf16)");
}

DType dtypeFor(Precision precision)
{
    switch (precision) {
    case Precision::FP64: return DType::F64;
    case Precision::FP16: return DType::F16;
    case Precision::BF16: return DType::BF16;
    case Precision::Default:
    case Precision::FP32:
    case Precision::TF32: return DType::F32;
    }
    return DType::F32;
}

Precision resolve(Precision precision, DType dtype)
{
    if (precision != Precision::Default)
        return precision;
    switch (dtype) {
    case DType::F64: return Precision::FP64;
    case DType::F16: return Precision::FP16;
    case DType::BF16: return Precision::BF16;
    default: return Precision::FP32;
    }
}

void MatmulDesc::validate() const
{
    ErrorContext context{.op = "matmul"};
    if (dtype != DType::F64 && dtype != DType::F32 && dtype != DType::F16 && dtype != DType::BF16)
        fail(ErrorCode::DTypeMismatch, "matmul takes f64, f32, f16 or bf16 arrays, not " + std::string(name(dtype)),
             context);
    if (dtypeFor(resolve(precision, dtype)) != dtype)
        fail(ErrorCode::DTypeMismatch,
             "precision " + std::string(name(precision)) + " needs " + std::string(name(dtypeFor(precision))) +
                 " inputs, got " + std::string(name(dtype)),
             context);
    if (a.ndim() < 2 || b.ndim() < 2)
        fail(ErrorCode::ShapeMismatch,
             "matmul needs arrays of at least 2 dimensions, got " + a.toString() + " and " + b.toString(), context);
    if (a[-1] != b[-2])
        fail(ErrorCode::ShapeMismatch,
             "shapes " + a.toString() + " and " + b.toString() + " do not fit: " + std::to_string(a[-1]) +
                 " columns against " + std::to_string(b[-2]) + " rows",
             context);
    if (b.ndim() > 2) {
        bool same = a.ndim() == b.ndim();
        for (int i = 0; same && i < a.ndim() - 2; ++i)
            same = a[i] == b[i];
        if (!same)
            fail(ErrorCode::ShapeMismatch,
                 "batch dimensions of " + a.toString() + " and " + b.toString() +
                     " differ (B must have A's batch dimensions or be 2-D)",
                 context);
    }
    if (m() == 0 || n() == 0 || k() == 0)
        fail(ErrorCode::ShapeMismatch, "matmul of empty matrices " + a.toString() + " and " + b.toString(), context);
}

Shape MatmulDesc::outputShape() const { return a.with(-1, b[-1]); }

std::int64_t MatmulDesc::batch() const
{
    std::int64_t count = 1;
    for (int i = 0; i < a.ndim() - 2; ++i)
        count *= a[i];
    return count;
}

Cost MatmulDesc::cost() const
{
    const double elem = static_cast<double>(sizeOf(dtype));
    const double batches = static_cast<double>(batch());
    const double bBatches = b.ndim() > 2 ? batches : 1.0;
    const double M = static_cast<double>(m()), N = static_cast<double>(n()), K = static_cast<double>(k());
    return {2.0 * M * N * K * batches, elem * (batches * M * K + bBatches * K * N + batches * M * N)};
}

} // namespace wb
