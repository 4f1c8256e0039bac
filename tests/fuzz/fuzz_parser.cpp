// libFuzzer target for the pipeline front end: any bytes go through parseAndCheck(), and
// what comes back must keep the promises of wb/pipeline.h and wb/pipeline_check.h, or the
// target aborts, which libFuzzer reports with the input that did it:
//   - nothing throws; every diagnostic has a message and points into the source; the
//     diagnostics are sorted by location; every statement starts inside the source;
//   - the canonical text of the program (toString) parses without errors, and prints back
//     to the same text: the printer and the parser agree on every program the parser
//     keeps, including the lines kept from input with errors elsewhere.
// Built with clang++ -fsanitize=fuzzer,address,undefined (tests/fuzz/CMakeLists.txt), so
// out-of-bounds reads, leaks, overflow and other undefined behaviour abort too.

#include <wb/pipeline.h>
#include <wb/pipeline_check.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

using namespace wb::pipeline;

[[noreturn]] void reject(const char* broken, std::string_view source, const std::string& detail = {})
{
    std::fprintf(stderr, "fuzz_parser: %s\n--- input (%zu bytes) ---\n%.*s\n--- end of input ---\n%s\n", broken,
                 source.size(), static_cast<int>(source.size()), source.data(), detail.c_str());
    std::abort();
}

// Where a diagnostic may point: any byte of a line, or just past its end.
bool inside(std::string_view source, SourceLocation location, int length)
{
    if (location.line < 1 || location.column < 1 || length < 1)
        return false;
    std::size_t begin = 0;
    for (int line = 1; line < location.line; ++line) {
        begin = source.find('\n', begin);
        if (begin == std::string_view::npos)
            return false;
        ++begin;
    }
    const std::size_t end = std::min(source.find('\n', begin), source.size());
    return static_cast<std::size_t>(location.column) <= end - begin + 1;
}

bool before(SourceLocation a, SourceLocation b) { return a.line < b.line || (a.line == b.line && a.column < b.column); }

std::string diagnosticsOf(const ParseResult& result)
{
    std::string text;
    for (const Diagnostic& diagnostic : result.diagnostics)
        text += diagnostic.format("input") + "\n";
    return text;
}

void checkResult(std::string_view source)
{
    ParseResult result;
    try {
        result = parseAndCheck(source);
    } catch (const std::exception& error) {
        reject("parseAndCheck() threw", source, error.what());
    }

    for (std::size_t i = 0; i < result.diagnostics.size(); ++i) {
        const Diagnostic& diagnostic = result.diagnostics[i];
        if (diagnostic.message.empty())
            reject("a diagnostic without a message", source, diagnostic.format("input"));
        if (!inside(source, diagnostic.location, diagnostic.length))
            reject("a diagnostic outside the source", source, diagnostic.format("input"));
        if (i > 0 && before(diagnostic.location, result.diagnostics[i - 1].location))
            reject("diagnostics out of order", source, diagnosticsOf(result));
    }
    for (const Statement& statement : result.program.statements) {
        if (!inside(source, statement.location, 1))
            reject("a statement outside the source", source, toString(statement.location));
    }

    const std::string printed = toString(result.program);
    const ParseResult again = parse(printed);
    if (!again.ok())
        reject("the canonical text does not parse", source,
               "--- canonical text ---\n" + printed + "\n--- its diagnostics ---\n" + diagnosticsOf(again));
    const std::string reprinted = toString(again.program);
    if (reprinted != printed)
        reject("the canonical text does not read back to itself", source,
               "--- canonical text ---\n" + printed + "\n--- printed again ---\n" + reprinted);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    checkResult(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
