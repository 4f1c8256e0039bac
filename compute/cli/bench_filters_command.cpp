#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "bench/bench_runner.h"
#include "bench/filter_bench.h"
#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/error.h>

#include <iostream>

namespace wb::cli {

namespace {

std::string us(double ms) { return formatRate(ms * 1e3); }

std::string dtypeText(DType dtype) { return std::string(name(dtype)); }

void printPlan(const bench::FilterBenchReport& plan)
{
    const bench::FilterBenchConfig& config = plan.config;
    std::cout << "image filters on a " << config.width << "x" << config.height << " frame, " << config.channels
              << (config.channels == 1 ? " channel" : " channels") << ", reflect-101 borders\n";
    if (!plan.gpuBackend.empty()) {
        std::cout << "GPU " << plan.gpuBackend << " (" << plan.gpuName << "), L2 "
                  << bench::formatBytes(static_cast<double>(plan.l2Bytes)) << "; L2 cold rotates among";
        for (const auto& [dtype, count] : plan.rotatingBuffers)
            std::cout << ' ' << count << ' ' << name(dtype);
        std::cout << " input and as many output frames (> 3x L2), L2 hot reuses one pair; CUDA events, median of "
                  << config.repeat << " after " << config.warmup << " warm-up runs"
                  << (config.minSampleMs > 0 ? "" : ", one launch per sample") << '\n';
    }
    std::cout << "CPU " << plan.cpuBackend << " (OpenCV, " << Runtime::instance().cpuThreads()
              << " threads), median of " << config.cpuRepeat << " after " << config.cpuWarmup << " warm-up run"
              << (config.cpuWarmup == 1 ? "" : "s") << "; GB/s counts one read and one write of the frame\n";
    for (const std::string& note : plan.notes)
        std::cout << "note: " << note << '\n';
    std::cout << '\n';
}

Table gpuTable()
{
    return Table({{"case", 20, true},
                  {"dtype", 5, true},
                  {"cold us", 8},
                  {"hot us", 8},
                  {"cold GB/s", 7},
                  {"% copy", 6},
                  {"target us", 6},
                  {"met", 7, true},
                  {"CPU ms", 7},
                  {"speedup", 7},
                  {"check", 12, true}});
}

Table cpuTable()
{
    return Table({{"case", 20, true}, {"dtype", 5, true}, {"CPU ms", 8}, {"min ms", 8}, {"max ms", 8}, {"GB/s", 7}});
}

std::vector<std::string> copyCells(const bench::CopyResult& copy)
{
    return {"copy (device to device)",
            dtypeText(copy.dtype),
            us(copy.time.cold.median),
            us(copy.time.hot.median),
            formatRate(copy.time.coldGBs),
            "100.0%",
            "-",
            "-",
            "-",
            "-",
            "-"};
}

std::vector<std::string> gpuCells(const bench::FilterCaseResult& c)
{
    std::string met = "-", speedup = "-";
    if (c.targetMet)
        met = *c.targetMet ? "met" : "NOT met";
    if (c.speedup)
        speedup = formatSpeedup(*c.speedup);
    const std::string check = c.verification.passed ? "verified" : "NOT verified";
    return {c.label,
            dtypeText(c.dtype),
            us(c.gpu->cold.median),
            us(c.gpu->hot.median),
            formatRate(c.gpu->coldGBs),
            formatPercent(*c.percentOfCopy),
            c.targetUs ? formatRate(*c.targetUs) : "-",
            met,
            formatMs(c.cpu.median),
            speedup,
            check};
}

std::vector<std::string> cpuCells(const bench::FilterCaseResult& c)
{
    return {c.label,
            dtypeText(c.dtype),
            formatMs(c.cpu.median),
            formatMs(c.cpu.min),
            formatMs(c.cpu.max),
            formatRate(c.cpuGBs)};
}

void printFooter(const bench::FilterBenchReport& report)
{
    std::vector<std::string> batched, failures;
    int targets = 0, met = 0;
    for (const bench::CopyResult& copy : report.copies) {
        if (copy.time.cold.runsPerSample > 1)
            batched.push_back("copy " + dtypeText(copy.dtype) + " x" + std::to_string(copy.time.cold.runsPerSample));
    }
    for (const bench::FilterCaseResult& c : report.cases) {
        const int runs = c.gpu ? c.gpu->cold.runsPerSample : c.cpu.runsPerSample;
        if (runs > 1)
            batched.push_back(c.label + " " + dtypeText(c.dtype) + " x" + std::to_string(runs));
        if (c.targetMet) {
            ++targets;
            met += *c.targetMet ? 1 : 0;
        }
        if (c.verification.checked && !c.verification.passed)
            failures.push_back(c.label + " " + dtypeText(c.dtype) + ": error " +
                               formatError(c.verification.maxRelError) + " > tolerance " +
                               formatError(c.verification.tolerance));
    }
    if (!batched.empty()) {
        std::cout << "\nruns under " << formatRate(report.config.minSampleMs)
                  << " ms are timed back to back, per-run time = sample / runs"
                  << (report.gpuBackend.empty() ? "" : " (cold runs still rotate buffers)") << ':';
        for (const std::string& b : batched)
            std::cout << ' ' << b;
        std::cout << '\n';
    }
    if (report.gpuBackend.empty())
        return;
    std::cout << "\n% copy: cold GB/s against the cold device-to-device copy of a frame of the same dtype\n"
              << "targets (issue 6, L2 cold, 3840x2160): " << met << " of " << targets << " met\n"
              << "check: GPU results against the CPU's (OpenCV), all elements: integers within 1 unit, f32 within "
                 "1e-5 of max(|reference|, 1); speedup = CPU median / GPU cold median, verified cases only\n";
    for (const std::string& failure : failures)
        std::cout << "VERIFICATION FAILED: " << failure << '\n';
}

} // namespace

int runBenchFilters(const std::vector<std::string>& words)
{
    const Arguments args("bench-filters", words,
                         {"--width", "--height", "--channels", "--repeat", "--warmup", "--cpu-repeat", "--threads",
                          "--ops", "--seed", "--json"},
                         {"--cpu-only", "--per-launch"});
    bench::FilterBenchConfig config;
    config.width = args.intValue("--width", static_cast<int>(config.width), 1, 1 << 20);
    config.height = args.intValue("--height", static_cast<int>(config.height), 1, 1 << 20);
    config.channels = args.intValue("--channels", config.channels, 1, 4);
    config.repeat = args.intValue("--repeat", config.repeat, 1, 100000);
    config.warmup = args.intValue("--warmup", config.warmup, 0, 100000);
    config.cpuRepeat = args.intValue("--cpu-repeat", config.cpuRepeat, 1, 100000);
    config.ops = args.list("--ops", {});
    config.seed = static_cast<std::uint64_t>(args.intValue("--seed", 1, 0, 2147483647));
    config.cpuOnly = args.has("--cpu-only");
    if (args.has("--per-launch"))
        config.minSampleMs = 0;
    const int threads = args.intValue("--threads", 0, 0, 4096);
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);
    try {
        bench::selectedCases(config);
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    // Without a GPU the benchmark has nothing to measure but the CPU: a failure (1) that
    // says so, unless only the CPU was asked for. Every other refusal is a usage error (2).
    if (!config.cpuOnly) {
        const CudaStatus& cuda = Runtime::instance().cudaStatus();
        if (!cuda.available) {
            std::cerr << "warpbench-cli: bench-filters times the GPU and there is none: " << cuda.reason
                      << " (--cpu-only runs the CPU rows alone)\n";
            return kExitFailed;
        }
    }
    std::optional<bench::FilterBenchReport> plan;
    try {
        plan = bench::planFilterBench(config);
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    if (threads > 0)
        Runtime::instance().setCpuThreads(threads);

    printPlan(*plan);
    const Table table = config.cpuOnly ? cpuTable() : gpuTable();
    table.printHeader(std::cout);
    const bench::FilterBenchReport report = bench::benchFilters(
        *plan,
        [&](const bench::CopyResult& copy) {
            table.printRow(std::cout, copyCells(copy));
            std::cout.flush();
        },
        [&](const bench::FilterCaseResult& c) {
            table.printRow(std::cout, config.cpuOnly ? cpuCells(c) : gpuCells(c));
            std::cout.flush();
        });
    printFooter(report);
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::filterBenchJson(report));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    return report.verificationFailed() ? kExitFailed : kExitOk;
}

} // namespace wb::cli
