// Statistics of repeated measurements and the measuring helper: medians of odd and even
// counts, spread, samples kept in the order measured, warm-up runs not counted.

#include "bench/measure.h"
#include "bench/statistics.h"

#include <wb/device.h>
#include <wb/error.h>

#include <gtest/gtest.h>

#include <chrono>

#include <thread>

#include <cmath>
#include <limits>

namespace {

using namespace wb;
using bench::summarize;

TEST(Statistics, MedianOfAnOddCountIsTheMiddleSample)
{
    const auto s = summarize({5.0, 1.0, 3.0});
    EXPECT_EQ(s.n, 3);
    EXPECT_EQ(s.median, 3.0);
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, 5.0);
}

TEST(Statistics, MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo)
{
    const auto s = summarize({4.0, 1.0, 10.0, 2.0});
    EXPECT_EQ(s.n, 4);
    EXPECT_EQ(s.median, 3.0);
    EXPECT_EQ(s.min, 1.0);
    EXPECT_EQ(s.max, 10.0);
}

TEST(Statistics, OneSampleIsItsOwnMedianMinAndMax)
{
    const auto s = summarize({0.25});
    EXPECT_EQ(s.n, 1);
    EXPECT_EQ(s.median, 0.25);
    EXPECT_EQ(s.min, 0.25);
    EXPECT_EQ(s.max, 0.25);
}

TEST(Statistics, AnOutlierMovesTheMaxButNotTheMedian)
{
    const auto s = summarize({1.0, 1.1, 0.9, 1.0, 250.0});
    EXPECT_EQ(s.median, 1.0);
    EXPECT_EQ(s.max, 250.0);
}

TEST(Statistics, SamplesStayInTheOrderMeasured)
{
    const auto s = summarize({3.0, 1.0, 2.0});
    EXPECT_EQ(s.samples, (std::vector<double>{3.0, 1.0, 2.0}));
}

TEST(Statistics, NoSamplesOrNonFiniteSamplesAreRefused)
{
    for (const std::vector<double>& samples :
         {std::vector<double>{}, std::vector<double>{1.0, std::numeric_limits<double>::quiet_NaN()},
          std::vector<double>{std::numeric_limits<double>::infinity()}}) {
        try {
            summarize(samples);
            ADD_FAILURE() << "no error for " << samples.size() << " samples";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        }
    }
}

TEST(Measure, WarmupRunsAreNotCounted)
{
    Backend& cpu = Runtime::instance().cpu();
    int calls = 0;
    const auto s = bench::measure(cpu, 2, 5, [&] { ++calls; });
    EXPECT_EQ(calls, 7);
    EXPECT_EQ(s.n, 5);
    EXPECT_EQ(s.samples.size(), 5u);
    EXPECT_LE(s.min, s.median);
    EXPECT_LE(s.median, s.max);
    EXPECT_GE(s.min, 0.0);
}

TEST(Measure, TimesTheWork)
{
    Backend& cpu = Runtime::instance().cpu();
    volatile double sink = 0;
    const auto s = bench::measure(cpu, 0, 3, [&] {
        for (int i = 0; i < 2000000; ++i)
            sink = sink + std::sqrt(static_cast<double>(i));
    });
    EXPECT_GT(s.min, 0.0);
}

TEST(Measure, ShortRunsAreTimedBackToBackAndReportedPerRun)
{
    Backend& cpu = Runtime::instance().cpu();
    int calls = 0;
    const auto s = bench::measure(
        cpu, 1, 4, [&] { ++calls; }, 5.0);
    // An empty run is far below 5 ms, so every sample takes the most runs allowed.
    EXPECT_EQ(s.runsPerSample, bench::kMaxRunsPerSample);
    EXPECT_EQ(calls, 1 + 1 + 4 * bench::kMaxRunsPerSample); // warm-up, calibration, samples
    EXPECT_EQ(s.n, 4);

    const auto slow = bench::measure(
        cpu, 0, 2, [] { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }, 1.0);
    EXPECT_EQ(slow.runsPerSample, 1);
    EXPECT_GE(slow.min, 2.5);
}

TEST(Measure, RefusesNoRepetitions)
{
    Backend& cpu = Runtime::instance().cpu();
    for (auto [warmup, repeat] : {std::pair{0, 0}, std::pair{-1, 3}}) {
        try {
            bench::measure(cpu, warmup, repeat, [] {});
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
        }
    }
}

} // namespace
