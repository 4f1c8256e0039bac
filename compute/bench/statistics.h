#pragma once
// Summaries of repeated measurements: every figure Warpbench shows carries n, median, min
// and max, so that its spread is visible next to it.

#include <vector>

namespace wb::bench {

struct Statistics {
    int n = 0;
    double median = 0;
    double min = 0;
    double max = 0;
    std::vector<double> samples; // in the order they were measured
    // Runs timed together in each sample (samples are per run): ops far shorter than a
    // launch gap are timed back to back so that host-side gaps do not count as their time.
    int runsPerSample = 1;
};

// The median of an even count is the mean of the two middle samples. Throws
// InvalidArgument for no samples or a sample that is not a finite number.
Statistics summarize(std::vector<double> samples);

} // namespace wb::bench
