#pragma once
// Opening and replacing files with errors that name the path and the reason, shared by the
// .npy and image readers and writers so that every file message reads the same.

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace wb::detail {

// Throws wb::Error (Io) "cannot read PATH: REASON" for a missing file, a folder, a device
// or pipe, or a file this process may not read.
std::ifstream openForReading(const std::string& path);
// Size of a file that openForReading accepted. Throws Io.
std::uint64_t fileSize(const std::string& path);
std::vector<unsigned char> readWholeFile(const std::string& path);

// Calls write() on a temporary file beside `path` and renames it over `path` once all of
// it is on disk, so that a failed or interrupted write never leaves a half-written file
// under the user's name (and an existing file stays as it was). Throws Io.
void writeFileReplacing(const std::string& path, const std::function<void(std::ostream&)>& write);

// Io error for a file whose content is wrong: "PATH: WHAT".
[[noreturn]] void failCorrupt(const std::string& path, const std::string& what);

} // namespace wb::detail
