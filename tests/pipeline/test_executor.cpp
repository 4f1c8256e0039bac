// The executor on the CPU backend: step order and figures, repetitions reported to the
// observer, cancellation between steps, the sinks; every sample pipeline; and the same
// pipeline on cpu,gpu where a GPU is present.

#include "io/temp_dir.h"

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>
#include <wb/io.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

using wb::test::programOf;

RunOptions cpuOptions(int repeat, int warmup) { return wb::test::runOptions(repeat, warmup); }

// Records every call, in order.
class Recorder : public RunObserver {
public:
    void repetitionStarted(const std::string&, int index, bool warmup) override
    {
        events.push_back(std::string(warmup ? "warmup " : "rep ") + std::to_string(index));
    }
    void stepStarted(const std::string&, const std::string& step, int) override
    {
        events.push_back("start " + step);
        if (cancelAfter > 0 && --cancelAfter == 0)
            cancel = true;
    }
    void stepFinished(const StepFigures& figures) override { finished.push_back(figures.step); }
    void runFinished(const RunResult&) override { ++runsFinished; }
    void error(const RunError& e) override { errors.push_back(e.message); }

    std::vector<std::string> events;
    std::vector<std::string> finished;
    std::vector<std::string> errors;
    int runsFinished = 0;
    int cancelAfter = 0;
    std::atomic<bool> cancel{false};
};

constexpr const char* kSmall = "A = rand(8, 8, f64, seed=1)\n"
                               "B = A @ A\n"
                               "S = fftshift(fft2(astype(B, c128)))\n"
                               "show(B)\n";

} // namespace

TEST(Executor, StepsRunInOrderWithTheirFigures)
{
    const RunResult result = run(programOf(kSmall), cpuOptions(3, 1));
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.backends, (std::vector<std::string>{"cpu"}));
    std::vector<std::string> steps;
    for (const StepFigures& figures : result.steps) {
        steps.push_back(figures.step + "@" + std::to_string(figures.line));
        EXPECT_EQ(figures.time.n, 3);
        EXPECT_LE(figures.time.minMs, figures.time.medianMs);
        EXPECT_LE(figures.time.medianMs, figures.time.maxMs);
        EXPECT_GT(figures.cost.bytes, 0);
        EXPECT_FALSE(figures.speedup);
        EXPECT_FALSE(figures.transfer);
    }
    EXPECT_EQ(steps, (std::vector<std::string>{"A@1", "B@2", "astype(B, c128)@3", "fft2(astype(B, c128))@3", "S@3"}));
    EXPECT_DOUBLE_EQ(result.steps[1].cost.flops, 2.0 * 8 * 8 * 8);
    EXPECT_EQ(result.shown, (std::vector<std::string>{"B"}));
    ASSERT_EQ(result.totalMs.size(), 1u);
}

TEST(Executor, ObserverSeesWarmupAndMeasuredRepetitions)
{
    Recorder recorder;
    const RunResult result = run(programOf("A = rand(4, 4)\nB = A @ A\n"), cpuOptions(3, 2), &recorder);
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"warmup 0", "start A", "start B", "warmup 1", "start A",
                                                         "start B", "rep 2", "start A", "start B", "rep 3", "start A",
                                                         "start B", "rep 4", "start A", "start B"}));
    EXPECT_EQ(recorder.finished, (std::vector<std::string>{"A", "B"}));
    EXPECT_EQ(recorder.runsFinished, 1);
}

TEST(Executor, CancellationStopsBetweenSteps)
{
    Recorder recorder;
    recorder.cancelAfter = 3; // set while the third step runs: the fourth never starts
    const RunResult result = run(programOf("A = rand(4, 4)\nB = A @ A\nC = B @ A\nD = C @ A\n"), cpuOptions(5, 0),
                                 &recorder, &recorder.cancel);
    EXPECT_TRUE(result.cancelled);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"rep 0", "start A", "start B", "start C"}));
    EXPECT_TRUE(result.steps.empty());
    EXPECT_EQ(recorder.runsFinished, 1);
}

TEST(Executor, SaveWritesAnNpyFileRelativeToTheBaseDirectory)
{
    wb::test::TempDir dir;
    RunOptions options = cpuOptions(1, 0);
    options.baseDirectory = dir.path().string();
    const RunResult result = run(programOf("A = rand(3, 5, f64, seed=4)\nsave(A, \"a.npy\")\n"), options);
    ASSERT_TRUE(result.ok());
    const wb::Array saved = wb::loadNpy(dir.file("a.npy"));
    const wb::Array expected =
        wb::random(wb::Runtime::instance().cpu(), {3, 5}, wb::DType::F64, wb::Distribution::Uniform, 4);
    ASSERT_EQ(saved.shape(), expected.shape());
    ASSERT_EQ(saved.dtype(), wb::DType::F64);
    EXPECT_EQ(std::memcmp(saved.data(), expected.data(), expected.nbytes()), 0);
}

TEST(Executor, SeedDirectiveAppliesToRandomOpsWithoutASeed)
{
    wb::test::TempDir dir;
    RunOptions options = defaultRunOptions(programOf("@seed 11\nA = rand(2)\n"));
    options.baseDirectory = dir.path().string();
    ASSERT_TRUE(run(programOf("@seed 11\nA = rand(6)\nsave(A, \"a.npy\")\n"), options).ok());
    const wb::Array expected =
        wb::random(wb::Runtime::instance().cpu(), {6}, wb::DType::F32, wb::Distribution::Uniform, 11);
    EXPECT_EQ(std::memcmp(wb::loadNpy(dir.file("a.npy")).data(), expected.data(), expected.nbytes()), 0);
}

TEST(Executor, CheckWithOneBackendIsANote)
{
    const RunResult result = run(programOf("A = rand(4, 4)\ncheck(A, rtol=1e-6)\n"), cpuOptions(1, 0));
    ASSERT_TRUE(result.ok());
    ASSERT_EQ(result.checks.size(), 1u);
    EXPECT_FALSE(result.checks[0].compared);
    EXPECT_TRUE(result.checks[0].passed);
    EXPECT_EQ(result.checks[0].location, (SourceLocation{2, 1}));
}

TEST(Executor, RunTimeFailureIsReportedWithItsLocation)
{
    wb::test::TempDir dir;
    RunOptions options = cpuOptions(1, 0);
    options.baseDirectory = dir.path().string();
    Recorder recorder;
    // A folder where the file should go: the write fails only when the run gets there.
    std::filesystem::create_directories(dir.file("out.npy"));
    const RunResult result = run(programOf("A = rand(2)\n  save(A, \"out.npy\")\n"), options, &recorder);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->location, (SourceLocation{2, 3}));
    EXPECT_EQ(recorder.errors.size(), 1u);
    EXPECT_FALSE(result.ok());
}

TEST(Executor, RefusesAPipelineThatDoesNotInfer)
{
    EXPECT_THROW(run(programOf("A = rand(4, 3)\nB = A @ A\n"), cpuOptions(1, 0)), wb::Error);
}

TEST(Samples, EveryPipelineRunsOnTheCpu)
{
    const int count = wb::test::forEachSample([](const Program& program, RunOptions options) {
        options.backends = {"cpu"};
        const RunResult result = run(program, options);
        EXPECT_TRUE(result.ok()) << (result.error ? result.error->message : "a check failed");
        EXPECT_FALSE(result.steps.empty());
    });
    EXPECT_GE(count, 6);
}

TEST(Executor, DerivativesRunOnTheCpu)
{
    const RunResult result = run(programOf("img = astype(rand(40, 33, 3, seed=4), u8, scale=255)\n"
                                           "gx = sobel(img, ksize=5)\n"
                                           "m = scharr_magnitude(img)\n"
                                           "l = laplacian(astype(img, f32), 3, scale=0.5, delta=1)\n"
                                           "z = sobel(l, dx=0, dy=1) - scharr(l, 0, 1) * 0\n"),
                                 cpuOptions(1, 0));
    ASSERT_FALSE(result.error) << result.error->message;
    EXPECT_EQ(result.backends.size(), 1u);
}

TEST(GpuExecutor, DerivativesAgreeOnCpuAndGpu)
{
    const wb::CudaStatus& cuda = wb::Runtime::instance().cudaStatus();
    if (!cuda.available)
        GTEST_SKIP() << cuda.reason;
    RunOptions options = cpuOptions(2, 1);
    options.backends = {"cpu", "gpu"};
    const RunResult result = run(programOf("img = astype(rand(257, 391, seed=3), u8, scale=255)\n"
                                           "gx = sobel(img, dx=1, dy=1, ksize=7, border=constant)\n"
                                           "m = sobel_magnitude(astype(img, f32), scale=0.25)\n"
                                           "s = scharr(img, 0, 1, delta=3)\n"
                                           "l = laplacian(img, 5, border=replicate)\n"
                                           "check(gx, rtol=0, atol=0)\n"
                                           "check(m, rtol=1e-5, atol=1e-5)\n"
                                           "check(s, rtol=1e-6, atol=1e-5)\n"
                                           "check(l, rtol=0, atol=0)\n"),
                                 options);
    ASSERT_FALSE(result.error) << result.error->message;
    for (const CheckOutcome& check : result.checks) {
        EXPECT_TRUE(check.compared);
        EXPECT_TRUE(check.passed) << check.name << " " << check.maxRelError;
    }
    for (const StepFigures& figures : result.steps) {
        if (figures.backend != "cpu" && !figures.transfer) {
            EXPECT_TRUE(figures.speedup) << figures.step;
        }
    }
}

TEST(GpuExecutor, CpuAndGpuAgreeWithTransfersAsSteps)
{
    const wb::CudaStatus& cuda = wb::Runtime::instance().cudaStatus();
    if (!cuda.available)
        GTEST_SKIP() << cuda.reason;
    wb::test::TempDir dir;
    wb::saveNpy(dir.file("m.npy"),
                wb::random(wb::Runtime::instance().cpu(), {64, 64}, wb::DType::F32, wb::Distribution::Uniform, 5));
    RunOptions options = cpuOptions(3, 1);
    options.backends = {"cpu", "gpu"};
    options.baseDirectory = dir.path().string();
    const RunResult result = run(programOf("m = load(\"m.npy\")\n"
                                           "A = rand(64, 64, seed=2)\n"
                                           "C = A @ m\n"
                                           "blur = gaussian(m, sigma=1.5)\n"
                                           "S = fftshift(fft2(astype(blur, c64)))\n"
                                           "check(C, rtol=1e-3, atol=1e-3)\n"
                                           "check(blur, rtol=1e-4, atol=1e-5)\n"
                                           "check(S, rtol=1e-3, atol=1e-2)\n"),
                                 options);
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.backends.size(), 2u);
    for (const CheckOutcome& check : result.checks) {
        EXPECT_TRUE(check.compared);
        EXPECT_TRUE(check.passed) << check.name << " " << check.maxRelError;
    }
    bool upload = false, download = false;
    for (const StepFigures& figures : result.steps) {
        if (figures.backend == "cpu")
            continue;
        upload |= figures.step == "upload m";
        download |= figures.step == "download C";
        if (!figures.transfer) {
            EXPECT_TRUE(figures.speedup);
            ASSERT_TRUE(figures.maxRelError);
            EXPECT_LT(*figures.maxRelError, 1e-3) << figures.step;
        }
    }
    EXPECT_TRUE(upload);
    EXPECT_TRUE(download);
}
