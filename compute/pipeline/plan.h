#pragma once
// A checked Program lowered to a flat list of steps over numbered values (nested calls get
// values of their own), with every value's shape and dtype inferred from the op
// descriptors. The executor runs plans; infer() reports what lowering found.

#include <wb/io.h>
#include <wb/ops.h>
#include <wb/pipeline_run.h>

#include <string>
#include <variant>
#include <vector>

namespace wb::pipeline {

struct LoadStep {
    Array hostValue{}; // read while planning: file I/O is not what a run measures
};

using StepOp =
    std::variant<LoadStep, RandomDesc, MatmulDesc, FftDesc, FftShiftDesc, GaussianDesc, GrayscaleDesc, ConvertDesc>;

struct PlanStep {
    std::string label{}; // the assigned name, or the expression's text for a nested call
    SourceLocation location{};
    StepOp op{};
    std::vector<int> inputs{}; // value indices
    int output = 0;
};

struct PlanValue {
    std::string label{};
    Shape shape{};
    DType dtype = DType::F32;
    int step = 0; // the step that produces it
};

struct Sink {
    enum class Kind { Show, Save, Check };
    Kind kind = Kind::Show;
    std::string label{};
    SourceLocation location{};
    int value = 0;
    std::string path{}; // save: resolved against the base directory
    double rtol = 0;
    double atol = 0;
};

struct Plan {
    std::vector<PlanStep> steps{};
    std::vector<PlanValue> values{};
    std::vector<Sink> sinks{};
    std::vector<InferredName> names{};
    std::vector<Diagnostic> diagnostics{}; // a plan with diagnostics must not run
};

Plan makePlan(const Program& program, const RunOptions& options);

Cost costOf(const StepOp& op);

} // namespace wb::pipeline
