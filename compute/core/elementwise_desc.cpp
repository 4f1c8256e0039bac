#include <wb/error.h>
#include <wb/ops.h>

namespace wb {
// PLACEHOLDER (being implemented)
std::string_view name(ElemOp) { return "?"; }
int arity(ElemOp) { return 0; }
void ElementwiseDesc::validate() { fail(ErrorCode::Unsupported, "elementwise: not implemented yet"); }
DType ElementwiseDesc::outputDType() const { return nodes.empty() ? DType::F32 : nodes.back().dtype; }
Cost ElementwiseDesc::cost() const { return {}; }
std::string ElementwiseDesc::text() const { return {}; }
} // namespace wb
