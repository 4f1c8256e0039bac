#include <wb/backend.h>
#include <wb/error.h>

namespace wb {

void Backend::beginRecording() { fail(ErrorCode::Unsupported, "backend " + name() + " cannot record graphs"); }

std::unique_ptr<Recording> Backend::endRecording()
{
    fail(ErrorCode::Unsupported, "backend " + name() + " cannot record graphs");
}

} // namespace wb
