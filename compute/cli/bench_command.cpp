#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "bench/bench_runner.h"
#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/error.h>

#include <iostream>
#include <set>

namespace wb::cli {

namespace {

bench::BenchConfig parseConfig(const Arguments& args)
{
    bench::BenchConfig config;
    const std::string op = args.required("--op");
    config.op = bench::parseBenchOp(op);
    if (config.op == bench::BenchOp::Filter)
        config.filter = op;
    config.filterCase = args.value("--case").value_or("");
    config.sizes = args.sizes("--sizes");
    if (const auto dtype = args.value("--dtype")) {
        config.dtype = parseDType(*dtype);
        if (!config.dtype)
            throw UsageError("unknown dtype '" + *dtype + "' (expected u8, f16, bf16, f32, f64, c64 or c128)");
    }
    if (const auto precision = args.value("--precision"))
        config.precision = parsePrecision(*precision);
    config.backends = args.list("--backends", config.backends);
    config.repeat = args.intValue("--repeat", config.repeat, 1, 100000);
    config.warmup = args.intValue("--warmup", config.warmup, 0, 100000);
    config.sigma = args.positiveNumber("--sigma", config.sigma);
    config.seed = static_cast<std::uint64_t>(args.intValue("--seed", 1, 0, 2147483647));
    return config;
}

Table makeTable(const std::string& unit)
{
    return Table({{"size", 11, true},
                  {"backend", 7, true},
                  {"median ms", 9},
                  {"min ms", 8},
                  {"max ms", 8},
                  {unit, 8},
                  {"speedup", 10},
                  {"H2D+D2H ms", 8},
                  {"max rel err", 9},
                  {"% of bare", 7}});
}

std::vector<std::string> rowCells(const bench::BenchRow& row)
{
    const bool gpu = row.backend != "cpu";
    std::string speedup = "-", transfer = "-", error = "-", bare = "-";
    if (gpu) {
        transfer = formatMs(row.hostToDevice->median + row.deviceToHost->median);
        error = formatError(row.verification.maxRelError) + (row.verification.passed ? "" : " FAIL");
        if (row.speedupVsCpu)
            speedup = formatSpeedup(*row.speedupVsCpu);
        else if (!row.verification.passed)
            speedup = "unverified";
        if (row.percentOfBare)
            bare = formatPercent(*row.percentOfBare);
    }
    return {std::to_string(row.size) + "x" + std::to_string(row.size),
            row.backend,
            formatMs(row.time.median),
            formatMs(row.time.min),
            formatMs(row.time.max),
            formatRate(row.throughput),
            speedup,
            transfer,
            error,
            bare};
}

// Says once what each GPU check compared and why a % of bare is missing, then names
// every row that failed its check.
void printFooter(const bench::BenchReport& report)
{
    std::set<std::string> checks, bareNotes;
    std::vector<std::string> failures, batched;
    for (const bench::BenchRow& row : report.rows) {
        if (row.time.runsPerSample > 1)
            batched.push_back(std::to_string(row.size) + " " + row.backend + " x" +
                              std::to_string(row.time.runsPerSample));
        if (row.backend == "cpu")
            continue;
        checks.insert(row.verification.description + " (tolerance " + formatError(row.verification.tolerance) + ")");
        if (!row.bareNote.empty())
            bareNotes.insert(row.bareNote);
        if (!row.verification.passed)
            failures.push_back(std::to_string(row.size) + "x" + std::to_string(row.size) + " on " + row.backend +
                               ": max rel error " + formatError(row.verification.maxRelError) + " > tolerance " +
                               formatError(row.verification.tolerance));
    }
    if (!batched.empty()) {
        std::cout << "\nruns under 1 ms are timed back to back, per-run time = sample / runs (bare calls alike):";
        for (const std::string& b : batched)
            std::cout << ' ' << b;
        std::cout << '\n';
    }
    if (checks.empty())
        return;
    std::cout << '\n';
    for (const std::string& check : checks)
        std::cout << "check: GPU results " << check << '\n';
    std::cout << "speedup: CPU median / GPU median of the op alone, for verified results only "
                 "(with transfers in the JSON record)\n";
    for (const std::string& note : bareNotes)
        std::cout << "no % of bare: " << note << '\n';
    for (const std::string& failure : failures)
        std::cout << "VERIFICATION FAILED: " << failure << '\n';
}

} // namespace

int runBench(const std::vector<std::string>& words)
{
    const Arguments args("bench", words,
                         {"--op", "--sizes", "--dtype", "--precision", "--backends", "--repeat", "--warmup",
                          "--threads", "--sigma", "--case", "--seed", "--json"},
                         {});
    const int threads = args.intValue("--threads", 0, 0, 4096);
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);

    // Everything the runner refuses (bad combinations, sizes too large for memory, a GPU
    // that is not there) is refused here, before any allocation: a usage error.
    std::optional<bench::BenchRunner> runner;
    try {
        runner.emplace(parseConfig(args));
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
    if (threads > 0)
        Runtime::instance().setCpuThreads(threads);

    const bench::BenchReport& plan = runner->plan();
    for (const std::string& note : plan.notes)
        std::cout << note << '\n';
    std::cout << plan.opLabel << " " << name(plan.dtype);
    if (plan.config.op == bench::BenchOp::Gaussian)
        std::cout << " (sigma " << plan.config.sigma << ")";
    else if (plan.config.op != bench::BenchOp::Filter)
        std::cout << " (" << name(plan.precision) << ")";
    std::cout << ", median of " << plan.config.repeat << " after " << plan.config.warmup << " warm-up runs, CPU "
              << Runtime::instance().cpuThreads() << " threads\n\n";

    const Table table = makeTable(plan.throughputUnit);
    table.printHeader(std::cout);
    const bench::BenchReport report = runner->run([&](const bench::BenchRow& row) {
        table.printRow(std::cout, rowCells(row));
        std::cout.flush();
    });
    printFooter(report);
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::benchJson(report));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    return report.verificationFailed() ? kExitFailed : kExitOk;
}

} // namespace wb::cli
