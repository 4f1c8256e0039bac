// A check's difference (docs/pipeline-language.md, "Checks"): the array |x - ref| kept with
// the run's values under "|x - ref|", where the largest difference is with both values
// there, and how many elements are out of tolerance; on the CPU, and on cpu,gpu where a GPU
// is present (skipped, with the reason, without one).

#include "io/temp_dir.h"

#include "pipeline_test_util.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/io.h>
#include <wb/pipeline_run.h>

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <string>
#include <vector>

using namespace wb::pipeline;

namespace {

using wb::test::programOf;

// x: 3 x 4 f32 counting up; ref: the same but 3 higher at (1, 2) and 1 lower at (2, 0).
constexpr float kBump = 3.0F;

void writeInputs(const wb::test::TempDir& dir)
{
    wb::Array x = wb::Array::emptyHost(wb::Shape{3, 4}, wb::DType::F32);
    wb::Array ref = wb::Array::emptyHost(wb::Shape{3, 4}, wb::DType::F32);
    for (int i = 0; i < 12; ++i) {
        x.data<float>()[i] = static_cast<float>(i) * 0.5F;
        ref.data<float>()[i] = static_cast<float>(i) * 0.5F;
    }
    ref.data<float>()[1 * 4 + 2] += kBump;
    ref.data<float>()[2 * 4 + 0] -= 1.0F;
    wb::saveNpy(dir.file("x.npy"), x);
    wb::saveNpy(dir.file("ref.npy"), ref);
}

constexpr const char* kRefCheck = "x = load(\"x.npy\")\n"
                                  "r = load(\"ref.npy\")\n"
                                  "check(x, ref=r, rtol=0, atol=0.5)\n";

RunOptions options(const wb::test::TempDir& dir, std::vector<std::string> backends = {"cpu"})
{
    RunOptions o = wb::test::runOptions(2, 1, std::move(backends));
    o.baseDirectory = dir.path().string();
    o.keepValues = true;
    return o;
}

// Every element of the difference array against |x - ref| computed here.
void expectDifferenceArray(const wb::Array& host, const std::vector<float>& expected)
{
    ASSERT_EQ(host.shape().toString(), "(3, 4)");
    ASSERT_EQ(host.dtype(), wb::DType::F32);
    for (int i = 0; i < 12; ++i)
        EXPECT_EQ(host.data<float>()[i], expected[static_cast<std::size_t>(i)]) << "element " << i;
}

std::vector<float> expectedDifference()
{
    std::vector<float> expected(12, 0.0F);
    expected[1 * 4 + 2] = kBump;
    expected[2 * 4 + 0] = 1.0F;
    return expected;
}

void expectBumpFound(const CheckDifference& difference)
{
    EXPECT_EQ(difference.maxIndex, (std::vector<std::int64_t>{1, 2}));
    EXPECT_EQ(difference.value, std::complex<double>(3.0)); // x at (1, 2): 6 * 0.5
    EXPECT_EQ(difference.reference, std::complex<double>(3.0 + kBump));
    EXPECT_DOUBLE_EQ(difference.maxAbsError, kBump);
    EXPECT_EQ(difference.outOfTolerance, 2);
    EXPECT_EQ(difference.elements, 12);
}

} // namespace

TEST(CheckDifference, AgainstARefOnTheCpuGivesTheArrayTheLargestAndTheCountOutOfTolerance)
{
    const wb::test::TempDir dir;
    writeInputs(dir);
    const RunResult result = run(programOf(kRefCheck), options(dir));
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.checks.size(), 1u);
    const CheckOutcome& check = result.checks.front();
    EXPECT_FALSE(check.passed);
    ASSERT_EQ(check.differences.size(), 1u);
    const CheckDifference& difference = check.differences.front();
    EXPECT_EQ(difference.backend, "cpu");
    EXPECT_EQ(difference.label, "|x - r|");
    expectBumpFound(difference);
    ASSERT_EQ(result.values.size(), 1u);
    const auto kept = result.values.front().find("|x - r|");
    ASSERT_NE(kept, result.values.front().end());
    EXPECT_TRUE(kept->second.place().isHost());
    expectDifferenceArray(kept->second, expectedDifference());
}

TEST(CheckDifference, AWiderToleranceCountsFewerAndPasses)
{
    const wb::test::TempDir dir;
    writeInputs(dir);
    RunResult result =
        run(programOf("x = load(\"x.npy\")\nr = load(\"ref.npy\")\ncheck(x, ref=r, atol=1.5)\n"), options(dir));
    ASSERT_FALSE(result.error) << result.error->message;
    EXPECT_EQ(result.checks.front().differences.front().outOfTolerance, 1); // only the bump of 3
    EXPECT_FALSE(result.checks.front().passed);
    result = run(programOf("x = load(\"x.npy\")\nr = load(\"ref.npy\")\ncheck(x, ref=r, atol=3)\n"), options(dir));
    EXPECT_EQ(result.checks.front().differences.front().outOfTolerance, 0);
    EXPECT_TRUE(result.checks.front().passed);
}

TEST(CheckDifference, IntegersDoNotWrapAndAnInfiniteDifferenceIsTheLargest)
{
    // u8 10 - 200 would wrap to 66 in u8: the difference is taken in f32.
    RunOptions o = wb::test::runOptions(1, 0);
    o.keepValues = true;
    const RunResult ints =
        run(programOf("a = full(2, 3, value=10, dtype=u8)\nb = full(2, 3, value=200, dtype=u8)\ncheck(a, ref=b)\n"), o);
    ASSERT_FALSE(ints.error) << ints.error->message;
    const wb::Array kept = ints.values.front().at("|a - b|");
    ASSERT_EQ(kept.dtype(), wb::DType::F32);
    for (std::int64_t i = 0; i < kept.numel(); ++i)
        EXPECT_EQ(kept.data<float>()[i], 190.0F);
    EXPECT_EQ(ints.checks.front().differences.front().outOfTolerance, 6);
    EXPECT_EQ(ints.checks.front().differences.front().maxIndex, (std::vector<std::int64_t>{0, 0}));

    // f64 inputs give an f64 difference; a value that is not finite is the largest difference wherever it is.
    const RunResult nan = run(programOf("a = arange(6, dtype=f64)\nb = a / (a - 4)\nc = a * 0\n"
                                        "check(b, ref=c, atol=1e9)\n"),
                              o);
    ASSERT_FALSE(nan.error) << nan.error->message;
    const CheckDifference& difference = nan.checks.front().differences.front();
    EXPECT_EQ(nan.values.front().at("|b - c|").dtype(), wb::DType::F64);
    EXPECT_EQ(difference.maxIndex, (std::vector<std::int64_t>{4})); // 4 / 0 = inf
    EXPECT_TRUE(std::isinf(difference.maxAbsError));
    EXPECT_EQ(difference.outOfTolerance, 1);
    EXPECT_FALSE(nan.checks.front().passed);
}

TEST(CheckDifference, WithoutKeptValuesTheFiguresStayAndNoArrayIsMade)
{
    const wb::test::TempDir dir;
    writeInputs(dir);
    RunOptions o = options(dir);
    o.keepValues = false;
    const RunResult result = run(programOf(kRefCheck), o);
    ASSERT_FALSE(result.error) << result.error->message;
    const CheckDifference& difference = result.checks.front().differences.front();
    EXPECT_TRUE(difference.label.empty());
    expectBumpFound(difference);
    EXPECT_TRUE(result.values.empty());
}

TEST(CheckDifference, ABackendsCheckWithOneBackendComparesNothing)
{
    const RunResult result = run(programOf("a = rand(4, seed=1)\ncheck(a)\n"), wb::test::runOptions(1, 0));
    ASSERT_FALSE(result.error) << result.error->message;
    EXPECT_FALSE(result.checks.front().compared);
    EXPECT_TRUE(result.checks.front().differences.empty());
}

TEST(CheckDifference, OnTheGpuTheArrayIsComputedThereAndAgreesWithTheCpu)
{
    WB_REQUIRE_GPU();
    const wb::test::TempDir dir;
    writeInputs(dir);
    const RunResult result = run(programOf(kRefCheck), options(dir, {"cpu", "gpu"}));
    ASSERT_FALSE(result.error) << result.error->message;
    ASSERT_EQ(result.backends.size(), 2u);
    const CheckOutcome& check = result.checks.front();
    ASSERT_EQ(check.differences.size(), 2u);
    EXPECT_EQ(check.differences[1].backend, result.backends[1]);
    for (const CheckDifference& difference : check.differences) {
        SCOPED_TRACE(difference.backend);
        EXPECT_EQ(difference.label, "|x - r|");
        expectBumpFound(difference);
    }
    ASSERT_EQ(result.values.size(), 2u);
    const auto kept = result.values[1].find("|x - r|");
    ASSERT_NE(kept, result.values[1].end());
    EXPECT_FALSE(kept->second.place().isHost()); // made on the device, fetched only when asked
    wb::Backend& gpu = wb::Runtime::instance().backend(result.backends[1]);
    expectDifferenceArray(wb::toHost(gpu, kept->second), expectedDifference());
}

TEST(CheckDifference, BetweenTheBackendsTheGpusDifferenceIsKeptWithTheGpusValues)
{
    WB_REQUIRE_GPU();
    // randn draws different numbers on each backend by design: the check fails everywhere.
    RunOptions o = wb::test::runOptions(1, 0, {"cpu", "gpu"});
    o.keepValues = true;
    const RunResult result = run(programOf("a = randn(5, 7, seed=3)\ncheck(a)\n"), o);
    ASSERT_FALSE(result.error) << result.error->message;
    const CheckOutcome& check = result.checks.front();
    ASSERT_TRUE(check.compared);
    EXPECT_FALSE(check.passed);
    ASSERT_EQ(check.differences.size(), 1u);
    const CheckDifference& difference = check.differences.front();
    EXPECT_EQ(difference.backend, result.backends[1]);
    EXPECT_EQ(difference.label, "|a gpu - cpu|");
    EXPECT_EQ(difference.elements, 35);
    EXPECT_GT(difference.outOfTolerance, 0);
    // The array against |gpu - cpu| computed here, and its largest where the check says.
    wb::Backend& gpu = wb::Runtime::instance().backend(result.backends[1]);
    const wb::Array cpuA = result.values[0].at("a");
    const wb::Array gpuA = wb::toHost(gpu, result.values[1].at("a"));
    const wb::Array kept = result.values[1].at("|a gpu - cpu|");
    ASSERT_TRUE(kept.place().isHost());
    ASSERT_EQ(kept.dtype(), wb::DType::F32);
    // The array holds the f32 difference the device computed; the figures come from the
    // host copies in double, as compareElements makes them.
    double largest = -1;
    std::int64_t where = -1;
    for (std::int64_t i = 0; i < 35; ++i) {
        const float gpuValue = gpuA.data<float>()[i], cpuValue = cpuA.data<float>()[i];
        EXPECT_EQ(kept.data<float>()[i], std::abs(gpuValue - cpuValue)) << "element " << i;
        const double exact = std::abs(static_cast<double>(gpuValue) - static_cast<double>(cpuValue));
        if (exact > largest) {
            largest = exact;
            where = i;
        }
    }
    EXPECT_EQ(difference.maxIndex, (std::vector<std::int64_t>{where / 7, where % 7}));
    EXPECT_DOUBLE_EQ(difference.maxAbsError, largest);
    EXPECT_EQ(difference.value, std::complex<double>(gpuA.data<float>()[where]));
    EXPECT_EQ(difference.reference, std::complex<double>(cpuA.data<float>()[where]));
}
