// threshold, normalize and resize in pipelines: their signatures, parameters checked at the
// argument, output shapes and dtypes inferred (resize's from its size or factors),
// parameters the descriptors refuse reported at the call, and a run on the CPU that gives
// the eager calls' results.

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
const std::string kImage = "img = astype(rand(15, 21), u8, scale=255)\n";

Lines checkedLine(const std::string& line) { return wb::test::checkedLines(kImage + line); }

Lines inferredLine(const std::string& line) { return wb::test::inferredLines(kImage + line); }

} // namespace

TEST(LevelsResizePipeline, Signatures)
{
    EXPECT_EQ(signature(*findOp("threshold")), "threshold(x, thresh=128, maxval=255, type=binary, otsu=false)");
    EXPECT_EQ(signature(*findOp("normalize")), "normalize(x, alpha=0, beta=1, norm=minmax, dtype=same)");
    EXPECT_EQ(signature(*findOp("resize")), "resize(x, size=0, scale=0, fx=0, fy=0, interpolation=bilinear)");
}

TEST(LevelsResizePipeline, ParametersAreCheckedAtTheArgument)
{
    EXPECT_TRUE(checkedLine("t = threshold(img, 100, type=to_zero_inv)").empty());
    EXPECT_TRUE(checkedLine("t = threshold(img, otsu=true)").empty());
    EXPECT_TRUE(checkedLine("n = normalize(img, 0, 255, norm=inf, dtype=f32)").empty());
    EXPECT_TRUE(checkedLine("r = resize(img, (40, 30), interpolation=area)").empty());
    EXPECT_TRUE(checkedLine("r = resize(img, scale=0.5)").empty());
    EXPECT_EQ(checkedLine("t = threshold(img, type=otsu)"),
              Lines{"2:25: unknown type 'otsu' for threshold() (known: binary, binary_inv, trunc, to_zero, "
                    "to_zero_inv)"});
    EXPECT_EQ(checkedLine("n = normalize(img, norm=l3)"),
              Lines{"2:25: unknown norm 'l3' for normalize() (known: minmax, l1, l2, inf)"});
    EXPECT_EQ(checkedLine("r = resize(img, (40, 2.5))"),
              Lines{"2:22: argument 'size' of resize() must be an integer, found a float"});
    EXPECT_EQ(checkedLine("r = resize(img, 40000)"),
              Lines{"2:17: argument 'size' of resize() must be <= 32768, found 40000"});
    EXPECT_EQ(checkedLine("r = resize(img, interpolation=cubic)"),
              Lines{"2:31: unknown interpolation 'cubic' for resize() (known: bilinear, nearest, area)"});
}

TEST(LevelsResizePipeline, ShapesAndDTypesAreInferredAndBadParametersRefusedAtTheCall)
{
    const ParseResult parsed = parseAndCheck(kImage + "t = threshold(img, otsu=true)\n"
                                                      "n = normalize(img, dtype=f32)\n"
                                                      "a = resize(img, (40, 30))\n"
                                                      "b = resize(n, scale=0.5)\n"
                                                      "c = resize(img, fx=2, fy=0.25, interpolation=nearest)\n");
    ASSERT_TRUE(parsed.ok());
    const Inference inference = infer(parsed.program, defaultRunOptions(parsed.program));
    ASSERT_TRUE(inference.ok());
    Lines types;
    for (const InferredName& name : inference.names)
        types.push_back(name.name + ": " + std::string(wb::name(name.dtype)) + " " + name.shape.toString());
    // round(21 * 0.5) = 10 and round(15 * 0.5) = 8 (half to even, as OpenCV); round(15 / 4) = 4.
    EXPECT_EQ(types, (Lines{"img: u8 (15, 21)", "t: u8 (15, 21)", "n: f32 (15, 21)", "a: u8 (30, 40)", "b: f32 (8, 10)",
                            "c: u8 (4, 42)"}));

    EXPECT_EQ(inferredLine("t = threshold(astype(img, f32), otsu=true)"),
              Lines{"2:5: threshold with otsu takes u8 or u16 images (as OpenCV), got f32"});
    EXPECT_EQ(inferredLine("r = resize(img)"),
              Lines{"2:5: resize needs a size (w, h) or positive finite factors (fx, fy)"});
    EXPECT_EQ(inferredLine("r = resize(img, scale=0.01)"),
              Lines{"2:5: resize of (15, 21) gives an empty image (0x0); use larger factors"});
}

TEST(LevelsResizePipeline, RunsOnTheCpuAsTheEagerCalls)
{
    RunOptions options = wb::test::runOptions(1, 0);
    options.keepValues = true;
    const RunResult result = run(wb::test::programOf("img = rand(40, 30, 3, seed=4)\n"
                                                     "t = threshold(img, 0.5, maxval=2, type=trunc)\n"
                                                     "n = normalize(img, -1, 1)\n"
                                                     "r = resize(img, (17, 9), interpolation=area)\n"),
                                 options);
    ASSERT_FALSE(result.error) << result.error->message;
    wb::Backend& cpu = wb::Runtime::instance().cpu();
    const wb::Array img = wb::random(cpu, {40, 30, 3}, wb::DType::F32, wb::Distribution::Uniform, 4);
    const std::pair<const char*, wb::Array> expected[] = {
        {"t", wb::threshold(cpu, img, 0.5, 2, wb::ThresholdType::Trunc)},
        {"n", wb::normalize(cpu, img, -1, 1)},
        {"r", wb::resize(cpu, img, 17, 9, 0, 0, wb::Interpolation::Area)}};
    ASSERT_EQ(result.values.size(), 1u);
    for (const auto& [label, want] : expected) {
        const auto found = result.values[0].find(label);
        ASSERT_NE(found, result.values[0].end()) << label;
        ASSERT_EQ(found->second.shape(), want.shape()) << label;
        for (std::int64_t i = 0; i < want.numel(); ++i)
            ASSERT_EQ(found->second.data<float>()[i], want.data<float>()[i]) << label << " element " << i;
    }
}
