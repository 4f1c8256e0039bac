// Pipelines on cpu,gpu (skipped, with the reason, without a GPU): CUDA graph replay after
// the first repetition, speedups only for verified steps, randn marked as not comparable,
// and every sample pipeline passing its checks on both backends.

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <string>

using namespace wb::pipeline;

namespace {

using wb::test::programOf;

RunOptions both(int repeat = 4, int warmup = 1) { return wb::test::runOptions(repeat, warmup, {"cpu", "gpu"}); }

constexpr const char* kChain = "x = rand(1000003, seed=4)\n"
                               "y = 2 * x + sin(x) * cos(x) - sqrt(x + 1)\n"
                               "s = sum(y)\n"
                               "m = max(abs(y - 1))\n"
                               "check(y, rtol=1e-5, atol=1e-6)\n"
                               "check(s, rtol=1e-5)\n";

} // namespace

TEST(GpuRun, RepetitionsReplayAGraphAndEveryStepIsVerified)
{
    WB_REQUIRE_GPU();
    const RunResult result = run(programOf(kChain), both());
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.graphReplay, (std::vector<bool>{false, true}));
    EXPECT_TRUE(result.notes.empty()) << result.notes.front();
    for (const CheckOutcome& check : result.checks)
        EXPECT_TRUE(check.passed) << check.name << " " << check.maxRelError;
    int gpuSteps = 0;
    for (const StepFigures& step : result.steps) {
        if (step.backend == "cpu" || step.transfer)
            continue;
        ++gpuSteps;
        EXPECT_EQ(step.time.n, 4) << step.step;
        EXPECT_GT(step.time.medianMs, 0) << step.step;
        EXPECT_TRUE(step.verified) << step.step << " " << step.maxRelError.value_or(-1);
        EXPECT_TRUE(step.speedup) << step.step;
        EXPECT_GT(step.peakDeviceBytes, 0u) << step.step;
    }
    EXPECT_EQ(gpuSteps, 5); // x, y (fused), s, abs(y - 1) (fused), m
}

TEST(GpuRun, GraphReplayAndOneByOneLaunchesAgree)
{
    WB_REQUIRE_GPU();
    RunOptions options = both(3, 1);
    options.graph = false;
    const RunResult eager = run(programOf(kChain), options);
    ASSERT_FALSE(eager.error) << eager.error->message;
    EXPECT_EQ(eager.graphReplay, (std::vector<bool>{false, false}));
    options.graph = true;
    options.fuse = false;
    const RunResult unfused = run(programOf(kChain), options);
    ASSERT_FALSE(unfused.error) << unfused.error->message;
    EXPECT_TRUE(unfused.ok());
    EXPECT_TRUE(eager.ok());
}

TEST(GpuRun, RandnIsNotComparedAsASpeedup)
{
    WB_REQUIRE_GPU();
    const RunResult result = run(programOf("a = randn(4096, seed=1)\nb = a * 2\nc = rand(4096)\n"), both(2, 1));
    ASSERT_FALSE(result.error) << result.error->message;
    // randn is not recorded: the GPU's repetitions run one launch at a time, and say why.
    EXPECT_EQ(result.graphReplay, (std::vector<bool>{false, false}));
    ASSERT_EQ(result.notes.size(), 1u);
    EXPECT_NE(result.notes[0].find("randn"), std::string::npos) << result.notes[0];
    for (const StepFigures& step : result.steps) {
        if (step.backend == "cpu" || step.transfer)
            continue;
        if (step.step == "c") {
            EXPECT_TRUE(step.verified);
            EXPECT_TRUE(step.speedup);
        } else {
            EXPECT_FALSE(step.tolerance) << step.step;
            EXPECT_FALSE(step.verified) << step.step;
            EXPECT_FALSE(step.speedup) << step.step;
        }
    }
}

TEST(GpuRun, EverySamplePipelinePassesOnBothBackends)
{
    WB_REQUIRE_GPU();
    const int count = wb::test::forEachSample([](const Program& program, RunOptions options) {
        options.backends = {"cpu", "gpu"};
        const RunResult result = run(program, options);
        ASSERT_FALSE(result.error) << result.error->message;
        for (const CheckOutcome& check : result.checks)
            EXPECT_TRUE(check.passed) << check.name << " max rel err " << check.maxRelError;
        for (const std::string& note : result.notes)
            ADD_FAILURE() << note;
    });
    EXPECT_GE(count, 6);
}

TEST(GpuRun, WithoutStepTimingTheGraphHoldsOnlyTheSteps)
{
    WB_REQUIRE_GPU();
    RunOptions options = both(4, 1);
    options.stepTiming = false;
    const RunResult result = run(programOf(kChain), options);
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.graphReplay, (std::vector<bool>{false, true}));
    ASSERT_EQ(result.stepsTiming.size(), 2u);
    ASSERT_TRUE(result.stepsTiming[1]);
    EXPECT_EQ(result.stepsTiming[1]->n, 4);
    EXPECT_GT(result.stepsTiming[1]->medianMs, 0);
    for (const StepFigures& step : result.steps) {
        if (step.backend != "cpu" && !step.transfer) { // the one eager repetition was the warm-up
            EXPECT_EQ(step.time.n, 0) << step.step;
        }
    }
}
