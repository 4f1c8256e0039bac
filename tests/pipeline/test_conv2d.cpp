// conv2d in pipelines: the matrix parameter (a tuple of rows, or one row) checked with a
// diagnostic at the argument or the row at fault, the output dtype inferred, parameters the
// descriptor refuses reported at the call, and a run on the CPU that gives the eager call's
// result.

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/op_registry.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

using Lines = std::vector<std::string>;

// `img` is defined on line 1; the line under test is line 2.
const std::string kImage = "img = rand(16, 12)\n";

Lines checkedLine(const std::string& line) { return wb::test::checkedLines(kImage + line); }

Lines inferredLine(const std::string& line) { return wb::test::inferredLines(kImage + line); }

} // namespace

TEST(Conv2dPipeline, TheRegistryDescribesTheMatrixParameter)
{
    const OpInfo* op = findOp("conv2d");
    ASSERT_NE(op, nullptr);
    EXPECT_EQ(signature(*op), "conv2d(x, kernel=((1, 2, 1), (2, 4, 2), (1, 2, 1)), normalize=false, scale=1, delta=0, "
                              "border=reflect101, dtype=same)");
    const ParamInfo* kernel = op->findParam("kernel");
    ASSERT_NE(kernel, nullptr);
    EXPECT_EQ(kernel->type, ParamType::Matrix);
    EXPECT_EQ(name(kernel->type), "matrix");
    EXPECT_EQ(kernel->maximum, 31);
}

TEST(Conv2dPipeline, MatricesAreTuplesOfRowsOfNumbers)
{
    EXPECT_TRUE(checkedLine("c = conv2d(img)").empty());
    EXPECT_TRUE(checkedLine("c = conv2d(img, ((0, 1, 0), (1, -4, 1), (0, 1, 0)), border=constant)").empty());
    EXPECT_TRUE(checkedLine("c = conv2d(img, (1, -2.5, 1), normalize=false, scale=0.5, delta=-1, dtype=f32)").empty());
    EXPECT_TRUE(checkedLine("c = conv2d(img, ((1,), (2,), (1,)))").empty());
    EXPECT_EQ(checkedLine("c = conv2d(img, 3)"),
              Lines{"2:17: argument 'kernel' of conv2d() must be a matrix: a tuple of rows such as ((1, 2), (3, 4)), "
                    "or one row (1, 2, 3), found an integer"});
    EXPECT_EQ(checkedLine("c = conv2d(img, ())"),
              Lines{"2:17: argument 'kernel' of conv2d() must be a matrix: a tuple of rows such as ((1, 2), (3, 4)), "
                    "or one row (1, 2, 3), found a tuple"});
    EXPECT_EQ(checkedLine("c = conv2d(img, ((1, 2), (3, 4, 5)))"),
              Lines{"2:26: argument 'kernel' of conv2d(): row 2 has 3 entries, row 1 has 2 (the matrix must be "
                    "rectangular)"});
    EXPECT_EQ(checkedLine("c = conv2d(img, ((1, 2), 3))"),
              Lines{"2:26: argument 'kernel' of conv2d(): row 2 must be a tuple of numbers, found an integer"});
    EXPECT_EQ(checkedLine("c = conv2d(img, ((1, img), (3, 4)))"),
              Lines{"2:22: argument 'kernel' of conv2d(): matrix entries must be numbers, found name 'img'"});
    EXPECT_EQ(checkedLine("c = conv2d(img, (1, 2, x=3))"),
              Lines{"2:17: argument 'kernel' of conv2d() must be a matrix: a tuple of rows such as ((1, 2), (3, 4)), "
                    "or one row (1, 2, 3), found a tuple"});
    EXPECT_EQ(checkedLine("c = conv2d(img, dtype=u16)"),
              Lines{"2:23: unknown dtype 'u16' for conv2d() (known: same, f32)"});
}

TEST(Conv2dPipeline, MatrixSizesAreLimitedTo31)
{
    std::string row = "(";
    for (int i = 0; i < 32; ++i)
        row += i ? ", 1" : "1";
    row += ")";
    EXPECT_EQ(checkedLine("c = conv2d(img, " + row + ")"),
              Lines{"2:17: argument 'kernel' of conv2d() has 32 columns; the limits are 1 to 31"});
    std::string rows = "(";
    for (int i = 0; i < 32; ++i)
        rows += i ? ", (1,)" : "(1,)";
    rows += ")";
    EXPECT_EQ(checkedLine("c = conv2d(img, " + rows + ")"),
              Lines{"2:17: argument 'kernel' of conv2d() has 32 rows; the limits are 1 to 31"});
}

TEST(Conv2dPipeline, TheOutputDTypeIsInferredAndBadParametersAreRefusedAtTheCall)
{
    const ParseResult parsed = parseAndCheck("img = astype(rand(9, 13, 3), u8, scale=255)\n"
                                             "a = conv2d(img)\n"
                                             "b = conv2d(img, ((1, 0), (0, -1)), dtype=f32)\n");
    ASSERT_TRUE(parsed.ok());
    const Inference inference = infer(parsed.program, defaultRunOptions(parsed.program));
    ASSERT_TRUE(inference.ok());
    Lines types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + std::string(wb::name(name.dtype)) + " " + name.shape.toString());
    EXPECT_EQ(types, (Lines{"img: u8 (9, 13, 3)", "a: u8 (9, 13, 3)", "b: f32 (9, 13, 3)"}));

    EXPECT_EQ(inferredLine("c = conv2d(img, ((0, 1, 0), (1, -4, 1), (0, 1, 0)), normalize=true)"),
              Lines{"2:5: conv2d cannot normalise a matrix whose entries sum to 0 (use normalize=false and a scale)"});
    EXPECT_EQ(inferredLine("c = conv2d(astype(img, f64))"), Lines{"2:5: conv2d takes u8, u16 or f32 images, got f64"});
}

TEST(Conv2dPipeline, RunsOnTheCpuAsTheEagerCall)
{
    RunOptions options = wb::test::runOptions(1, 0);
    options.keepValues = true;
    const RunResult result =
        run(wb::test::programOf("img = rand(40, 30, 3, seed=4)\n"
                                "c = conv2d(img, ((1, 0, -1), (2, 0, -2), (1, 0, -1)), scale=0.5, delta=1, "
                                "border=replicate)\n"),
            options);
    ASSERT_FALSE(result.error) << result.error->message;
    wb::Backend& cpu = wb::Runtime::instance().cpu();
    const wb::Array img = wb::random(cpu, {40, 30, 3}, wb::DType::F32, wb::Distribution::Uniform, 4);
    const wb::Array expected =
        wb::conv2d(cpu, img, {1, 0, -1, 2, 0, -2, 1, 0, -1}, 3, 3, false, 0.5, 1.0, wb::BorderMode::Replicate);
    ASSERT_EQ(result.values.size(), 1u);
    const auto found = result.values[0].find("c");
    const wb::Array* actual = found == result.values[0].end() ? nullptr : &found->second;
    ASSERT_NE(actual, nullptr);
    ASSERT_EQ(actual->shape(), expected.shape());
    for (std::int64_t i = 0; i < expected.numel(); ++i)
        ASSERT_EQ(actual->data<float>()[i], expected.data<float>()[i]) << "element " << i;
}
