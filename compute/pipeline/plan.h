#pragma once
// A checked Program lowered to a flat list of steps over numbered values (nested calls get
// values of their own), with every value's shape and dtype inferred from the op
// descriptors. The executor runs plans; infer() reports what lowering found.

#include <wb/backend.h>
#include <wb/io.h>
#include <wb/kernel_launch.h>
#include <wb/ops.h>
#include <wb/pipeline_run.h>

#include <string>
#include <variant>
#include <vector>

namespace wb::pipeline {

struct LoadStep {
    Array hostValue{}; // read while planning: file I/O is not what a run measures
};

// A test-only op (wb/op_registry.h, enableTestOps()): the backend misbehaves as asked. Its
// value is a 0-D f32 zero, set when the step is prepared.
struct TestStep {
    TestMisbehaviour what{};

    void validate() const {}
    Shape outputShape() const { return Shape{}; }
    DType outputDType() const { return DType::F32; }
    Cost cost() const { return {}; }
};

using StepOp =
    std::variant<LoadStep, RandomDesc, MatmulDesc, FftDesc, FftShiftDesc, GaussianDesc, BoxDesc, MorphDesc, MedianDesc,
                 BilateralDesc, DerivativeDesc, LaplacianDesc, Conv2dDesc, GrayscaleDesc, ThresholdDesc, NormalizeDesc,
                 ResizeDesc, ConvertDesc, ElementwiseDesc, ReduceDesc, TestStep, LaunchDesc>;

struct PlanStep {
    std::string label{}; // the assigned name, or the expression's text for a nested call
    SourceLocation location{};
    StepOp op{};
    std::vector<int> inputs{}; // value indices; for an elementwise step, one per input slot of its desc
    int output = 0;
    std::vector<std::string> fused{}; // labels of the elementwise steps fused into this one, in order
};

struct PlanValue {
    std::string label{};
    Shape shape{};
    DType dtype = DType::F32;
    int step = 0; // the step that produces it; -1 once fusion computes it inside a later step
};

struct Sink {
    enum class Kind { Show, Save, Check };
    Kind kind = Kind::Show;
    std::string label{};
    SourceLocation location{};
    int value = 0;
    std::string path{}; // save: resolved against the base directory
    int reference = -1; // check with ref=: the value x is compared with on each backend
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

// Lowers the program; with options.fuse, chains of elementwise steps whose intermediate
// values are used once (and not by a sink) become one step.
Plan makePlan(const Program& program, const RunOptions& options);

// Merges elementwise producers into their only consumer, as makePlan does with fusion on.
void fuseElementwise(Plan& plan);

Cost costOf(const StepOp& op);

} // namespace wb::pipeline
