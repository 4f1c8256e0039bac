// What the parser builds: every construct, precedence and associativity, locations, and
// the canonical printer's round trip.

#include <wb/pipeline.h>

#include <gtest/gtest.h>

#include <string>
#include <type_traits>

using namespace wb::pipeline;

namespace {

std::string firstError(const ParseResult& result)
{
    return result.diagnostics.empty() ? std::string() : result.diagnostics.front().format("t.wbp");
}

// The single statement of `source`, printed canonically; the source must parse cleanly.
std::string canonical(std::string_view source)
{
    const ParseResult result = parse(source);
    EXPECT_TRUE(result.diagnostics.empty()) << source << ": " << firstError(result);
    if (result.program.statements.size() != 1) {
        ADD_FAILURE() << source << ": " << result.program.statements.size() << " statements";
        return {};
    }
    return toString(result.program.statements.front());
}

// The tree with every operator parenthesised, so that tests state the grouping explicitly.
std::string tree(const Expression& expression)
{
    return std::visit(
        [&](const auto& node) -> std::string {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Binary>)
                return "(" + tree(*node.left) + " " + std::string(symbol(node.op)) + " " + tree(*node.right) + ")";
            else if constexpr (std::is_same_v<Node, Negation>)
                return "(-" + tree(*node.operand) + ")";
            else
                return toString(expression);
        },
        expression.node);
}

std::string treeOf(std::string_view expressionSource)
{
    const ParseResult result = parse(expressionSource);
    EXPECT_TRUE(result.ok()) << expressionSource << ": " << firstError(result);
    return result.program.statements.size() == 1 ? tree(*result.program.statements.front().value) : std::string();
}

const Expression& valueOf(const ParseResult& result)
{
    static const Expression empty{};
    return result.program.statements.empty() ? empty : *result.program.statements.front().value;
}

} // namespace

TEST(PipelineParser, RoundTripsEveryConstruct)
{
    const std::pair<const char*, const char*> cases[] = {
        {"x = 42", "x = 42"},
        {"x = 3.25", "x = 3.25"},
        {"x = 1e-3", "x = 0.001"},
        {"x = .5", "x = 0.5"},
        {"x = 2.", "x = 2.0"},
        {"x = 2.5e3", "x = 2500.0"},
        {"x = 1E+20", "x = 1e+20"},
        {"x = 9223372036854775807", "x = 9223372036854775807"},
        {R"(s = "a\"b\\c\nd")", R"(s = "a\"b\\c\nd")"},
        {R"(s = "")", R"(s = "")"},
        {"y = name_1", "y = name_1"},
        {"t = (a, b)", "t = (a, b)"},
        {"t = (a,)", "t = (a,)"},
        {"t = ()", "t = ()"},
        {"t = (a, b,)", "t = (a, b)"},
        {"t = (A, A, out=C)", "t = (A, A, out=C)"},
        {"t = (out=C)", "t = (out=C)"},
        {"t = ((a, b), (c,))", "t = ((a, b), (c,))"},
        {"f()", "f()"},
        {"show(a, b)", "show(a, b)"},
        {"check(C, rtol=1e-3)", "check(C, rtol=0.001)"},
        {R"(save(x, "out.png"))", R"(save(x, "out.png"))"},
        {"f(x, sigma=3,)", "f(x, sigma=3)"},
        {"f (x)", "f(x)"},
        {"f(g(h(x)), k=(1, 2))", "f(g(h(x)), k=(1, 2))"},
        {"y = 2*A+sin(A)", "y = 2 * A + sin(A)"},
        {"z = -a**2", "z = -a ** 2"},
        {"z = (-a)**2", "z = (-a) ** 2"},
        {"z = a**b**c", "z = a ** b ** c"},
        {"z = (a**b)**c", "z = (a ** b) ** c"},
        {"z = 2 ** -1", "z = 2 ** -1"},
        {"z = a - (b - c)", "z = a - (b - c)"},
        {"z = (a - b) - c", "z = a - b - c"},
        {"z = a * (b + c)", "z = a * (b + c)"},
        {"z = (a * b) + c", "z = a * b + c"},
        {"z = a / (b * c)", "z = a / (b * c)"},
        {"z = a @ b @ c", "z = a @ b @ c"},
        {"z = a @ (b @ c)", "z = a @ (b @ c)"},
        {"z = a + b == c * d", "z = a + b == c * d"},
        {"z = (a < b) == c", "z = (a < b) == c"},
        {"z = a == (b < c)", "z = a == (b < c)"},
        {"z = a != b", "z = a != b"},
        {"z = a <= b", "z = a <= b"},
        {"z = a > b", "z = a > b"},
        {"z = a >= b", "z = a >= b"},
        {"z = --a", "z = --a"},
        {"z = -(a + b)", "z = -(a + b)"},
        {"z = -(a * b)", "z = -(a * b)"},
        {"z = a * -b", "z = a * -b"},
        {"z = (((a)))", "z = a"},
        {"z = f(x)**2", "z = f(x) ** 2"},
        {"  x=1   # indented, with a comment", "x = 1"},
        {"y = f(a,\n      b,\n\n      sigma=3)", "y = f(a, b, sigma=3)"},
        {"a == 3", "a == 3"},
        {"C = A @B", "C = A @ B"},
    };
    for (const auto& [source, expected] : cases) {
        const std::string printed = canonical(source);
        EXPECT_EQ(printed, expected) << source;
        EXPECT_EQ(canonical(printed), printed) << "canonical text must read back the same: " << printed;
    }
}

TEST(PipelineParser, PrecedenceAndAssociativity)
{
    EXPECT_EQ(treeOf("a + b * c"), "(a + (b * c))");
    EXPECT_EQ(treeOf("a * b + c"), "((a * b) + c)");
    EXPECT_EQ(treeOf("a - b - c"), "((a - b) - c)");
    EXPECT_EQ(treeOf("a / b * c"), "((a / b) * c)");
    EXPECT_EQ(treeOf("a @ b * c"), "((a @ b) * c)");
    EXPECT_EQ(treeOf("a + b @ c"), "(a + (b @ c))");
    EXPECT_EQ(treeOf("a ** b ** c"), "(a ** (b ** c))");
    EXPECT_EQ(treeOf("-a ** 2"), "(-(a ** 2))");
    EXPECT_EQ(treeOf("-a * b"), "((-a) * b)");
    EXPECT_EQ(treeOf("a ** -b ** c"), "(a ** (-(b ** c)))");
    EXPECT_EQ(treeOf("2 * a ** 2"), "(2 * (a ** 2))");
    EXPECT_EQ(treeOf("a + b < c * d"), "((a + b) < (c * d))");
    EXPECT_EQ(treeOf("a == b + c"), "(a == (b + c))");
    EXPECT_EQ(treeOf("(a + b) * c"), "((a + b) * c)");
    EXPECT_EQ(treeOf("- - a"), "(-(-a))");
}

TEST(PipelineParser, NodesCarryTheirValuesAndLocations)
{
    const ParseResult result = parse("\n  x = foo(a, sigma=3.5)\ny = -b + 2\n");
    ASSERT_TRUE(result.ok()) << firstError(result);
    ASSERT_EQ(result.program.statements.size(), 2u);

    const Statement& first = result.program.statements[0];
    EXPECT_EQ(first.location, (SourceLocation{2, 3}));
    EXPECT_EQ(first.target, "x");
    EXPECT_EQ(first.targetLocation, (SourceLocation{2, 3}));
    EXPECT_EQ(first.value->location, (SourceLocation{2, 7}));
    const auto& call = std::get<Call>(first.value->node);
    EXPECT_EQ(call.function, "foo");
    ASSERT_EQ(call.arguments.size(), 2u);
    EXPECT_TRUE(call.arguments[0].keyword.empty());
    EXPECT_EQ(std::get<Name>(call.arguments[0].value->node).name, "a");
    EXPECT_EQ(call.arguments[0].value->location, (SourceLocation{2, 11}));
    EXPECT_EQ(call.arguments[1].keyword, "sigma");
    EXPECT_EQ(call.arguments[1].keywordLocation, (SourceLocation{2, 14}));
    const auto& sigma = std::get<Number>(call.arguments[1].value->node);
    EXPECT_FALSE(sigma.isInteger);
    EXPECT_EQ(sigma.value, 3.5);
    EXPECT_EQ(call.arguments[1].value->location, (SourceLocation{2, 20}));

    const Statement& second = result.program.statements[1];
    EXPECT_EQ(second.location, (SourceLocation{3, 1}));
    const auto& sum = std::get<Binary>(second.value->node);
    EXPECT_EQ(sum.op, BinaryOperator::Add);
    EXPECT_EQ(second.value->location, (SourceLocation{3, 5}));
    EXPECT_EQ(sum.operatorLocation, (SourceLocation{3, 8}));
    EXPECT_EQ(sum.left->location, (SourceLocation{3, 5}));
    EXPECT_TRUE(std::holds_alternative<Negation>(sum.left->node));
    const auto& two = std::get<Number>(sum.right->node);
    EXPECT_TRUE(two.isInteger);
    EXPECT_EQ(two.integer, 2);
    EXPECT_EQ(two.value, 2.0);
}

TEST(PipelineParser, LiteralsDecode)
{
    const ParseResult text = parse(R"(s = "tab	quote\" back\\ nl\n")");
    ASSERT_TRUE(text.ok()) << firstError(text);
    EXPECT_EQ(std::get<String>(valueOf(text).node).value, "tab\tquote\" back\\ nl\n");

    const ParseResult tuple = parse("t = (1, k=2)");
    ASSERT_TRUE(tuple.ok());
    const auto& elements = std::get<Tuple>(valueOf(tuple).node).elements;
    ASSERT_EQ(elements.size(), 2u);
    EXPECT_EQ(valueOf(tuple).location, (SourceLocation{1, 5}));
    EXPECT_EQ(elements[1].keyword, "k");

    EXPECT_TRUE(std::get<Tuple>(valueOf(parse("t = ()")).node).elements.empty());
    EXPECT_EQ(std::get<Number>(valueOf(parse("x = .5")).node).value, 0.5);
    EXPECT_EQ(std::get<Number>(valueOf(parse("x = 1e-3")).node).value, 1e-3);
    EXPECT_FALSE(std::get<Number>(valueOf(parse("x = 2.")).node).isInteger);
}

TEST(PipelineParser, Directives)
{
    const ParseResult result =
        parse("@backends cpu, gpu  # both\n@repeat 5\n@warmup 0\n@seed 42\n@device 0\n@threads 8\n"
              "x = 1\n");
    ASSERT_TRUE(result.ok()) << firstError(result);
    ASSERT_EQ(result.program.directives.size(), 6u);
    const Directive& backends = result.program.directives[0];
    EXPECT_EQ(backends.name, "backends");
    EXPECT_EQ(backends.location, (SourceLocation{1, 1}));
    ASSERT_EQ(backends.values.size(), 2u);
    EXPECT_EQ(backends.values[1].text, "gpu");
    EXPECT_EQ(backends.values[1].location, (SourceLocation{1, 16}));
    EXPECT_FALSE(backends.values[1].integer);
    EXPECT_EQ(result.program.directives[3].values[0].integer, 42);
    EXPECT_EQ(toString(backends), "@backends cpu, gpu");
    EXPECT_EQ(toString(result.program.directives[1]), "@repeat 5");
    EXPECT_EQ(result.program.statements.size(), 1u);
}

TEST(PipelineParser, CommentsBlankLinesAndLineEndings)
{
    const ParseResult result = parse("# a pipeline\n\n   \t\nx = 1  # one\r\n\r\ny = 2");
    ASSERT_TRUE(result.ok()) << firstError(result);
    ASSERT_EQ(result.program.statements.size(), 2u);
    EXPECT_EQ(result.program.statements[0].location, (SourceLocation{4, 1}));
    EXPECT_EQ(result.program.statements[1].location, (SourceLocation{6, 1}));
    EXPECT_TRUE(parse("").ok());
    EXPECT_TRUE(parse("# only a comment").program.statements.empty());
}

TEST(PipelineParser, ParsesTheDesignSketch)
{
    const char* sketch = R"(@backends cpu, gpu        # run on both, compare outputs and times
@repeat 5
img   = load("samples/street.png", gray)
blur  = gaussian(img, sigma=3)
edges = sobel(blur, dx=1, dy=0)
spec  = log1p(abs(fftshift(fft2(img))))
A     = rand(4096, 4096, f32, seed=1)
C     = A @ A
y     = 2 * A + sin(A)                 # fused into one kernel
out   = launch("kernels/mul.cu:dot_product", block=256, args=(A, A, out=zeros_like(A)))
show(edges, spec)
check(C, rtol=1e-3)                    # GPU result against the CPU result
)";
    const ParseResult result = parse(sketch);
    ASSERT_TRUE(result.ok()) << firstError(result);
    EXPECT_EQ(result.program.directives.size(), 2u);
    ASSERT_EQ(result.program.statements.size(), 10u);
    EXPECT_EQ(toString(result.program.statements[7]),
              R"(out = launch("kernels/mul.cu:dot_product", block=256, args=(A, A, out=zeros_like(A))))");
    EXPECT_EQ(result.program.statements[9].location, (SourceLocation{12, 1}));

    const std::string printed = toString(result.program);
    const ParseResult again = parse(printed);
    ASSERT_TRUE(again.ok()) << firstError(again);
    EXPECT_EQ(toString(again.program), printed);
}
