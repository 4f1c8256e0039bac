#include "arguments.h"
#include "commands.h"

#include "pipeline_file.h"

#include <wb/pipeline_run.h>

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
    // What the editor's check adds (the engine's `check`): shapes and dtypes through the
    // whole pipeline, files that load() cannot read, and launch()'s arguments against the
    // kernel's parameters, with paths relative to the file's folder. No GPU is needed.
    pipeline::RunOptions options = pipeline::defaultRunOptions(result.program);
    options.baseDirectory = baseDirectoryOf(path);
    const pipeline::Inference inference = pipeline::infer(result.program, options);
    printDiagnostics(path, inference.diagnostics);
    if (!inference.ok())
        return kExitUsage;
    std::cout << path << ": ok (" << count(result.program.statements.size(), "statement") << ", "
              << count(result.program.directives.size(), "directive") << ")\n";
    return kExitOk;
}

} // namespace wb::cli
