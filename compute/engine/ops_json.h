#pragma once
// The op registry (wb/op_registry.h) as JSON, for `warpbench-cli ops --json` and the
// engine's hello reply: one object per op with its name, category, signature, doc, returns,
// sink, variadic and params (name, type, required, doc, and default, choices, minimum,
// maximum where they apply).

#include <nlohmann/json.hpp>

namespace wb::engine {

nlohmann::ordered_json opsJson();

} // namespace wb::engine
