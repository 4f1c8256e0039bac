#include "user_kernel_compile.h"

#include "nvrtc_compiler.h"
#include "ptxas_report.h"

#include <chrono>
#include <string_view>

namespace wb::cuda {

namespace {

// CUDA's own headers (cuda_fp16.h, cooperative_groups.h, ...), where this module was built
// against them; NVRTC finds only a few of its own without them.
constexpr std::string_view kCudaIncludeDirs = WARPBENCH_CUDA_INCLUDE_DIRS;

std::vector<std::string> includeOptions(const KernelCompileRequest& request)
{
    std::vector<std::string> options;
    // The kernel's folder first, so that its headers win over any of the same name.
    if (!request.directory.empty())
        options.push_back("--include-path=" + request.directory);
    for (std::size_t start = 0; start < kCudaIncludeDirs.size();) {
        const std::size_t end = std::min(kCudaIncludeDirs.find(';', start), kCudaIncludeDirs.size());
        if (end > start)
            options.push_back("--include-path=" + std::string(kCudaIncludeDirs.substr(start, end - start)));
        start = end + 1;
    }
    return options;
}

} // namespace

KernelCompileResult compileUserKernel(const KernelCompileRequest& request, int deviceCc)
{
    CompileRequest compileRequest;
    compileRequest.source = request.source;
    compileRequest.programName = request.file;
    compileRequest.options = includeOptions(request);
    compileRequest.options.insert(compileRequest.options.end(), request.options.begin(), request.options.end());
    if (!request.arch.empty())
        compileRequest.arch = request.arch;
    else if (deviceCc > 0)
        compileRequest.arch = targetArchitecture(deviceCc / 10, deviceCc % 10, supportedArchitectures());
    else
        compileRequest.arch = kDefaultKernelArch;
    compileRequest.wantPtx = true;
    // The resource report (registers, shared memory, spills) comes only with machine code.
    if (compileRequest.arch.rfind("sm_", 0) == 0)
        compileRequest.options.push_back("--ptxas-options=-v");

    const auto started = std::chrono::steady_clock::now();
    CompileResult compiled = compile(compileRequest);
    KernelCompileResult result;
    result.compileMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    result.success = compiled.success;
    result.arch = compileRequest.arch;
    result.log = std::move(compiled.log);
    result.ptx = std::move(compiled.ptx);
    if (result.success)
        result.kernels = parsePtxasReport(result.log);
    for (Diagnostic& diagnostic : compiled.diagnostics)
        result.diagnostics.push_back({std::move(diagnostic.file), diagnostic.line, diagnostic.column,
                                      std::move(diagnostic.severity), std::move(diagnostic.message)});
    return result;
}

} // namespace wb::cuda
