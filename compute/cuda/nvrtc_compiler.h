#pragma once
// Run-time compilation of CUDA C++ with NVRTC, for generated kernels (elementwise
// expressions) and, later, the user's kernels from the editor. Host only: nothing here
// touches a device or the CUDA runtime, so it works on a machine without a GPU (compile
// diagnostics, PTX and CUBIN for a chosen architecture).
//
//   CompileRequest request{.source = text, .programName = "blur.cu", .arch = "sm_90"};
//   request.nameExpressions = {"blur<float>"};
//   CompileResult result = compile(request);
//   if (!result.success) show(result.log, result.diagnostics);
//   else load(result.image(), result.loweredName("blur<float>"));
//
// A program that does not compile is a result (success == false with NVRTC's whole log),
// never an exception; a failing NVRTC call (out of memory, a broken installation) throws
// wb::Error through WB_NVRTC_CHECK. Thread safety: compile() may run on several threads at
// once (each call has its own NVRTC program). Every field of the structs has an initializer,
// so designated initializers may name only what they set.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wb::cuda {

struct CompileRequest {
    std::string source{};
    std::string programName = "kernel.cu"; // the file name the log and diagnostics use
    // In-memory headers that `#include "name"` finds: (name, contents).
    std::vector<std::pair<std::string, std::string>> headers{};
    // NVRTC options other than the architecture, passed as given ("-std=c++17", "-DN=4").
    std::vector<std::string> options{};
    // "sm_XY": a CUBIN for exactly that architecture (and PTX when wantPtx);
    // "compute_XY": PTX only, for the driver to compile when it loads it.
    std::string arch = "sm_90";
    // C++ names of __global__ functions or __device__ variables ("scale<float>",
    // "ns::kernel"); their lowered (mangled) names come back in CompileResult.
    std::vector<std::string> nameExpressions{};
    bool wantPtx = false;
    // What the files NVRTC reads from disk (headers found on the include path) hold: not
    // passed to NVRTC, only part of the disk cache's key, since they decide the result.
    std::string diskDependencies{};
};

// One message of the log: "blur.cu(12): error: identifier "x" is undefined", with the
// column taken from the caret line NVRTC prints under the echoed source line.
struct Diagnostic {
    std::string file{};
    int line = 0;
    int column = 0;         // 1-based; 0 when the log shows none
    std::string severity{}; // "error", "warning", "remark", "catastrophic error", ...
    std::string message{};  // "identifier "x" is undefined" (a warning's number included: "#177-D: ...")
};

struct CompileResult {
    bool success = false;
    std::string log{}; // NVRTC's whole log, warnings included; never truncated
    std::vector<Diagnostic> diagnostics{};
    std::vector<char> cubin{};                                       // for "sm_XY"
    std::string ptx{};                                               // for "compute_XY", or when wantPtx
    std::vector<std::pair<std::string, std::string>> loweredNames{}; // (name expression, lowered name)

    // The lowered name of an expression given in the request; empty when there is none.
    std::string_view loweredName(std::string_view expression) const;
    // What cudaLibraryLoadData takes: the CUBIN, or the PTX with its terminating NUL.
    const void* image() const { return cubin.empty() ? static_cast<const void*>(ptx.c_str()) : cubin.data(); }
};

CompileResult compile(const CompileRequest& request);

struct NvrtcVersion {
    int major = 0;
    int minor = 0;
};
NvrtcVersion nvrtcVersion();
// Compute capabilities NVRTC can compile for, as 10·major + minor, ascending (75, 80, ...).
std::vector<int> supportedArchitectures();

// The architecture to compile for on a device of compute capability major.minor: "sm_XY"
// (a CUBIN) when NVRTC knows the device, otherwise "compute_XY" for the newest XY below it
// (PTX that the driver compiles when it loads it; for devices newer than NVRTC). Throws
// Unsupported for a device older than every architecture NVRTC supports.
std::string targetArchitecture(int major, int minor, const std::vector<int>& supported);

// The messages in an NVRTC log (see Diagnostic); lines that are not messages are skipped.
std::vector<Diagnostic> parseDiagnostics(std::string_view log);

} // namespace wb::cuda
