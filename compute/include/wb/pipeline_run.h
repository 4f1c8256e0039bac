#pragma once
// Running a checked pipeline (wb/pipeline_check.h): shape and dtype inference before
// anything runs, then each requested backend runs the whole pipeline `warmup + repeat`
// times, every step timed on its own with the backend's Timer. docs/pipeline-language.md
// ("Running") describes the figures, the transfer steps and the checks.
//
// infer() and run() expect a Program that parseAndCheck() accepted. run() is blocking and
// uses the process's backends (wb/device.h) from the calling thread; the observer is
// called on that thread. Runtime failures (wb::Error from a backend) end the run and are
// reported in RunResult::error, never thrown.

#include <wb/array.h>
#include <wb/error.h>
#include <wb/kernel_launch.h>
#include <wb/ops.h>
#include <wb/pipeline.h>

#include <atomic>
#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wb::pipeline {

// How to run. defaultRunOptions() takes the directives; command-line options override.
struct RunOptions {
    std::vector<std::string> backends{"cpu"}; // "cpu", "gpu"
    int repeat = 5;                           // measured runs, >= 1
    int warmup = 1;                           // runs before them, not counted
    std::uint64_t seed = 0;                   // for rand/randn without seed=
    int device = 0;                           // CUDA device for "gpu"
    int threads = 0;                          // CPU threads for the run; 0: as the process is set
    bool fuse = true;                         // merge chains of elementwise steps into one
    bool graph = true;                        // replay GPU repetitions after the first as a CUDA graph
    // Time each step. Off, a replayed graph holds only the steps' work and two marks around
    // it, so per-step figures come from the repetitions that were not replayed and only
    // RunResult::stepsTiming covers the replays: for measuring the executor's own overhead.
    bool stepTiming = true;
    // Keep every step's output after the run in RunResult::values (the engine serves them
    // to the GUI); off, they are freed when run() returns.
    bool keepValues = false;
    std::string baseDirectory = "."; // relative paths of load() and save() start here
};

RunOptions defaultRunOptions(const Program& program);

// Without a usable GPU: drops "gpu" from options.backends when the CPU runs too and returns
// the note to show ("running on the CPU only: <reason>"); a GPU-only run throws Unavailable
// ("no GPU to run on: <reason>"). With a GPU, or no "gpu" asked for, changes nothing.
std::optional<std::string> settleBackends(RunOptions& options);

// 16 hex digits (FNV-1a, 64 bits) of the program's canonical text, so reformatting or
// comments keep the hash and any change of a step changes it.
std::string pipelineHash(const Program& program);

// One assigned name and what it holds.
struct InferredName {
    std::string name{};
    SourceLocation location{};
    Shape shape{};
    DType dtype = DType::F32;
};

struct Inference {
    std::vector<InferredName> names{}; // in assignment order; a reassigned name appears again
    std::uint64_t deviceBytes = 0;     // every array of the pipeline kept at once: an upper bound
    std::vector<Diagnostic> diagnostics{};

    bool ok() const { return diagnostics.empty(); }
};

// Shapes and dtypes of every step from the op descriptors; load() reads its file. With
// "gpu" among the backends and a GPU present, a pipeline whose arrays do not fit the
// device's free memory is refused at the step where they stop fitting.
Inference infer(const Program& program, const RunOptions& options);

struct Timing {
    int n = 0;
    double medianMs = 0;
    double minMs = 0;
    double maxMs = 0;
};

// The figures of one step on one backend, over the measured repetitions.
struct StepFigures {
    std::string step{};    // the assigned name, "upload img", "download spec", or the expression
    int line = 0;          // in the pipeline file
    std::string backend{}; // "cpu", "cuda:0"
    bool transfer = false;
    Timing time{};
    Cost cost{};                         // per run; GFLOP/s and GB/s follow from time.medianMs
    std::vector<std::string> fused{};    // the elementwise steps computed inside this one, in order
    std::optional<double> maxRelError{}; // second backend against the first: max |gpu - cpu| / max |cpu|
    // What the error may be for the step to count as verified: the arithmetic's own
    // tolerance or the largest of its inputs'. nullopt where the backends compute different
    // things by design (randn, and everything computed from it).
    std::optional<double> tolerance{};
    bool verified = false;           // maxRelError <= tolerance
    std::optional<double> speedup{}; // first backend's median / this one's, only for verified steps
    // Peak bytes held by the backend's allocator (device) and by host arrays while the step
    // ran in the first repetition: every array of the pipeline plus the step's workspaces.
    std::uint64_t peakDeviceBytes = 0;
    std::uint64_t peakHostBytes = 0;
    // Why the step did not run on this backend ("launch() runs on the GPU", or "needs y:
    // launch() runs on the GPU" for a step that uses a launch's result); empty when it ran.
    // A skipped step has no samples (time.n == 0) and is compared with nothing.
    std::string skipped{};
    // launch() steps: how the kernel was compiled and loaded (compile time, cache hit),
    // apart from the run time above; once per run, in the untimed prepare.
    std::optional<LaunchBuild> build{};
};

// Where one check's x and reference differ, on one backend (docs/pipeline-language.md,
// "Checks"): for check(x, ref=r) one per backend that ran, x against r there; for the check
// between the backends one, the second backend's x against the first's.
struct CheckDifference {
    std::string backend{}; // whose x: "cpu", "cuda:0"
    // The label of the difference array |x - ref| (f32, or f64 when either side is f64 or
    // c128; x's shape) in RunResult::values[backend], as a step's output is, so it can be
    // fetched like one: "|x - ref|", "|x gpu - cpu|". Empty without RunOptions::keepValues.
    std::string label{};
    std::vector<std::int64_t> maxIndex{}; // per axis: where |x - ref| is largest (the first non-finite one if any)
    std::complex<double> value{};         // x there (imaginary part 0 for real dtypes)
    std::complex<double> reference{};     // ref there
    double maxAbsError = 0;               // |x - ref| there (inf or NaN when not finite)
    std::int64_t outOfTolerance = 0;      // elements with |x - ref| > atol + rtol * |ref|, or not finite
    std::int64_t elements = 0;
};

struct CheckOutcome {
    std::string name{};      // the checked expression
    std::string reference{}; // check(x, ref=...): the reference's expression; empty: the GPU against the CPU
    SourceLocation location{};
    bool compared = false; // false with a single backend and no ref: nothing to compare against
    bool passed = true;
    double maxRelError = 0;
    double rtol = 0;
    double atol = 0;
    std::vector<CheckDifference> differences{}; // empty when nothing was compared
    // check(x, ref=r) where x comes from launch(): the backend whose r every run's x was
    // compared with ("cpu" when the CPU computed r); empty: each backend's x with its own r.
    std::string referenceBackend{};
};

// One configuration of a tuning run (@tune; docs/pipeline-language.md, "Tuning").
struct TuningConfiguration {
    std::vector<std::int64_t> values{}; // one per TuningResult::parameters, in their order
    Timing time{};                      // the tuned launch step's figures over the measured repetitions
    bool passed = false;                // it ran and every check() of the launch's value passed
    double compileMs = 0;               // NVRTC, or reading the disk cache on a hit; never in `time`
    bool cacheHit = false;
    std::string failure{}; // why it did not pass: the run's error or the failed check; empty when passed
};

// A tuning run: the pipeline's one launch() tried in every configuration of its @tune
// directives, each run and verified as a whole pipeline run on the GPU.
struct TuningResult {
    std::string step{};                                // the tuned launch's row label
    int line = 0;                                      // of the launch
    std::string backend{};                             // "cuda:0"; empty when nothing ran
    std::vector<std::string> parameters{};             // "block", "TILE": one per @tune, in order
    std::vector<TuningConfiguration> configurations{}; // the product, the first parameter outermost
    std::optional<std::size_t> best{};                 // the fastest passing configuration (bestConfiguration())
    std::string note{};                                // why no configuration ran (no GPU); empty otherwise
};

struct RunError {
    SourceLocation location{};
    std::string message{};
    ErrorCode code = ErrorCode::Internal; // DeviceLost: the GPU's context is unusable, end the process
    std::string step{};                   // the row that failed; empty when no step was running
    // A launch() whose kernel did not compile: the compiler's messages, at the kernel
    // file's lines (the error's location is the launch() call).
    std::vector<KernelDiagnostic> kernelDiagnostics{};
};

struct RunResult {
    std::vector<std::string> backends{}; // as named by the backends: "cpu", "cuda:0"
    std::vector<StepFigures> steps{};    // backend by backend, steps in run order
    std::vector<double> totalMs{};       // per backend: the sum of its steps' medians
    std::vector<std::string> shown{};    // the expressions passed to show(), in order
    // Per shown: when it holds one element, its value as text on each backend (in the
    // order of `backends`); empty otherwise.
    std::vector<std::vector<std::string>> shownValues{};
    std::vector<CheckOutcome> checks{};
    std::optional<RunError> error{};
    bool cancelled = false;
    std::string hash{};              // pipelineHash() of the program
    std::vector<bool> graphReplay{}; // per backend that finished: repetitions after the first replayed a graph
    // Per backend that finished: all steps together (transfers excluded), first step's start
    // to last step's end, over the measured repetitions; nullopt for a pipeline of no steps.
    std::vector<std::optional<Timing>> stepsTiming{};
    std::vector<std::string> notes{}; // things a user should know about how the run went
    // With RunOptions::keepValues, per backend that finished: each step's output by its
    // label (the assigned name or the expression), as the backend holds it (device arrays
    // on a GPU). Values computed inside a fused step have no array and are not here.
    std::vector<std::map<std::string, Array>> values{};
    // With @tune directives: the tuning run, after the ordinary run, when that succeeded.
    std::optional<TuningResult> tuning{};

    // No error, not cancelled, every check passed, and a tuning run (if any ran) found a
    // configuration that passed.
    bool ok() const;
};

// Progress. Every call comes from run()'s thread; the default implementations do nothing.
// stepFinished arrives once per row when its last repetition is measured: on the CPU as
// each step ends, on a GPU when the last repetition's stream work is done (the steps of a
// replayed graph finish together). stepStarted is not called for steps inside a replayed
// graph; cancellation is seen between steps, and between repetitions when a graph replays.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void repetitionStarted(const std::string& backend, int index, bool warmup);
    virtual void stepStarted(const std::string& backend, const std::string& step, int line);
    // Once per step and backend, after the last repetition.
    virtual void stepFinished(const StepFigures& figures);
    // A @tune run (wb/pipeline_tune.h) about to try configuration `index` of `count` of the
    // launch `step`, labelled as configurationLabel() does ("TILE=16"); after the ordinary
    // run's steps, before runFinished.
    virtual void tuningStarted(const std::string& step, int index, int count, const std::string& configuration);
    virtual void runFinished(const RunResult& result);
    virtual void error(const RunError& error);
};

// Infers, then runs on every backend of options.backends. Throws wb::Error (InvalidArgument)
// when inference reports diagnostics or repeat/warmup are out of range; call infer() first
// to show them. `cancel`, when set to true from any thread, stops the run before the next
// step or repetition (RunResult::cancelled).
RunResult run(const Program& program, const RunOptions& options, RunObserver* observer = nullptr,
              const std::atomic<bool>* cancel = nullptr);

} // namespace wb::pipeline
