#pragma once
// A launch of a user's CUDA kernel as a pipeline step: launch("kernels/saxpy.cu:saxpy",
// args=(n, 2.0, x, y0), out="y", block=256) (docs/pipeline-language.md, "launch"). The
// planner reads the kernel's source and parameter list (wb/kernel_signature.h), binds and
// checks the arguments and fills a LaunchDesc; Backend::prepareLaunch compiles it with NVRTC
// for the backend's device (disk cache first) and returns the op whose run() launches it.
//
// Tuning (issue 7) drives the same desc with other geometry and defines: change blockSpec,
// gridSpec or defines, call resolveGeometry() and validate(), and prepare it again.

#include <wb/array.h>
#include <wb/dtype.h>
#include <wb/kernel_compile.h>
#include <wb/kernel_signature.h>
#include <wb/ops.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace wb {

// What one kernel parameter receives.
struct LaunchArgument {
    enum class Kind : std::uint8_t { Array, Scalar };
    Kind kind = Kind::Scalar;
    // Array: the position of its array among the inputs that the op's run() gets.
    int input = -1;
    // Scalar: the value as the parameter holds it (little-endian, KernelParam::scalarBytes
    // of it used): an int32 for `int`, a float for `float`, a double for `double`, ...
    std::array<unsigned char, 8> bytes{};
};

// One dimension of a block or a grid as written: a number, or the name of one of the
// launch's defines (block=(TILE, TILE)), whose value it takes.
struct LaunchTerm {
    std::int64_t value = 1;
    std::string define{}; // empty: value as given
};

// The largest sizes CUDA allows (every architecture Warpbench compiles for).
inline constexpr std::int64_t kMaxBlockThreads = 1024;
inline constexpr std::array<std::int64_t, 3> kMaxBlockDims{1024, 1024, 64};
inline constexpr std::array<std::int64_t, 3> kMaxGridDims{2147483647, 65535, 65535};

struct LaunchDesc {
    std::string source{};    // the kernel file's text, read while planning
    std::string file{};      // its path (resolved), the name compile diagnostics use
    std::string directory{}; // its folder: `#include "x.h"` looks there
    KernelSignature kernel{};
    std::vector<LaunchArgument> arguments{}; // one per kernel.params, in order
    int outParam = -1;                       // the pointer parameter whose array is the result
    Shape outShape{};                        // of the array bound to it: the step's value
    DType outDType = DType::F32;
    // -DNAME=VALUE for NVRTC, in the order given.
    std::vector<std::pair<std::string, std::int64_t>> defines{};
    std::array<LaunchTerm, 3> blockSpec{};
    // nullopt: derived from outShape (resolveGeometry()).
    std::optional<std::array<LaunchTerm, 3>> gridSpec{};
    std::uint32_t sharedBytes = 0; // dynamic shared memory per block
    // Set by resolveGeometry().
    std::array<std::uint32_t, 3> block{1, 1, 1};
    std::array<std::uint32_t, 3> grid{1, 1, 1};
    // "launch of saxpy (saxpy.cu) at 6:5": how errors of this launch begin.
    std::string where{};
    // Where `launch(` is in the pipeline (1-based), which its run-time errors point at.
    int callLine = 0;
    int callColumn = 0;

    // Fills block and grid from the specs and the defines. A derived grid covers outShape:
    // ceil(numel / block.x) blocks for a 1-D (or 0-D or 4-D) out; (ceil(W / block.x),
    // ceil(H / block.y)) for an (H, W) or (H, W, C) image. Throws InvalidArgument for an
    // unknown define, a size below 1, a block over kMaxBlockThreads threads or a dimension
    // over its limit (the message names which).
    void resolveGeometry();
    // Geometry within CUDA's limits, one argument per parameter, out a pointer parameter.
    // Throws InvalidArgument.
    void validate() const;
    Shape outputShape() const { return outShape; }
    DType outputDType() const { return outDType; }
    // Unknown: what a user's kernel computes and moves is not declared anywhere.
    Cost cost() const { return {}; }
    // The NVRTC options of the defines: "-DTILE=16", ...
    std::vector<std::string> compileOptions() const;
    // The file name without its folder, as messages show it: "saxpy.cu".
    std::string fileName() const;
};

// How the kernel of a prepared launch was obtained: reported apart from its run time.
struct LaunchBuild {
    std::string arch{};                          // what it was compiled for: "sm_90"
    double compileMs = 0;                        // NVRTC, or reading the disk cache on a hit
    bool cacheHit = false;                       // from the disk cache
    double loadMs = 0;                           // loading the code on the device and finding the kernel
    std::string function{};                      // the name it was found by: "saxpy", or a lowered C++ name
    bool compiled = false;                       // false: the source did not compile (diagnostics below)
    std::string log{};                           // the compiler's whole log
    std::vector<KernelDiagnostic> diagnostics{}; // at the kernel file's lines
};

} // namespace wb
