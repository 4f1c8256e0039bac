#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "bench/demo.h"
#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/error.h>

#include <iostream>

namespace wb::cli {

namespace {

std::string checkCell(const bench::Verification& v)
{
    return std::string(v.passed ? "passed" : "FAILED") + " (max rel err " + formatError(v.maxRelError) + ")";
}

std::vector<std::string> sideCells(const char* label, const bench::DemoSide& side)
{
    return {label,
            side.backend,
            formatMs(side.loop.median),
            formatMs(side.loop.min),
            formatMs(side.loop.max),
            formatRate(side.gflops),
            checkCell(side.verification)};
}

void printReport(const bench::DemoReport& report)
{
    const Table table({{"side", 4, true},
                       {"backend", 7, true},
                       {"loop ms", 9},
                       {"min ms", 9},
                       {"max ms", 9},
                       {"GFLOP/s", 8},
                       {"check", 10, true}});
    std::cout << '\n';
    table.printHeader(std::cout);
    table.printRow(std::cout, sideCells("CPU", report.cpu));
    if (report.gpu)
        table.printRow(std::cout, sideCells("GPU", *report.gpu));
    else
        table.printRow(std::cout, {"GPU", "-", "-", "-", "-", "-", "did not run"});

    std::cout << "\nCPU: " << report.cpu.device << "; " << report.cpu.libraries << "; warm-up: " << report.cpu.warmup
              << '\n';
    if (report.gpu)
        std::cout << "GPU: " << report.gpu->device << "; " << report.gpu->libraries
                  << "; warm-up: " << report.gpu->warmup << '\n';
    else
        std::cout << "GPU side did not run: " << report.gpuSkipped << '\n';
    std::cout << "check: " << report.cpu.verification.description << " (tolerance "
              << formatError(report.cpu.verification.tolerance) << ")\n";

    if (report.speedup)
        std::cout << "\nspeedup: " << formatSpeedup(*report.speedup) << " (GPU loop "
                  << formatMs(report.gpu->loop.median) << " ms vs CPU loop " << formatMs(report.cpu.loop.median)
                  << " ms, both results verified)\n";
    else if (report.gpu)
        std::cout << "\nno speedup shown: a result failed its check\n";
}

} // namespace

int runDemo(const std::vector<std::string>& words)
{
    const Arguments args("demo", words, {"--repeat", "--size", "--count", "--json"}, {"--cpu-only"});
    bench::DemoConfig config;
    config.cpuOnly = args.has("--cpu-only");
    config.repeat = args.intValue("--repeat", config.repeat, 1, 1000);
    config.count = args.intValue("--count", config.count, 1, 1000);
    if (const auto size = args.value("--size"))
        config.size = parsePositive("size", *size, 0x7fffffff);
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);
    try {
        bench::checkDemo(config);
    } catch (const Error& e) {
        throw UsageError(e.what());
    }

    const std::string n = std::to_string(config.size);
    std::cout << "Warpbench demo: " << config.count << " products of two random " << n << "x" << n
              << " float64 matrices, generation included\n"
              << "(NumPy: a = np.random.rand(n, n); b = np.random.rand(n, n); c = a @ b, against the same in CuPy);\n"
              << "each side's whole loop timed, median of " << config.repeat
              << "; GFLOP/s counts the products' 2n^3 flops over the whole loop\n";
    const bench::DemoReport report =
        bench::runDemo(config, [](const std::string& step) { std::cerr << "running " << step << "...\n"; });
    printReport(report);
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::demoJson(report));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    return report.verificationFailed() ? kExitFailed : kExitOk;
}

} // namespace wb::cli
