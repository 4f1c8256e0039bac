#pragma once
// warpbench-cli's subcommands. Each takes the words after its name and returns the exit
// status; mistakes in the words throw UsageError, failures inside throw wb::Error.

#include <string>
#include <vector>

namespace wb::cli {

// The process's exit statuses, shared by every subcommand and checked by the tests.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1; // a verification failed, or a run failed
inline constexpr int kExitUsage = 2;  // bad command line, or a request refused before it started

int runDevices(const std::vector<std::string>& words);
int runBench(const std::vector<std::string>& words);
// The executor's overhead and fusion benchmarks on the GPU: a table, and --json FILE.
int runBenchPipeline(const std::vector<std::string>& words);
// The telemetry sampler's cost: its thread's CPU time as % of a core at a rate, and the
// time per sample(); a table, and --json FILE.
// The image filters on one frame (4K by default): GPU L2 cold and hot against a device copy,
// the targets, OpenCV on the CPU and the check; a table, and --json FILE. Exit 1
// without a GPU unless --cpu-only, or when a GPU result fails its check.
int runBenchFilters(const std::vector<std::string>& words);
int runBenchTelemetry(const std::vector<std::string>& words);
int runDemo(const std::vector<std::string>& words);
int runOps(const std::vector<std::string>& words);
// Parses and checks a pipeline: exit 0 when it has no errors (warnings allowed), 2 otherwise.
int runCheck(const std::vector<std::string>& words);
// Runs a pipeline and prints its per-step table: exit 0, 1 when a check fails or a step
// fails at run time, 2 when it does not parse or type-check.
int runPipeline(const std::vector<std::string>& words);

// Compiles a CUDA kernel file with NVRTC (no GPU needed): diagnostics on stderr as
// FILE:line:col: error: message, then ptxas's resource report per kernel, or the PTX with
// --ptx; exit 0, or 2 when it does not compile.
int runCompile(const std::vector<std::string>& words);

// The engine process, --stdio: serves docs/protocol.md on standard input and output until
// shutdown or the end of the input; exits with the statuses of wb/engine.h.
int runEngine(const std::vector<std::string>& words);

std::string helpText();

} // namespace wb::cli
