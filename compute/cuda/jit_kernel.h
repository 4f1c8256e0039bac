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
#include <vector>

namespace wb::cuda {

// Kernels of one compiled program, loaded on the current device: one, or several that
// share the program's code (the variants of a generated kernel).
class JitKernel {
public:
    // Loads the program's code and finds the kernel `name` (the lowered name of a C++
    // function; the plain name of an extern "C" one). The kernel is loaded into the
    // current device's context here, not lazily at its first launch, so launching it
    // later is only the launch: it can be captured into a CUDA graph. Throws
    // CudaCallFailed (cudaErrorNoKernelImageForDevice, cudaErrorInvalidPtx, ...).
    JitKernel(const CompileResult& program, const std::string& name);
    // The same for each of `names` (at least one), loaded once; index i below is names[i].
    JitKernel(const CompileResult& program, const std::vector<std::string>& names);

    std::size_t count() const { return m_kernels.size(); }
    cudaKernel_t kernel(std::size_t index = 0) const { return m_kernels.at(index); }
    // What cudaLaunchKernel takes as its function.
    const void* function(std::size_t index = 0) const { return reinterpret_cast<const void*>(kernel(index)); }
    const cudaFuncAttributes& attributes(std::size_t index = 0) const { return m_attributes.at(index); }

private:
    Library m_library;
    std::vector<cudaKernel_t> m_kernels;
    std::vector<cudaFuncAttributes> m_attributes;
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
    // The same, with the kernels `names` of the program (one compile, one load).
    std::shared_ptr<const JitKernel> kernel(const std::string& key, const std::function<CompileRequest()>& request,
                                            const std::vector<std::string>& names);

private:
    int m_device;
    std::string m_arch;
    std::map<std::string, std::shared_ptr<const JitKernel>> m_kernels;
};

} // namespace wb::cuda
