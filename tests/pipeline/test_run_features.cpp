// What a run reports besides the times, on the CPU backend: live step events, fused steps
// in the figures, peak memory, values of one-element results, check(x, ref=), @threads
// and the pipeline hash.

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

using wb::test::programOf;

RunOptions options(int repeat = 2, int warmup = 1) { return wb::test::runOptions(repeat, warmup); }

class Events : public RunObserver {
public:
    void repetitionStarted(const std::string&, int index, bool) override
    {
        log.push_back("rep " + std::to_string(index));
    }
    void stepStarted(const std::string&, const std::string& step, int) override { log.push_back("start " + step); }
    void stepFinished(const StepFigures& figures) override
    {
        log.push_back("done " + figures.step + " n=" + std::to_string(figures.time.n));
    }
    std::vector<std::string> log;
};

} // namespace

TEST(RunFeatures, StepsFinishAsTheLastRepetitionReachesThem)
{
    Events events;
    const RunResult result = run(programOf("a = rand(64, 64)\nb = a @ a\nc = b + 1\n"), options(2, 1), &events);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(events.log, (std::vector<std::string>{"rep 0", "start a", "start b", "start c", "rep 1", "start a",
                                                    "start b", "start c", "rep 2", "start a", "done a n=2", "start b",
                                                    "done b n=2", "start c", "done c n=2"}));
}

TEST(RunFeatures, FusedStepsNameWhatTheyHold)
{
    const RunResult result = run(programOf("x = rand(1000)\ny = x * 2\nz = sqrt(y) + 1\n"), options());
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.steps.size(), 2u);
    EXPECT_EQ(result.steps[1].step, "z");
    EXPECT_EQ(result.steps[1].fused, (std::vector<std::string>{"y", "sqrt(y)"}));
    // Read x, write z: the fused step's bytes are one read and one write.
    EXPECT_EQ(result.steps[1].cost.bytes, 2 * 1000 * 4);
}

TEST(RunFeatures, PeakMemoryHoldsThePipelinesArrays)
{
    const RunResult result = run(programOf("a = rand(256, 256, f64)\nb = a @ a\n"), options());
    ASSERT_TRUE(result.ok());
    for (const StepFigures& step : result.steps)
        EXPECT_GE(step.peakHostBytes, 2u * 256 * 256 * 8) << step.step;
}

TEST(RunFeatures, OneElementResultsAreShownWithTheirValue)
{
    const RunResult result = run(programOf("a = arange(5)\ns = sum(a)\nm = max(a)\nshow(s, m, a)\n"), options(1, 0));
    ASSERT_TRUE(result.ok()) << (result.error ? result.error->message : "");
    EXPECT_EQ(result.shownValues, (std::vector<std::vector<std::string>>{{"10"}, {"4"}, {}}));
}

TEST(RunFeatures, CheckAgainstAReferencePassesAndFails)
{
    const RunResult same =
        run(programOf("a = rand(100, seed=1)\nb = a * 2 / 2\ncheck(b, ref=a, rtol=1e-6)\n"), options(1, 0));
    ASSERT_EQ(same.checks.size(), 1u);
    EXPECT_TRUE(same.checks[0].compared);
    EXPECT_TRUE(same.checks[0].passed);
    EXPECT_EQ(same.checks[0].reference, "a");
    const RunResult differs =
        run(programOf("a = rand(100, seed=1)\nb = a + 0.01\ncheck(b, ref=a, rtol=1e-3)\n"), options(1, 0));
    ASSERT_EQ(differs.checks.size(), 1u);
    EXPECT_FALSE(differs.checks[0].passed);
    EXPECT_FALSE(differs.ok());
}

TEST(RunFeatures, ThreadsDirectiveHoldsForTheRunOnly)
{
    wb::Runtime& runtime = wb::Runtime::instance();
    const int before = runtime.cpuThreads();
    const Program program = programOf("@threads 1\na = rand(64, 64)\nb = a @ a\n");
    RunOptions o = defaultRunOptions(program);
    EXPECT_EQ(o.threads, 1);
    o.repeat = 1;

    class ThreadProbe : public RunObserver {
    public:
        void stepStarted(const std::string&, const std::string&, int) override
        {
            seen = wb::Runtime::instance().cpuThreads();
        }
        int seen = -1;
    } probe;
    ASSERT_TRUE(run(program, o, &probe).ok());
    EXPECT_EQ(probe.seen, 1);
    EXPECT_EQ(runtime.cpuThreads(), before);
}

TEST(RunFeatures, HashFollowsTheStepsNotTheFormatting)
{
    const std::string a = pipelineHash(programOf("x = rand(4)\ny = x + 1\n"));
    EXPECT_EQ(a.size(), 16u);
    EXPECT_EQ(a, pipelineHash(programOf("# a comment\nx   = rand(4)\n\ny = (x + 1)   # same\n")));
    EXPECT_NE(a, pipelineHash(programOf("x = rand(4)\ny = x + 2\n")));
    EXPECT_EQ(run(programOf("x = rand(4)\ny = x + 1\n"), options(1, 0)).hash, a);
}

TEST(RunFeatures, TheCpuNeverReplaysAGraph)
{
    const RunResult result = run(programOf("x = rand(4)\ny = x + 1\n"), options(3, 1));
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.graphReplay, std::vector<bool>{false});
    EXPECT_TRUE(result.notes.empty());
}

TEST(RunFeatures, StepsTogetherAreTimedPerRepetition)
{
    const RunResult result = run(programOf("x = rand(64, 64)\ny = x @ x\n"), options(3, 1));
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.stepsTiming.size(), 1u);
    ASSERT_TRUE(result.stepsTiming[0]);
    EXPECT_EQ(result.stepsTiming[0]->n, 3);
    EXPECT_GE(result.stepsTiming[0]->medianMs, result.steps[0].time.minMs);
}

TEST(RunFeatures, KeptValuesAreTheStepsOutputsByLabel)
{
    RunOptions o = options(1, 0);
    o.keepValues = true;
    const RunResult result = run(programOf("x = arange(4)\ny = x * 2\nz = y + 1\ns = sum(z)\n"), o);
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.values.size(), 1u);
    const auto& values = result.values[0];
    EXPECT_EQ(values.count("y"), 0u); // computed inside z's fused step
    ASSERT_EQ(values.count("z"), 1u);
    const float* z = values.at("z").data<float>();
    EXPECT_EQ(std::vector<float>(z, z + 4), (std::vector<float>{1, 3, 5, 7}));
    EXPECT_EQ(values.count("s"), 1u);
    EXPECT_TRUE(run(programOf("x = arange(4)\n"), options(1, 0)).values.empty());
}
