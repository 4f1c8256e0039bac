#pragma once
// Timing one piece of a backend's work the way every Warpbench figure is timed: warm-up
// runs first and not counted, then each repetition timed on its own with the backend's
// Timer (CUDA events on the backend's stream for a GPU, a steady clock for the CPU).

#include "statistics.h"

#include <wb/backend.h>

#include <functional>

namespace wb::bench {

// Runs work() `warmup` times and waits for it, then `repeat` times, each between a
// timer's start() and stop(). work() must only queue the work; it is never set-up
// (prepare ops before). Throws InvalidArgument for repeat < 1 or warmup < 0.
//
// With minSampleMs > 0, a run shorter than that is timed k times back to back in each
// sample, k = ceil(minSampleMs / one run) up to kMaxRunsPerSample, and each sample is the
// sample's time / k. A GPU op of a few microseconds otherwise measures the host's launch
// latency between the timer's event and the op as much as the op itself.
inline constexpr int kMaxRunsPerSample = 1000;
Statistics measure(Backend& backend, int warmup, int repeat, const std::function<void()>& work, double minSampleMs = 0);

} // namespace wb::bench
