#pragma once
// One error vocabulary for the whole compute library. Inside `compute`, failures are
// thrown as wb::Error; at every boundary (CLI, engine protocol, plugin ABI, Qt slots)
// they become a code and a message.

#include <stdexcept>
#include <string>
#include <string_view>

namespace wb {

// Append only: the numeric values travel in the engine protocol.
enum class ErrorCode {
    InvalidArgument, // a parameter out of range, an unknown name
    ShapeMismatch,   // shapes that do not fit the op
    DTypeMismatch,   // a dtype the op does not accept
    OutOfMemory,     // host or device allocation refused, or refused before trying
    CudaCallFailed,  // a CUDA, cuBLAS, cuFFT, cuRAND or NVRTC call returned an error
    DeviceLost,      // a sticky CUDA error: the context is poisoned, the process must end
    Unsupported,     // the op exists but not for these arguments on this backend
    Unavailable,     // the backend or library is not present (with the reason)
    Io,              // a file could not be read or written, or is corrupt
    Internal,        // a broken invariant inside Warpbench
};

std::string_view name(ErrorCode code);

// Where an error came from. Every field is optional; message() joins the ones set. Each
// field has an initializer so that {.op = "fft"} names only what it sets without GCC's
// -Wmissing-field-initializers.
struct ErrorContext {
    std::string op{};         // "matmul", "fft2", ...
    std::string library{};    // "cuBLAS", "cudart", "FFTW", ...
    std::string call{};       // the failing expression, e.g. "cublasGemmEx(...)"
    std::string nativeName{}; // the library's name for the status, e.g. "CUBLAS_STATUS_NOT_SUPPORTED"
    long long nativeCode = 0;
    std::string where{};  // source file:line of the check
    int pipelineLine = 0; // 1-based line in a .wbp pipeline, 0 when none
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string message, ErrorContext context = {});

    ErrorCode code() const noexcept { return m_code; }
    const ErrorContext& context() const noexcept { return m_context; }
    // The plain message without context ("matrix shapes (3,4) and (5,6) do not fit").
    const std::string& message() const noexcept { return m_message; }

    // A copy with the op (or pipeline line) filled in, for rethrowing from higher layers.
    Error withOp(std::string op) const;
    Error withPipelineLine(int line) const;

private:
    static std::string compose(const std::string& message, const ErrorContext& context);

    ErrorCode m_code;
    std::string m_message;
    ErrorContext m_context;
};

[[noreturn]] void fail(ErrorCode code, std::string message, ErrorContext context = {});

} // namespace wb
