#include "arguments.h"
#include "commands.h"
#include "pipeline_file.h"

#include <wb/kernel_compile.h>

#include <iomanip>
#include <iostream>

namespace wb::cli {

namespace {

void printResources(const KernelCompileResult& result)
{
    if (result.kernels.empty()) {
        std::cout << "no resource report: " << result.arch << " is PTX only (compile for sm_XY to see one)\n";
        return;
    }
    std::cout << std::left << std::setw(40) << "kernel" << std::right << std::setw(10) << "registers" << std::setw(12)
              << "shared B" << std::setw(10) << "stack B" << std::setw(12) << "spills B" << std::setw(10) << "barriers"
              << '\n';
    for (const KernelResources& kernel : result.kernels) {
        const std::string name = kernel.name.size() > 38 ? kernel.name.substr(0, 37) + "…" : kernel.name;
        std::cout << std::left << std::setw(40) << name << std::right << std::setw(10) << kernel.registers
                  << std::setw(12) << kernel.sharedBytes << std::setw(10) << kernel.stackBytes << std::setw(12)
                  << (kernel.spillStoreBytes + kernel.spillLoadBytes) << std::setw(10) << kernel.barriers << '\n';
    }
}

} // namespace

int runCompile(const std::vector<std::string>& words)
{
    if (words.empty() || words.front().rfind("--", 0) == 0)
        throw UsageError("compile needs a kernel file: warpbench-cli compile FILE.cu [--arch sm_90] [--ptx | --sass] "
                         "[--option OPT]");
    const std::string& path = words.front();
    const Arguments args("compile", std::vector<std::string>(words.begin() + 1, words.end()), {"--arch", "--option"},
                         {"--ptx", "--sass"});
    if (args.has("--ptx") && args.has("--sass"))
        throw UsageError("compile takes --ptx or --sass, not both");
    const std::optional<std::string> source = readTextFile(path);
    if (!source)
        return kExitUsage;
    KernelCompileRequest request;
    request.source = *source;
    request.file = path;
    request.directory = baseDirectoryOf(path);
    request.arch = args.value("--arch").value_or("");
    if (const std::optional<std::string> option = args.value("--option"))
        request.options = {*option};
    request.sass = args.has("--sass");

    const KernelCompileResult result = compileKernel(request);
    for (const KernelDiagnostic& diagnostic : result.diagnostics) {
        std::cerr << diagnostic.file << ':' << diagnostic.line << ':';
        if (diagnostic.column > 0)
            std::cerr << diagnostic.column << ':';
        std::cerr << ' ' << diagnostic.severity << ": " << diagnostic.message << '\n';
    }
    if (!result.success) {
        if (result.diagnostics.empty())
            std::cerr << result.log;
        std::cerr << path << ": does not compile for " << result.arch << '\n';
        return kExitUsage;
    }
    if (args.has("--ptx")) {
        std::cout << result.ptx;
        return kExitOk;
    }
    if (request.sass) {
        // The SASS on standard output, what made it (or why there is none) on standard error.
        std::cerr << path << ": " << result.sassNote << '\n';
        std::cout << result.sass;
        return result.sass.empty() ? kExitFailed : kExitOk;
    }
    std::cout << path << ": compiled for " << result.arch << " in " << std::fixed << std::setprecision(1)
              << result.compileMs << " ms" << (result.cacheHit ? " (from the kernel cache)" : "") << '\n';
    printResources(result);
    return kExitOk;
}

} // namespace wb::cli
