#pragma once
// The pipeline executor's own benchmarks (issue 3, docs/benchmarks.md):
//   - overhead: a chain of tiny elementwise steps that are kept apart (fusion off), so
//     each is one kernel; per step the GPU time of the chain (first step's start to last
//     step's end, RunResult::stepsTiming) divided by its steps (the rand that makes the
//     input counts as one), replayed as a CUDA graph with and without a timing mark between
//     steps, and, for contrast, launched one by one.
//   - fusion: a chain of 10 elementwise operations over one large f32 array, fused into
//     one kernel, against one device-to-device copy of the same bytes (the bandwidth the
//     fused kernel cannot beat: it reads and writes each element once) and unfused.
// Both run real pipelines through pipeline::run(); every figure is a median of measured
// repetitions after warm-up, timed with CUDA events (the executor's timeline).

#include "statistics.h"

#include <cstdint>
#include <optional>
#include <string>

namespace wb::bench {

struct OverheadConfig {
    int steps = 1000;
    std::int64_t elements = 1024;
    int repeat = 20;
    int warmup = 2;
};

struct OverheadReport {
    OverheadConfig config;
    std::string backend;
    double graphUsPerStep = 0;      // graph replay, no marks between the steps
    double graphTimedUsPerStep = 0; // graph replay with a timing mark (event node) after each step
    double eagerUsPerStep = 0;      // launched one by one, with the marks
    bool graphReplayed = false;
    std::string note; // why graph replay was off, if it was
};

struct FusionConfig {
    std::int64_t elements = std::int64_t{1} << 28;
    int repeat = 10;
    int warmup = 2;
};

struct FusionReport {
    FusionConfig config;
    std::string backend;
    int operations = 0;     // elementwise operations in the chain
    Statistics fused{};     // ms, the one fused step
    double unfusedMs = 0;   // sum of the unfused steps' medians
    Statistics copy{};      // ms, device-to-device copy of the input
    double fusedGBs = 0;    // bytes read and written / fused median
    double copyGBs = 0;     // 2 x bytes / copy median
    double ratioToCopy = 0; // fused median / copy median
    bool verified = false;  // fused GPU result equals the CPU's within tolerance
    double maxRelError = 0;
};

// Throw Unavailable without a GPU.
OverheadReport benchOverhead(const OverheadConfig& config);
FusionReport benchFusion(const FusionConfig& config);

// The pipeline text each benchmark runs, for the record.
std::string overheadPipeline(const OverheadConfig& config);
std::string fusionPipeline(const FusionConfig& config);

} // namespace wb::bench
