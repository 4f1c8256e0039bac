#pragma once
// Helpers the pipeline tests share: a checked program from source, and run options.

#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <string>

namespace wb::test {

// Parses and checks; a pipeline with errors fails the calling test.
inline pipeline::Program programOf(const std::string& source)
{
    pipeline::ParseResult parsed = pipeline::parseAndCheck(source);
    EXPECT_TRUE(parsed.ok()) << source;
    return std::move(parsed.program);
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
