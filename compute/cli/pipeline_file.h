#pragma once
// Reading the files the commands are given: a kernel's text for `compile`, a pipeline for
// `check` and `run`, parsed and checked, with every diagnostic printed to stderr in the
// compilers' form.

#include <wb/pipeline.h>

#include <optional>
#include <string>
#include <vector>

namespace wb::cli {

// The file's text; nullopt, with the reason printed, when it cannot be read or is a folder.
std::optional<std::string> readTextFile(const std::string& path);

// As readTextFile, then parsed and checked.
std::optional<pipeline::ParseResult> readPipeline(const std::string& path);

// The folder a command's file is in ("." for a bare name): where a pipeline's relative
// paths (load, save, launch) and a kernel's quoted headers are looked up.
std::string baseDirectoryOf(const std::string& path);

// Each diagnostic on stderr as "FILE:line:col: error: message".
void printDiagnostics(const std::string& path, const std::vector<pipeline::Diagnostic>& diagnostics);

} // namespace wb::cli
