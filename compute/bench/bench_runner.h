#pragma once
// The benchmark behind `warpbench-cli bench`: one op (matmul, fft2, gaussian, or an image
// filter of bench-filters' table: box, erode, sobel, median, ...) at several square sizes on each requested backend,
// timed as DESIGN.md "Measuring" asks. Inputs are made on the host with the CPU backend's random numbers and uploaded;
// ops are prepared once, outside the timings; uploads and downloads are figures of their own; every GPU result is
// checked against a CPU or double-precision reference, and a speedup is given only for a result that passed; GPU rows
// also time the bare cuBLAS / cuFFT call of the same shape so that the cost of Warpbench's layers shows.

#include "statistics.h"
#include "verify.h"

#include <wb/ops.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wb::bench {

// Filter: any op with a case in bench-filters' table (filter_bench.h) but gaussian, which
// has its own sigma; BenchConfig::filter names it.
enum class BenchOp : std::uint8_t { Matmul, Fft2, Gaussian, Filter };
std::string_view name(BenchOp op);           // "filter" for Filter
BenchOp parseBenchOp(std::string_view text); // an op's name; throws InvalidArgument

// What was asked for; unset dtype and precision take the op's defaults.
struct BenchConfig {
    BenchOp op = BenchOp::Matmul;
    std::vector<std::int64_t> sizes; // n for n×n matrices, transforms and images
    // matmul: the input dtype, which must fit the precision (f16 for fp16, ...);
    // fft2: f32/c64 (single) or f64/c128 (double) complex input; gaussian: f32 or u8.
    std::optional<DType> dtype;
    // matmul: fp64, fp32 (default), tf32, fp16, bf16; fft2: fp32 or fp64 only.
    std::optional<Precision> precision;
    std::vector<std::string> backends{"cpu", "gpu"}; // "cpu", "gpu", "cuda", "cuda:N"
    int repeat = 10;
    int warmup = 3;
    double sigma = 3.0; // gaussian
    // Filter: the op ("box", "erode", ...) and one of its bench-filters cases by label
    // ("box 15x15"); without a label the first case of the op (and of dtype, when given).
    std::string filter;
    std::string filterCase;
    std::uint64_t seed = 1;
};

struct BenchRow {
    std::int64_t size = 0;
    std::string backend; // "cpu", "cuda:0"
    Shape shape;         // of each input
    DType dtype = DType::F32;
    Cost cost;
    Statistics time;                            // the op alone, ms
    std::optional<Statistics> hostToDevice;     // GPU rows: uploading every input, ms
    std::optional<Statistics> deviceToHost;     // GPU rows: downloading the result, ms
    double throughput = 0;                      // at the median: GFLOP/s (matmul, fft2) or GB/s (filters)
    Verification verification;                  // GPU rows
    std::optional<double> speedupVsCpu;         // CPU median / this median, only when verified
    std::optional<double> speedupWithTransfers; // the same with upload and download added
    std::string bareLibrary;                    // "cuBLAS", "cuFFT"; empty when there is no baseline
    std::optional<Statistics> bare;             // the bare library call, ms
    std::optional<double> percentOfBare;        // our throughput as % of the bare call's
    std::string bareNote;                       // why there is no baseline figure, when there is none
};

struct BenchReport {
    BenchConfig config;
    DType dtype = DType::F32;
    Precision precision = Precision::FP32; // matmul; fp32/fp64 for fft2 by dtype
    std::vector<std::string> backends;     // resolved: "cpu", "cuda:0"
    std::string throughputUnit;            // "GFLOP/s" or "GB/s"
    std::string opLabel;                   // "matmul", ..., or a filter case's label: "box 15x15"
    std::vector<std::string> notes;        // e.g. why GPU rows were left out
    std::vector<BenchRow> rows;

    bool verificationFailed() const;
};

class BenchRunner {
public:
    // Resolves and checks everything before anything is allocated: dtype and precision for
    // the op, backends (a missing GPU is dropped with a note when other backends remain,
    // and is Unavailable when it was the only one), sizes (InvalidArgument below 1,
    // OutOfMemory with the figures when inputs and results would not fit in host memory
    // or in the GPU's free memory).
    explicit BenchRunner(BenchConfig config);

    // The resolved settings and notes, before anything has run.
    const BenchReport& plan() const { return m_plan; }

    // Runs every size on every backend; onRow is called as each row completes.
    BenchReport run(const std::function<void(const BenchRow&)>& onRow = {});

private:
    BenchReport m_plan;
};

// Device memory the GPU side of a benchmark may use beyond its arrays (library
// workspaces, plans), kept free when sizes are checked.
inline constexpr double kDeviceHeadroomBytes = 256.0 * 1024 * 1024;

// "1.5 GB": byte counts in the one-line errors about memory.
std::string formatBytes(double bytes);

} // namespace wb::bench
