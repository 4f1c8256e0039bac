#include "pipeline_file.h"

#include <wb/pipeline_check.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace wb::cli {

std::optional<std::string> readTextFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    // A folder opens like a file on Linux and then reads as empty, so it is refused by name.
    if (!in.is_open() || std::filesystem::is_directory(path)) {
        const std::string reason = in.is_open() ? "it is a folder" : std::strerror(errno);
        std::cerr << "warpbench-cli: cannot read '" << path << "': " << reason << '\n';
        return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::optional<pipeline::ParseResult> readPipeline(const std::string& path)
{
    const std::optional<std::string> text = readTextFile(path);
    if (!text)
        return std::nullopt;
    pipeline::ParseResult result = pipeline::parseAndCheck(*text);
    printDiagnostics(path, result.diagnostics);
    return result;
}

std::string baseDirectoryOf(const std::string& path)
{
    const std::string folder = std::filesystem::path(path).parent_path().string();
    return folder.empty() ? "." : folder;
}

void printDiagnostics(const std::string& path, const std::vector<pipeline::Diagnostic>& diagnostics)
{
    for (const pipeline::Diagnostic& diagnostic : diagnostics)
        std::cerr << diagnostic.format(path) << '\n';
}

} // namespace wb::cli
