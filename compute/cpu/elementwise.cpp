#include "ops.h"
namespace wb::cpu {
// PLACEHOLDER (being implemented)
std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc&) { fail(ErrorCode::Unsupported, "not yet"); }
} // namespace wb::cpu
