#include "ptxas_report.h"

#include <cxxabi.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <string>

namespace wb::cuda {

namespace {

std::string demangle(const std::string& name)
{
    int status = 0;
    const std::unique_ptr<char, void (*)(void*)> plain(abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status),
                                                       std::free);
    return status == 0 && plain ? std::string(plain.get()) : name; // extern "C" names stay
}

// The number just before `unit` in `line` ("24 registers" -> 24); -1 without one.
long long numberBefore(std::string_view line, std::string_view unit)
{
    const std::size_t at = line.find(unit);
    if (at == std::string_view::npos || at < 2)
        return -1;
    std::size_t end = at;
    while (end > 0 && line[end - 1] == ' ')
        --end;
    std::size_t start = end;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9')
        --start;
    long long value = -1;
    if (start == end || std::from_chars(line.data() + start, line.data() + end, value).ec != std::errc())
        return -1;
    return value;
}

} // namespace

std::vector<KernelResources> parsePtxasReport(std::string_view log)
{
    std::vector<KernelResources> kernels;
    constexpr std::string_view kEntry = "Compiling entry function '";
    for (std::size_t start = 0; start < log.size();) {
        const std::size_t end = std::min(log.find('\n', start), log.size());
        const std::string_view line = log.substr(start, end - start);
        start = end + 1;
        if (line.rfind("ptxas", 0) != 0)
            continue;
        if (const std::size_t at = line.find(kEntry); at != std::string_view::npos) {
            const std::size_t nameStart = at + kEntry.size();
            const std::size_t nameEnd = line.find('\'', nameStart);
            if (nameEnd == std::string_view::npos)
                continue;
            KernelResources kernel;
            kernel.mangledName = std::string(line.substr(nameStart, nameEnd - nameStart));
            kernel.name = demangle(kernel.mangledName);
            kernels.push_back(std::move(kernel));
            continue;
        }
        if (kernels.empty())
            continue;
        KernelResources& kernel = kernels.back();
        if (line.find("bytes stack frame") != std::string_view::npos) {
            kernel.stackBytes = static_cast<int>(std::max(0LL, numberBefore(line, "bytes stack frame")));
            kernel.spillStoreBytes = static_cast<int>(std::max(0LL, numberBefore(line, "bytes spill stores")));
            kernel.spillLoadBytes = static_cast<int>(std::max(0LL, numberBefore(line, "bytes spill loads")));
        } else if (line.find("Used ") != std::string_view::npos && line.find("registers") != std::string_view::npos) {
            kernel.registers = static_cast<int>(std::max(0LL, numberBefore(line, "registers")));
            kernel.barriers = static_cast<int>(std::max(0LL, numberBefore(line, "barriers")));
            kernel.sharedBytes = static_cast<int>(std::max(0LL, numberBefore(line, "bytes smem")));
            kernel.reported = true;
        }
    }
    return kernels;
}

} // namespace wb::cuda
