// The run record's "tuning" (docs/run-record.md) from a synthetic tuning result: every
// configuration's values, label, times, verdict and compile time, the best's index.

#include "bench/run_record.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

using nlohmann::ordered_json;
using namespace wb::pipeline;

TEST(TuningRecord, CarriesEveryConfigurationAndTheBest)
{
    TuningResult tuning;
    tuning.step = "C";
    tuning.line = 13;
    tuning.backend = "cuda:0";
    tuning.parameters = {"block", "TILE"};
    tuning.configurations = {{{64, 8}, Timing{10, 1.5, 1.4, 1.7}, true, 210.0, false, {}},
                             {{64, 16}, Timing{10, 0.9, 0.8, 1.0}, true, 3.5, true, {}},
                             {{128, 8}, Timing{}, false, 0, false, "check C against A @ B (line 14) failed"}};
    tuning.best = 1;
    const ordered_json record = wb::bench::tuningJson(tuning);
    EXPECT_EQ(record["step"], "C");
    EXPECT_EQ(record["line"], 13);
    EXPECT_EQ(record["backend"], "cuda:0");
    EXPECT_EQ(record["parameters"], ordered_json({"block", "TILE"}));
    ASSERT_EQ(record["configurations"].size(), 3u);
    const ordered_json& fast = record["configurations"][1];
    EXPECT_EQ(fast["values"], ordered_json({64, 16}));
    EXPECT_EQ(fast["label"], "block=64, TILE=16");
    EXPECT_EQ(fast["n"], 10);
    EXPECT_DOUBLE_EQ(fast["median_ms"].get<double>(), 0.9);
    EXPECT_DOUBLE_EQ(fast["min_ms"].get<double>(), 0.8);
    EXPECT_DOUBLE_EQ(fast["max_ms"].get<double>(), 1.0);
    EXPECT_TRUE(fast["passed"].get<bool>());
    EXPECT_DOUBLE_EQ(fast["compile_ms"].get<double>(), 3.5);
    EXPECT_TRUE(fast["cache_hit"].get<bool>());
    EXPECT_TRUE(fast["failure"].is_null());
    const ordered_json& failed = record["configurations"][2];
    EXPECT_FALSE(failed["passed"].get<bool>());
    EXPECT_EQ(failed["failure"], "check C against A @ B (line 14) failed");
    EXPECT_EQ(failed["n"], 0);
    EXPECT_EQ(record["best"], 1);
    EXPECT_TRUE(record["note"].is_null());

    tuning.best.reset();
    tuning.backend.clear();
    tuning.note = "not tuned: launch() runs on the GPU, and this run has none";
    const ordered_json notRun = wb::bench::tuningJson(tuning);
    EXPECT_TRUE(notRun["best"].is_null());
    EXPECT_TRUE(notRun["backend"].is_null());
    EXPECT_EQ(notRun["note"], tuning.note);
}

TEST(TuningRecord, WithTheSourceEachConfigurationCarriesItsEdits)
{
    const std::string source = "@tune TILE 8, 32\n"
                               "A = rand(64, 64)\n"
                               "C0 = zeros(64, 64)\n"
                               "C = launch(\"k.cu:f\", args=(A, C0), block=(TILE, TILE), defines=(TILE=16))\n"
                               "check(C, ref=A)\n";
    TuningResult tuning;
    tuning.parameters = {"TILE"};
    tuning.configurations = {{{8}, Timing{}, true, 0, false, {}}, {{32}, Timing{}, true, 0, false, {}}};
    const ordered_json record = wb::bench::tuningJson(tuning, source);
    const ordered_json& edits = record["configurations"][1]["edits"];
    ASSERT_EQ(edits.size(), 1u);
    EXPECT_EQ(edits[0]["line"], 4);
    EXPECT_EQ(edits[0]["column"], 70);
    EXPECT_EQ(edits[0]["length"], 2);
    EXPECT_EQ(edits[0]["text"], "32");
    // Without the source there are none; with a source that lost the launch, null.
    EXPECT_FALSE(wb::bench::tuningJson(tuning).contains("edits"));
    EXPECT_FALSE(wb::bench::tuningJson(tuning)["configurations"][0].contains("edits"));
    EXPECT_TRUE(wb::bench::tuningJson(tuning, "x = zeros(3)\n")["configurations"][0]["edits"].is_null());
}
