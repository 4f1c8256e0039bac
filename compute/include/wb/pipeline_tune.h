#pragma once
// Tuning runs (docs/pipeline-language.md, "Tuning"): `@tune block 64, 128, 256` and
// `@tune TILE 8, 16, 32` name the parameters of the pipeline's one launch() to try, the
// x of its block or one of its defines=(...); their product is the set of configurations.
// Each configuration is the pipeline with that launch's block= and defines= rewritten, run
// on the GPU as an ordinary run (prepared untimed, warm-up runs, the median of the repeats)
// and verified by the check(..., ref=) sinks of the launch's value. The best is the fastest
// that passed.
//
// Pure functions on the AST except runTuning(), which runs like wb/pipeline_run.h's run().

#include <wb/pipeline.h>
#include <wb/pipeline_run.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wb::pipeline {

// One @tune directive.
struct TunedParameter {
    std::string name{}; // "block" or a define's name
    SourceLocation location{};
    std::vector<std::int64_t> values{};
    std::vector<SourceLocation> valueLocations{};
};

// What a program's @tune directives ask for, as checkTuning() found it.
struct TuningSpec {
    std::vector<TunedParameter> parameters{}; // in directive order; empty: no tuning
    const Statement* launchStatement = nullptr;
    const Expression* launch = nullptr; // the launch() call
    std::string step{};                 // its row label: the assigned name, or the call's text
    // The check(x, ref=...) statements whose x uses the launch's value: what verifies a
    // configuration.
    std::vector<SourceLocation> checks{};

    bool active() const { return !parameters.empty(); }
};

// The tuning spec of a program whose @tune directives parsed, and the diagnostics of its
// rules (at the directive or its values): which launch, unknown define, a block over 1024
// threads or a dimension over its limit in some configuration, more than two parameters,
// no check of the launch's value. Called by checkNames().
TuningSpec tuningSpec(const Program& program, std::vector<Diagnostic>* diagnostics = nullptr);

// Every combination of the parameters' values, the first parameter outermost.
std::vector<std::vector<std::int64_t>> tuningConfigurations(const std::vector<TunedParameter>& parameters);

// The fastest passing configuration (by median; the first of equals), nullopt when none passed.
// A failed configuration is never the best, however fast.
std::optional<std::size_t> bestConfiguration(const std::vector<TuningConfiguration>& configurations);

// "TILE=32", "block=256, TILE=8": a configuration as the table and the GUI name it.
std::string configurationLabel(const TuningResult& result, std::size_t index);

// The program with the launch's block= and defines= set to one configuration and without
// its @tune directives; every node keeps its source location.
Program configuredProgram(const Program& program, const TuningSpec& spec, const std::vector<std::int64_t>& values);

// Tries every configuration on the GPU (options.backends must name "gpu"), each a run() of
// configuredProgram() with `options` otherwise. Without a GPU the result says why in
// `note`. A configuration's error fails that configuration only, except DeviceLost, which
// ends the tuning and is returned in `lost`. `cancel` as for run(); `observer`, when given,
// hears tuningStarted() before each configuration.
TuningResult runTuning(const Program& program, const RunOptions& options, const std::atomic<bool>* cancel,
                       std::optional<RunError>& lost, bool& cancelled, RunObserver* observer = nullptr);

// A replacement of source text: `length` bytes from `location` (on one line) become `text`.
struct TextEdit {
    SourceLocation location{};
    int length = 0;
    std::string text{};
};

// The edits that make `source`'s launch() use configuration `index` of `result` (its
// block= and defines= values), last in the text first, so they apply in order. Throws
// wb::Error (InvalidArgument) when the source no longer parses or has no such launch.
std::vector<TextEdit> configurationEdits(std::string_view source, const TuningResult& result, std::size_t index);

// The source with configurationEdits() applied.
std::string applyEdits(std::string_view source, const std::vector<TextEdit>& edits);

} // namespace wb::pipeline
