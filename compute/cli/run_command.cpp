#include "arguments.h"
#include "commands.h"
#include "table.h"

#include "pipeline_file.h"

#include "bench/run_record.h"

#include <wb/device.h>
#include <wb/pipeline_run.h>
#include <wb/pipeline_tune.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <iostream>
#include <sstream>

namespace wb::cli {

namespace {

// "on cpu: 25349 of 307200 elements out of tolerance; the largest difference, 0.254, is at
// (449, 326): 0.942 against 0.688", as the workbench's Problems entry says it.
std::string differenceText(const pipeline::CheckDifference& difference)
{
    auto number = [](std::complex<double> value) {
        std::ostringstream text;
        text << value.real();
        if (value.imag() != 0)
            text << (value.imag() < 0 ? "-" : "+") << std::abs(value.imag()) << "j";
        return text.str();
    };
    std::string text = "on " + difference.backend + ": " + std::to_string(difference.outOfTolerance) + " of " +
                       std::to_string(difference.elements) + " elements out of tolerance; ";
    if (difference.maxIndex.empty())
        return text + "the difference is " + number(difference.maxAbsError) + ": " + number(difference.value) +
               " against " + number(difference.reference);
    std::string index;
    for (const std::int64_t i : difference.maxIndex)
        index += (index.empty() ? "" : ", ") + std::to_string(i);
    return text + "the largest difference, " + number(difference.maxAbsError) + ", is at (" + index +
           "): " + number(difference.value) + " against " + number(difference.reference);
}

std::string rate(const pipeline::StepFigures& row)
{
    if (row.time.medianMs <= 0)
        return "-";
    const double seconds = row.time.medianMs * 1e-3;
    if (row.cost.flops > 0)
        return formatRate(row.cost.flops / seconds * 1e-9) + " GFLOP/s";
    if (row.cost.bytes > 0)
        return formatRate(row.cost.bytes / seconds * 1e-9) + " GB/s";
    return "-";
}

// "-" where nothing was compared; the error, marked when it is beyond the step's tolerance
// (or when the backends compute different numbers by design), so no speedup is shown.
std::string errorCell(const pipeline::StepFigures& row)
{
    if (!row.maxRelError)
        return "-";
    if (row.verified)
        return formatError(*row.maxRelError);
    return formatError(*row.maxRelError) + (row.tolerance ? " > tol" : " n/c");
}

// Long expressions are cut to the column so the table stays aligned; the run record and
// the check lines keep them whole.
std::string stepCell(const pipeline::StepFigures& row)
{
    const std::string fused = row.fused.empty() ? "" : " (+" + std::to_string(row.fused.size()) + " fused)";
    constexpr std::size_t kWidth = 34;
    std::string name = row.step;
    if (name.size() + fused.size() > kWidth)
        name = name.substr(0, kWidth - fused.size() - 3) + "...";
    return name + fused;
}

std::vector<std::string> cells(const pipeline::StepFigures& row)
{
    if (!row.skipped.empty())
        return {stepCell(row), std::to_string(row.line), row.backend, "skipped", "-", "-", "-", "-", "-"};
    return {stepCell(row),
            std::to_string(row.line),
            row.backend,
            formatMs(row.time.medianMs),
            formatMs(row.time.minMs),
            formatMs(row.time.maxMs),
            rate(row),
            row.speedup ? formatSpeedup(*row.speedup) : "-",
            errorCell(row)};
}

// The tuning run's table: a row per configuration, the best marked, then the best named.
void printTuning(const pipeline::TuningResult& tuning, const pipeline::RunOptions& options)
{
    std::cout << "\ntuning " << tuning.step << " (line " << tuning.line << ")";
    if (!tuning.note.empty()) {
        std::cout << ": " << tuning.note << '\n';
        return;
    }
    std::cout << " on " << tuning.backend << ": median of " << options.repeat << " after " << options.warmup
              << " warm-up runs per configuration, each verified by its checks\n\n";
    std::vector<Table::Column> columns;
    for (const std::string& parameter : tuning.parameters)
        columns.push_back({parameter, std::max(5, static_cast<int>(parameter.size()))});
    for (const char* title : {"median ms", "min ms", "max ms", "compile ms"})
        columns.push_back({title, 10});
    columns.push_back({"result", 6, true});
    const Table table(columns);
    table.printHeader(std::cout);
    for (std::size_t i = 0; i < tuning.configurations.size(); ++i) {
        const pipeline::TuningConfiguration& configuration = tuning.configurations[i];
        std::vector<std::string> cells;
        for (const std::int64_t value : configuration.values)
            cells.push_back(std::to_string(value));
        const bool measured = configuration.time.n > 0;
        cells.push_back(measured ? formatMs(configuration.time.medianMs) : "-");
        cells.push_back(measured ? formatMs(configuration.time.minMs) : "-");
        cells.push_back(measured ? formatMs(configuration.time.maxMs) : "-");
        cells.push_back(formatMs(configuration.compileMs) + (configuration.cacheHit ? " (cached)" : ""));
        cells.push_back(configuration.passed ? (tuning.best == i ? "passed, best" : "passed")
                                             : "FAILED: " + configuration.failure);
        table.printRow(std::cout, cells);
    }
    if (tuning.best)
        std::cout << "best: " << pipeline::configurationLabel(tuning, *tuning.best) << " ("
                  << formatMs(tuning.configurations[*tuning.best].time.medianMs) << " ms)\n";
    else
        std::cout << "best: none, no configuration passed\n";
}

void printResult(const pipeline::RunResult& result, const pipeline::RunOptions& options)
{
    const Table table({{"step", 34, true},
                       {"line", 4},
                       {"backend", 7, true},
                       {"median ms", 9},
                       {"min ms", 8},
                       {"max ms", 8},
                       {"throughput", 16},
                       {"speedup", 8},
                       {"max rel err", 11}});
    std::cout << "median of " << options.repeat << " after " << options.warmup << " warm-up runs";
    for (std::size_t i = 0; i < result.graphReplay.size(); ++i)
        if (result.graphReplay[i])
            std::cout << "; " << result.backends[i] << " replays a CUDA graph after the first run";
    std::cout << "\n\n";
    table.printHeader(std::cout);
    for (const pipeline::StepFigures& row : result.steps)
        table.printRow(std::cout, cells(row));
    for (std::size_t i = 0; i < result.totalMs.size(); ++i)
        table.printRow(std::cout, {"total", "", result.backends[i], formatMs(result.totalMs[i])});
    bool unverified = false, notComparable = false;
    for (const pipeline::StepFigures& row : result.steps) {
        unverified |= row.maxRelError && !row.verified && row.tolerance;
        notComparable |= row.maxRelError && !row.tolerance;
    }
    if (unverified)
        std::cout << "\n> tol: the results differ by more than the step's tolerance, so no speedup is shown\n";
    if (notComparable)
        std::cout << "n/c: the backends compute different numbers by design (randn), so no speedup is shown\n";
    for (const std::string& note : result.notes)
        std::cout << "note: " << note << '\n';
    // launch(): why a row was skipped, and how each kernel was built (never in its time).
    for (const pipeline::StepFigures& row : result.steps) {
        if (!row.skipped.empty())
            std::cout << "skipped: " << row.step << " on " << row.backend << ": " << row.skipped << '\n';
        if (row.build)
            std::cout << "kernel: " << row.step << " on " << row.backend << ": " << row.build->function << " for "
                      << row.build->arch << ", "
                      << (row.build->cacheHit ? "read from the disk cache in " : "compiled by NVRTC in ")
                      << formatMs(row.build->compileMs) << " ms, loaded in " << formatMs(row.build->loadMs) << " ms\n";
    }
    if (!result.shown.empty()) {
        std::cout << "\nshown:";
        for (std::size_t i = 0; i < result.shown.size(); ++i) {
            std::cout << ' ' << result.shown[i];
            const std::vector<std::string> none;
            const std::vector<std::string>& values = i < result.shownValues.size() ? result.shownValues[i] : none;
            for (std::size_t b = 0; b < values.size(); ++b)
                std::cout << (b == 0 ? " = " : ", ") << values[b]
                          << (values.size() > 1 ? " (" + result.backends[b] + ")" : "");
        }
        std::cout << '\n';
    }
    for (const pipeline::CheckOutcome& check : result.checks) {
        std::cout << "check " << check.name << (check.reference.empty() ? "" : " against " + check.reference)
                  << " (line " << check.location.line << "): ";
        if (!check.compared)
            std::cout << "not compared, only one backend ran\n";
        else
            std::cout << (check.passed ? "passed" : "FAILED") << ", max rel error " << formatError(check.maxRelError)
                      << " (rtol " << check.rtol << ", atol " << check.atol << ")\n";
        for (const pipeline::CheckDifference& difference : check.differences)
            if (difference.outOfTolerance > 0)
                std::cout << "  " << differenceText(difference) << '\n';
    }
    if (result.tuning)
        printTuning(*result.tuning, options);
}

} // namespace

int runPipeline(const std::vector<std::string>& words)
{
    if (words.empty() || words.front().rfind("--", 0) == 0)
        throw UsageError("run needs a pipeline file: warpbench-cli run FILE.wbp [options]");
    const std::string& path = words.front();
    const Arguments args("run", std::vector<std::string>(words.begin() + 1, words.end()),
                         {"--backends", "--repeat", "--warmup", "--seed", "--threads", "--json"},
                         {"--no-fuse", "--no-graph"});
    const std::optional<std::string> jsonPath = args.value("--json");
    if (jsonPath)
        checkOutputFolder(*jsonPath);
    const std::optional<pipeline::ParseResult> read = readPipeline(path);
    if (!read)
        return kExitUsage;
    const pipeline::ParseResult& parsed = *read;
    if (!parsed.ok())
        return kExitUsage;

    pipeline::RunOptions options = pipeline::defaultRunOptions(parsed.program);
    options.backends = args.list("--backends", options.backends);
    for (const std::string& backend : options.backends)
        if (backend != "cpu" && backend != "gpu")
            throw UsageError("unknown backend '" + backend + "' (expected cpu or gpu)");
    options.repeat = args.intValue("--repeat", options.repeat, 1, 100000);
    options.warmup = args.intValue("--warmup", options.warmup, 0, 100000);
    options.seed = static_cast<std::uint64_t>(args.intValue("--seed", static_cast<int>(options.seed), 0, 2147483647));
    options.threads = args.intValue("--threads", options.threads, 0, 4096);
    options.fuse = !args.has("--no-fuse");
    options.graph = !args.has("--no-graph");
    options.baseDirectory = baseDirectoryOf(path);
    std::optional<std::string> backendNote;
    try {
        backendNote = pipeline::settleBackends(options);
    } catch (const Error& error) {
        throw UsageError(error.message());
    }

    const pipeline::Inference inference = pipeline::infer(parsed.program, options);
    printDiagnostics(path, inference.diagnostics);
    if (!inference.ok())
        return kExitUsage;

    pipeline::RunResult result = pipeline::run(parsed.program, options);
    if (backendNote)
        result.notes.insert(result.notes.begin(), *backendNote);
    printResult(result, options);
    if (jsonPath) {
        bench::writeTextFile(*jsonPath, bench::pipelineJson(path, parsed.program, options, result));
        std::cout << "run record written to " << *jsonPath << '\n';
    }
    if (result.error) {
        std::cerr << path << ':' << toString(result.error->location) << ": error: " << result.error->message << '\n';
        return kExitFailed;
    }
    return result.ok() ? kExitOk : kExitFailed;
}

} // namespace wb::cli
