// launch(): binding and checking a kernel's arguments while planning (no GPU needed), the CPU
// run that skips launches and what uses them, and on a GPU the sample kernels verified
// against ordinary ops (skipped, with the reason, without one).

#include "pipeline_test_util.h"

#include "bench/run_record.h"
#include "io/temp_dir.h"
#include "pipeline/plan.h"

#include <wb/device.h>
#include <wb/kernel_compile.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace wb::pipeline;
using wb::LaunchDesc;
using wb::test::diagnosticLines;
using wb::test::programOf;
using wb::test::TempDir;
using Lines = std::vector<std::string>;

namespace {

// Kernels of every shape the checks are about; their bodies do not matter while planning.
constexpr const char* kKernels = R"(// test kernels
extern "C" __global__ void saxpy(int n, float a, const float* x, float* y)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
extern "C" __global__ void two_out(const float* a, float* b, float* c) {}
extern "C" __global__ void reads_only(const float* a, int n) {}
template <typename T> __global__ void templated(T* p) {}
extern "C" __global__ void blur(int width, int height, const float* in, float* out) {}
extern "C" __global__ void sum(int n, const float* in, float* out) {}
extern "C" __global__ void bytes(unsigned char level, float* out) {}
__global__ void twice(int n, float* x)
{
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= 2.0f;
}
)";

class LaunchPlan : public ::testing::Test {
protected:
    void SetUp() override { m_dir.write("k.cu", kKernels); }

    RunOptions options() const
    {
        RunOptions options = wb::test::runOptions(1, 0);
        options.baseDirectory = m_dir.path().string();
        return options;
    }

    // "line:col: message" of the pipeline's diagnostics, checker's and planner's.
    Lines diagnostics(const std::string& source) const
    {
        ParseResult parsed = parseAndCheck(source);
        if (!parsed.ok())
            return diagnosticLines(parsed.diagnostics);
        return diagnosticLines(infer(parsed.program, options()).diagnostics);
    }

    Plan plan(const std::string& source) const { return makePlan(programOf(source), options()); }

    static const LaunchDesc& launchOf(const Plan& plan)
    {
        for (const PlanStep& step : plan.steps)
            if (const auto* launch = std::get_if<LaunchDesc>(&step.op))
                return *launch;
        throw std::runtime_error("no launch step");
    }

    TempDir m_dir;
};

// "2:17" for the first place `what` appears on line `line` (1-based) of `source`.
std::string at(const std::string& source, int line, const std::string& what)
{
    std::size_t start = 0;
    for (int i = 1; i < line; ++i)
        start = source.find('\n', start) + 1;
    const std::size_t column = source.find(what, start) - start + 1;
    return std::to_string(line) + ":" + std::to_string(column);
}

const std::string kInputs = "x = rand(4096, seed=1)\ny0 = zeros(4096)\n";

} // namespace

TEST_F(LaunchPlan, SaxpyBindsByPositionAndDerivesTheGrid)
{
    const Plan planned = plan(kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.5, x, y0))\n");
    ASSERT_TRUE(planned.diagnostics.empty()) << planned.diagnostics.front().message;
    const LaunchDesc& launch = launchOf(planned);
    EXPECT_EQ(launch.kernel.name, "saxpy");
    EXPECT_EQ(launch.outParam, 3);
    EXPECT_EQ(launch.block, (std::array<std::uint32_t, 3>{256, 1, 1}));
    EXPECT_EQ(launch.grid, (std::array<std::uint32_t, 3>{16, 1, 1}));
    EXPECT_EQ(launch.sharedBytes, 0u);
    EXPECT_EQ(launch.where, "launch of saxpy (k.cu) at 3:5");
    ASSERT_EQ(launch.arguments.size(), 4u);
    std::int32_t n = 0;
    float a = 0;
    std::memcpy(&n, launch.arguments[0].bytes.data(), sizeof n);
    std::memcpy(&a, launch.arguments[1].bytes.data(), sizeof a);
    EXPECT_EQ(n, 4096);
    EXPECT_EQ(a, 2.5F);
    EXPECT_EQ(launch.arguments[2].kind, wb::LaunchArgument::Kind::Array);
    EXPECT_EQ(launch.arguments[2].input, 0);
    EXPECT_EQ(launch.arguments[3].input, 1);
    const PlanStep& step = planned.steps.back();
    EXPECT_EQ(step.inputs.size(), 2u);
    ASSERT_EQ(planned.names.back().name, "y");
    EXPECT_EQ(planned.names.back().shape, wb::Shape{4096});
    EXPECT_EQ(planned.names.back().dtype, wb::DType::F32);
}

TEST_F(LaunchPlan, ArgumentsBindByNameAfterPositionsAndAnArrayMayBeAnExpression)
{
    const Plan planned =
        plan(kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, y=y0 * 2, x=x, a=-1), out=\"y\", block=128)\n");
    ASSERT_TRUE(planned.diagnostics.empty()) << planned.diagnostics.front().message;
    const LaunchDesc& launch = launchOf(planned);
    EXPECT_EQ(launch.grid[0], 32u);
    float a = 0;
    std::memcpy(&a, launch.arguments[1].bytes.data(), sizeof a);
    EXPECT_EQ(a, -1.0F);
    // Arrays are lowered in the parameters' order, whatever the order of the names.
    EXPECT_EQ(launch.arguments[2].input, 0);
    EXPECT_EQ(launch.arguments[3].input, 1);
}

TEST_F(LaunchPlan, AnImageOutGetsASquareBlockAndAGridOverWidthAndHeight)
{
    const Plan planned = plan("img = rand(100, 70, seed=2)\n"
                              "b = launch(\"k.cu:blur\", args=(70, 100, img, zeros_like(img)))\n");
    ASSERT_TRUE(planned.diagnostics.empty()) << planned.diagnostics.front().message;
    const LaunchDesc& launch = launchOf(planned);
    EXPECT_EQ(launch.block, (std::array<std::uint32_t, 3>{16, 16, 1}));
    EXPECT_EQ(launch.grid, (std::array<std::uint32_t, 3>{5, 7, 1})); // ceil(70 / 16), ceil(100 / 16)
    EXPECT_EQ(launch.outShape, (wb::Shape{100, 70}));
}

TEST_F(LaunchPlan, DefinesReachTheCompilerAndNameBlockSizes)
{
    const Plan planned = plan("img = rand(64, 48, seed=2)\n"
                              "b = launch(\"k.cu:blur\", args=(48, 64, img, img), block=(TILE, TILE), grid=(6, 8), "
                              "shared=64, defines=(TILE=8, UNROLL=-2))\n");
    ASSERT_TRUE(planned.diagnostics.empty()) << planned.diagnostics.front().message;
    const LaunchDesc& launch = launchOf(planned);
    EXPECT_EQ(launch.block, (std::array<std::uint32_t, 3>{8, 8, 1}));
    EXPECT_EQ(launch.grid, (std::array<std::uint32_t, 3>{6, 8, 1}));
    EXPECT_EQ(launch.sharedBytes, 64u);
    EXPECT_EQ(launch.compileOptions(), (Lines{"-DTILE=8", "-DUNROLL=-2"}));
    // What tuning does: other values, resolved again.
    wb::LaunchDesc tuned = launch;
    tuned.defines[0].second = 32;
    tuned.resolveGeometry();
    EXPECT_EQ(tuned.block, (std::array<std::uint32_t, 3>{32, 32, 1}));
    tuned.defines[0].second = 64;
    EXPECT_THROW(tuned.resolveGeometry(), wb::Error);
}

TEST_F(LaunchPlan, TheKernelStringNeedsAFileAndAName)
{
    const std::string source = kInputs + "y = launch(\"k.cu\", args=(4096, 2.0, x, y0))\n";
    EXPECT_EQ(diagnostics(source), Lines{at(source, 3, "\"k.cu\"") +
                                         ": kernel must be \"path.cu:name\" (the file, a colon, the kernel's name), "
                                         "found \"k.cu\""});
}

TEST_F(LaunchPlan, AnUnknownFileIsReportedAtItsPathWithTheNearestName)
{
    const std::string source = kInputs + "y = launch(\"kk.cu:saxpy\", args=(4096, 2.0, x, y0))\n";
    const Lines lines = diagnostics(source);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind(at(source, 3, "kk.cu") + ": kernel file 'kk.cu' does not exist (looked for ", 0), 0u)
        << lines[0];
    EXPECT_NE(lines[0].find("(did you mean 'k.cu'?)"), std::string::npos) << lines[0];
}

TEST_F(LaunchPlan, AnUnknownKernelIsReportedAtItsNameWithTheNearestAndTheKernelsThere)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpi\", args=(4096, 2.0, x, y0))\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 3, "saxpi") + ": no kernel 'saxpi' in k.cu (did you mean 'saxpy'?); its kernels: saxpy, "
                                             "two_out, reads_only, templated, blur, sum, bytes, twice"});
}

TEST_F(LaunchPlan, ATemplatedKernelCannotBeLaunched)
{
    const std::string source = kInputs + "y = launch(\"k.cu:templated\", args=(y0))\n";
    const Lines lines = diagnostics(source);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind(at(source, 3, "templated") + ": kernel 'templated' is a template", 0), 0u) << lines[0];
}

TEST_F(LaunchPlan, TooManyArgumentsPointAtTheFirstExtraOne)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0, x))\n";
    EXPECT_EQ(diagnostics(source), Lines{at(source, 3, "x))") + ": saxpy takes 4 arguments, found more: saxpy(int n, "
                                                                "float a, const float* x, float* y)"});
}

TEST_F(LaunchPlan, MissingArgumentsAreNamed)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, x=x))\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 3, "(4096") + ": saxpy takes 4 arguments, 2 given; missing 'a', 'y': saxpy(int n, float "
                                             "a, const float* x, float* y)"});
    const std::string none = kInputs + "y = launch(\"k.cu:saxpy\")\n";
    EXPECT_EQ(diagnostics(none).size(), 1u);
    EXPECT_EQ(diagnostics(none)[0].rfind("3:5: saxpy takes 4 arguments, 0 given; missing 'n', 'a', 'x', 'y'", 0), 0u);
}

TEST_F(LaunchPlan, AnUnknownParameterNameOffersTheNearest)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, yy=y0))\n";
    const Lines lines = diagnostics(source);
    ASSERT_GE(lines.size(), 1u);
    EXPECT_EQ(lines[0], at(source, 3, "yy=") + ": saxpy has no parameter 'yy' (did you mean 'y'?): saxpy(int n, float "
                                               "a, const float* x, float* y)");
}

TEST_F(LaunchPlan, ArraysAndNumbersGoWhereTheParameterTakesThem)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(x, 2.0, 3, y0))\n";
    EXPECT_EQ(
        diagnostics(source),
        (Lines{at(source, 3, "x, 2.0") + ": parameter 'n' (int) of saxpy takes a number, found an array",
               at(source, 3, "3, y0") + ": parameter 'x' (const float*) of saxpy takes an array, found a number"}));
}

TEST_F(LaunchPlan, AnArrayOfAnotherDTypeThanThePointer)
{
    const std::string source = "x = rand(4096, dtype=f64)\ny0 = zeros(4096)\n"
                               "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0))\n";
    EXPECT_EQ(diagnostics(source), Lines{at(source, 3, "x, y0") + ": x is f64, but parameter 'x' (const float*) of "
                                                                  "saxpy points to f32 elements: convert it with "
                                                                  "astype()"});
}

TEST_F(LaunchPlan, IntegerParametersTakeIntegersThatFit)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096.5, 2, x, y0))\n"
                                         "z = launch(\"k.cu:bytes\", args=(256, y0))\n";
    EXPECT_EQ(diagnostics(source),
              (Lines{at(source, 3, "4096.5") + ": parameter 'n' (int) of saxpy takes an integer, found 4096.5",
                     at(source, 4, "256") + ": 256 does not fit parameter 'level' (unsigned char) of bytes"}));
}

TEST_F(LaunchPlan, BlocksWithinCudasLimits)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0), block=(64, 32))\n"
                                         "z = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0), block=(1, 1, 65))\n"
                                         "w = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0), grid=(1, 70000))\n";
    EXPECT_EQ(diagnostics(source),
              (Lines{at(source, 3, "(64, 32)") + ": block (64, 32, 1) has 2048 threads; CUDA allows at most 1024",
                     at(source, 4, "(1, 1, 65)") + ": block.z is 65; CUDA allows at most 64",
                     at(source, 5, "(1, 70000)") + ": grid.y is 70000; CUDA allows at most 65535"}));
}

TEST_F(LaunchPlan, ABlockSizeNamedByAnUnknownDefine)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0), block=(TILE), "
                                         "defines=(TILES=8))\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 3, "TILE)") + ": block uses 'TILE', which is not among the launch's defines=(...)"});
}

TEST_F(LaunchPlan, AnArraySmallerThanTheDerivedGridCovers)
{
    const std::string source = "x = rand(1000)\ny0 = zeros(4096)\n"
                               "y = launch(\"k.cu:saxpy\", args=(1000, 2.0, x, y0))\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 3, "x, y0") + ": x has 1000 elements; the grid covers 4096 (out y has 4096)"});
}

TEST_F(LaunchPlan, ACountParameterLargerThanAnArray)
{
    // With an explicit grid only the count rule applies: n counts what the kernel reads, and
    // the one element it writes is not held against it.
    const std::string source = "v = rand(1000)\n"
                               "s = launch(\"k.cu:sum\", args=(4096, v, zeros(1)), grid=8)\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 2, "v, zeros") + ": v has 1000 elements; sum reads n = 4096 of them"});
}

TEST_F(LaunchPlan, WidthTimesHeightLargerThanAnImage)
{
    const std::string source = "img = rand(100, 70)\n"
                               "b = launch(\"k.cu:blur\", args=(70, 101, img, zeros_like(img)))\n";
    EXPECT_EQ(diagnostics(source),
              Lines{at(source, 2, "img, zeros") + ": img has 7000 elements; width x height = 70 x 101 = 7070"});
}

TEST_F(LaunchPlan, TheOutParameter)
{
    const std::string source = "a = rand(16)\n"
                               "b = launch(\"k.cu:two_out\", args=(a, a, a))\n"
                               "c = launch(\"k.cu:reads_only\", args=(a, 16))\n"
                               "d = launch(\"k.cu:two_out\", args=(a, a, a), out=\"a\")\n"
                               "e = launch(\"k.cu:two_out\", args=(a, a, a), out=\"cc\")\n"
                               "f = launch(\"k.cu:two_out\", args=(a, a, a), out=\"c\")\n";
    EXPECT_EQ(diagnostics(source),
              (Lines{"2:5: two_out writes several arrays (b, c): say which one is the result with out=\"b\"",
                     "3:5: reads_only has no non-const pointer parameter for its result",
                     at(source, 4, "\"a\"") + ": out \"a\" is const float*: two_out does not write it",
                     at(source, 5, "\"cc\"") + ": out must name a pointer parameter of two_out (a, b, c), found \"cc\" "
                                               "(did you mean 'c'?)"}));
}

TEST_F(LaunchPlan, TheCheckerRefusesWhatNoKernelCouldTake)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, \"2\", x, y0), block=0, "
                                         "defines=(8), grid=(1, 2, 3, 4))\n";
    const Lines lines = diagnostics(source);
    EXPECT_EQ(lines, (Lines{at(source, 3, "\"2\"") + ": an element of 'args' of launch() must be an array or a number, "
                                                     "found a string",
                            at(source, 3, "0, defines") + ": 'block' of launch() takes integers >= 1 or define names, "
                                                          "found 0",
                            at(source, 3, "8)") + ": argument 'defines' of launch() must be a tuple of NAME=integer "
                                                  "such as (TILE=16), found an integer",
                            at(source, 3, "(1, 2, 3, 4)") + ": argument 'grid' of launch() must be an integer or a "
                                                            "tuple (x, y, z) of 1 to 3 of them, found a tuple"}));
}

TEST_F(LaunchPlan, OnTheCpuALaunchAndWhatUsesItAreSkippedWithTheReason)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0))\n"
                                         "z = y + 1\n"
                                         "r = 2.0 * x + y0\n"
                                         "check(y, ref=r)\n"
                                         "show(z)\n";
    const RunResult result = run(programOf(source), options());
    ASSERT_FALSE(result.error) << result.error->message;
    EXPECT_TRUE(result.ok());
    std::map<std::string, StepFigures> byStep;
    for (const StepFigures& figures : result.steps)
        byStep[figures.step] = figures;
    EXPECT_EQ(byStep.at("y").skipped, "launch() runs on the GPU");
    EXPECT_EQ(byStep.at("y").time.n, 0);
    EXPECT_EQ(byStep.at("z").skipped, "needs y: launch() runs on the GPU");
    EXPECT_TRUE(byStep.at("r").skipped.empty());
    EXPECT_EQ(byStep.at("r").time.n, 1);
    ASSERT_EQ(result.checks.size(), 1u);
    EXPECT_FALSE(result.checks[0].compared);
    EXPECT_EQ(result.notes, Lines{"check(y, ref=r) compared nothing: launch() runs on the GPU"});
}

// The record (and the engine's step_finished events, which carry the same fields) says why
// a row was skipped and how a launch's kernel was built, apart from its times.
TEST_F(LaunchPlan, TheRecordCarriesSkippedRowsAndTheKernelsBuild)
{
    const std::string source = kInputs + "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0))\n"
                                         "check(y, ref=2.0 * x + y0)\n";
    const Program program = programOf(source);
    const RunResult result = run(program, options());
    const nlohmann::json record = nlohmann::json::parse(wb::bench::pipelineJson("k.wbp", program, options(), result));
    bool skippedRow = false;
    for (const nlohmann::json& step : record["steps"]) {
        if (step["step"] == "y") {
            skippedRow = true;
            EXPECT_EQ(step["skipped"], "launch() runs on the GPU");
            EXPECT_TRUE(step["build"].is_null());
        } else {
            EXPECT_TRUE(step["skipped"].is_null()) << step.dump();
        }
    }
    EXPECT_TRUE(skippedRow);
    EXPECT_EQ(record["checks"][0]["compared"], false);
    EXPECT_TRUE(record["checks"][0]["reference_backend"].is_null());

    StepFigures launched;
    launched.step = "y";
    launched.backend = "cuda:0";
    launched.build = wb::LaunchBuild{
        .arch = "sm_90", .compileMs = 80.5, .cacheHit = true, .loadMs = 1.5, .function = "saxpy", .compiled = true};
    const nlohmann::json build = nlohmann::json::parse(wb::bench::stepJson(launched).dump())["build"];
    EXPECT_EQ(
        build,
        (nlohmann::json{
            {"arch", "sm_90"}, {"compile_ms", 80.5}, {"cache_hit", true}, {"load_ms", 1.5}, {"function", "saxpy"}}));
}

TEST(LaunchSamples, EverySampleKernelHasAPipelineThatChecksClean)
{
    int launches = 0;
    wb::test::forEachSample([&](const Program& program, RunOptions options) {
        const Inference inference = infer(program, options);
        EXPECT_TRUE(inference.ok()) << diagnosticLines(inference.diagnostics).front();
        for (const PlanStep& step : makePlan(program, options).steps)
            launches += std::holds_alternative<wb::LaunchDesc>(step.op) ? 1 : 0;
    });
    // multiply_them, saxpy, matmul_naive, matmul_tiled, reduce_sum, blur_stencil.
    EXPECT_GE(launches, 6);
}

// NVRTC needs no GPU: each sample launch compiles with its defines for the default
// architecture, so a kernel the GPU machine would refuse is found here.
TEST(LaunchSamples, EverySampleLaunchCompilesWithItsDefines)
{
    int compiled = 0;
    wb::test::forEachSample([&](const Program& program, RunOptions options) {
        for (const PlanStep& step : makePlan(program, options).steps) {
            const auto* launch = std::get_if<wb::LaunchDesc>(&step.op);
            if (!launch)
                continue;
            wb::KernelCompileResult result;
            try {
                result = wb::compileKernel({.source = launch->source,
                                            .file = launch->file,
                                            .directory = launch->directory,
                                            .options = launch->compileOptions()});
            } catch (const wb::Error& error) {
                GTEST_SKIP() << error.message();
            }
            EXPECT_TRUE(result.success) << launch->where << "\n" << result.log;
            EXPECT_NE(result.ptx.find(".entry " + launch->kernel.name), std::string::npos) << launch->where;
            ++compiled;
        }
    });
    EXPECT_GE(compiled, 6);
}

// ---- On a GPU -------------------------------------------------------------------------------

TEST_F(LaunchPlan, OnTheGpuSaxpyAgreesWithOrdinaryOpsAndLeavesItsInputAlone)
{
    WB_REQUIRE_GPU();
    RunOptions both = options();
    both.backends = {"cpu", "gpu"};
    both.repeat = 3;
    both.warmup = 1;
    const std::string source = kInputs + "y0 = y0 + 1\n"
                                         "y = launch(\"k.cu:saxpy\", args=(4096, 2.0, x, y0))\n"
                                         "r = 2.0 * x + y0\n"
                                         "check(y, ref=r, rtol=1e-6)\n"
                                         "check(y0, ref=ones(4096))\n";
    const RunResult result = run(programOf(source), both);
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.checks.size(), 2u);
    EXPECT_TRUE(result.checks[0].compared);
    EXPECT_TRUE(result.checks[0].passed) << result.checks[0].maxRelError;
    EXPECT_EQ(result.checks[0].referenceBackend, "cpu");
    EXPECT_TRUE(result.checks[1].passed) << "the launch wrote into y0";
    bool gpuRow = false;
    for (const StepFigures& figures : result.steps) {
        if (figures.step != "y" || figures.backend == "cpu")
            continue;
        gpuRow = true;
        EXPECT_TRUE(figures.skipped.empty());
        EXPECT_EQ(figures.time.n, 3);
        EXPECT_GT(figures.time.medianMs, 0);
        ASSERT_TRUE(figures.build);
        EXPECT_TRUE(figures.build->compiled);
        EXPECT_EQ(figures.build->function, "saxpy");
        EXPECT_FALSE(figures.build->arch.empty());
        EXPECT_GT(figures.build->compileMs, 0);
    }
    EXPECT_TRUE(gpuRow);
}

// A kernel without extern "C" is found by its lowered name, read from the PTX.
TEST_F(LaunchPlan, OnTheGpuACppKernelIsFoundByItsLoweredName)
{
    WB_REQUIRE_GPU();
    RunOptions gpu = options();
    gpu.backends = {"gpu"};
    const RunResult result = run(
        programOf("x = rand(1000, seed=3)\ny = launch(\"k.cu:twice\", args=(1000, x))\ncheck(y, ref=2.0 * x)\n"), gpu);
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.checks.size(), 1u);
    EXPECT_TRUE(result.checks[0].passed) << result.checks[0].maxRelError;
    for (const StepFigures& figures : result.steps)
        if (figures.step == "y") {
            ASSERT_TRUE(figures.build);
            EXPECT_EQ(figures.build->function.rfind("_Z5twice", 0), 0u) << figures.build->function;
        }
}

TEST_F(LaunchPlan, OnTheGpuACompileErrorPointsAtTheKernelAndTheLaunch)
{
    WB_REQUIRE_GPU();
    m_dir.write("broken.cu", "extern \"C\" __global__ void broken(float* out)\n{\n    out[0] = undefined_name;\n}\n");
    RunOptions gpu = options();
    gpu.backends = {"gpu"};
    const RunResult result = run(programOf("a = zeros(4)\nb = launch(\"broken.cu:broken\", args=(a))\n"), gpu);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.error->location, (SourceLocation{2, 5}));
    EXPECT_EQ(result.error->message.rfind("launch of broken (broken.cu) at 2:5: broken.cu does not compile", 0), 0u)
        << result.error->message;
    ASSERT_FALSE(result.error->kernelDiagnostics.empty());
    EXPECT_EQ(result.error->kernelDiagnostics[0].line, 3);
    EXPECT_NE(result.error->kernelDiagnostics[0].message.find("undefined_name"), std::string::npos);
}

TEST(LaunchSamples, OnTheGpuEverySampleKernelIsVerifiedAndTimed)
{
    WB_REQUIRE_GPU();
    int launches = 0;
    wb::test::forEachSample([&](const Program& program, RunOptions options) {
        const std::vector<PlanStep> steps = makePlan(program, options).steps;
        if (std::none_of(steps.begin(), steps.end(),
                         [](const PlanStep& step) { return std::holds_alternative<wb::LaunchDesc>(step.op); }))
            return; // GpuRun.EverySamplePipelinePassesOnBothBackends runs the others
        options.backends = {"cpu", "gpu"};
        const RunResult result = run(program, options);
        ASSERT_FALSE(result.error) << result.error->message;
        for (const CheckOutcome& check : result.checks) {
            EXPECT_TRUE(check.compared) << check.name;
            EXPECT_TRUE(check.passed) << check.name << " max rel err " << check.maxRelError;
        }
        for (const StepFigures& figures : result.steps) {
            if (!figures.build)
                continue;
            ++launches;
            EXPECT_TRUE(figures.skipped.empty()) << figures.step;
            EXPECT_EQ(figures.time.n, options.repeat) << figures.step;
            EXPECT_GT(figures.time.medianMs, 0) << figures.step;
        }
    });
    EXPECT_GE(launches, 6);
}

TEST(LaunchSamples, OnTheGpuTheTiledMatmulPassesWithEveryTile)
{
    WB_REQUIRE_GPU();
    for (const int tile : {8, 16, 32}) {
        SCOPED_TRACE(tile);
        const std::string t = std::to_string(tile);
        RunOptions options = wb::test::runOptions(2, 1, {"gpu"});
        options.baseDirectory = WARPBENCH_PIPELINES_DIR;
        const RunResult result =
            run(programOf("a = rand(300, 200, seed=1)\nb = rand(200, 170, seed=2)\n"
                          "c = launch(\"../kernels/matmul_tiled.cu:matmul_tiled\", args=(300, 170, 200, a, b, "
                          "zeros(300, 170)), block=(TILE, TILE), defines=(TILE=" +
                          t + "))\ncheck(c, ref=a @ b, rtol=1e-4, atol=1e-4)\n"),
                options);
        ASSERT_FALSE(result.error) << result.error->message;
        ASSERT_EQ(result.checks.size(), 1u);
        EXPECT_TRUE(result.checks[0].passed) << result.checks[0].maxRelError;
    }
}
