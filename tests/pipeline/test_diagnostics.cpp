// Every diagnostic of the front end, with its exact place, and recovery after errors.

#include "pipeline_test_util.h"

#include <wb/pipeline.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

// The parser's diagnostics.
std::vector<std::string> diagnosticsOf(std::string_view source)
{
    return wb::test::diagnosticLines(parse(source).diagnostics);
}

using Lines = std::vector<std::string>;

} // namespace

TEST(PipelineDiagnostics, FormatLikeACompiler)
{
    const Diagnostic error{Severity::Error, {3, 9}, 1, "unterminated string"};
    EXPECT_EQ(error.format("a.wbp"), "a.wbp:3:9: error: unterminated string");
    const Diagnostic warning{Severity::Warning, {1, 2}, 1, "careful"};
    EXPECT_EQ(warning.format("b.wbp"), "b.wbp:1:2: warning: careful");
}

TEST(PipelineDiagnostics, LexicalErrors)
{
    EXPECT_EQ(diagnosticsOf("x = a $ b"), Lines{"1:7: unexpected character '$'"});
    EXPECT_EQ(diagnosticsOf("x = a ! b"), Lines{"1:7: unexpected character '!'"});
    EXPECT_EQ(diagnosticsOf("x = \xC3\xA9"), Lines{"1:5: unexpected character '\xC3\xA9'"});
    EXPECT_EQ(diagnosticsOf("x = \x01"), Lines{"1:5: unexpected byte 0x01"});
    EXPECT_EQ(diagnosticsOf("x = \xFF"), Lines{"1:5: unexpected byte 0xFF"});
    EXPECT_EQ(diagnosticsOf("x = a.b"), Lines{"1:6: unexpected character '.'"});
    EXPECT_EQ(diagnosticsOf("s = \"abc\nt = 1"), Lines{"1:5: unterminated string"});
    EXPECT_EQ(diagnosticsOf("s = \"abc\\"), Lines{"1:5: unterminated string"});
    EXPECT_EQ(diagnosticsOf("s = \"abc\\\r\nt = 1"), Lines{"1:5: unterminated string"});
    EXPECT_EQ(diagnosticsOf(R"(s = "a\qb")"), Lines{R"(1:7: unknown escape '\q' in string (known: \", \\, \n))"});
    EXPECT_EQ(diagnosticsOf("x = 3x"), Lines{"1:5: invalid number '3x'"});
    EXPECT_EQ(diagnosticsOf("x = 1e"), Lines{"1:5: invalid number '1e'"});
    EXPECT_EQ(diagnosticsOf("x = 1e+"), Lines{"1:5: invalid number '1e+'"});
    EXPECT_EQ(diagnosticsOf("x = 1.2.3"), Lines{"1:5: invalid number '1.2.3'"});
    EXPECT_EQ(diagnosticsOf("x = 9223372036854775808"),
              Lines{"1:5: integer '9223372036854775808' is too large (the largest is 9223372036854775807)"});
    EXPECT_EQ(diagnosticsOf("x = 1e999"), Lines{"1:5: number '1e999' is out of range"});
}

TEST(PipelineDiagnostics, DiagnosticLengthsCoverTheText)
{
    const ParseResult result = parse("x = \"open\nf(x) = 1\ny = \xC3\xA9");
    ASSERT_EQ(result.diagnostics.size(), 3u);
    EXPECT_EQ(result.diagnostics[0].length, 5); // the whole unterminated string
    EXPECT_EQ(result.diagnostics[1].length, 5); // "f(x) "
    EXPECT_EQ(result.diagnostics[2].length, 2); // both bytes of 'é'
}

TEST(PipelineDiagnostics, ExpressionErrors)
{
    EXPECT_EQ(diagnosticsOf("x = "), Lines{"1:5: expected an expression after '='"});
    EXPECT_EQ(diagnosticsOf("x =\ny = 2"), Lines{"1:4: expected an expression after '='"});
    EXPECT_EQ(diagnosticsOf("x = 1 +"), Lines{"1:8: expected an expression after '+'"});
    EXPECT_EQ(diagnosticsOf("x = -"), Lines{"1:6: expected an expression after '-'"});
    EXPECT_EQ(diagnosticsOf("x = )"), Lines{"1:5: expected an expression, found ')'"});
    EXPECT_EQ(diagnosticsOf(", a"), Lines{"1:1: expected an expression, found ','"});
    EXPECT_EQ(diagnosticsOf("x = f(,)"), Lines{"1:7: expected an expression, found ','"});
    EXPECT_EQ(diagnosticsOf("x = f(a,\n"), Lines{"1:9: expected an expression after ','"});
    EXPECT_EQ(diagnosticsOf("x = (a + b"), Lines{"1:11: expected ')' to close '(' at 1:5"});
    EXPECT_EQ(diagnosticsOf("x = f(a, b\n"), Lines{"1:11: expected ')' to close '(' at 1:6"});
    EXPECT_EQ(diagnosticsOf("x = f(a b)"), Lines{"1:9: expected ')' to close '(' at 1:6"});
    EXPECT_EQ(diagnosticsOf("x = a)"), Lines{"1:6: unmatched ')'"});
    EXPECT_EQ(diagnosticsOf("x = a b"), Lines{"1:7: expected end of line, found 'b'"});
    EXPECT_EQ(diagnosticsOf("x = f(x)(y)"), Lines{"1:9: expected end of line, found '('"});
    EXPECT_EQ(diagnosticsOf("a = b = 1"), Lines{"1:7: expected end of line, found '='"});
    EXPECT_EQ(diagnosticsOf("x = a < b < c"), Lines{"1:11: comparisons cannot be chained; add parentheses"});
}

TEST(PipelineDiagnostics, ArgumentErrors)
{
    EXPECT_EQ(diagnosticsOf("f(a=1, b)"), Lines{"1:8: positional argument after keyword argument"});
    EXPECT_EQ(diagnosticsOf("t = (out=1, 2)"), Lines{"1:13: positional argument after keyword argument"});
    EXPECT_EQ(diagnosticsOf("f(sigma=1, sigma=2)"),
              Lines{"1:12: keyword argument 'sigma' is given twice (first at 1:3)"});
    EXPECT_EQ(diagnosticsOf("f(x, k=)"), Lines{"1:8: expected an expression, found ')'"});
}

TEST(PipelineDiagnostics, AssignmentErrors)
{
    EXPECT_EQ(diagnosticsOf("f(x) = 3"), Lines{"1:1: cannot assign to a call"});
    EXPECT_EQ(diagnosticsOf("3 = x"), Lines{"1:1: cannot assign to a number"});
    EXPECT_EQ(diagnosticsOf("\"s\" = x"), Lines{"1:1: cannot assign to a string"});
    EXPECT_EQ(diagnosticsOf("(a, b) = c"), Lines{"1:1: cannot assign to a tuple"});
    EXPECT_EQ(diagnosticsOf("(a) = c"), Lines{"1:1: cannot assign to a name in parentheses"});
    EXPECT_EQ(diagnosticsOf("a + b = c"), Lines{"1:1: cannot assign to an expression"});
}

TEST(PipelineDiagnostics, DirectiveErrors)
{
    EXPECT_EQ(
        diagnosticsOf("@repat 5"),
        Lines{"1:1: unknown directive '@repat' (known: @backends, @device, @repeat, @seed, @threads, @tune, @warmup)"});
    EXPECT_EQ(diagnosticsOf("@ repeat 5"), Lines{"1:1: expected a directive name right after '@'"});
    EXPECT_EQ(diagnosticsOf("@"), Lines{"1:1: expected a directive name right after '@'"});
    EXPECT_EQ(diagnosticsOf("@repeat"), Lines{"1:1: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat 0"), Lines{"1:9: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat -1"), Lines{"1:9: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat 2.5"), Lines{"1:9: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat x"), Lines{"1:9: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat 2, 3"), Lines{"1:12: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@repeat 2 3"), Lines{"1:11: @repeat needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@threads 0"), Lines{"1:10: @threads needs a positive integer"});
    EXPECT_EQ(diagnosticsOf("@warmup -1"), Lines{"1:9: @warmup needs a non-negative integer"});
    EXPECT_EQ(diagnosticsOf("@seed"), Lines{"1:1: @seed needs a non-negative integer"});
    EXPECT_EQ(diagnosticsOf("@device gpu"), Lines{"1:9: @device needs a non-negative integer"});
    EXPECT_EQ(diagnosticsOf("@backends"), Lines{"1:1: @backends needs a comma-separated list of backends (cpu, gpu)"});
    EXPECT_EQ(diagnosticsOf("@backends cpu,"),
              Lines{"1:15: @backends needs a comma-separated list of backends (cpu, gpu)"});
    EXPECT_EQ(diagnosticsOf("@backends cpu, tpu"), Lines{"1:16: unknown backend 'tpu' (known: cpu, gpu)"});
    EXPECT_EQ(diagnosticsOf("@backends 1"), Lines{"1:11: unknown backend '1' (known: cpu, gpu)"});
    EXPECT_EQ(diagnosticsOf("@backends cpu, cpu"), Lines{"1:16: backend 'cpu' is listed twice"});
    EXPECT_TRUE(parse("@repeat 5").program.directives.size() == 1);
    EXPECT_TRUE(parse("@repeat 0").program.directives.empty());
}

TEST(PipelineDiagnostics, RepeatedDirectiveIsAWarning)
{
    const ParseResult result = parse("@repeat 5\nx = 1\n@repeat 3\n@repeat 4\n");
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(result.program.directives.size(), 3u);
    EXPECT_EQ(diagnosticsOf("@repeat 5\nx = 1\n@repeat 3\n@repeat 4\n"),
              (Lines{"3:1: warning: @repeat is given again; this one replaces the one at 1:1",
                     "4:1: warning: @repeat is given again; this one replaces the one at 3:1"}));
}

TEST(PipelineDiagnostics, ReportsErrorsOnSeveralLinesAtOnce)
{
    const char* source = "@repat 5\n"
                         "x = f(a, b\n"
                         "y = 3 $\n"
                         "z = 1 +\n"
                         "w = ok(1)\n"
                         "check(w, rtol=1, 2)\n"
                         "u = (1,\n"
                         "     2 $ 3)\n"
                         "show(w)\n";
    EXPECT_EQ(
        diagnosticsOf(source),
        (Lines{"1:1: unknown directive '@repat' (known: @backends, @device, @repeat, @seed, @threads, @tune, @warmup)",
               "3:1: expected ')' to close '(' at 2:6", "3:7: unexpected character '$'",
               "4:8: expected an expression after '+'", "6:18: positional argument after keyword argument",
               "8:8: unexpected character '$'"}));
    const ParseResult result = parse(source);
    ASSERT_EQ(result.program.statements.size(), 2u);
    EXPECT_EQ(toString(result.program.statements[0]), "w = ok(1)");
    EXPECT_EQ(toString(result.program.statements[1]), "show(w)");
    EXPECT_TRUE(result.program.directives.empty());
}

TEST(PipelineDiagnostics, NestingIsCapped)
{
    const auto nested = [](int depth) {
        return "x = " + std::string(depth, '(') + "a" + std::string(depth, ')') + "\ny = 1\n";
    };
    // The innermost operand counts one level, each parenthesis one more.
    EXPECT_TRUE(parse(nested(kMaxNesting - 1)).ok());
    EXPECT_EQ(diagnosticsOf(nested(kMaxNesting)), Lines{"1:205: expression nested too deeply (more than 200 levels)"});
    const ParseResult deep = parse(nested(100000));
    ASSERT_EQ(deep.diagnostics.size(), 1u);
    ASSERT_EQ(deep.program.statements.size(), 1u); // the next line still parses
    EXPECT_EQ(toString(deep.program.statements[0]), "y = 1");

    std::string calls = "x = ";
    for (int i = 0; i < 100000; ++i)
        calls += "f(";
    EXPECT_EQ(parse(calls).diagnostics.size(), 1u);
    EXPECT_EQ(parse("x = " + std::string(100000, '-') + "a").diagnostics.size(), 1u);
    std::string power = "x = a";
    std::string sum = "x = a";
    for (int i = 0; i < 100000; ++i) {
        power += " ** a";
        sum += " + a";
    }
    EXPECT_EQ(parse(power).diagnostics.size(), 1u);
    EXPECT_EQ(parse(sum).diagnostics.size(), 1u);

    std::string longSum = "x = a";
    for (int i = 0; i < kMaxNesting - 2; ++i)
        longSum += " + a";
    EXPECT_TRUE(parse(longSum).ok());
}
