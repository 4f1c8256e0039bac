#pragma once
// What this machine has to compute with, and the backends that use it.
//
// The CUDA backend is a module (libwarpbench_cuda.so) loaded on first use, so a build
// with CUDA still starts where the CUDA libraries or the driver are missing; every GPU
// feature then reports cudaStatus().reason. WB_DISABLE_CUDA=1 forces the CPU, and
// WB_CUDA_MODULE=/path/to/libwarpbench_cuda.so overrides where the module is looked for.

#include <wb/backend.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace wb {

namespace detail {
class CudaModule;
CudaModule* cudaModule();
CudaModule* compilerModule(std::string* problem);
} // namespace detail

struct CpuInfo {
    std::string model; // from /proc/cpuinfo
    int logicalCores = 0;
    std::uint64_t memoryBytes = 0;    // MemTotal
    std::uint64_t availableBytes = 0; // MemAvailable
};

struct GpuInfo {
    int index = 0;
    std::string name;
    int ccMajor = 0;
    int ccMinor = 0;
    int smCount = 0;
    std::uint64_t totalMemory = 0;
    std::uint64_t freeMemory = 0;
    int smClockMHz = 0;  // maximum SM clock
    int memClockMHz = 0; // maximum memory clock
    int memBusWidthBits = 0;
    std::uint64_t l2Bytes = 0;
    std::string pciBusId;
};

struct CudaStatus {
    bool available = false;
    // Why there is no GPU backend, in one line ("no NVIDIA driver found (libcuda.so.1)").
    std::string reason;
    int driverVersion = 0; // e.g. 13000 for 13.0
    int runtimeVersion = 0;
    std::vector<GpuInfo> gpus;
    // Library name -> version text: "cuBLAS" -> "13.0.0", "cuFFT" -> ..., "cuRAND" -> ...
    std::map<std::string, std::string> libraries;
};

// Versions of the CPU libraries in use, and their thread counts.
struct CpuLibraries {
    std::string blas;   // "OpenBLAS 0.3.21 (pthread, 16 threads)"
    std::string fft;    // "fftw-3.3.10-sse2-avx (16 threads)"
    std::string opencv; // "4.6.0 (16 threads)" or "not built in"
};

// The process's backends. Thread-safe; created on first use.
class Runtime {
public:
    static Runtime& instance();

    CpuInfo cpuInfo() const;
    CpuLibraries cpuLibraries();
    Backend& cpu();
    // Threads used by OpenBLAS, FFTW and OpenCV; 0 = all logical cores (the default).
    void setCpuThreads(int threads);
    int cpuThreads() const;

    // Loads the CUDA module on first call; never throws.
    const CudaStatus& cudaStatus();
    // The CUDA backend for a device; throws Unavailable with cudaStatus().reason, or
    // InvalidArgument for a device index that does not exist.
    Backend& cuda(int device = 0);

    // Name -> backend: "cpu", "gpu"/"cuda" (device 0) or "cuda:N".
    Backend& backend(const std::string& name);

    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

private:
    friend detail::CudaModule* detail::cudaModule();
    friend detail::CudaModule* detail::compilerModule(std::string* problem);
    Runtime();
    ~Runtime();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace wb
