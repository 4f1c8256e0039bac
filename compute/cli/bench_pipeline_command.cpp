#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "bench/pipeline_bench.h"
#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/error.h>

#include <iostream>

namespace wb::cli {

namespace {

std::string us(double value) { return formatRate(value) + " us"; }

void printOverhead(const bench::OverheadReport& report)
{
    std::cout << "executor overhead: " << report.config.steps << " elementwise steps of " << report.config.elements
              << " f32 elements, fusion off, on " << report.backend << "; median of " << report.config.repeat
              << " after " << report.config.warmup << " warm-up runs\n";
    const Table table({{"launch", 30, true}, {"per step", 10}, {"target", 8}});
    table.printHeader(std::cout);
    table.printRow(std::cout, {report.graphReplayed ? "CUDA graph replay" : "graph replay off",
                               us(report.graphUsPerStep), "<= 2 us"});
    table.printRow(std::cout, {"graph replay, timing each step", us(report.graphTimedUsPerStep), "-"});
    table.printRow(std::cout, {"one launch per step, timed", us(report.eagerUsPerStep), "-"});
    if (!report.note.empty())
        std::cout << "note: " << report.note << '\n';
    std::cout << '\n';
}

void printFusion(const bench::FusionReport& report)
{
    std::cout << "fusion: " << report.operations << " elementwise operations over " << report.config.elements
              << " f32 elements on " << report.backend << "; median of " << report.config.repeat << " after "
              << report.config.warmup << " warm-up runs\n";
    const Table table({{"what", 30, true}, {"median ms", 10}, {"GB/s", 8}, {"x copy", 7}});
    table.printHeader(std::cout);
    table.printRow(std::cout,
                   {"device-to-device copy", formatMs(report.copy.median), formatRate(report.copyGBs), "1.00"});
    table.printRow(std::cout, {"fused chain (1 kernel)", formatMs(report.fused.median), formatRate(report.fusedGBs),
                               formatRate(report.ratioToCopy)});
    table.printRow(std::cout, {"unfused chain (10 kernels)", formatMs(report.unfusedMs), "-",
                               formatRate(report.unfusedMs / report.copy.median)});
    std::cout << "target: fused <= 1.3 x copy; fused result against the CPU: "
              << (report.verified ? "verified" : "NOT verified") << " (max rel err " << formatError(report.maxRelError)
              << ")\n";
}

} // namespace

int runBenchPipeline(const std::vector<std::string>& words)
{
    const Arguments args("bench-pipeline", words, {"--steps", "--elements", "--fusion-elements", "--repeat", "--json"},
                         {"--overhead-only", "--fusion-only"});
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);
    const CudaStatus& cuda = Runtime::instance().cudaStatus();
    if (!cuda.available)
        throw UsageError("bench-pipeline needs a GPU: " + cuda.reason);
    std::optional<bench::OverheadReport> overhead;
    std::optional<bench::FusionReport> fusion;
    if (!args.has("--fusion-only")) {
        bench::OverheadConfig config;
        config.steps = args.intValue("--steps", config.steps, 1, 100000);
        config.elements = args.intValue("--elements", static_cast<int>(config.elements), 1, 1 << 30);
        config.repeat = args.intValue("--repeat", config.repeat, 1, 100000);
        overhead = bench::benchOverhead(config);
        printOverhead(*overhead);
    }
    if (!args.has("--overhead-only")) {
        bench::FusionConfig config;
        config.elements = args.intValue("--fusion-elements", static_cast<int>(config.elements), 1, 1 << 30);
        config.repeat = args.intValue("--repeat", config.repeat, 1, 100000);
        fusion = bench::benchFusion(config);
        printFusion(*fusion);
    }
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::pipelineBenchJson(overhead, fusion));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    return fusion && !fusion->verified ? kExitFailed : kExitOk;
}

} // namespace wb::cli
