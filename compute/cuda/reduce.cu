#include "ops.h"
#include <wb/error.h>
namespace wb::cuda {
// PLACEHOLDER (being implemented)
std::unique_ptr<UnaryOp> prepareReduce(CudaBackend&, const ReduceDesc&) { fail(ErrorCode::Unsupported, "not yet"); }
} // namespace wb::cuda
