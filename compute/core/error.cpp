#include <wb/error.h>

namespace wb {

std::string_view name(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::ShapeMismatch: return "shape mismatch";
    case ErrorCode::DTypeMismatch: return "dtype mismatch";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::CudaCallFailed: return "CUDA call failed";
    case ErrorCode::DeviceLost: return "device lost";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Unavailable: return "unavailable";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::Internal: return "internal error";
    }
    return "unknown error";
}

Error::Error(ErrorCode code, std::string message, ErrorContext context)
    : std::runtime_error(compose(message, context))
    , m_code(code)
    , m_message(std::move(message))
    , m_context(std::move(context))
{
}

std::string Error::compose(const std::string& message, const ErrorContext& context)
{
    std::string text;
    if (context.pipelineLine > 0)
        text += "line " + std::to_string(context.pipelineLine) + ": ";
    if (!context.op.empty())
        text += context.op + ": ";
    text += message;
    if (!context.call.empty()) {
        text += " [" + (context.library.empty() ? std::string() : context.library + " ") + context.call;
        if (!context.nativeName.empty())
            text += " returned " + context.nativeName + " (" + std::to_string(context.nativeCode) + ")";
        if (!context.where.empty())
            text += " at " + context.where;
        text += "]";
    }
    return text;
}

Error Error::withOp(std::string op) const
{
    ErrorContext context = m_context;
    if (context.op.empty())
        context.op = std::move(op);
    return Error(m_code, m_message, std::move(context));
}

Error Error::withPipelineLine(int line) const
{
    ErrorContext context = m_context;
    context.pipelineLine = line;
    return Error(m_code, m_message, std::move(context));
}

void fail(ErrorCode code, std::string message, ErrorContext context)
{
    throw Error(code, std::move(message), std::move(context));
}

} // namespace wb
