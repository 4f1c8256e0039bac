// Tuning runs (@tune): the directive's syntax and rules at their places, the product of
// the configurations, the rewritten programs, the best-picking rule on synthetic tables
// and the editor's edits. The GPU's tuning run of the sample is in test_gpu_tuning.cpp.

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/error.h>
#include <wb/pipeline_tune.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb::pipeline;
using wb::test::diagnosticLines;

namespace {

// Parse errors of the directive, or else the tuning rules' diagnostics.
std::vector<std::string> tuneDiagnostics(const std::string& source)
{
    ParseResult parsed = parse(source);
    if (!parsed.ok())
        return diagnosticLines(parsed.diagnostics);
    std::vector<Diagnostic> diagnostics;
    static_cast<void>(tuningSpec(parsed.program, &diagnostics));
    return diagnosticLines(diagnostics);
}

constexpr const char* kMatmul = "A = rand(64, 64, seed=1)\n"
                                "B = rand(64, 64, seed=2)\n"
                                "C0 = zeros(64, 64)\n"
                                "C = launch(\"k.cu:matmul_tiled\", args=(A, B, C0, 64), block=(TILE, TILE), "
                                "defines=(TILE=16))\n"
                                "check(C, ref=A @ B, rtol=1e-4)\n";

std::string withTune(const std::string& directives) { return directives + kMatmul; }

TuningConfiguration measured(double medianMs, bool passed)
{
    TuningConfiguration configuration;
    configuration.time = Timing{5, medianMs, medianMs * 0.9, medianMs * 1.1};
    configuration.passed = passed;
    return configuration;
}

// A one-parameter program's text in one configuration, or "" when it does not tune.
std::string configuredText(const std::string& source, std::int64_t value)
{
    const ParseResult parsed = parse(source);
    const TuningSpec spec = tuningSpec(parsed.program);
    return parsed.ok() && spec.active() ? toString(configuredProgram(parsed.program, spec, {value})) : "";
}

std::string withBlock(std::string pattern, const std::string& block)
{
    return pattern.replace(pattern.find("%s"), 2, block);
}

} // namespace

TEST(Tuning, DirectiveParsesAndPrintsBack)
{
    ParseResult parsed = parse("@tune block 64, 128, 256\n@tune TILE 8\n");
    ASSERT_TRUE(parsed.ok()) << diagnosticLines(parsed.diagnostics).front();
    ASSERT_EQ(parsed.program.directives.size(), 2u);
    const Directive& block = parsed.program.directives[0];
    ASSERT_EQ(block.values.size(), 4u);
    EXPECT_EQ(block.values[0].text, "block");
    EXPECT_EQ(block.values[3].integer, 256);
    EXPECT_EQ(toString(block), "@tune block 64, 128, 256");
    EXPECT_EQ(toString(parsed.program.directives[1]), "@tune TILE 8");
    // Two @tune of different parameters are not "given again".
    EXPECT_TRUE(parsed.diagnostics.empty());
}

TEST(Tuning, DirectiveSyntaxErrorsAtTheirPlace)
{
    const std::string need =
        "@tune needs a parameter and a comma-separated list of positive integers (@tune block 64, 128, 256)";
    EXPECT_EQ(tuneDiagnostics("@tune block\n"), std::vector<std::string>{"1:7: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune\n"), std::vector<std::string>{"1:1: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune block, 64\n"), std::vector<std::string>{"1:12: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune 64, 128\n"), std::vector<std::string>{"1:7: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune block 64, 0\n"), std::vector<std::string>{"1:17: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune block 64, -1\n"), std::vector<std::string>{"1:17: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune block 64, x\n"), std::vector<std::string>{"1:17: " + need});
    EXPECT_EQ(tuneDiagnostics("@tune block 64, 128, 64\n"),
              std::vector<std::string>{"1:22: @tune block: 64 is listed twice"});
    EXPECT_EQ(tuneDiagnostics("@tune TILE 8\n@tune TILE 16\n"),
              std::vector<std::string>{"2:7: @tune TILE is given twice (first at 1:1)"});
}

TEST(Tuning, RulesAtTheDirective)
{
    // Not a define of the launch.
    EXPECT_EQ(tuneDiagnostics(withTune("@tune TILES 8, 16\n")),
              std::vector<std::string>{"1:7: @tune TILES: launch() at 5:5 has no define TILES (its defines: TILE); "
                                       "add it to defines=(...) or tune block"});
    // The block's x follows a define: tune the define.
    EXPECT_EQ(tuneDiagnostics(withTune("@tune block 8, 16\n")),
              std::vector<std::string>{"1:7: @tune block: the block's x of launch() at 5:5 is the define TILE; "
                                       "tune TILE instead"});
    // 64 x 64 threads in a block.
    EXPECT_EQ(tuneDiagnostics(withTune("@tune TILE 8, 32, 64\n")),
              std::vector<std::string>{
                  "1:19: @tune TILE 64: the block (64, 64) of launch() at 5:5 has 4096 threads, at most 1024"});
    // A third parameter.
    EXPECT_EQ(tuneDiagnostics("@tune TILE 8\n@tune block 1\n@tune N 2\n" + std::string(kMatmul)),
              (std::vector<std::string>{
                  "3:1: at most two parameters are tuned at once (bars for one, a heat map for two); this @tune "
                  "is a third",
                  "2:7: @tune block: the block's x of launch() at 7:5 is the define TILE; tune TILE instead"}));
    // No launch, two launches.
    EXPECT_EQ(tuneDiagnostics("@tune block 64\nx = rand(10)\ncheck(x, ref=x)\n"),
              std::vector<std::string>{"1:1: @tune tunes a launch(), and this pipeline has none"});
    EXPECT_EQ(
        tuneDiagnostics("@tune block 64\nx = zeros(8)\na = launch(\"k.cu:f\", args=(x,))\n"
                        "b = launch(\"k.cu:f\", args=(x,))\n"),
        std::vector<std::string>{"1:1: @tune tunes the pipeline's one launch(), and this one has 2 (at 3:5, 4:5)"});
    // Nothing verifies a configuration.
    EXPECT_EQ(tuneDiagnostics("@tune block 64\nx = zeros(8)\ny = launch(\"k.cu:f\", args=(x,))\ncheck(y)\n"),
              std::vector<std::string>{"1:1: @tune needs a check(y, ref=...) of the tuned launch's value y, so that "
                                       "every configuration is verified"});
    // A block over its limit, with a y given; and a z over its own.
    EXPECT_EQ(tuneDiagnostics("@tune block 256, 2048\nx = zeros(8)\ny = launch(\"k.cu:f\", args=(x,), block=(1, 1))\n"
                              "check(y, ref=x)\n"),
              std::vector<std::string>{
                  "1:18: @tune block 2048: the block (2048, 1) of launch() at 3:5 has 2048 threads, at most 1024"});
    EXPECT_EQ(tuneDiagnostics("@tune Z 32, 128\nx = zeros(8)\n"
                              "y = launch(\"k.cu:f\", args=(x,), block=(2, 2, Z), defines=(Z=1))\ncheck(y, ref=x)\n"),
              std::vector<std::string>{
                  "1:13: @tune Z 128: the block (2, 2, 128) of launch() at 3:5 has a z of 128, at most 64"});
}

TEST(Tuning, SpecOfAValidProgram)
{
    const ParseResult parsed = parse(withTune("@tune TILE 8, 16, 32\n"));
    ASSERT_TRUE(parsed.ok());
    std::vector<Diagnostic> diagnostics;
    const TuningSpec spec = tuningSpec(parsed.program, &diagnostics);
    EXPECT_TRUE(diagnostics.empty()) << diagnosticLines(diagnostics).front();
    ASSERT_TRUE(spec.active());
    EXPECT_EQ(spec.step, "C");
    ASSERT_EQ(spec.parameters.size(), 1u);
    EXPECT_EQ(spec.parameters[0].values, (std::vector<std::int64_t>{8, 16, 32}));
    ASSERT_EQ(spec.checks.size(), 1u);
    EXPECT_EQ(spec.checks[0], (SourceLocation{6, 1}));
}

TEST(Tuning, ConfigurationsAreTheProductFirstParameterOutermost)
{
    const std::vector<TunedParameter> parameters{{"block", {}, {64, 128}, {}}, {"TILE", {}, {8, 16, 32}, {}}};
    const std::vector<std::vector<std::int64_t>> expected{{64, 8}, {64, 16}, {64, 32}, {128, 8}, {128, 16}, {128, 32}};
    EXPECT_EQ(tuningConfigurations(parameters), expected);
    EXPECT_EQ(tuningConfigurations({parameters[1]}), (std::vector<std::vector<std::int64_t>>{{8}, {16}, {32}}));
    EXPECT_TRUE(tuningConfigurations({}).empty());
}

TEST(Tuning, BestIsTheFastestPassingNeverAFailedOne)
{
    // The failed 0.5 ms configuration is the fastest measured, and never the best.
    EXPECT_EQ(bestConfiguration({measured(2.0, true), measured(0.5, false), measured(1.0, true), measured(1.5, true)}),
              2u);
    // Equal medians: the first.
    EXPECT_EQ(bestConfiguration({measured(3.0, true), measured(1.0, true), measured(1.0, true)}), 1u);
    // Nothing passed, or nothing was measured.
    EXPECT_EQ(bestConfiguration({measured(1.0, false), measured(2.0, false)}), std::nullopt);
    TuningConfiguration unmeasured;
    unmeasured.passed = true;
    EXPECT_EQ(bestConfiguration({unmeasured}), std::nullopt);
    EXPECT_EQ(bestConfiguration({}), std::nullopt);
}

TEST(Tuning, ConfiguredProgramRewritesTheLaunchOnly)
{
    const ParseResult parsed = parse(withTune("@repeat 3\n@tune TILE 8, 32\n"));
    ASSERT_TRUE(parsed.ok());
    const TuningSpec spec = tuningSpec(parsed.program);
    ASSERT_TRUE(spec.active());
    const Program configured = configuredProgram(parsed.program, spec, {32});
    EXPECT_EQ(toString(configured), "@repeat 3\n"
                                    "A = rand(64, 64, seed=1)\n"
                                    "B = rand(64, 64, seed=2)\n"
                                    "C0 = zeros(64, 64)\n"
                                    "C = launch(\"k.cu:matmul_tiled\", args=(A, B, C0, 64), block=(TILE, TILE), "
                                    "defines=(TILE=32))\n"
                                    "check(C, ref=A @ B, rtol=1e-04)\n");
    // Locations stay the user's, so a configuration's errors point at the pipeline.
    EXPECT_EQ(configured.statements[3].value->location, (SourceLocation{6, 5}));

    // The x of a written block, and a block= added where there is none.
    const std::string saxpy = "@tune block 128, 512\nx = rand(1000)\ny0 = zeros(1000)\n"
                              "y = launch(\"s.cu:saxpy\", args=(1000, 2.0, x, y0)%s)\n"
                              "check(y, ref=2 * x + y0)\n";
    EXPECT_NE(configuredText(withBlock(saxpy, ", block=(256, 1)"), 512).find("block=(512, 1)"), std::string::npos);
    EXPECT_NE(configuredText(withBlock(saxpy, ""), 128).find("args=(1000, 2.0, x, y0), block=128)"), std::string::npos);
}

TEST(Tuning, EditsGiveTheEditorTheChosenConfiguration)
{
    TuningResult result;
    result.parameters = {"block", "TILE"};
    result.configurations = {measured(1.0, true), measured(0.5, true)};
    result.configurations[1].values = {32, 8};
    EXPECT_EQ(configurationLabel(result, 1), "block=32, TILE=8");

    const std::string source = "@tune block 16, 32\n@tune N 4, 8\n"
                               "x = zeros(64)\n"
                               "y = launch(\"k.cu:f\", args=(x,), block=(16, 2),  # a comment (\n"
                               "           defines=(M=1, N=4))\n"
                               "check(y, ref=x)\n";
    result.parameters = {"block", "N"};
    const std::string edited = applyEdits(source, configurationEdits(source, result, 1));
    EXPECT_EQ(edited, "@tune block 16, 32\n@tune N 4, 8\n"
                      "x = zeros(64)\n"
                      "y = launch(\"k.cu:f\", args=(x,), block=(32, 2),  # a comment (\n"
                      "           defines=(M=1, N=8))\n"
                      "check(y, ref=x)\n");

    // No block= yet: one is added before the call's ')'.
    const std::string bare = "@tune block 16, 32\nx = zeros(64)\ny = launch(\"k.cu:f\", args=(x, (1)))\n"
                             "check(y, ref=x)\n";
    result.parameters = {"block"};
    result.configurations[1].values = {32};
    EXPECT_EQ(applyEdits(bare, configurationEdits(bare, result, 1)),
              "@tune block 16, 32\nx = zeros(64)\ny = launch(\"k.cu:f\", args=(x, (1)), block=32)\n"
              "check(y, ref=x)\n");

    // A source that no longer has the tuned launch is refused with the reason.
    EXPECT_THROW(configurationEdits("x = zeros(4)\n", result, 1), wb::Error);
    EXPECT_THROW(configurationEdits("x = (\n", result, 1), wb::Error);
}

TEST(Tuning, WithoutTheGpuEveryConfigurationFailsWithTheReasonAndNoneIsBest)
{
    if (wb::Runtime::instance().cudaStatus().available)
        GTEST_SKIP() << "a GPU is present: GpuTuning.* runs the configurations";
    const Program program = wb::test::programOf("@tune block 64, 128\n"
                                                "x = rand(1000, seed=1)\n"
                                                "y0 = zeros(1000)\n"
                                                "y = launch(\"" WARPBENCH_PIPELINES_DIR
                                                "/../kernels/saxpy.cu:saxpy\", args=(1000, 2.0, x, y0))\n"
                                                "check(y, ref=2.0 * x + y0)\n");
    RunOptions options = wb::test::runOptions(2, 0, {"gpu"});
    std::optional<RunError> lost;
    bool cancelled = false;
    // What the engine turns into `tuning` events: one before each configuration, in order.
    struct Heard final : RunObserver {
        std::vector<std::string> calls;
        void tuningStarted(const std::string& step, int index, int count, const std::string& configuration) override
        {
            calls.push_back(step + " " + std::to_string(index) + "/" + std::to_string(count) + " " + configuration);
        }
    } heard;
    const TuningResult tuning = runTuning(program, options, nullptr, lost, cancelled, &heard);
    EXPECT_EQ(heard.calls, (std::vector<std::string>{"y 0/2 block=64", "y 1/2 block=128"}));
    EXPECT_FALSE(lost);
    EXPECT_FALSE(cancelled);
    EXPECT_EQ(tuning.step, "y");
    EXPECT_EQ(tuning.line, 4);
    EXPECT_EQ(tuning.parameters, std::vector<std::string>{"block"});
    ASSERT_EQ(tuning.configurations.size(), 2u);
    for (const TuningConfiguration& configuration : tuning.configurations) {
        EXPECT_FALSE(configuration.passed);
        EXPECT_NE(configuration.failure.find("no GPU"), std::string::npos) << configuration.failure;
        EXPECT_EQ(configuration.time.n, 0);
    }
    EXPECT_EQ(tuning.best, std::nullopt);
    EXPECT_TRUE(tuning.note.empty());
    RunResult result;
    result.tuning = tuning;
    EXPECT_FALSE(result.ok()); // a tuning run that found nothing passing fails the run

    // A run without "gpu" does not try: it says why.
    options.backends = {"cpu"};
    const TuningResult notRun = runTuning(program, options, nullptr, lost, cancelled);
    EXPECT_EQ(notRun.note, "not tuned: launch() runs on the GPU, and this run has none");
    EXPECT_EQ(notRun.configurations.size(), 2u);
    result.tuning = notRun;
    EXPECT_TRUE(result.ok());
}
