#pragma once
// Run-time compiled kernels on a device: NVRTC output loaded with cudaLibraryLoadData (no
// libcuda), and each backend's in-memory cache of them, in front of the disk cache
// (kernel_disk_cache.h). Prepare steps get their kernels here; run() only launches.

#include "handles.h"
#include "nvrtc_compiler.h"

#include <cuda_runtime_api.h>

#include <functional>
#include <map>
#include <memory>
#include <string>

namespace wb::cuda {

// One kernel of a compiled program, loaded on the current device.
class JitKernel {
public:
    // Loads the program's code and finds the kernel `name` (the lowered name of a C++
    // function; the plain name of an extern "C" one). The kernel is loaded into the
    // current device's context here, not lazily at its first launch, so launching it
    // later is only the launch: it can be captured into a CUDA graph. Throws
    // CudaCallFailed (cudaErrorNoKernelImageForDevice, cudaErrorInvalidPtx, ...).
    JitKernel(const CompileResult& program, const std::string& name);

    cudaKernel_t kernel() const { return m_kernel; }
    // What cudaLaunchKernel takes as its function.
    const void* function() const { return reinterpret_cast<const void*>(m_kernel); }
    const cudaFuncAttributes& attributes() const { return m_attributes; }

private:
    Library m_library;
    cudaKernel_t m_kernel = nullptr;
    cudaFuncAttributes m_attributes{};
};

// A backend's kernels by key, loaded once and kept while the backend lives; ops share them.
// Used from the backend's thread only, like the backend.
class JitKernelCache {
public:
    explicit JitKernelCache(int device);
    JitKernelCache(const JitKernelCache&) = delete;
    JitKernelCache& operator=(const JitKernelCache&) = delete;

    // What this device's kernels are compiled for: "sm_90" on an H200, or "compute_XY"
    // PTX on a device newer than NVRTC (targetArchitecture). Asks the device once.
    const std::string& arch();

    // The kernel for `key`, which must determine everything in the request (it is
    // combined with arch()). On a miss, `request()` gives the program, which comes from
    // the disk cache or NVRTC. For generated code only: a program that does not compile
    // is a Warpbench bug and throws Internal with NVRTC's whole log and the source.
    // The device must be current.
    std::shared_ptr<const JitKernel> kernel(const std::string& key, const std::function<CompileRequest()>& request,
                                            const std::string& name);

private:
    int m_device;
    std::string m_arch;
    std::map<std::string, std::shared_ptr<const JitKernel>> m_kernels;
};

} // namespace wb::cuda
