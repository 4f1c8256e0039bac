#pragma once
// Compiled NVRTC programs kept on disk between runs, so that a kernel compiled once (a few
// hundred milliseconds) loads in well under one the next time, in any process.
//
// Where: $XDG_CACHE_HOME/warpbench/kernels, or ~/.cache/warpbench/kernels when
// XDG_CACHE_HOME is unset or not absolute. WB_KERNEL_CACHE=off turns the disk cache off
// (every miss of the in-memory cache then compiles; the tests use it for that).
//
// Key: a hash of everything that decides the compiled code: the source, the in-memory
// headers, the options, the architecture, the name expressions, whether PTX was asked for,
// the contents of the headers it reads from disk (CompileRequest::diskDependencies) and the
// NVRTC version. One file per key, "<16 hex digits>.wbk", holds the whole key
// again (so a hash collision is a miss, never a wrong kernel), the compile result (CUBIN
// and/or PTX, lowered names, the log) and a checksum. Files are written to a temporary
// name and renamed into place, so a reader sees a whole file or none, even with several
// processes at once. A file that cannot be read, is truncated or corrupt, or is from
// another format version is ignored and replaced by the next compile: the disk cache can
// make a compile unnecessary, never make one fail. Nothing is ever evicted; the files are
// a few kilobytes each and may be deleted at any time.

#include "nvrtc_compiler.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace wb::cuda {

class KernelDiskCache {
public:
    // The folder from the environment, or nothing when WB_KERNEL_CACHE=off or there is no
    // home folder. The environment is read at each call, not once per process.
    static std::optional<std::filesystem::path> directoryFromEnvironment();

    explicit KernelDiskCache(std::filesystem::path directory);

    const std::filesystem::path& directory() const { return m_directory; }
    // The file that holds (or would hold) the result of compiling `request`.
    std::filesystem::path fileFor(const CompileRequest& request) const;

    // The stored result of compiling `request`, or nothing when there is no valid entry.
    std::optional<CompileResult> load(const CompileRequest& request) const;
    // Stores a successful result; false when it could not be written (the folder is not
    // writable, the disk is full). Failed compiles are not stored.
    bool store(const CompileRequest& request, const CompileResult& result) const;

    // Text made from a stored result (the SASS of its cubin: half a second of nvdisasm),
    // kept in a file beside the result's under `kind` and tied to `source`, the bytes it was
    // made from: a different source, or a file that is not whole, is a miss.
    std::optional<std::string> loadDerived(const CompileRequest& request, std::string_view kind,
                                           std::string_view source) const;
    bool storeDerived(const CompileRequest& request, std::string_view kind, std::string_view source,
                      std::string_view text) const;

private:
    std::filesystem::path derivedFile(const CompileRequest& request, std::string_view kind) const;

    std::filesystem::path m_directory;
};

// What compileCached did, for the caller's counters.
enum class CompileSource : std::uint8_t { Disk, Compiled };

// compile(request) through the disk cache of directoryFromEnvironment(): the stored result
// when there is one, otherwise NVRTC's, stored when it succeeded. `refresh` skips the
// stored result and replaces it (for a stored one that turned out unusable).
CompileResult compileCached(const CompileRequest& request, CompileSource* source = nullptr, bool refresh = false);

// How run-time compiled kernels were obtained in this process, for tests and diagnostics.
struct KernelCacheCounters {
    std::uint64_t compiles = 0;   // NVRTC runs (through compileCached)
    std::uint64_t diskHits = 0;   // results read from the disk cache
    std::uint64_t memoryHits = 0; // kernels found loaded in a backend's memory cache
};
KernelCacheCounters kernelCacheCounters();
void countMemoryHit();

} // namespace wb::cuda
