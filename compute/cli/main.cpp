// warpbench-cli: the headless front end of wb::compute. Every error stops at this
// boundary and is printed as one line.

#include "arguments.h"
#include "commands.h"

#include <wb/error.h>
#include <wb/version.h>

#include <algorithm>
#include <exception>
#include <iostream>

namespace {

std::string oneLine(std::string text)
{
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

constexpr const char* kCommands =
    "devices, bench, bench-pipeline, bench-filters, bench-telemetry, demo, ops, check, run, compile, engine or help";

int dispatch(const std::vector<std::string>& args)
{
    using namespace wb::cli;
    if (args.empty())
        throw UsageError(std::string("no command given (expected ") + kCommands + ")");
    const std::string& command = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (command == "help" || command == "--help" || command == "-h") {
        std::cout << helpText();
        return kExitOk;
    }
    if (command == "--version" || command == "version") {
        std::cout << "warpbench-cli " << wb::kVersionString << '\n';
        return kExitOk;
    }
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
        std::cout << helpText();
        return kExitOk;
    }
    if (command == "devices")
        return runDevices(rest);
    if (command == "bench")
        return runBench(rest);
    if (command == "bench-pipeline")
        return runBenchPipeline(rest);
    if (command == "bench-filters")
        return runBenchFilters(rest);
    if (command == "bench-telemetry")
        return runBenchTelemetry(rest);
    if (command == "demo")
        return runDemo(rest);
    if (command == "ops")
        return runOps(rest);
    if (command == "check")
        return runCheck(rest);
    if (command == "run")
        return runPipeline(rest);
    if (command == "compile")
        return runCompile(rest);
    if (command == "engine")
        return runEngine(rest);
    throw UsageError("unknown command '" + command + "' (expected " + kCommands + ")");
}

} // namespace

int main(int argc, char** argv)
{
    using namespace wb::cli;
    try {
        return dispatch(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const UsageError& e) {
        std::cerr << "warpbench-cli: " << oneLine(e.what()) << " (see 'warpbench-cli help')\n";
        return kExitUsage;
    } catch (const wb::Error& e) {
        std::cerr << "warpbench-cli: " << name(e.code()) << ": " << oneLine(e.what()) << '\n';
        return kExitFailed;
    } catch (const std::exception& e) {
        std::cerr << "warpbench-cli: unexpected error: " << oneLine(e.what()) << '\n';
        return kExitFailed;
    }
}
