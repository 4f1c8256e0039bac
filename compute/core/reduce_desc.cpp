#include <wb/error.h>
#include <wb/ops.h>

namespace wb {
// PLACEHOLDER (being implemented)
std::string_view name(ReduceOp) { return "?"; }
void ReduceDesc::validate() const { fail(ErrorCode::Unsupported, "reduce: not implemented yet"); }
DType ReduceDesc::outputDType() const { return dtype; }
Cost ReduceDesc::cost() const { return {}; }
} // namespace wb
