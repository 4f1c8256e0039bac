#include <wb/pipeline.h>

#include <algorithm>

namespace wb::pipeline {

std::string toString(SourceLocation location)
{
    return std::to_string(location.line) + ":" + std::to_string(location.column);
}

std::string Diagnostic::format(const std::string& fileName) const
{
    return fileName + ":" + toString(location) + (severity == Severity::Error ? ": error: " : ": warning: ") + message;
}

bool ParseResult::ok() const
{
    return std::none_of(diagnostics.begin(), diagnostics.end(),
                        [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

} // namespace wb::pipeline
