#pragma once
// The front end of the `.wbp` pipeline language: parse() turns source text into a Program
// (directives and statements) and a list of diagnostics. The grammar, the lexical rules and
// every diagnostic are written down in docs/pipeline-language.md. Nothing here knows the
// ops: names of functions and arguments are checked later, against the op registry.
//
// parse() reports bad input as diagnostics, never by throwing, and recurses at most about
// kMaxNesting levels deep, so the trees it returns stay as shallow. It is a pure function: safe to call from any
// thread. The AST owns its nodes (move-only, through std::unique_ptr).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace wb::pipeline {

// A place in the source. Both fields are 1-based; the column counts bytes from the start of
// the line, so a tab counts as one column and 'é' (two bytes in UTF-8) as two, as in the
// diagnostics of GCC and Clang.
struct SourceLocation {
    int line = 1;
    int column = 1;
    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

// "3:9"
std::string toString(SourceLocation location);

enum class Severity { Error, Warning };

struct Diagnostic {
    Severity severity = Severity::Error;
    SourceLocation location;
    int length = 1; // bytes to mark from `location` on the same line; at least 1
    std::string message;

    // "file:line:col: error: message", the form compilers print and editors jump to.
    std::string format(const std::string& fileName) const;
};

// The deepest an expression may nest (parentheses, operators and calls together). Deeper
// input gets a diagnostic instead of unbounded recursion.
inline constexpr int kMaxNesting = 200;

// ---------------------------------------------------------------------------------------
// Expressions. Every node records where it starts; a binary node also where its operator is.
struct Expression;
using ExpressionPtr = std::unique_ptr<Expression>;

struct Number {
    double value = 0;
    bool isInteger = false;   // spelled without '.' or exponent
    std::int64_t integer = 0; // exact value when isInteger
};

struct String {
    std::string value; // escapes decoded
};

struct Name {
    std::string name;
};

// One argument of a call or one element of a tuple; `keyword` is empty when positional.
struct Argument {
    std::string keyword;
    SourceLocation keywordLocation; // meaningful only with a keyword
    ExpressionPtr value;
};

// (a, b), (a,), () and, to bind arguments by name as in `launch(..., args=(A, out=C))`,
// elements with keywords.
struct Tuple {
    std::vector<Argument> elements;
};

struct Call {
    std::string function;
    std::vector<Argument> arguments;
};

struct Negation {
    ExpressionPtr operand;
};

enum class BinaryOperator {
    Add,
    Subtract,
    Multiply,
    Divide,
    MatMul,
    Power,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
};

// "+", "**", "@", "<=", ...
std::string_view symbol(BinaryOperator op);

struct Binary {
    BinaryOperator op = BinaryOperator::Add;
    SourceLocation operatorLocation;
    ExpressionPtr left;
    ExpressionPtr right;
};

struct Expression {
    SourceLocation location;
    std::variant<Number, String, Name, Tuple, Call, Negation, Binary> node;
};

// ---------------------------------------------------------------------------------------
// Statements and directives.

// One value of a directive: a name (`gpu`) or a non-negative integer (`5`).
struct DirectiveValue {
    SourceLocation location;
    std::string text;                    // as spelled
    std::optional<std::int64_t> integer; // set for integers
};

// `@repeat 5`, `@backends cpu, gpu`. Only valid directives reach a Program; when one is
// given twice, both are kept in order and the last one counts.
struct Directive {
    SourceLocation location; // of the '@'
    std::string name;        // without the '@': "repeat"
    std::vector<DirectiveValue> values;
};

// `target = value` or a bare expression such as `show(a, b)`.
struct Statement {
    SourceLocation location;
    std::optional<std::string> target;
    SourceLocation targetLocation; // meaningful only with a target
    ExpressionPtr value;
};

// Directives and statements in source order. A line with an error contributes nothing.
struct Program {
    std::vector<Directive> directives;
    std::vector<Statement> statements;
};

struct ParseResult {
    Program program;
    std::vector<Diagnostic> diagnostics; // sorted by location

    // True when no diagnostic is an error (warnings allowed).
    bool ok() const;
};

ParseResult parse(std::string_view source);

// Canonical text, with the fewest parentheses that keep the meaning, single spaces around
// binary operators and after commas, and numbers in their shortest exact form (`.5` ->
// `0.5`). Parsing the text gives the same tree, so this also formats pipelines.
std::string toString(const Expression& expression);
std::string toString(const Statement& statement);
std::string toString(const Directive& directive);
std::string toString(const Program& program); // directives, then statements, one a line

} // namespace wb::pipeline
