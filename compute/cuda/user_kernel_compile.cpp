#include "user_kernel_compile.h"

#include "kernel_disk_cache.h"
#include "nvrtc_compiler.h"
#include "ptxas_report.h"
#include "sass.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

namespace wb::cuda {

namespace {

namespace fs = std::filesystem;

// CUDA's own headers (cuda_fp16.h, cooperative_groups.h, ...), where this module was built
// against them, separated by '|'; NVRTC finds only a few of its own without them.
constexpr std::string_view kCudaIncludeDirs = WARPBENCH_CUDA_INCLUDE_DIRS;

// Headers a kernel may pull in from its folder: enough for any real kernel, and a bound on
// what a cache lookup reads.
constexpr std::size_t kMaxScannedHeaders = 256;

std::vector<std::string> includeOptions(const KernelCompileRequest& request)
{
    std::vector<std::string> options;
    // The kernel's folder first, so that its headers win over any of the same name.
    if (!request.directory.empty())
        options.push_back("--include-path=" + request.directory);
    for (std::size_t start = 0; start < kCudaIncludeDirs.size();) {
        const std::size_t end = std::min(kCudaIncludeDirs.find('|', start), kCudaIncludeDirs.size());
        if (end > start)
            options.push_back("--include-path=" + std::string(kCudaIncludeDirs.substr(start, end - start)));
        start = end + 1;
    }
    return options;
}

std::optional<std::string> readFile(const fs::path& path)
{
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The names in `#include "name"` lines (angle-bracket includes are CUDA's or the system's,
// fixed for an NVRTC version).
std::vector<std::string> quotedIncludes(std::string_view text)
{
    std::vector<std::string> names;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        const std::size_t hash = line.find_first_not_of(" \t");
        if (hash == std::string_view::npos || line[hash] != '#')
            continue;
        line.remove_prefix(hash + 1);
        line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
        if (line.rfind("include", 0) != 0)
            continue;
        const std::size_t open = line.find('"');
        const std::size_t close = open == std::string_view::npos ? open : line.find('"', open + 1);
        if (close != std::string_view::npos)
            names.emplace_back(line.substr(open + 1, close - open - 1));
    }
    return names;
}

// Every header the kernel reaches through quoted includes, found as NVRTC finds them (the
// including file's folder, then the request's directory), with its contents: what the disk
// cache's key needs besides the source. A name that is not found is recorded as missing,
// so that creating the file later changes the key.
std::string diskDependencies(const KernelCompileRequest& request)
{
    std::string dependencies;
    std::set<fs::path> seen;
    std::vector<std::pair<fs::path, std::string>> pending{{fs::path(request.file).parent_path(), request.source}};
    while (!pending.empty() && seen.size() < kMaxScannedHeaders) {
        auto [folder, text] = std::move(pending.back());
        pending.pop_back();
        for (const std::string& name : quotedIncludes(text)) {
            std::optional<fs::path> found;
            for (const fs::path& base : {folder, fs::path(request.directory)}) {
                const fs::path candidate = (base.empty() ? fs::path(".") : base) / name;
                if (fs::exists(candidate)) {
                    found = fs::weakly_canonical(candidate);
                    break;
                }
            }
            if (!found) {
                dependencies += "missing:" + name + '\n';
                continue;
            }
            if (!seen.insert(*found).second)
                continue;
            std::optional<std::string> contents = readFile(*found);
            dependencies += found->string() + '\n' + std::to_string(contents ? contents->size() : 0) + '\n';
            if (contents) {
                dependencies += *contents;
                pending.emplace_back(found->parent_path(), std::move(*contents));
            }
        }
    }
    return dependencies;
}

// The disassembly of a cubin, from the disk cache beside its compile where this tool made
// it before (nvdisasm takes about half a second even for a small kernel), else the tool's,
// stored there when it made one.
Disassembly cachedDisassembly(const CompileRequest& request, const std::vector<char>& cubin, const std::string& tool)
{
    const std::string machineCode = tool + '\n' + std::string(cubin.data(), cubin.size());
    const std::optional<std::filesystem::path> directory = KernelDiskCache::directoryFromEnvironment();
    if (directory) {
        if (std::optional<std::string> text = KernelDiskCache(*directory).loadDerived(request, "sass", machineCode))
            return {std::move(*text), "disassembled by " + tool + ", from the kernel cache"};
    }
    Disassembly disassembly = disassemble(cubin, tool);
    if (directory && !disassembly.text.empty())
        KernelDiskCache(*directory).storeDerived(request, "sass", machineCode, disassembly.text);
    return disassembly;
}

} // namespace

KernelCompileResult compileUserKernel(const KernelCompileRequest& request, int deviceCc)
{
    return compileUserKernel(request, deviceCc, nullptr);
}

KernelCompileResult compileUserKernel(const KernelCompileRequest& request, int deviceCc, CompileResult* program)
{
    const auto started = std::chrono::steady_clock::now();
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
    compileRequest.diskDependencies = diskDependencies(request);

    CompileSource source = CompileSource::Compiled;
    CompileResult compiled = compileCached(compileRequest, &source);
    if (program)
        *program = compiled;
    KernelCompileResult result;
    result.compileMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    result.cacheHit = source == CompileSource::Disk;
    result.success = compiled.success;
    result.arch = compileRequest.arch;
    result.log = std::move(compiled.log);
    result.ptx = std::move(compiled.ptx);
    if (result.success)
        result.kernels = parsePtxasReport(result.log);
    if (request.sass && result.success) {
        const std::string tool = findDisassembler();
        if (tool.empty()) {
            result.sassNote = "no SASS: neither nvdisasm nor cuobjdump was found (PATH, CUDA_HOME/bin, "
                              "/usr/local/cuda/bin); the CUDA toolkit has both";
        } else {
            Disassembly disassembly = cachedDisassembly(compileRequest, compiled.cubin, tool);
            result.sass = std::move(disassembly.text);
            result.sassNote = std::move(disassembly.note);
        }
    }
    for (Diagnostic& diagnostic : compiled.diagnostics)
        result.diagnostics.push_back({std::move(diagnostic.file), diagnostic.line, diagnostic.column,
                                      std::move(diagnostic.severity), std::move(diagnostic.message)});
    return result;
}

} // namespace wb::cuda
