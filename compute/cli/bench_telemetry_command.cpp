#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "bench/run_record.h"
#include "bench/telemetry_bench.h"

#include <cstdio>
#include <iostream>

namespace wb::cli {

namespace {

std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

// A cost well under 1% still shows its digits (formatPercent stops at 0.1%).
std::string percent(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, value < 1 ? "%.3f%%" : value < 10 ? "%.2f%%" : "%.1f%%", value);
    return text;
}

} // namespace

int runBenchTelemetry(const std::vector<std::string>& words)
{
    const Arguments args("bench-telemetry", words, {"--rate-hz", "--seconds", "--json"}, {});
    bench::TelemetryBenchConfig config;
    config.rateHz = args.positiveNumber("--rate-hz", config.rateHz);
    config.seconds = args.positiveNumber("--seconds", config.seconds);
    if (config.rateHz > 1000)
        throw UsageError("--rate-hz must be at most 1000");
    if (config.seconds > 3600)
        throw UsageError("--seconds must be at most 3600");
    if (config.rateHz * config.seconds < 1)
        throw UsageError("--rate-hz x --seconds must give at least one sample");
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);

    const bench::TelemetryBenchReport report = bench::benchTelemetry(config);
    std::cout << "telemetry sampler: " << number(config.rateHz) << " Hz for " << number(config.seconds)
              << " s on its own thread, " << report.samples << " samples; GPUs: ";
    if (report.gpus > 0)
        std::cout << report.gpus << " (NVML)\n";
    else
        std::cout << "none (" << report.gpuReason << ")\n";
    const Table table({{"what", 30, true}, {"value", 10}, {"target", 8}});
    table.printHeader(std::cout);
    table.printRow(std::cout, {"sampling thread, % of a core", percent(report.cpuPctOfCore),
                               config.rateHz == 10 ? "< " + number(bench::kTelemetryTargetPctOfCore) + "%" : "-"});
    table.printRow(std::cout, {"thread CPU time", formatMs(report.threadCpuMs) + " ms", "-"});
    table.printRow(std::cout, {"sample() median", formatMs(report.sampleMs.median) + " ms", "-"});
    table.printRow(std::cout, {"sample() max", formatMs(report.sampleMs.max) + " ms", "-"});
    std::cout << "% of one core: the thread's CPU time (CLOCK_THREAD_CPUTIME_ID, wake-ups included) over "
              << formatMs(report.wallMs) << " ms of wall time\n";
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::telemetryBenchJson(report));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    return kExitOk;
}

} // namespace wb::cli
