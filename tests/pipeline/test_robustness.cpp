// A bounded, deterministic fuzz of the front end: random token soups and byte-level
// mutations of a real pipeline. The parser must return, keep every diagnostic inside the
// source, and print every clean parse as text that reads back to the same program.

#include <wb/pipeline.h>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

const char* const kSample = R"(@backends cpu, gpu   # both
@repeat 5
img   = load("samples/street.png", gray)
blur  = gaussian(img, sigma=3)
spec  = log1p(abs(fftshift(fft2(img))))
A     = rand(4096, 4096, f32, seed=1)
y     = 2 * A + sin(A) ** -2 / (A @ A)
out   = launch("k.cu:dot", block=256, args=(A, A, out=zeros_like(A)))
t     = (1, .5, 2., 1e-3,)
check(y >= 0, rtol=1e-3)
save(y, "out \"1\".png")
)";

const char* const kFragments[] = {
    "a",
    "f(",
    "(",
    ")",
    ",",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "**",
    "/",
    "@",
    " ",
    " ",
    "\n",
    "\n",
    "1",
    ".5",
    "1e3",
    "2.",
    "\"s\"",
    "\"",
    "# c",
    "$",
    "\\",
    "\t",
    "x=",
    "k=",
    "@repeat ",
    "@backends ",
    "cpu",
    "\r\n",
    "\xC3\xA9",
    "\xFF",
    "9999999999999999999999",
    "1e",
    "3x",
    ".",
    "!",
};

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

void checkParse(const std::string& source)
{
    const ParseResult result = parse(source);
    for (const Diagnostic& diagnostic : result.diagnostics) {
        ASSERT_TRUE(inside(source, diagnostic.location, diagnostic.length))
            << diagnostic.format("fuzz") << "\nsource:\n"
            << source;
        ASSERT_FALSE(diagnostic.message.empty());
    }
    // Each byte starts at most one diagnostic, plus the one at the end of the file.
    ASSERT_LE(result.diagnostics.size(), source.size() + 1);
    for (const Statement& statement : result.program.statements)
        ASSERT_TRUE(inside(source, statement.location, 1)) << source;
    if (!result.ok())
        return;
    const std::string printed = toString(result.program);
    const ParseResult again = parse(printed);
    ASSERT_TRUE(again.ok()) << "canonical text fails to parse:\n" << printed << "\nfrom:\n" << source;
    ASSERT_EQ(toString(again.program), printed) << "from:\n" << source;
}

} // namespace

TEST(PipelineRobustness, RandomTokenSoup)
{
    std::mt19937 random(20261122);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(kFragments) - 1);
    std::uniform_int_distribution<int> length(0, 60);
    for (int i = 0; i < 3000; ++i) {
        std::string source;
        for (int n = length(random); n > 0; --n)
            source += kFragments[pick(random)];
        checkParse(source);
        if (HasFatalFailure())
            return;
    }
}

TEST(PipelineRobustness, MutatedPipelines)
{
    const std::string sample = kSample;
    ASSERT_TRUE(parse(sample).ok());
    std::mt19937 random(7);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> edits(1, 8);
    const char interesting[] = "()=,\"\\#@\n*-.e";
    for (int i = 0; i < 3000; ++i) {
        std::string source = sample;
        for (int n = edits(random); n > 0; --n) {
            const std::size_t at = std::uniform_int_distribution<std::size_t>(0, source.size())(random);
            const char c =
                random() % 2 ? static_cast<char>(byte(random)) : interesting[random() % (sizeof interesting - 1)];
            switch (random() % 3) {
            case 0: source.insert(at, 1, c); break;
            case 1:
                if (at < source.size())
                    source.erase(at, 1);
                break;
            default:
                if (at < source.size())
                    source[at] = c;
            }
        }
        checkParse(source);
        if (HasFatalFailure())
            return;
    }
}
