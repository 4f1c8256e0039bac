#pragma once
// The cost of the engine's telemetry (engine/telemetry.h): sample() called on its own
// thread at a fixed rate for a while, as the engine does while the workbench shows the
// live graphs. The figure the issue sets a target for is that thread's CPU time
// (CLOCK_THREAD_CPUTIME_ID, sleeps and wake-ups included) as % of one core: under 1% at
// 10 Hz. Making the Telemetry (dlopen, NVML start-up) is setup and is not counted.

#include "statistics.h"

#include <string>

namespace wb::bench {

struct TelemetryBenchConfig {
    double rateHz = 10;
    double seconds = 10;
};

struct TelemetryBenchReport {
    TelemetryBenchConfig config;
    int samples = 0;          // sample() calls, one every 1/rateHz seconds from the start
    double wallMs = 0;        // the sampling thread's run: config.seconds, plus its lateness
    double threadCpuMs = 0;   // its CPU time
    double cpuPctOfCore = 0;  // threadCpuMs / wallMs, in %
    Statistics sampleMs{};    // wall time of each sample() call
    int gpus = 0;             // GPUs in the last sample
    std::string gpuReason;    // why there were none
    bool cpuLoadRead = false; // the last sample had the all-cores load
};

inline constexpr double kTelemetryTargetPctOfCore = 1.0; // at 10 Hz (the target)

// Throws InvalidArgument unless rateHz x seconds is 1 to 10^6 samples.
TelemetryBenchReport benchTelemetry(const TelemetryBenchConfig& config);

} // namespace wb::bench
