#pragma once
// Reading a pipeline file for `check` and `run`: the file's text, parsed and checked, with
// every diagnostic printed to stderr in the compilers' form.

#include <wb/pipeline.h>

#include <optional>
#include <string>

namespace wb::cli {

// nullopt, with the reason printed, when the file cannot be read or is a folder.
std::optional<pipeline::ParseResult> readPipeline(const std::string& path);

} // namespace wb::cli
