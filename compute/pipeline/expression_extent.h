#pragma once
// How many bytes of source a diagnostic about an expression underlines: exact for names and
// calls (the function name), one otherwise, since the AST keeps where a node starts, not
// where it ends.

#include <wb/pipeline.h>

#include <variant>

namespace wb::pipeline {

inline int extentOf(const Expression& expression)
{
    if (const auto* name = std::get_if<Name>(&expression.node))
        return static_cast<int>(name->name.size());
    if (const auto* call = std::get_if<Call>(&expression.node))
        return static_cast<int>(call->function.size());
    return 1;
}

} // namespace wb::pipeline
