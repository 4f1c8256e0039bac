#pragma once
// Checked calls into the CUDA runtime, cuBLAS, cuFFT, cuRAND and NVRTC: one checker per
// status type, active in every build type. A failure throws wb::Error with the expression, the
// source place, the library's name for the status and its message:
//
//   WB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream));
//   WB_CUBLAS_CHECK(cublasGemmEx(...));
//   WB_NVRTC_CHECK(nvrtcGetCUBIN(program, cubin.data()));
//   launchKernel<<<grid, block, 0, stream>>>(...);
//   WB_CUDA_CHECK_LAUNCH("gaussianRows");
//
// Codes: CudaCallFailed in general; OutOfMemory for allocation failures; DeviceLost for
// the sticky errors (illegal address, launch failure, ...) after which the CUDA context is
// unusable and the process must end (see DESIGN.md, "Processes"). A program that NVRTC
// fails to compile is not a failed call: nvrtc_compiler.h returns it with its log.

#include <wb/error.h>

#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <cufft.h>
#include <curand.h>
#include <nvrtc.h>

#include <cstddef>

namespace wb::cuda {

// Where a check was made; filled in by the macros below.
struct CallSite {
    const char* expression;
    const char* file;
    int line;
};

[[noreturn]] void failCuda(cudaError_t status, const CallSite& site);
[[noreturn]] void failCublas(cublasStatus_t status, const CallSite& site);
[[noreturn]] void failCufft(cufftResult status, const CallSite& site);
[[noreturn]] void failCurand(curandStatus_t status, const CallSite& site);
[[noreturn]] void failNvrtc(nvrtcResult status, const CallSite& site);

inline void checkCuda(cudaError_t status, const CallSite& site)
{
    if (status != cudaSuccess) [[unlikely]]
        failCuda(status, site);
}

inline void checkCublas(cublasStatus_t status, const CallSite& site)
{
    if (status != CUBLAS_STATUS_SUCCESS) [[unlikely]]
        failCublas(status, site);
}

inline void checkCufft(cufftResult status, const CallSite& site)
{
    if (status != CUFFT_SUCCESS) [[unlikely]]
        failCufft(status, site);
}

inline void checkCurand(curandStatus_t status, const CallSite& site)
{
    if (status != CURAND_STATUS_SUCCESS) [[unlikely]]
        failCurand(status, site);
}

inline void checkNvrtc(nvrtcResult status, const CallSite& site)
{
    if (status != NVRTC_SUCCESS) [[unlikely]]
        failNvrtc(status, site);
}

// Throws OutOfMemory for a device allocation of `bytes` that did not fit, naming what is
// free (from cudaMemGetInfo, plus what the memory pool holds for reuse).
[[noreturn]] void failOutOfMemory(std::size_t bytes, std::size_t freeBytes, std::size_t totalBytes,
                                  const CallSite& site);

// The op whose work is being checked, so errors name it ("gaussian: ..."). Scopes nest;
// each thread has its own.
class OpScope {
public:
    explicit OpScope(const char* op);
    ~OpScope();
    OpScope(const OpScope&) = delete;
    OpScope& operator=(const OpScope&) = delete;

private:
    const char* m_previous;
};

} // namespace wb::cuda

#define WB_CUDA_CALL_SITE(text) (::wb::cuda::CallSite{text, __FILE__, __LINE__})
#define WB_CUDA_CHECK(expr) ::wb::cuda::checkCuda((expr), WB_CUDA_CALL_SITE(#expr))
#define WB_CUBLAS_CHECK(expr) ::wb::cuda::checkCublas((expr), WB_CUDA_CALL_SITE(#expr))
#define WB_CUFFT_CHECK(expr) ::wb::cuda::checkCufft((expr), WB_CUDA_CALL_SITE(#expr))
#define WB_CURAND_CHECK(expr) ::wb::cuda::checkCurand((expr), WB_CUDA_CALL_SITE(#expr))
#define WB_NVRTC_CHECK(expr) ::wb::cuda::checkNvrtc((expr), WB_CUDA_CALL_SITE(#expr))
// After every kernel launch: reports a bad launch configuration at once (the kernel's own
// faults surface at the next synchronising call, as DeviceLost).
#define WB_CUDA_CHECK_LAUNCH(kernel) ::wb::cuda::checkCuda(cudaGetLastError(), WB_CUDA_CALL_SITE("launch of " kernel))
