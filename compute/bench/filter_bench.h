#pragma once
// The image-filter benchmark behind `warpbench-cli bench-filters` (issue 6, docs/benchmarks.md
// "Image filters"): a table of cases, each one op with its parameters and dtype on one frame
// (3840x2160, 1 channel by default), timed on the GPU with L2 cold and hot and on the CPU
// (OpenCV through the CPU backend), the GPU result checked against the CPU's.
//
// GPU timing (measure.h): CUDA events on the backend's stream, warm-up runs first, median of
// `repeat` samples; a run under `minSampleMs` is timed back to back k times per sample.
//   - L2 hot: every run reads and writes the same two buffers.
//   - L2 cold: the runs rotate among K input and K output buffers, K the fewest frames whose
//     bytes exceed 3x the GPU's L2, so a buffer is long evicted when its turn comes again.
// A device-to-device copy of one frame, timed the same two ways, is the bandwidth reference:
// a filter that reads and writes its frame once cannot beat it.

#include "statistics.h"
#include "verify.h"

#include <wb/backend.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wb::bench {

// Prepares a case's op on a backend for a frame of this shape (never timed).
using PrepareFilter = std::function<std::unique_ptr<UnaryOp>(Backend& backend, const Shape& frame)>;

struct FilterCase {
    std::string label;  // what the table shows: "box 15x15"
    std::string op;     // the op's name in the registry: "gaussian", "box", "erode", "dilate"
    std::string params; // its parameters, for the record: "ksize=15x15 normalize"
    DType dtype = DType::F32;
    // The target in microseconds, L2 cold, for a 3840x2160 single-channel frame.
    std::optional<double> targetUs;
    PrepareFilter prepare;
    // The output's shape for a frame, for ops that change it (resize); empty: the frame's.
    // Bytes moved are then one read of the frame and one write of the output.
    std::function<Shape(const Shape& frame)> outputShape{};
};

// Issue 6's cases: gaussian sigma 3 (19 taps) f32; box 3, 15, 31 and 63 f32; erode and
// dilate with rectangles of 3, 15 and 31 on f32 and u8; threshold (binary u8 and f32, Otsu
// u8), normalize minmax f32 and resize (bilinear 1/2 u8 and f32, area 1/2 u8, bilinear 2x
// f32) without targets; sobel dx 3x3 (20 us) and sobel magnitude 3x3 (28 us) f32, scharr dx
// 3x3 and laplacian 3x3 f32 without. A new filter is one line here.
std::vector<FilterCase> filterCases();

inline constexpr std::int64_t kTargetWidth = 3840;
inline constexpr std::int64_t kTargetHeight = 2160;

struct FilterBenchConfig {
    std::int64_t width = kTargetWidth;
    std::int64_t height = kTargetHeight;
    int channels = 1; // interleaved, 1..4
    int repeat = 20;  // GPU samples per mode
    int warmup = 3;
    int cpuRepeat = 5;
    int cpuWarmup = 1;
    double minSampleMs = 1.0; // 0: one run per sample (events around each launch)
    bool cpuOnly = false;
    std::uint64_t seed = 1;
    std::vector<std::string> ops; // only cases of these ops; empty: all
};

// Medians of the two GPU modes and their bandwidth (one read and one write of the frame).
struct L2Times {
    Statistics cold{}; // ms
    Statistics hot{};  // ms
    double coldGBs = 0;
    double hotGBs = 0;
};

struct CopyResult {
    DType dtype = DType::F32;
    double bytes = 0; // read + written
    L2Times time;
};

struct FilterCaseResult {
    std::string label;
    std::string op;
    std::string params;
    DType dtype = DType::F32;
    double bytes = 0; // one read and one write of the frame
    Statistics cpu{}; // ms, OpenCV on the CPU backend
    double cpuGBs = 0;
    std::optional<L2Times> gpu;
    std::optional<double> percentOfCopy; // cold GB/s as % of the cold copy's
    std::optional<double> targetUs;      // only where the frame is the target's
    std::optional<bool> targetMet;       // cold median <= target
    Verification verification;           // GPU against CPU, when both ran; its maxRelError holds
                                         // filterError() (units for integers, verify.h)
    std::optional<double> speedup;       // CPU median / GPU cold median, verified only
};

struct FilterBenchReport {
    FilterBenchConfig config;
    Shape frame;
    std::string cpuBackend;
    std::string gpuBackend; // empty with cpuOnly
    std::string gpuName;
    std::uint64_t l2Bytes = 0;
    bool l2Assumed = false;                             // the device did not report its L2 size
    std::vector<std::pair<DType, int>> rotatingBuffers; // K per frame dtype
    std::vector<CopyResult> copies;
    std::vector<FilterCaseResult> cases;
    std::vector<std::string> notes;

    bool verificationFailed() const;
};

// Input buffers (and as many outputs) the cold mode rotates among: the fewest whose
// bytes exceed 3x L2, at least 2.
int rotatingBufferCount(double frameBytes, std::uint64_t l2Bytes);

// The cases the config selects, checked (InvalidArgument for a frame size, channel count,
// repetition count or op name that does not fit). Needs no GPU.
std::vector<FilterCase> selectedCases(const FilterBenchConfig& config);

// Everything decided before any work: the cases, the GPU, its L2 and the rotating buffer
// counts, the notes. Throws InvalidArgument (see selectedCases), Unavailable without a GPU
// unless cpuOnly, OutOfMemory when the frames do not fit in host memory or the rotating
// buffers in the GPU's free memory.
FilterBenchReport planFilterBench(const FilterBenchConfig& config);

// Runs every case of a plan; the callbacks see each copy row and case as it completes.
FilterBenchReport benchFilters(const FilterBenchReport& plan, const std::function<void(const CopyResult&)>& onCopy = {},
                               const std::function<void(const FilterCaseResult&)>& onCase = {});

} // namespace wb::bench
