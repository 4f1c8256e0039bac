#pragma once
// Helpers the pipeline tests share: a checked program from source, run options, and a walk
// over the sample pipelines.

#include <wb/device.h>
#include <wb/io.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

// Skips the calling test, with the reason, where no GPU can run it.
#define WB_REQUIRE_GPU()                                                                                               \
    do {                                                                                                               \
        const wb::CudaStatus& cuda = wb::Runtime::instance().cudaStatus();                                             \
        if (!cuda.available)                                                                                           \
            GTEST_SKIP() << cuda.reason;                                                                               \
    } while (false)

namespace wb::test {

// "line:col: message" for each diagnostic, "warning: " marking warnings: what the tests
// compare diagnostics as.
inline std::vector<std::string> diagnosticLines(const std::vector<pipeline::Diagnostic>& diagnostics)
{
    std::vector<std::string> lines;
    for (const pipeline::Diagnostic& diagnostic : diagnostics)
        lines.push_back(toString(diagnostic.location) + ": " +
                        (diagnostic.severity == pipeline::Severity::Warning ? "warning: " : "") + diagnostic.message);
    return lines;
}

// The checker's diagnostics of `source`, as diagnosticLines() gives them.
inline std::vector<std::string> checkedLines(const std::string& source)
{
    return diagnosticLines(pipeline::parseAndCheck(source).diagnostics);
}

// Inference's diagnostics of `source` with its directives' options; a source that does not
// check fails the calling test.
inline std::vector<std::string> inferredLines(const std::string& source)
{
    const pipeline::ParseResult parsed = pipeline::parseAndCheck(source);
    EXPECT_TRUE(parsed.ok()) << source;
    return diagnosticLines(pipeline::infer(parsed.program, pipeline::defaultRunOptions(parsed.program)).diagnostics);
}

// Parses and checks; a pipeline with errors fails the calling test.
inline pipeline::Program programOf(const std::string& source)
{
    pipeline::ParseResult parsed = pipeline::parseAndCheck(source);
    EXPECT_TRUE(parsed.ok()) << source;
    return std::move(parsed.program);
}

// Calls runSample(program, options) for every sample pipeline in resources/pipelines/, with the
// options of its directives and its folder as the base directory, under a trace naming the
// file, and returns how many samples there are. Samples that load images are skipped with
// a note where the build has no OpenCV imgcodecs (the GPU machine's); CI and every Debian
// build can read them. Stops at the first fatal failure.
inline int forEachSample(const std::function<void(const pipeline::Program&, pipeline::RunOptions)>& runSample)
{
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(WARPBENCH_PIPELINES_DIR)) {
        if (entry.path().extension() != ".wbp")
            continue;
        ++count;
        SCOPED_TRACE(entry.path().string());
        std::ifstream in(entry.path());
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!imageFilesAvailable() && text.find("load(\"") != std::string::npos) {
            std::cout << "[ NOTE     ] " << entry.path().filename() << " loads an image: no imgcodecs here\n";
            continue;
        }
        const pipeline::Program program = programOf(text);
        pipeline::RunOptions options = pipeline::defaultRunOptions(program);
        options.baseDirectory = entry.path().parent_path().string();
        runSample(program, options);
        if (::testing::Test::HasFatalFailure())
            break;
    }
    return count;
}

inline pipeline::RunOptions runOptions(int repeat, int warmup, std::vector<std::string> backends = {"cpu"})
{
    pipeline::RunOptions options;
    options.repeat = repeat;
    options.warmup = warmup;
    options.backends = std::move(backends);
    return options;
}

} // namespace wb::test
