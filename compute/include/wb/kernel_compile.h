#pragma once
// Compiling the user's CUDA kernels with NVRTC: the engine's `compile` request
// (docs/protocol.md), and later `warpbench-cli compile` and launch(). It needs the CUDA
// module of a build with CUDA, but no GPU and no driver: without a device it compiles for
// a chosen architecture, so compile diagnostics and PTX work on any machine.
//
//   KernelCompileRequest request{.source = text, .file = "/home/me/kernels/blur.cu",
//                                .directory = "/home/me/kernels"};
//   KernelCompileResult result = compileKernel(request);
//   for (const KernelDiagnostic& d : result.diagnostics) show(d.file, d.line, d.column, d.message);

#include <string>
#include <vector>

namespace wb {

struct KernelCompileRequest {
    std::string source{};
    // The name the diagnostics and the log use: the user's file, never a temporary one.
    std::string file = "kernel.cu";
    // Where `#include "name.h"` looks after the folder of the file that includes it (the
    // kernel's folder, for a `file` given without it); CUDA's own headers are always found.
    std::string directory{};
    // "sm_XY" (machine code for that architecture, and PTX) or "compute_XY" (PTX only).
    // Empty: the architecture of GPU 0, or kDefaultKernelArch where there is none.
    std::string arch{};
    // Further NVRTC options as given ("-DTILE=16", "-std=c++20", "--use_fast_math").
    std::vector<std::string> options{};
    // Also disassemble the machine code (an "sm_XY" target) into SASS with the toolkit's
    // nvdisasm or cuobjdump, where the machine has one.
    bool sass = false;
};

inline constexpr const char* kDefaultKernelArch = "sm_90";

// One message of the compiler: "blur.cu:12:5: error: identifier "x" is undefined".
struct KernelDiagnostic {
    std::string file{};
    int line = 0;
    int column = 0;         // 1-based; 0 when the compiler shows none
    std::string severity{}; // "error", "warning", "remark", "catastrophic error"
    std::string message{};
};

// What ptxas reports for one kernel (machine-code targets only): the figures that bound
// occupancy (registers and shared memory per block) and the signs of trouble (spills).
struct KernelResources {
    std::string name{};        // "scale", "blur<float>(float*, int)"
    std::string mangledName{}; // as in the PTX ("_Z4blurIfEvPfi"); the name for extern "C"
    int registers = 0;         // per thread
    int sharedBytes = 0;       // static shared memory per block
    int stackBytes = 0;        // per thread
    int spillStoreBytes = 0;
    int spillLoadBytes = 0;
    int barriers = 0;
    bool reported = false; // ptxas gave the "Used ..." line
};

struct KernelCompileResult {
    bool success = false;
    std::string arch{}; // what it was compiled for
    std::string log{};  // the compiler's whole log
    std::vector<KernelDiagnostic> diagnostics{};
    std::string ptx{}; // when it compiled
    // When asked for: the SASS text, or empty with sassNote saying why (a PTX-only target,
    // no nvdisasm or cuobjdump on this machine, the tool's failure); sassNote names the
    // tool otherwise.
    std::string sass{};
    std::string sassNote{};
    // Per kernel, in ptxas's order, for an "sm_XY" target; empty for "compute_XY" (PTX
    // only: the driver compiles it when it loads it).
    std::vector<KernelResources> kernels{};
    // From the disk cache (a compile of the same source, headers, options, architecture
    // and NVRTC before, in any process): then compileMs is the time to read it.
    bool cacheHit = false;
    double compileMs = 0;
};

// A source that does not compile is a result with success == false, never an exception.
// Throws Unavailable when this build or installation has no CUDA module (the reason
// says which), InvalidArgument for an architecture NVRTC does not know.
KernelCompileResult compileKernel(const KernelCompileRequest& request);

} // namespace wb
