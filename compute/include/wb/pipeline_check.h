#pragma once
// The checks of a parsed pipeline against the op registry (wb/op_registry.h), before
// anything runs: function and keyword names, argument counts, literal types and ranges,
// dtype and choice names, names used before they are assigned, sinks used as values.
// Every diagnostic and its wording is listed in docs/pipeline-language.md. Shapes and
// dtypes of arrays are the executor's to infer. Pure functions, safe from any thread.

#include <wb/pipeline.h>

#include <string_view>
#include <vector>

namespace wb::pipeline {

// Statements are checked top to bottom, so a name is defined from the statement after
// its first assignment on. Diagnostics come sorted by location.
std::vector<Diagnostic> checkNames(const Program& program);

// parse(), then checkNames() when the parse found no error: a line the parser dropped
// would otherwise make every later use of its target an undefined name. Diagnostics of
// both passes, sorted by location.
ParseResult parseAndCheck(std::string_view source);

} // namespace wb::pipeline
