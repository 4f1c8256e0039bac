#include "sass.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace wb::cuda {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCudaIncludeDirs = WARPBENCH_CUDA_INCLUDE_DIRS;

// Disassemblies longer than this are cut: a kernel's SASS is a few hundred kilobytes at
// most, and the panel that shows it is for reading.
constexpr std::size_t kMaxSassBytes = 8u << 20;

std::vector<fs::path> searchFolders()
{
    std::vector<fs::path> folders;
    if (const char* path = std::getenv("PATH")) {
        std::string_view rest(path);
        while (!rest.empty()) {
            const std::size_t colon = std::min(rest.find(':'), rest.size());
            if (colon > 0)
                folders.emplace_back(std::string(rest.substr(0, colon)));
            rest.remove_prefix(std::min(colon + 1, rest.size()));
        }
    }
    if (const char* home = std::getenv("CUDA_HOME"); home && *home)
        folders.push_back(fs::path(home) / "bin");
    folders.emplace_back("/usr/local/cuda/bin");
    const std::string_view first = kCudaIncludeDirs.substr(0, kCudaIncludeDirs.find('|'));
    if (!first.empty())
        folders.push_back(fs::path(std::string(first)).parent_path() / "bin");
    return folders;
}

std::string readAll(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A file in the temporary folder that is removed when this goes out of scope.
class TempFile {
public:
    explicit TempFile(const std::string& suffix)
    {
        std::string pattern = (fs::temp_directory_path() / ("warpbench-sass-XXXXXX" + suffix)).string();
        const int fd = mkstemps(pattern.data(), static_cast<int>(suffix.size()));
        if (fd >= 0) {
            close(fd);
            m_path = pattern;
        }
    }
    ~TempFile()
    {
        if (!m_path.empty()) {
            std::error_code ignored;
            fs::remove(m_path, ignored);
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

} // namespace

std::string findDisassembler()
{
    for (const char* name : {"nvdisasm", "cuobjdump"}) {
        for (const fs::path& folder : searchFolders()) {
            const fs::path candidate = folder / name;
            if (access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate))
                return candidate.string();
        }
    }
    return {};
}

Disassembly disassemble(const std::vector<char>& cubin, const std::string& tool)
{
    if (cubin.empty())
        return {{}, "no machine code: the target was PTX only (compute_XY)"};
    TempFile input(".cubin"), output(".txt");
    if (input.path().empty() || output.path().empty())
        return {{}, std::string("cannot make a temporary file: ") + std::strerror(errno)};
    {
        std::ofstream file(input.path(), std::ios::binary);
        file.write(cubin.data(), static_cast<std::streamsize>(cubin.size()));
        if (!file)
            return {{}, "cannot write the cubin to " + input.path()};
    }
    const std::string toolName = fs::path(tool).filename().string();
    // nvdisasm prints the code sections; cuobjdump needs -sass for them.
    std::vector<std::string> words = {tool, toolName == "cuobjdump" ? "-sass" : "-c", input.path()};
    std::vector<char*> argv;
    for (std::string& word : words)
        argv.push_back(word.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.path().c_str(), O_WRONLY | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, tool.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0)
        return {{}, "cannot start " + tool + ": " + std::strerror(spawned)};
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::string text = readAll(output.path());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "a signal";
        return {{}, toolName + " failed (" + how + "): " + text.substr(0, 400)};
    }
    std::string note = "disassembled by " + tool;
    if (text.size() > kMaxSassBytes) {
        text.resize(kMaxSassBytes);
        note += " (cut at " + std::to_string(kMaxSassBytes >> 20) + " MiB)";
    }
    return {std::move(text), std::move(note)};
}

} // namespace wb::cuda
