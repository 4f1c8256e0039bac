#pragma once
// The order statistics the app's latency benchmarks print (warpbench-engine-latency,
// warpbench-gui-latency, warpbench-startup): samples in microseconds, figures in ms.

#include <QJsonObject>

#include <cstddef>
#include <vector>

namespace wb::app::bench {

struct LatencySummary {
    std::size_t n = 0;
    double medianMs = 0;
    double p90Ms = 0;
    double p99Ms = 0;
    double minMs = 0;
    double maxMs = 0;
    double meanMs = 0;
};

// Percentiles by nearest rank; all zero for no samples.
LatencySummary summarise(std::vector<double> samplesUs);

// {"n", "median_ms", "p90_ms", "p99_ms", "min_ms", "max_ms", "mean_ms"} for the JSON records.
QJsonObject toJson(const LatencySummary& summary);

// The steady clock (CLOCK_MONOTONIC on Linux) in microseconds: the same clock in every
// process of one machine, which the engine's `sent_us` and warpbench's startup probe use.
double steadyMicroseconds();

} // namespace wb::app::bench
