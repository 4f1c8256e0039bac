#include "ops.h"
namespace wb::cpu {
// PLACEHOLDER (being implemented)
std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc&) { fail(ErrorCode::Unsupported, "not yet"); }
} // namespace wb::cpu
