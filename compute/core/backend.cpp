#include <wb/backend.h>
#include <wb/error.h>

#include <chrono>
#include <thread>

namespace wb {

void Backend::beginRecording() { fail(ErrorCode::Unsupported, "backend " + name() + " cannot record graphs"); }

std::unique_ptr<Recording> Backend::endRecording()
{
    fail(ErrorCode::Unsupported, "backend " + name() + " cannot record graphs");
}

std::unique_ptr<NaryOp> Backend::prepareLaunch(const LaunchDesc&, LaunchBuild&)
{
    fail(ErrorCode::Unsupported, "launch() runs on the GPU");
}

void Backend::hangThread(double seconds)
{
    if (seconds > 0) {
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        return;
    }
    for (;;)
        std::this_thread::sleep_for(std::chrono::hours(1));
}

} // namespace wb
