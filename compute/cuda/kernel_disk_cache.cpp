#include "kernel_disk_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string_view>
#include <system_error>

namespace wb::cuda {

namespace {

constexpr char kMagic[8] = {'W', 'B', 'K', 'E', 'R', 'N', 'E', 'L'};
constexpr char kDerivedMagic[8] = {'W', 'B', 'D', 'E', 'R', 'I', 'V', 'E'};
constexpr std::uint32_t kFormatVersion = 1;
// Far beyond any real kernel; a larger file is not ours.
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{512} << 20;

std::atomic<std::uint64_t> g_compiles{0};
std::atomic<std::uint64_t> g_diskHits{0};
std::atomic<std::uint64_t> g_memoryHits{0};

// FNV-1a, 64 bits: the file name and the checksum. Not cryptographic; the key stored in the
// file decides a hit, so a collision costs a compile and nothing else.
std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ull)
{
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

// Length-prefixed fields in host byte order (the cache never leaves the machine).
class Writer {
public:
    void u64(std::uint64_t value) { m_bytes.append(reinterpret_cast<const char*>(&value), sizeof(value)); }
    void u32(std::uint32_t value) { m_bytes.append(reinterpret_cast<const char*>(&value), sizeof(value)); }
    void bytes(std::string_view text)
    {
        u64(text.size());
        m_bytes.append(text);
    }
    void raw(std::string_view text) { m_bytes.append(text); }
    std::string& text() { return m_bytes; }

private:
    std::string m_bytes;
};

// Reads what Writer wrote; every read checks the bounds, and ok() turns false for good at
// the first one that does not fit.
class Reader {
public:
    explicit Reader(std::string_view bytes)
        : m_bytes(bytes)
    {
    }
    bool ok() const { return m_ok; }
    std::size_t offset() const { return m_offset; }

    std::string_view take(std::size_t size)
    {
        if (!m_ok || size > m_bytes.size() - m_offset) {
            m_ok = false;
            return {};
        }
        const std::string_view out = m_bytes.substr(m_offset, size);
        m_offset += size;
        return out;
    }
    template <typename T> T number()
    {
        T value{};
        const std::string_view raw = take(sizeof(T));
        if (m_ok)
            std::memcpy(&value, raw.data(), sizeof(T));
        return value;
    }
    std::string_view bytes()
    {
        const auto size = number<std::uint64_t>();
        return take(static_cast<std::size_t>(std::min<std::uint64_t>(size, m_bytes.size())));
    }

private:
    std::string_view m_bytes;
    std::size_t m_offset = 0;
    bool m_ok = true;
};

std::string keyOf(const CompileRequest& request)
{
    Writer key;
    key.bytes("warpbench kernel cache key");
    const NvrtcVersion version = nvrtcVersion();
    key.u32(static_cast<std::uint32_t>(version.major));
    key.u32(static_cast<std::uint32_t>(version.minor));
    key.bytes(request.arch);
    key.bytes(request.programName);
    key.bytes(request.source);
    key.u64(request.headers.size());
    for (const auto& [name, contents] : request.headers) {
        key.bytes(name);
        key.bytes(contents);
    }
    key.u64(request.options.size());
    for (const std::string& option : request.options)
        key.bytes(option);
    key.u64(request.nameExpressions.size());
    for (const std::string& expression : request.nameExpressions)
        key.bytes(expression);
    key.u32(request.wantPtx ? 1 : 0);
    key.bytes(request.diskDependencies);
    return std::move(key.text());
}

// A file's bytes before its trailing checksum, when the checksum matches and they start
// with `magic`; else nothing.
std::optional<std::string_view> verifiedBody(std::string_view all, const char (&magic)[8])
{
    if (all.size() < sizeof(magic) + sizeof(std::uint64_t))
        return std::nullopt;
    const std::string_view body = all.substr(0, all.size() - sizeof(std::uint64_t));
    std::uint64_t checksum = 0;
    std::memcpy(&checksum, all.data() + body.size(), sizeof(checksum));
    if (checksum != fnv1a(body) || body.substr(0, sizeof(magic)) != std::string_view(magic, sizeof(magic)))
        return std::nullopt;
    return body;
}

// Writes `bytes` to a name no other writer uses, in the same folder so that the rename
// into `target` stays atomic: a reader sees a whole file or none.
bool writeAtomically(const std::filesystem::path& directory, const std::filesystem::path& target,
                     const std::string& bytes)
{
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error)
        return false;
    static std::atomic<std::uint64_t> serial{0};
    thread_local std::mt19937_64 random{std::random_device{}()};
    const std::filesystem::path temporary = target.string() + ".tmp." + std::to_string(::getpid()) + "." +
                                            std::to_string(serial++) + "." + std::to_string(random() & 0xffffffu);
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        file.close();
        if (!file) {
            std::filesystem::remove(temporary, error);
            return false;
        }
    }
    std::filesystem::rename(temporary, target, error);
    if (error) {
        std::filesystem::remove(temporary, error);
        return false;
    }
    return true;
}

std::string hexName(std::uint64_t hash)
{
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string name(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4)
        name[static_cast<std::size_t>(i)] = kDigits[hash & 0xf];
    return name + ".wbk";
}

std::optional<std::string> readFile(const std::filesystem::path& path)
{
    std::error_code error;
    const std::uintmax_t size = std::filesystem::file_size(path, error);
    if (error || size > kMaxFileBytes)
        return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string bytes(static_cast<std::size_t>(size), '\0');
    if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size())))
        return std::nullopt;
    return bytes;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i]))
            return false;
    }
    return true;
}

} // namespace

std::optional<std::filesystem::path> KernelDiskCache::directoryFromEnvironment()
{
    if (const char* setting = std::getenv("WB_KERNEL_CACHE")) {
        for (const char* off : {"off", "0", "false", "no"}) {
            if (equalsIgnoringCase(setting, off))
                return std::nullopt;
        }
    }
    // The XDG base directory specification ignores relative paths.
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg && std::filesystem::path(xdg).is_absolute())
        return std::filesystem::path(xdg) / "warpbench" / "kernels";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".cache" / "warpbench" / "kernels";
    return std::nullopt;
}

KernelDiskCache::KernelDiskCache(std::filesystem::path directory)
    : m_directory(std::move(directory))
{
}

std::filesystem::path KernelDiskCache::fileFor(const CompileRequest& request) const
{
    return m_directory / hexName(fnv1a(keyOf(request)));
}

std::optional<CompileResult> KernelDiskCache::load(const CompileRequest& request) const
{
    const std::string key = keyOf(request);
    const std::optional<std::string> bytes = readFile(m_directory / hexName(fnv1a(key)));
    const std::optional<std::string_view> body = bytes ? verifiedBody(*bytes, kMagic) : std::nullopt;
    if (!body)
        return std::nullopt;
    Reader in(*body);
    in.take(sizeof(kMagic));
    if (in.number<std::uint32_t>() != kFormatVersion || in.bytes() != key)
        return std::nullopt;
    CompileResult result;
    result.log = std::string(in.bytes());
    const std::string_view cubin = in.bytes();
    result.cubin.assign(cubin.begin(), cubin.end());
    result.ptx = std::string(in.bytes());
    const auto names = in.number<std::uint64_t>();
    for (std::uint64_t i = 0; in.ok() && i < names; ++i) {
        const std::string_view expression = in.bytes();
        const std::string_view lowered = in.bytes();
        result.loweredNames.emplace_back(expression, lowered);
    }
    if (!in.ok() || in.offset() != body->size() || (result.cubin.empty() && result.ptx.empty()))
        return std::nullopt;
    result.diagnostics = parseDiagnostics(result.log);
    result.success = true;
    return result;
}

bool KernelDiskCache::store(const CompileRequest& request, const CompileResult& result) const
{
    if (!result.success)
        return false;
    Writer out;
    out.raw(std::string_view(kMagic, sizeof(kMagic)));
    out.u32(kFormatVersion);
    out.bytes(keyOf(request));
    out.bytes(result.log);
    out.bytes(std::string_view(result.cubin.data(), result.cubin.size()));
    out.bytes(result.ptx);
    out.u64(result.loweredNames.size());
    for (const auto& [expression, lowered] : result.loweredNames) {
        out.bytes(expression);
        out.bytes(lowered);
    }
    out.u64(fnv1a(out.text()));

    return writeAtomically(m_directory, fileFor(request), out.text());
}

std::optional<std::string> KernelDiskCache::loadDerived(const CompileRequest& request, std::string_view kind,
                                                        std::string_view source) const
{
    const std::optional<std::string> bytes = readFile(derivedFile(request, kind));
    const std::optional<std::string_view> body = bytes ? verifiedBody(*bytes, kDerivedMagic) : std::nullopt;
    if (!body)
        return std::nullopt;
    Reader in(*body);
    in.take(sizeof(kDerivedMagic));
    if (in.number<std::uint32_t>() != kFormatVersion || in.bytes() != keyOf(request) ||
        in.number<std::uint64_t>() != fnv1a(source))
        return std::nullopt;
    std::string text(in.bytes());
    if (!in.ok() || in.offset() != body->size())
        return std::nullopt;
    return text;
}

bool KernelDiskCache::storeDerived(const CompileRequest& request, std::string_view kind, std::string_view source,
                                   std::string_view text) const
{
    Writer out;
    out.raw(std::string_view(kDerivedMagic, sizeof(kDerivedMagic)));
    out.u32(kFormatVersion);
    out.bytes(keyOf(request));
    out.u64(fnv1a(source));
    out.bytes(text);
    out.u64(fnv1a(out.text()));
    return writeAtomically(m_directory, derivedFile(request, kind), out.text());
}

std::filesystem::path KernelDiskCache::derivedFile(const CompileRequest& request, std::string_view kind) const
{
    return fileFor(request).string() + "." + std::string(kind);
}

CompileResult compileCached(const CompileRequest& request, CompileSource* source, bool refresh)
{
    const std::optional<std::filesystem::path> directory = KernelDiskCache::directoryFromEnvironment();
    if (directory && !refresh) {
        if (std::optional<CompileResult> stored = KernelDiskCache(*directory).load(request)) {
            ++g_diskHits;
            if (source)
                *source = CompileSource::Disk;
            return std::move(*stored);
        }
    }
    ++g_compiles;
    CompileResult result = compile(request);
    if (result.success && directory)
        KernelDiskCache(*directory).store(request, result);
    if (source)
        *source = CompileSource::Compiled;
    return result;
}

KernelCacheCounters kernelCacheCounters() { return {g_compiles.load(), g_diskHits.load(), g_memoryHits.load()}; }

void countMemoryHit() { ++g_memoryHits; }

} // namespace wb::cuda
