// Lowering of arithmetic, maths and creation calls to elementwise steps, and the fusion of
// their chains: what merges, what must stay apart, and the labels the figures will show.

#include "pipeline/plan.h"

#include <wb/pipeline_check.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb;
using namespace wb::pipeline;

namespace {

Plan planOf(const std::string& source, bool fuse = true)
{
    ParseResult parsed = parseAndCheck(source);
    EXPECT_TRUE(parsed.ok()) << source;
    RunOptions options;
    options.fuse = fuse;
    return makePlan(parsed.program, options);
}

std::vector<std::string> labels(const Plan& plan)
{
    std::vector<std::string> names;
    for (const PlanStep& step : plan.steps)
        names.push_back(step.label);
    return names;
}

const ElementwiseDesc& elementwiseOf(const PlanStep& step) { return std::get<ElementwiseDesc>(step.op); }

} // namespace

TEST(Fusion, UnfusedEveryOperationIsAStep)
{
    const Plan plan = planOf("x = rand(8, 8)\ny = 2 * x + sin(x)\n", false);
    ASSERT_TRUE(plan.diagnostics.empty());
    EXPECT_EQ(labels(plan), (std::vector<std::string>{"x", "2 * x", "sin(x)", "y"}));
}

TEST(Fusion, AChainBecomesOneStepReadingItsInputOnce)
{
    const Plan plan = planOf("x = rand(8, 8)\ny = 2 * x + sin(x)\nz = y * y - 1\nshow(z)\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    ASSERT_EQ(labels(plan), (std::vector<std::string>{"x", "z"}));
    const PlanStep& z = plan.steps[1];
    EXPECT_EQ(z.fused, (std::vector<std::string>{"2 * x", "sin(x)", "y", "y * y"}));
    EXPECT_EQ(z.inputs, (std::vector<int>{0}));
    EXPECT_EQ(z.location.line, 3);
    EXPECT_EQ(elementwiseOf(z).text(), "t0 = 2 * x0 + sin(x0); t0 * t0 - 1"); // y computed once
}

TEST(Fusion, ValuesUsedTwiceOrBySinksStayMaterialised)
{
    // y feeds two steps; w is shown: both must exist as arrays.
    const Plan plan = planOf("x = rand(16)\ny = x + 1\na = y * 2\nb = y * 3\nw = a + b\nshow(w, a)\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    EXPECT_EQ(labels(plan), (std::vector<std::string>{"x", "y", "a", "w"}));
    EXPECT_EQ(plan.steps[3].fused, (std::vector<std::string>{"b"}));
}

TEST(Fusion, StopsAtOpsThatAreNotElementwise)
{
    const Plan plan = planOf("x = rand(8, 8)\ny = abs(fft2(astype(x * 2, c64))) + 1\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    EXPECT_EQ(labels(plan), (std::vector<std::string>{"x", "astype(x * 2, c64)", "fft2(astype(x * 2, c64))", "y"}));
    EXPECT_EQ(plan.steps[1].fused, (std::vector<std::string>{"x * 2"}));
    EXPECT_EQ(plan.steps[3].fused, (std::vector<std::string>{"abs(fft2(astype(x * 2, c64)))"}));
}

TEST(Fusion, FusedAwayValuesNeedNoMemory)
{
    const Plan plan = planOf("x = rand(8)\ny = x + 1\nz = y * 2\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    int materialised = 0;
    for (const PlanValue& value : plan.values)
        materialised += value.step >= 0;
    EXPECT_EQ(materialised, 2);
}

TEST(Lowering, NumbersFoldAndBecomeConstants)
{
    const Plan plan = planOf("x = rand(4)\ny = x * (2 + 3) - -1\nk = 2 ** 10\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    EXPECT_EQ(elementwiseOf(plan.steps[1]).text(), "x0 * 5 - -1");
    const ElementwiseDesc& k = elementwiseOf(plan.steps[2]);
    EXPECT_TRUE(k.inputs.empty());
    EXPECT_EQ(k.shape, Shape{});
    ASSERT_EQ(k.nodes.size(), 1u);
    EXPECT_EQ(k.nodes[0].constant, 1024);
}

TEST(Lowering, CreationOpsAreElementwiseWithoutInputs)
{
    const Plan plan =
        planOf("a = arange(10)\nb = linspace(0, 1, num=5)\nc = zeros(2, 3, dtype=i32)\nd = unit_impulse(3, 5)\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    EXPECT_EQ(plan.values[0].shape, Shape{10});
    EXPECT_EQ(plan.values[1].shape, Shape{5});
    EXPECT_EQ(plan.values[2].shape, (Shape{2, 3}));
    EXPECT_EQ(plan.values[2].dtype, DType::I32);
    EXPECT_EQ(plan.values[3].shape, (Shape{3, 5}));
    for (const PlanStep& step : plan.steps)
        EXPECT_TRUE(elementwiseOf(step).inputs.empty()) << step.label;
}

TEST(Lowering, OneElementOperandsBroadcast)
{
    const Plan plan = planOf("x = rand(4, 5)\ny = (x - mean(x)) / norm(x)\n");
    ASSERT_TRUE(plan.diagnostics.empty());
    const PlanValue& y = plan.values[static_cast<std::size_t>(plan.steps.back().output)];
    EXPECT_EQ(y.shape, (Shape{4, 5}));
}

TEST(Lowering, ShapeMismatchIsReportedAtTheOperator)
{
    const Plan plan = planOf("a = rand(3, 4)\nb = rand(4, 3)\nc = a +  b\nd = c * 2\n");
    ASSERT_EQ(plan.diagnostics.size(), 1u); // d's statement is skipped, not reported again
    EXPECT_EQ(plan.diagnostics[0].location, (SourceLocation{3, 7}));
    EXPECT_NE(plan.diagnostics[0].message.find("shapes (3, 4) and (4, 3) do not match"), std::string::npos)
        << plan.diagnostics[0].message;
}

TEST(Lowering, DTypeErrorsOfElementwiseOpsPointAtTheCall)
{
    const Plan plan = planOf("a = astype(rand(4), c64)\nb = 1 + sin(a)\n");
    ASSERT_EQ(plan.diagnostics.size(), 1u);
    EXPECT_EQ(plan.diagnostics[0].location, (SourceLocation{2, 9}));
}

TEST(Lowering, CheckAgainstAReferenceOfAnotherShapeIsRefused)
{
    const Plan plan = planOf("a = rand(4)\nb = rand(5)\ncheck(a, ref=b)\n");
    ASSERT_EQ(plan.diagnostics.size(), 1u);
    EXPECT_EQ(plan.diagnostics[0].location, (SourceLocation{3, 14}));
}
