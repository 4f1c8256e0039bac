#pragma once
// Lowering of launch() (docs/pipeline-language.md, "launch"): reads the kernel's source,
// binds the arguments to its parameters, derives the geometry and checks everything that
// can be checked without a GPU, each problem a diagnostic at the argument it is about.

#include "plan.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wb::pipeline {

// What lowering a launch needs of the planner.
struct LaunchLowering {
    std::function<int(const Expression&)> lowerArray;           // an argument's value index
    std::function<const PlanValue&(int)> value;                 // a lowered value
    std::function<std::string(const std::string&)> resolvePath; // against the base directory
};

struct LoweredLaunch {
    LaunchDesc desc{};
    std::vector<int> inputs{}; // the values of desc's Array arguments, in their input order
};

// The launch, or nullopt with every problem appended to `diagnostics`. `at` is the call's
// location; lowering an argument may throw the planner's own refusals.
std::optional<LoweredLaunch> lowerLaunch(const Call& call, SourceLocation at, const LaunchLowering& lowering,
                                         std::vector<Diagnostic>& diagnostics);

} // namespace wb::pipeline
