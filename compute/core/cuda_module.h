#pragma once
// The boundary between the compute library and the CUDA backend module
// (libwarpbench_cuda.so), which the Runtime loads with dlopen. Both sides are built from
// one tree with one compiler, so C++ objects cross it; kCudaModuleAbi guards against a
// stale module from another build.

#include <wb/backend.h>
#include <wb/device.h>
#include <wb/kernel_compile.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wb::detail {

inline constexpr int kCudaModuleAbi = 4;

// Times bare library calls (cuBLAS, cuFFT) with nothing of Warpbench around them, the same
// way Warpbench times its own ops, so benchmarks can show what our layers cost.
class BareBaseline {
public:
    virtual ~BareBaseline() = default;
    // Milliseconds per cublasGemmEx / cublasGemmStridedBatchedEx call for desc, on buffers
    // the baseline allocates and fills with random numbers itself: `repeat` samples, each
    // timing `runsPerSample` calls back to back (as bench::measure does for our ops).
    virtual std::vector<double> timeMatmul(const MatmulDesc& desc, int warmup, int repeat, int runsPerSample) = 0;
    // Likewise for one cufftExec* call of a plan made for desc.
    virtual std::vector<double> timeFft(const FftDesc& desc, int warmup, int repeat, int runsPerSample) = 0;
};

// How the module's run-time compiled kernels (NVRTC) were obtained since it was loaded,
// over all its backends: tests assert on these, and they explain a slow first prepare.
struct KernelCacheCounts {
    std::uint64_t compiles = 0;   // NVRTC compilations
    std::uint64_t diskHits = 0;   // programs read from the disk cache instead
    std::uint64_t memoryHits = 0; // prepares that found the kernel loaded already
};

class CudaModule {
public:
    virtual ~CudaModule() = default;
    // Devices, driver and library versions, or the reason there are none. Never throws.
    virtual CudaStatus discover() = 0;
    virtual std::unique_ptr<Backend> createBackend(int device) = 0;
    virtual std::unique_ptr<BareBaseline> createBaseline(int device) = 0;
    virtual KernelCacheCounts kernelCacheCounts() = 0;
    // wb::compileKernel; needs no driver (deviceCc as in cuda/user_kernel_compile.h).
    virtual KernelCompileResult compileKernel(const KernelCompileRequest& request, int deviceCc) = 0;
};

// The loaded module, or nullptr with Runtime::cudaStatus().reason saying why.
CudaModule* cudaModule();
// The module for compiling alone, loaded without a driver where there is none; nullptr
// with the reason in `problem`.
CudaModule* compilerModule(std::string* problem);

} // namespace wb::detail

// Entry points the module exports (C linkage so dlsym finds them by these names).
extern "C" {
int wbCudaModuleAbi();
wb::detail::CudaModule* wbCudaModuleCreate();
}
