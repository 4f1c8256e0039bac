#include "ops.h"
#include <wb/error.h>
namespace wb::cuda {
// PLACEHOLDER (being implemented)
std::unique_ptr<NaryOp> prepareElementwise(CudaBackend&, const ElementwiseDesc&) { fail(ErrorCode::Unsupported, "not yet"); }
} // namespace wb::cuda
