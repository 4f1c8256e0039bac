#pragma once
// Reading the files the commands are given: a kernel's text for `compile`, a pipeline for
// `check` and `run`, parsed and checked, with every diagnostic printed to stderr in the
// compilers' form.

#include <wb/pipeline.h>

#include <optional>
#include <string>

namespace wb::cli {

// The file's text; nullopt, with the reason printed, when it cannot be read or is a folder.
std::optional<std::string> readTextFile(const std::string& path);

// As readTextFile, then parsed and checked.
std::optional<pipeline::ParseResult> readPipeline(const std::string& path);

} // namespace wb::cli
