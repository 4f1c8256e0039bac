#include "arguments.h"
#include "commands.h"

#include <wb/pipeline_check.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace wb::cli {

namespace {

std::string count(std::size_t n, const std::string& noun)
{
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

} // namespace

int runCheck(const std::vector<std::string>& words)
{
    if (words.size() != 1 || words.front().rfind("--", 0) == 0)
        throw UsageError("check needs exactly one pipeline file: warpbench-cli check FILE.wbp");
    const std::string& path = words.front();
    std::ifstream in(path, std::ios::binary);
    // A folder opens like a file on Linux and then reads as empty, so it is refused by name.
    if (!in.is_open() || std::filesystem::is_directory(path)) {
        const std::string reason = in.is_open() ? "it is a folder" : std::strerror(errno);
        std::cerr << "warpbench-cli: cannot read '" << path << "': " << reason << '\n';
        return kExitUsage;
    }
    std::stringstream text;
    text << in.rdbuf();
    const pipeline::ParseResult result = pipeline::parseAndCheck(text.str());
    for (const pipeline::Diagnostic& diagnostic : result.diagnostics)
        std::cerr << diagnostic.format(path) << '\n';
    if (!result.ok())
        return kExitUsage;
    std::cout << path << ": ok (" << count(result.program.statements.size(), "statement") << ", "
              << count(result.program.directives.size(), "directive") << ")\n";
    return kExitOk;
}

} // namespace wb::cli
