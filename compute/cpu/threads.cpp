// One thread count for every library the CPU backend uses, so that a figure measured
// with N threads means N threads everywhere.

#include "cpu_backend.h"

#include <wb/error.h>

#include <warpbench/config.h>

#include <cblas.h>
#if WARPBENCH_HAVE_OPENCV
#include <opencv2/core/utility.hpp>
#endif

#include <algorithm>
#include <mutex>
#include <string>

namespace wb::cpu {

namespace {

struct ThreadState {
    std::mutex mutex;
    int count = 0; // 0 until first configured
};

ThreadState& state()
{
    static ThreadState instance;
    return instance;
}

// FFTW has no global thread setting: prepareFft reads threads() for each plan it makes.
void applyToLibraries(int count)
{
    openblas_set_num_threads(count);
#if WARPBENCH_HAVE_OPENCV
    cv::setNumThreads(count);
#endif
}

} // namespace

void setThreads(int count)
{
    if (count < 1)
        fail(ErrorCode::InvalidArgument, "CPU thread count must be >= 1, got " + std::to_string(count));
    ThreadState& s = state();
    std::lock_guard lock(s.mutex);
    s.count = count;
    applyToLibraries(count);
}

int threads()
{
    ThreadState& s = state();
    std::lock_guard lock(s.mutex);
    if (s.count == 0) {
        // Every logical core we may run on (the affinity mask, so taskset and cgroups are
        // honoured), rather than each library's own guess.
        s.count = std::max(1, Runtime::instance().cpuInfo().logicalCores);
        applyToLibraries(s.count);
    }
    return s.count;
}

} // namespace wb::cpu
