// The op registry's table and every diagnostic of the checker, with its exact place.

#include "pipeline_test_util.h"

#include <wb/dtype.h>
#include <wb/op_registry.h>
#include <wb/pipeline_check.h>

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

using Lines = std::vector<std::string>;

// The diagnostics of parse and check.
Lines diagnosticsOf(std::string_view source) { return wb::test::diagnosticLines(parseAndCheck(source).diagnostics); }

// The statements before the one under test define `img` and `A`.
constexpr std::string_view kPrelude = "img = load(\"a.png\")\nA = rand(8, 8)\n";

Lines checkedAfterPrelude(const std::string& line) { return diagnosticsOf(std::string(kPrelude) + line); }

} // namespace

TEST(OpRegistry, EveryOpHasADocACategoryAndUniqueParameterNames)
{
    ASSERT_FALSE(ops().empty());
    std::set<std::string> names;
    for (const OpInfo& op : ops()) {
        SCOPED_TRACE(op.name);
        EXPECT_TRUE(names.insert(op.name).second) << "op listed twice";
        EXPECT_FALSE(op.doc.empty());
        EXPECT_EQ(op.doc.find('\n'), std::string::npos);
        EXPECT_FALSE(op.category.empty());
        EXPECT_FALSE(op.params.empty());
        std::set<std::string> params;
        bool optionalSeen = false;
        for (const ParamInfo& param : op.params) {
            SCOPED_TRACE(param.name);
            EXPECT_TRUE(params.insert(param.name).second) << "parameter listed twice";
            EXPECT_FALSE(param.doc.empty());
            EXPECT_EQ(param.required, param.defaultText.empty());
            EXPECT_FALSE(optionalSeen && param.required) << "a required parameter after an optional one";
            optionalSeen = optionalSeen || !param.required;
            EXPECT_EQ(param.type == ParamType::Choice, !param.choices.empty());
            if (param.type == ParamType::Choice) {
                EXPECT_EQ(param.choices.front(), param.defaultText);
            }
            if (param.type == ParamType::DType && !param.required) {
                EXPECT_TRUE(wb::parseDType(param.defaultText).has_value());
            }
        }
        EXPECT_EQ(findOp(op.name), &op);
    }
}

TEST(OpRegistry, CategoriesAreContiguous)
{
    std::set<std::string> finished;
    std::string current;
    for (const OpInfo& op : ops()) {
        if (op.category == current)
            continue;
        EXPECT_TRUE(finished.insert(current).second) << op.category << " appears in two places";
        current = op.category;
    }
}

TEST(OpRegistry, HoldsTheOpsOfTheComputeLibrary)
{
    for (const char* name :
         {"rand",  "randn",  "load",     "matmul",    "fft",      "ifft",      "fft2",   "ifft2", "rfft", "rfft2",
          "irfft", "irfft2", "fftshift", "ifftshift", "gaussian", "grayscale", "astype", "show",  "save", "check"})
        EXPECT_NE(findOp(name), nullptr) << name;
    for (const char* name : {"zeros", "arange", "unit_impulse", "sin", "where", "sum", "norm"})
        EXPECT_NE(findOp(name), nullptr) << name;
    EXPECT_EQ(findOp("frobnicate"), nullptr);
    EXPECT_EQ(findOp("Gaussian"), nullptr);
    EXPECT_TRUE(findOp("show")->isSink());
    EXPECT_TRUE(findOp("show")->variadic);
    EXPECT_FALSE(findOp("gaussian")->isSink());
    EXPECT_EQ(findOp("gaussian")->findParam("border")->choices,
              (std::vector<std::string>{"reflect101", "replicate", "constant"}));
    EXPECT_EQ(findOp("gaussian")->findParam("nope"), nullptr);
}

TEST(OpRegistry, Signatures)
{
    EXPECT_EQ(signature(*findOp("gaussian")), "gaussian(x, sigma, ksize=0, border=reflect101)");
    EXPECT_EQ(signature(*findOp("show")), "show(x, ...)");
    EXPECT_EQ(signature(*findOp("rand")), "rand(shape..., dtype=f32, seed=0, low=0, high=1)");
    EXPECT_EQ(signature(*findOp("check")), "check(x, rtol=0.001, atol=0, ref=none)");
    EXPECT_EQ(signature(*findOp("matmul")), "matmul(a, b, precision=default)");
}

TEST(OpRegistry, TheLanguageReferenceListsEveryOp)
{
    std::ifstream in(WARPBENCH_DOCS_DIR "/pipeline-language.md");
    ASSERT_TRUE(in.is_open());
    std::stringstream text;
    text << in.rdbuf();
    for (const OpInfo& op : ops()) {
        EXPECT_NE(text.str().find("#### `" + signature(op) + "`\n"), std::string::npos)
            << signature(op) << " is not in docs/pipeline-language.md";
    }
}

TEST(OpRegistry, NearestOps)
{
    EXPECT_EQ(nearestOps("gausian", 3), Lines{"gaussian"});
    EXPECT_EQ(nearestOps("guassian", 3), Lines{"gaussian"}); // a swap is one step
    // Ties keep the registry's order; `count` cuts the list.
    EXPECT_EQ(nearestOps("fft3", 3), (Lines{"fft", "fft2"}));
    EXPECT_EQ(nearestOps("fft3", 1), Lines{"fft"});
    EXPECT_EQ(nearestOps("irft2", 3), (Lines{"ifft2", "irfft2"}));
    EXPECT_TRUE(nearestOps("frobnicate", 3).empty());
    EXPECT_TRUE(nearestOps("gaussian", 3).empty()); // an exact name suggests nothing
    EXPECT_TRUE(nearestOps("x", 3).empty());
    EXPECT_EQ(nearestNames("blurr", {"blue", "img", "blur"}, 3), Lines{"blur"});
    EXPECT_EQ(nearestNames("abcdefg", {"abcdxyg", "abcdefh", "zzzzzzz"}, 3), (Lines{"abcdefh", "abcdxyg"}));
}

TEST(PipelineChecker, ACleanPipelineHasNoDiagnostics)
{
    EXPECT_EQ(diagnosticsOf("@repeat 3\n"
                            "img = load(\"street.png\", gray)\n"
                            "blur = gaussian(img, sigma=3, border=\"replicate\")\n"
                            "spec = fftshift(fft2(astype(blur, c64, scale=0.5)))\n"
                            "A = rand(64, 64, f32, seed=1, low=-1)\n"
                            "B = randn(64, 64, dtype=\"float64\", std=2)\n"
                            "C = A @ A + 2 * matmul(A, A, precision=tf32)\n"
                            "y = -A\n"
                            "show(blur, spec, C)\n"
                            "save(blur, \"out.npy\")\n"
                            "check(C, rtol=1e-3, atol=0)\n"),
              Lines{});
}

TEST(PipelineChecker, UnknownFunctionSuggestsTheNearest)
{
    EXPECT_EQ(checkedAfterPrelude("b = gausian(img, 3)"),
              Lines{"3:5: unknown function 'gausian' (did you mean 'gaussian'?)"});
    EXPECT_EQ(checkedAfterPrelude("b = frobnicate(img)"), Lines{"3:5: unknown function 'frobnicate'"});
    EXPECT_EQ(checkedAfterPrelude("b = fft3(img)"),
              Lines{"3:5: unknown function 'fft3' (did you mean 'fft' or 'fft2'?)"});
    // Its arguments are still checked for names.
    EXPECT_EQ(checkedAfterPrelude("b = blur(imgg, 3)"),
              (Lines{"3:5: unknown function 'blur'", "3:10: undefined name 'imgg' (did you mean 'img'?)"}));
}

TEST(PipelineChecker, KeywordArguments)
{
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, 3, sigm=2)"),
              Lines{"3:22: unknown keyword argument 'sigm' for gaussian() (parameters: x, sigma, ksize, border)"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, 3, sigma=2)"),
              Lines{"3:22: argument 'sigma' of gaussian() is given twice (by position and by keyword)"});
    EXPECT_EQ(checkedAfterPrelude("show(x=img)"), (Lines{"3:1: missing required argument 'x' of show(x, ...)",
                                                         "3:6: 'x' of show() is given by position only"}));
}

TEST(PipelineChecker, ArgumentCounts)
{
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img)"),
              Lines{"3:5: missing required argument 'sigma' of gaussian(x, sigma, ksize=0, border=reflect101)"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(sigma=1)"),
              Lines{"3:5: missing required argument 'x' of gaussian(x, sigma, ksize=0, border=reflect101)"});
    EXPECT_EQ(
        checkedAfterPrelude("b = fft(img, A, undefined)"),
        (Lines{"3:14: too many positional arguments to fft() (parameters: x)", "3:17: undefined name 'undefined'"}));
    EXPECT_EQ(checkedAfterPrelude("b = rand()"), Lines{"3:5: missing required argument 'shape' of rand(shape..., "
                                                       "dtype=f32, seed=0, low=0, high=1)"});
    EXPECT_EQ(checkedAfterPrelude("b = rand(1, 2, 3, 4, 5)"),
              Lines{"3:22: too many sizes for rand(): arrays have at most 4 axes"});
    EXPECT_EQ(checkedAfterPrelude("b = rand(4, f32, 7, 0, 1, 2)"),
              Lines{"3:27: too many positional arguments to rand() (parameters: shape, dtype, seed, low, high)"});
}

TEST(PipelineChecker, LiteralTypesAndRanges)
{
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, \"three\")"),
              Lines{"3:19: argument 'sigma' of gaussian() must be a number, found a string"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, 3, ksize=2.5)"),
              Lines{"3:28: argument 'ksize' of gaussian() must be an integer, found a float"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, 3, ksize=131)"),
              Lines{"3:28: argument 'ksize' of gaussian() must be <= 129, found 131"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, -1)"),
              Lines{"3:19: argument 'sigma' of gaussian() must be >= 0, found -1"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, A)"),
              Lines{"3:19: argument 'sigma' of gaussian() must be a number, found name 'A'"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(3, 1)"),
              Lines{"3:14: argument 'x' of gaussian() must be an array, found an integer"});
    EXPECT_EQ(checkedAfterPrelude("b = fft((img, A))"),
              Lines{"3:9: argument 'x' of fft() must be an array, found a tuple"});
    EXPECT_EQ(checkedAfterPrelude("b = load(img)"),
              Lines{"3:10: argument 'path' of load() must be a string, found name 'img'"});
    EXPECT_EQ(checkedAfterPrelude("b = rand(4, 2.5)"),
              Lines{"3:13: argument 'shape' of rand() must be an integer, found a float"});
    EXPECT_EQ(checkedAfterPrelude("b = rand(4, 0)"), Lines{"3:13: argument 'shape' of rand() must be >= 1, found 0"});
    EXPECT_EQ(checkedAfterPrelude("check(A, rtol=-0.5)"),
              Lines{"3:15: argument 'rtol' of check() must be >= 0, found -0.5"});
    // Integers are numbers.
    EXPECT_EQ(checkedAfterPrelude("b = astype(A, f64, scale=2, offset=-1)"), Lines{});
}

TEST(PipelineChecker, DTypesAndChoices)
{
    EXPECT_EQ(checkedAfterPrelude("b = astype(A, f33)"),
              Lines{"3:15: unknown dtype 'f33' for astype() (known: u8, u16, i32, f16, bf16, f32, f64, c64, c128)"});
    EXPECT_EQ(checkedAfterPrelude("b = astype(A, 32)"),
              Lines{"3:15: argument 'dtype' of astype() must be a dtype such as f32, found an integer"});
    EXPECT_EQ(checkedAfterPrelude("b = gaussian(img, 1, border=\"wrap\")"),
              Lines{"3:29: unknown border 'wrap' for gaussian() (known: reflect101, replicate, constant)"});
    EXPECT_EQ(checkedAfterPrelude("b = load(\"a.png\", grey)"),
              Lines{"3:19: unknown mode 'grey' for load() (known: unchanged, gray, color)"});
    EXPECT_EQ(checkedAfterPrelude("b = load(\"a.png\", 1)"),
              Lines{"3:19: argument 'mode' of load() must be one of unchanged, gray, color, found an integer"});
    EXPECT_EQ(checkedAfterPrelude("b = matmul(A, A, precision=fp8)"),
              Lines{"3:28: unknown precision 'fp8' for matmul() (known: default, fp64, fp32, tf32, fp16, bf16)"});
    // A name in a dtype's place is the dtype, never a variable: `c64` need not be defined.
    EXPECT_EQ(checkedAfterPrelude("b = astype(A, c64)\nc = astype(A, \"complex64\")"), Lines{});
    // The shape stops at the first name, which is the dtype.
    EXPECT_EQ(checkedAfterPrelude("b = rand(4, 4, f16, 7)"), Lines{});
}

TEST(PipelineChecker, NamesAreDefinedTopToBottom)
{
    EXPECT_EQ(diagnosticsOf("b = fft(a)\na = rand(4)\nc = fft(a)"),
              Lines{"1:9: 'a' is used before it is assigned (at 2:1)"});
    EXPECT_EQ(diagnosticsOf("a = fft(a)"), Lines{"1:9: undefined name 'a'"});
    EXPECT_EQ(diagnosticsOf("blur = rand(4)\nb = 2 * -blurr"),
              Lines{"2:10: undefined name 'blurr' (did you mean 'blur'?)"});
    EXPECT_EQ(diagnosticsOf("b = fft\n"), Lines{"1:5: 'fft' is a function; call it as fft(...)"});
    // Reassignment keeps the name defined.
    EXPECT_EQ(diagnosticsOf("a = rand(4)\na = fftshift(a)\nshow(a)"), Lines{});
}

TEST(PipelineChecker, SinksGiveNoValue)
{
    EXPECT_EQ(checkedAfterPrelude("x = show(A)"),
              Lines{"3:1: cannot assign the result of show(): a sink gives no value"});
    EXPECT_EQ(checkedAfterPrelude("x = fft(save(A, \"a.npy\"))"),
              Lines{"3:9: save() is a sink and gives no value to use here"});
    // The target is defined all the same, so later uses add no second error.
    EXPECT_EQ(checkedAfterPrelude("x = check(A)\nshow(x)"),
              Lines{"3:1: cannot assign the result of check(): a sink gives no value"});
}

TEST(PipelineChecker, ValuesAndOperators)
{
    EXPECT_EQ(checkedAfterPrelude("b = A @ 2"), Lines{"3:9: '@' needs arrays on both sides, found an integer"});
    EXPECT_EQ(checkedAfterPrelude("b = -1.5 @ A"), Lines{"3:5: '@' needs arrays on both sides, found a float"});
    EXPECT_EQ(checkedAfterPrelude("b = A + \"x\""), Lines{"3:9: expected an array or a number, found a string"});
    EXPECT_EQ(checkedAfterPrelude("b = (A, A)"), Lines{"3:5: expected an array or a number, found a tuple"});
    EXPECT_EQ(checkedAfterPrelude("b = 2 ** A - 1 < A"), Lines{});
}

TEST(PipelineChecker, UnusedResultsAreWarnings)
{
    const ParseResult result = parseAndCheck(std::string(kPrelude) + "gaussian(img, 2)\nA + 1\n");
    EXPECT_TRUE(result.ok());
    EXPECT_EQ(diagnosticsOf(std::string(kPrelude) + "gaussian(img, 2)\nA + 1\n"),
              (Lines{"3:1: warning: the result is not used; assign it to a name or pass it to show()",
                     "4:1: warning: the result is not used; assign it to a name or pass it to show()"}));
}

TEST(PipelineChecker, SeveralErrorsAtOnceInSourceOrder)
{
    const ParseResult result = parseAndCheck("a = gausian(b)\nc = astype(a, f33, scale=\"x\")\nx = show(c)\n");
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(diagnosticsOf("a = gausian(b)\nc = astype(a, f33, scale=\"x\")\nx = show(c)\n"),
              (Lines{"1:5: unknown function 'gausian' (did you mean 'gaussian'?)", "1:13: undefined name 'b'",
                     "2:15: unknown dtype 'f33' for astype() (known: u8, u16, i32, f16, bf16, f32, f64, c64, c128)",
                     "2:26: argument 'scale' of astype() must be a number, found a string",
                     "3:1: cannot assign the result of show(): a sink gives no value"}));
    ASSERT_EQ(result.diagnostics.size(), 5u);
    EXPECT_EQ(result.diagnostics[0].length, 7); // "gausian"
    EXPECT_EQ(result.diagnostics[1].length, 1); // "b"
}

TEST(PipelineChecker, NamesAreCheckedOnlyWhenTheParseIsClean)
{
    // Line 1 does not parse, so `a` is never assigned; reporting every later use of it
    // would bury the real error.
    EXPECT_EQ(diagnosticsOf("a = load(\"x.png\"\nb = fft(a)\nc = gausian(b)"),
              Lines{"2:1: expected ')' to close '(' at 1:9"});
    // checkNames() itself takes any program.
    const ParseResult parsed = parse("b = fft(a)");
    ASSERT_TRUE(parsed.ok());
    ASSERT_EQ(checkNames(parsed.program).size(), 1u);
}

TEST(PipelineChecker, FilterSizesAreIntegersOrPairs)
{
    EXPECT_EQ(signature(*findOp("box")), "box(x, ksize=3, normalize=true, border=reflect101)");
    EXPECT_EQ(signature(*findOp("erode")), "erode(x, ksize=3, shape=rect, iterations=1, border=reflect101)");
    EXPECT_TRUE(checkedAfterPrelude("b = box(img, 5)").empty());
    EXPECT_TRUE(checkedAfterPrelude("b = box(img, ksize=(15, 3), normalize=false, border=constant)").empty());
    EXPECT_TRUE(checkedAfterPrelude("e = erode(img, (3, 5), cross, iterations=2)").empty());
    EXPECT_TRUE(checkedAfterPrelude("o = morph_open(img)\nc = morph_close(o, 7, shape=rect)").empty());
    EXPECT_EQ(checkedAfterPrelude("b = box(img, ksize=(3,))"),
              Lines{"3:20: argument 'ksize' of box() must be an integer or a pair (w, h) of integers, found a tuple"});
    EXPECT_EQ(checkedAfterPrelude("b = box(img, ksize=(3, h=5))"),
              Lines{"3:20: argument 'ksize' of box() must be an integer or a pair (w, h) of integers, found a tuple"});
    EXPECT_EQ(checkedAfterPrelude("b = box(img, ksize=(3, 2.5))"),
              Lines{"3:24: argument 'ksize' of box() must be an integer, found a float"});
    EXPECT_EQ(checkedAfterPrelude("b = box(img, ksize=(3, 513))"),
              Lines{"3:24: argument 'ksize' of box() must be <= 511, found 513"});
    EXPECT_EQ(checkedAfterPrelude("b = dilate(img, 0)"),
              Lines{"3:17: argument 'ksize' of dilate() must be >= 1, found 0"});
    EXPECT_EQ(checkedAfterPrelude("b = erode(img, shape=disk)"),
              Lines{"3:22: unknown shape 'disk' for erode() (known: rect, cross)"});
    EXPECT_EQ(checkedAfterPrelude("b = box(img, normalize=yes)"),
              Lines{"3:24: unknown normalize 'yes' for box() (known: true, false)"});
}

TEST(PipelineChecker, DerivativeParameters)
{
    EXPECT_EQ(signature(*findOp("sobel")), "sobel(x, dx=1, dy=0, ksize=3, scale=1, delta=0, border=reflect101)");
    EXPECT_EQ(signature(*findOp("scharr")), "scharr(x, dx=1, dy=0, scale=1, delta=0, border=reflect101)");
    EXPECT_EQ(signature(*findOp("sobel_magnitude")), "sobel_magnitude(x, ksize=3, scale=1, border=reflect101)");
    EXPECT_EQ(signature(*findOp("scharr_magnitude")), "scharr_magnitude(x, scale=1, border=reflect101)");
    EXPECT_EQ(signature(*findOp("laplacian")), "laplacian(x, ksize=1, scale=1, delta=0, border=reflect101)");
    EXPECT_TRUE(checkedAfterPrelude("g = sobel(img, 0, 2, 5, scale=0.5, delta=1, border=constant)").empty());
    EXPECT_TRUE(checkedAfterPrelude("g = scharr(img, dx=0, dy=1)\nm = sobel_magnitude(g, ksize=7)").empty());
    EXPECT_TRUE(checkedAfterPrelude("m = scharr_magnitude(img, 0.0625)\nl = laplacian(m, 3, -1, 2.5)").empty());
    EXPECT_EQ(checkedAfterPrelude("g = sobel(img, ksize=9)"),
              Lines{"3:22: argument 'ksize' of sobel() must be <= 7, found 9"});
    EXPECT_EQ(checkedAfterPrelude("g = scharr(img, dx=2)"),
              Lines{"3:20: argument 'dx' of scharr() must be <= 1, found 2"});
    EXPECT_EQ(checkedAfterPrelude("g = sobel(img, dx=-1)"),
              Lines{"3:19: argument 'dx' of sobel() must be >= 0, found -1"});
    EXPECT_EQ(checkedAfterPrelude("m = sobel_magnitude(img, delta=1)"),
              Lines{"3:26: unknown keyword argument 'delta' for sobel_magnitude() (parameters: x, ksize, scale, "
                    "border)"});
    EXPECT_EQ(checkedAfterPrelude("m = scharr(img, ksize=3)"),
              Lines{"3:17: unknown keyword argument 'ksize' for scharr() (parameters: x, dx, dy, scale, delta, "
                    "border)"});
    EXPECT_EQ(checkedAfterPrelude("l = laplacian(img, ksize=2.0)"),
              Lines{"3:26: argument 'ksize' of laplacian() must be an integer, found a float"});
}

TEST(PipelineChecker, MedianAndBilateralParameters)
{
    EXPECT_EQ(signature(*findOp("median")), "median(x, ksize=3, border=reflect101)");
    EXPECT_EQ(signature(*findOp("bilateral")), "bilateral(x, d=9, sigma_color=75, sigma_space=75, border=reflect101)");
    EXPECT_TRUE(checkedAfterPrelude("m = median(img, 5, border=constant)").empty());
    EXPECT_TRUE(checkedAfterPrelude("b = bilateral(img, 0, sigma_color=20, sigma_space=3.5)").empty());
    EXPECT_EQ(checkedAfterPrelude("m = median(img, ksize=(3, 3))"),
              Lines{"3:23: argument 'ksize' of median() must be an integer, found a tuple"});
    EXPECT_EQ(checkedAfterPrelude("m = median(img, 257)"),
              Lines{"3:17: argument 'ksize' of median() must be <= 255, found 257"});
    EXPECT_EQ(checkedAfterPrelude("b = bilateral(img, d=65)"),
              Lines{"3:22: argument 'd' of bilateral() must be <= 63, found 65"});
    EXPECT_EQ(checkedAfterPrelude("b = bilateral(img, sigma_color=-1)"),
              Lines{"3:32: argument 'sigma_color' of bilateral() must be >= 0, found -1"});
    EXPECT_EQ(checkedAfterPrelude("b = bilateral(img, border=wrap)"),
              Lines{"3:27: unknown border 'wrap' for bilateral() (known: reflect101, replicate, constant)"});
}
