#pragma once
// The built-in demo: the classic "five 5000x5000 float64 random matrix products, NumPy vs
// CuPy" comparison. Each iteration makes two random matrices and multiplies them; the
// CPU side uses Warpbench's random numbers and OpenBLAS dgemm with all threads, the GPU
// side cuRAND and cuBLAS in fp64. Generation is part of the timed work, as it is in the
// NumPy and CuPy scripts; each side's whole loop is timed, and the last product of each
// side is checked against a double-precision computation of sampled rows.

#include "statistics.h"
#include "verify.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace wb::bench {

struct DemoConfig {
    std::int64_t size = 5000; // n for n×n matrices
    int count = 5;            // products per loop
    int repeat = 3;           // timed loops per side; the median is reported
    bool cpuOnly = false;
    std::uint64_t seed = 1;
};

struct DemoSide {
    std::string backend;   // "cpu", "cuda:0"
    std::string device;    // CPU model or GPU name
    std::string libraries; // what did the work
    std::string warmup;    // what ran untimed first
    Statistics loop;       // whole-loop time, ms
    double gflops = 0;     // the products' flops (2·n³ each) over the median loop time
    Verification verification;
};

struct DemoReport {
    DemoConfig config;
    DemoSide cpu;
    std::optional<DemoSide> gpu;
    std::string gpuSkipped;        // why there is no GPU side
    std::optional<double> speedup; // CPU median / GPU median, only when both sides passed

    bool verificationFailed() const;
};

// Refuses, before anything is allocated, counts and sizes below 1 (InvalidArgument) and
// matrices that do not fit in host or device memory (OutOfMemory, with the figures).
void checkDemo(const DemoConfig& config);

// Runs the CPU side, then the GPU side where there is a GPU (and !cpuOnly). progress gets
// one line as each side starts.
DemoReport runDemo(const DemoConfig& config, const std::function<void(const std::string&)>& progress = {});

} // namespace wb::bench
