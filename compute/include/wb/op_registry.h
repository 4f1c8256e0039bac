#pragma once
// The one table of the ops a pipeline can call: names, parameters, types, defaults, ranges
// and a one-line doc each. The checker, `warpbench-cli ops`, the executor and the GUI's
// step palette all read it, so adding an op to pipelines means adding one entry here
// (compute/pipeline/op_registry.cpp) and its section in docs/pipeline-language.md.
//
// The table is built once, is immutable and is safe to read from any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::pipeline {

// What a parameter accepts. Scalars (Int, Float, String) take literals, a leading minus
// included; Choice and DType take a bare name (`f32`, `gray`) or the same as a string.
enum class ParamType {
    Array,   // any expression giving an array: a name, a call, arithmetic
    Operand, // an array or a number: the operands of minimum(), maximum(), where()
    Int,     // an integer literal
    Float,   // a number literal; integers are accepted
    String,  // a string literal, such as a path
    DType,   // a dtype name: u8, u16, i32, f16, bf16, f32, f64, c64, c128 (or NumPy's float32, ...)
    Choice,  // one of ParamInfo::choices
    Size,    // a window size: an integer literal n (n x n), or a tuple (w, h) of two
    Matrix,  // a matrix literal: a tuple of rows ((a, b), (c, d)), or one row (a, b, c); numbers only
    // launch(): a tuple of arrays and numbers, positional first, then by name: (n, 2.0, x, y=y0)
    Arguments,
    // launch()'s block and grid: an integer, or a tuple of 1 to 3 integers or define names
    Geometry,
    // launch()'s defines: a tuple of NAME=integer, (TILE=16, UNROLL=4)
    Defines,
};

// "array", "int", "float", "string", "dtype", "choice", "size", "matrix", "arguments", "geometry",
// "defines"
std::string_view name(ParamType type);

struct ParamInfo {
    std::string name;
    ParamType type = ParamType::Array;
    bool required = true;
    std::string defaultText;          // as it would be written in a pipeline; empty when required
    std::string doc;                  // one line, with units
    std::vector<std::string> choices; // Choice only; the first is the canonical spelling of the default
    std::optional<double> minimum;    // Int, Float, Size (each of w and h), Matrix (rows, columns); inclusive
    std::optional<double> maximum;
};

struct OpInfo {
    std::string name;
    std::vector<ParamInfo> params;
    // The first parameter takes one or more positional arguments: show(x, ...), and the
    // shape of rand(4096, 4096, f32). An Int one stops at the first name or string, which
    // binds to the next parameter.
    bool variadic = false;
    std::string returns; // what the op gives, one phrase; empty for a sink (show, save, check)
    std::string doc;     // one line
    std::string category;

    bool isSink() const { return returns.empty(); }
    const ParamInfo* findParam(std::string_view name) const;
};

// Every op, grouped by category in the order `warpbench-cli ops` prints them.
const std::vector<OpInfo>& ops();

// Adds the test-only ops (category "test": test_hang, test_gpu_fault, test_gpu_hang; see
// docs/protocol.md, "Test-only ops") to ops() and findOp() for the rest of the process. For
// `warpbench-cli engine --stdio --test-ops` and the engine's tests; without it they are
// unknown names. There is no way back. Thread-safe, and OpInfo pointers and references
// handed out before stay valid (each table is built once).
void enableTestOps();

// nullptr when there is no op of that name (names are case-sensitive).
const OpInfo* findOp(std::string_view name);
// Up to `count` op names nearest to `name` by edit distance (insertions, deletions,
// substitutions and swaps of neighbours), closest first, for "did you mean". Only names
// within a distance of about a third of their length are offered, so nonsense gets none.
std::vector<std::string> nearestOps(std::string_view name, int count);
// The same over any list of candidates (defined names, choices).
std::vector<std::string> nearestNames(std::string_view name, const std::vector<std::string>& candidates, int count);

// `gaussian(x, sigma, ksize=0, border=reflect101)`, `show(x, ...)`, `rand(shape..., dtype=f32, ...)`
std::string signature(const OpInfo& op);

} // namespace wb::pipeline
