#include "arguments.h"
#include "commands.h"

#include "pipeline_file.h"

#include <iostream>

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
    const std::optional<pipeline::ParseResult> read = readPipeline(path);
    if (!read)
        return kExitUsage;
    const pipeline::ParseResult& result = *read;
    if (!result.ok())
        return kExitUsage;
    std::cout << path << ": ok (" << count(result.program.statements.size(), "statement") << ", "
              << count(result.program.directives.size(), "directive") << ")\n";
    return kExitOk;
}

} // namespace wb::cli
