#include "check.h"

#include <string>
#include <string_view>

namespace wb::cuda {

namespace {

thread_local const char* t_currentOp = nullptr;

// cuFFT and cuRAND have no function that names their codes, and cuBLAS's only covers the
// codes of the library that is loaded; these tables follow the headers of CUDA 13.0.
// NVRTC names its codes (nvrtcGetErrorString gives "NVRTC_ERROR_INVALID_INPUT") but says
// nothing more, so its table holds only the messages.
struct StatusText {
    int code;
    const char* name;
    const char* message;
};

constexpr StatusText kCublasStatus[] = {
    {CUBLAS_STATUS_SUCCESS, "CUBLAS_STATUS_SUCCESS", "success"},
    {CUBLAS_STATUS_NOT_INITIALIZED, "CUBLAS_STATUS_NOT_INITIALIZED", "cuBLAS was not initialised"},
    {CUBLAS_STATUS_ALLOC_FAILED, "CUBLAS_STATUS_ALLOC_FAILED", "cuBLAS could not allocate memory"},
    {CUBLAS_STATUS_INVALID_VALUE, "CUBLAS_STATUS_INVALID_VALUE", "an argument is out of range"},
    {CUBLAS_STATUS_ARCH_MISMATCH, "CUBLAS_STATUS_ARCH_MISMATCH", "the device lacks a feature the call needs"},
    {CUBLAS_STATUS_MAPPING_ERROR, "CUBLAS_STATUS_MAPPING_ERROR", "access to GPU memory space failed"},
    {CUBLAS_STATUS_EXECUTION_FAILED, "CUBLAS_STATUS_EXECUTION_FAILED", "the GPU program failed to execute"},
    {CUBLAS_STATUS_INTERNAL_ERROR, "CUBLAS_STATUS_INTERNAL_ERROR", "an internal cuBLAS operation failed"},
    {CUBLAS_STATUS_NOT_SUPPORTED, "CUBLAS_STATUS_NOT_SUPPORTED", "the requested operation is not supported"},
    {CUBLAS_STATUS_LICENSE_ERROR, "CUBLAS_STATUS_LICENSE_ERROR", "a licensing error"},
};

constexpr StatusText kCufftStatus[] = {
    {CUFFT_SUCCESS, "CUFFT_SUCCESS", "success"},
    {CUFFT_INVALID_PLAN, "CUFFT_INVALID_PLAN", "the plan handle is invalid"},
    {CUFFT_ALLOC_FAILED, "CUFFT_ALLOC_FAILED", "cuFFT could not allocate GPU or host memory"},
    {CUFFT_INVALID_TYPE, "CUFFT_INVALID_TYPE", "the transform type is invalid"},
    {CUFFT_INVALID_VALUE, "CUFFT_INVALID_VALUE", "a pointer or parameter is invalid"},
    {CUFFT_INTERNAL_ERROR, "CUFFT_INTERNAL_ERROR", "driver or internal cuFFT error"},
    {CUFFT_EXEC_FAILED, "CUFFT_EXEC_FAILED", "the transform failed to execute on the GPU"},
    {CUFFT_SETUP_FAILED, "CUFFT_SETUP_FAILED", "the cuFFT library failed to initialise"},
    {CUFFT_INVALID_SIZE, "CUFFT_INVALID_SIZE", "the transform size is not supported"},
    {CUFFT_UNALIGNED_DATA, "CUFFT_UNALIGNED_DATA", "the data is not aligned as cuFFT needs"},
    {CUFFT_INVALID_DEVICE, "CUFFT_INVALID_DEVICE", "the plan was made for another device"},
    {CUFFT_NO_WORKSPACE, "CUFFT_NO_WORKSPACE", "no work area was given to the plan"},
    {CUFFT_NOT_IMPLEMENTED, "CUFFT_NOT_IMPLEMENTED", "the functionality is not implemented"},
    {CUFFT_NOT_SUPPORTED, "CUFFT_NOT_SUPPORTED", "the operation is not supported for these parameters"},
    {CUFFT_MISSING_DEPENDENCY, "CUFFT_MISSING_DEPENDENCY", "a library cuFFT depends on is missing"},
    {CUFFT_NVRTC_FAILURE, "CUFFT_NVRTC_FAILURE", "NVRTC failed inside cuFFT"},
    {CUFFT_NVJITLINK_FAILURE, "CUFFT_NVJITLINK_FAILURE", "nvJitLink failed inside cuFFT"},
    {CUFFT_NVSHMEM_FAILURE, "CUFFT_NVSHMEM_FAILURE", "NVSHMEM failed inside cuFFT"},
};

constexpr StatusText kCurandStatus[] = {
    {CURAND_STATUS_SUCCESS, "CURAND_STATUS_SUCCESS", "success"},
    {CURAND_STATUS_VERSION_MISMATCH, "CURAND_STATUS_VERSION_MISMATCH", "header and library versions differ"},
    {CURAND_STATUS_NOT_INITIALIZED, "CURAND_STATUS_NOT_INITIALIZED", "the generator was not initialised"},
    {CURAND_STATUS_ALLOCATION_FAILED, "CURAND_STATUS_ALLOCATION_FAILED", "cuRAND could not allocate memory"},
    {CURAND_STATUS_TYPE_ERROR, "CURAND_STATUS_TYPE_ERROR", "the generator is of the wrong type"},
    {CURAND_STATUS_OUT_OF_RANGE, "CURAND_STATUS_OUT_OF_RANGE", "an argument is out of range"},
    {CURAND_STATUS_LENGTH_NOT_MULTIPLE, "CURAND_STATUS_LENGTH_NOT_MULTIPLE",
     "the length is not a multiple of what the generator needs"},
    {CURAND_STATUS_DOUBLE_PRECISION_REQUIRED, "CURAND_STATUS_DOUBLE_PRECISION_REQUIRED",
     "the device has no double precision"},
    {CURAND_STATUS_LAUNCH_FAILURE, "CURAND_STATUS_LAUNCH_FAILURE", "a cuRAND kernel failed to launch"},
    {CURAND_STATUS_PREEXISTING_FAILURE, "CURAND_STATUS_PREEXISTING_FAILURE",
     "an earlier kernel failed before this call"},
    {CURAND_STATUS_INITIALIZATION_FAILED, "CURAND_STATUS_INITIALIZATION_FAILED", "CUDA initialisation failed"},
    {CURAND_STATUS_ARCH_MISMATCH, "CURAND_STATUS_ARCH_MISMATCH", "the device lacks a feature the call needs"},
    {CURAND_STATUS_INTERNAL_ERROR, "CURAND_STATUS_INTERNAL_ERROR", "an internal cuRAND error"},
};

constexpr StatusText kNvrtcStatus[] = {
    {NVRTC_SUCCESS, "NVRTC_SUCCESS", "success"},
    {NVRTC_ERROR_OUT_OF_MEMORY, "NVRTC_ERROR_OUT_OF_MEMORY", "NVRTC could not allocate host memory"},
    {NVRTC_ERROR_PROGRAM_CREATION_FAILURE, "NVRTC_ERROR_PROGRAM_CREATION_FAILURE", "the program could not be created"},
    {NVRTC_ERROR_INVALID_INPUT, "NVRTC_ERROR_INVALID_INPUT", "an argument is invalid"},
    {NVRTC_ERROR_INVALID_PROGRAM, "NVRTC_ERROR_INVALID_PROGRAM", "the program handle is invalid"},
    {NVRTC_ERROR_INVALID_OPTION, "NVRTC_ERROR_INVALID_OPTION", "a compile option is invalid"},
    {NVRTC_ERROR_COMPILATION, "NVRTC_ERROR_COMPILATION", "the program did not compile"},
    {NVRTC_ERROR_BUILTIN_OPERATION_FAILURE, "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
     "NVRTC's built-in code failed (libnvrtc-builtins missing or from another version?)"},
    {NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION, "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
     "name expressions must be added before compiling"},
    {NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION, "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
     "lowered names exist only after compiling"},
    {NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID, "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID",
     "the name expression was not added to the program"},
    {NVRTC_ERROR_INTERNAL_ERROR, "NVRTC_ERROR_INTERNAL_ERROR", "an internal NVRTC error"},
    {NVRTC_ERROR_TIME_FILE_WRITE_FAILED, "NVRTC_ERROR_TIME_FILE_WRITE_FAILED", "the timing file could not be written"},
    {NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED, "NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED", "no precompiled header was made"},
    {NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED, "NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED",
     "the precompiled header heap is exhausted"},
    {NVRTC_ERROR_PCH_CREATE, "NVRTC_ERROR_PCH_CREATE", "the precompiled header could not be made"},
    {NVRTC_ERROR_CANCELLED, "NVRTC_ERROR_CANCELLED", "the compilation was cancelled"},
    {NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED, "NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED",
     "the time trace file could not be written"},
};

template <std::size_t N> const StatusText* find(const StatusText (&table)[N], int code)
{
    for (const StatusText& entry : table) {
        if (entry.code == code)
            return &entry;
    }
    return nullptr;
}

// "compute/cuda/fft.cpp:42" rather than the build machine's absolute path.
std::string where(const CallSite& site)
{
    std::string_view file = site.file;
    if (const auto at = file.rfind("compute/"); at != std::string_view::npos)
        file.remove_prefix(at);
    return std::string(file) + ":" + std::to_string(site.line);
}

ErrorContext contextFor(const char* library, const CallSite& site, const char* nativeName, long long nativeCode)
{
    ErrorContext context;
    if (t_currentOp)
        context.op = t_currentOp;
    context.library = library;
    context.call = site.expression;
    context.nativeName = nativeName;
    context.nativeCode = nativeCode;
    context.where = where(site);
    return context;
}

// The errors that poison the CUDA context for the rest of the process.
bool isSticky(cudaError_t status)
{
    switch (status) {
    case cudaErrorECCUncorrectable:
    case cudaErrorNvlinkUncorrectable:
    case cudaErrorContained:
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorTensorMemoryLeak:
    case cudaErrorExternalDevice: return true;
    default: return false;
    }
}

// A library call can fail because an earlier kernel poisoned the context; the runtime
// still holds that sticky error, and it is what the caller needs to hear about.
ErrorCode libraryErrorCode(bool allocationFailed)
{
    if (isSticky(cudaPeekAtLastError()))
        return ErrorCode::DeviceLost;
    return allocationFailed ? ErrorCode::OutOfMemory : ErrorCode::CudaCallFailed;
}

template <typename Status, std::size_t N> [[noreturn]] void failLibrary(const char* library,
                                                                        const StatusText (&table)[N], Status status,
                                                                        bool allocationFailed, const CallSite& site)
{
    const StatusText* text = find(table, static_cast<int>(status));
    const std::string message = std::string(library) + " call failed: " +
                                (text ? text->message : "unknown status " + std::to_string(static_cast<int>(status)));
    throw Error(libraryErrorCode(allocationFailed), message,
                contextFor(library, site, text ? text->name : "unknown status", static_cast<long long>(status)));
}

} // namespace

void failCuda(cudaError_t status, const CallSite& site)
{
    ErrorContext context = contextFor("cudart", site, cudaGetErrorName(status), status);
    const std::string message = cudaGetErrorString(status);
    if (isSticky(status))
        throw Error(ErrorCode::DeviceLost, "the GPU context is lost (" + message + "); the engine must restart",
                    std::move(context));
    // Non-sticky errors stay recorded in the runtime until read; clear this one so that it
    // is not reported again by the next launch check.
    cudaGetLastError();
    if (status == cudaErrorMemoryAllocation)
        throw Error(ErrorCode::OutOfMemory, "device out of memory", std::move(context));
    throw Error(ErrorCode::CudaCallFailed, "CUDA call failed: " + message, std::move(context));
}

void failCublas(cublasStatus_t status, const CallSite& site)
{
    failLibrary("cuBLAS", kCublasStatus, status, status == CUBLAS_STATUS_ALLOC_FAILED, site);
}

void failCufft(cufftResult status, const CallSite& site)
{
    failLibrary("cuFFT", kCufftStatus, status, status == CUFFT_ALLOC_FAILED, site);
}

void failCurand(curandStatus_t status, const CallSite& site)
{
    failLibrary("cuRAND", kCurandStatus, status, status == CURAND_STATUS_ALLOCATION_FAILED, site);
}

// NVRTC runs on the host and never touches the CUDA context, so no status of it is sticky.
void failNvrtc(nvrtcResult status, const CallSite& site)
{
    const StatusText* text = find(kNvrtcStatus, static_cast<int>(status));
    const std::string message = std::string("NVRTC call failed: ") +
                                (text ? text->message : "unknown status " + std::to_string(static_cast<int>(status)));
    throw Error(status == NVRTC_ERROR_OUT_OF_MEMORY ? ErrorCode::OutOfMemory : ErrorCode::CudaCallFailed, message,
                contextFor("NVRTC", site, nvrtcGetErrorString(status), static_cast<long long>(status)));
}

void failOutOfMemory(std::size_t bytes, std::size_t freeBytes, std::size_t totalBytes, const CallSite& site)
{
    constexpr double kMiB = 1024.0 * 1024.0;
    auto mib = [](std::size_t value) { return std::to_string(static_cast<long long>(value / kMiB + 0.5)); };
    ErrorContext context = contextFor("cudart", site, "cudaErrorMemoryAllocation", cudaErrorMemoryAllocation);
    throw Error(ErrorCode::OutOfMemory,
                "device allocation of " + std::to_string(bytes) + " bytes (" + mib(bytes) +
                    " MiB) does not fit: " + mib(freeBytes) + " MiB free of " + mib(totalBytes) + " MiB",
                std::move(context));
}

OpScope::OpScope(const char* op)
    : m_previous(t_currentOp)
{
    t_currentOp = op;
}

OpScope::~OpScope() { t_currentOp = m_previous; }

} // namespace wb::cuda
