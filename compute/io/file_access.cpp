#include "file_access.h"

#include <wb/error.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace wb::detail {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void failRead(const std::string& path, const std::string& reason)
{
    fail(ErrorCode::Io, "cannot read " + path + ": " + reason);
}

[[noreturn]] void failWrite(const std::string& path, const std::string& reason)
{
    fail(ErrorCode::Io, "cannot write " + path + ": " + reason);
}

} // namespace

std::ifstream openForReading(const std::string& path)
{
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found)
        failRead(path, "no such file");
    if (ec)
        failRead(path, ec.message());
    if (status.type() == fs::file_type::directory)
        failRead(path, "it is a folder, not a file");
    if (status.type() != fs::file_type::regular)
        failRead(path, "not a regular file");
    if (::access(path.c_str(), R_OK) != 0)
        failRead(path, std::strerror(errno));
    std::ifstream in(path, std::ios::binary);
    if (!in)
        failRead(path, std::strerror(errno));
    return in;
}

std::uint64_t fileSize(const std::string& path)
{
    std::error_code ec;
    const std::uint64_t size = fs::file_size(path, ec);
    if (ec)
        failRead(path, ec.message());
    return size;
}

std::vector<unsigned char> readWholeFile(const std::string& path)
{
    std::ifstream in = openForReading(path);
    const std::uint64_t size = fileSize(path);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
        failRead(path, "read failed after " + std::to_string(in.gcount()) + " of " + std::to_string(size) + " bytes");
    return bytes;
}

void writeFileReplacing(const std::string& path, const std::function<void(std::ostream&)>& write)
{
    const fs::path target(path);
    const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        failWrite(path, "folder " + folder.string() + " does not exist");
    if (fs::is_directory(target, ec))
        failWrite(path, "it is a folder");
    const fs::path temporary = folder / ("." + target.filename().string() + ".partial-" + std::to_string(::getpid()));
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out)
            failWrite(path, std::strerror(errno));
        try {
            write(out);
        } catch (...) {
            out.close();
            fs::remove(temporary, ec);
            throw;
        }
        out.flush();
        if (!out) {
            const std::string reason = std::strerror(errno);
            out.close();
            fs::remove(temporary, ec);
            failWrite(path, reason);
        }
    }
    fs::rename(temporary, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        failWrite(path, ec.message());
    }
}

void failCorrupt(const std::string& path, const std::string& what) { fail(ErrorCode::Io, path + ": " + what); }

} // namespace wb::detail
