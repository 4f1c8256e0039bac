// The module's entry points (the only symbols it exports) and device discovery.

#include "baseline.h"
#include "check.h"
#include "cuda_backend.h"
#include "kernel_disk_cache.h"
#include "nvrtc_compiler.h"
#include "user_kernel_compile.h"

#include "core/cuda_module.h"

#include <cublas_v2.h>
#include <cufft.h>
#include <curand.h>

#include <exception>
#include <string>

namespace wb::cuda {

namespace {

// CUDA encodes versions as 1000·major + 10·minor: 13000 -> "13.0".
std::string versionText(int version)
{
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

std::string describe(cudaError_t status)
{
    return std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
}

// "13.0.2" from a library's get-property function; all three libraries return 0 for success.
template <typename GetProperty> std::string libraryVersion(GetProperty getProperty)
{
    int major = 0, minor = 0, patch = 0;
    if (static_cast<int>(getProperty(MAJOR_VERSION, &major)) != 0 ||
        static_cast<int>(getProperty(MINOR_VERSION, &minor)) != 0 ||
        static_cast<int>(getProperty(PATCH_LEVEL, &patch)) != 0)
        return "unknown";
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

GpuInfo describeDevice(int device)
{
    cudaDeviceProp properties{};
    WB_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
    GpuInfo info;
    info.index = device;
    info.name = properties.name;
    info.ccMajor = properties.major;
    info.ccMinor = properties.minor;
    info.smCount = properties.multiProcessorCount;
    info.totalMemory = properties.totalGlobalMem;
    info.memBusWidthBits = properties.memoryBusWidth;
    info.l2Bytes = static_cast<std::uint64_t>(properties.l2CacheSize);
    // CUDA 13 dropped the clock rates from cudaDeviceProp; the attributes remain (kHz).
    int kiloHertz = 0;
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&kiloHertz, cudaDevAttrClockRate, device));
    info.smClockMHz = kiloHertz / 1000;
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&kiloHertz, cudaDevAttrMemoryClockRate, device));
    info.memClockMHz = kiloHertz / 1000;
    char busId[32] = {};
    WB_CUDA_CHECK(cudaDeviceGetPCIBusId(busId, sizeof(busId), device));
    info.pciBusId = busId;
    // Free memory needs the device's context. A device that cannot give one (another
    // process holds it in exclusive mode) is still listed, with 0 free.
    std::size_t freeBytes = 0, totalBytes = 0;
    if (cudaSetDevice(device) == cudaSuccess && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess)
        info.freeMemory = freeBytes;
    else
        cudaGetLastError();
    return info;
}

CudaStatus discoverDevices()
{
    CudaStatus status;
    cudaRuntimeGetVersion(&status.runtimeVersion);
    // 0 (with success) when there is no driver, or only the toolkit's stub libcuda.
    if (cudaDriverGetVersion(&status.driverVersion) != cudaSuccess)
        status.driverVersion = 0;
    const std::string tooOld = "NVIDIA driver " + versionText(status.driverVersion) +
                               " is older than this CUDA runtime " + versionText(status.runtimeVersion) +
                               " needs (install a driver for CUDA " + std::to_string(status.runtimeVersion / 1000) +
                               ".x)";
    // Within a major version, a newer runtime runs on an older driver (minor version
    // compatibility); across major versions it does not.
    if (status.driverVersion != 0 && status.driverVersion / 1000 < status.runtimeVersion / 1000) {
        status.reason = tooOld;
        return status;
    }
    int count = 0;
    const cudaError_t counted = cudaGetDeviceCount(&count);
    switch (counted) {
    case cudaSuccess: break;
    case cudaErrorNoDevice: status.reason = "no CUDA device found"; return status;
    case cudaErrorInsufficientDriver:
        status.reason = status.driverVersion == 0 ? "no NVIDIA driver found" : tooOld;
        return status;
    case cudaErrorStubLibrary:
        status.reason = "only the CUDA toolkit's stub libcuda.so was found, not an NVIDIA driver";
        return status;
    default: status.reason = "CUDA initialisation failed: " + describe(counted); return status;
    }
    if (count == 0) {
        status.reason = "no CUDA device found";
        return status;
    }
    status.libraries["cuBLAS"] = libraryVersion(cublasGetProperty);
    status.libraries["cuFFT"] = libraryVersion(cufftGetProperty);
    status.libraries["cuRAND"] = libraryVersion(curandGetProperty);
    try {
        const NvrtcVersion nvrtc = nvrtcVersion();
        status.libraries["NVRTC"] = std::to_string(nvrtc.major) + "." + std::to_string(nvrtc.minor);
    } catch (const Error&) {
        status.libraries["NVRTC"] = "unknown";
    }
    for (int device = 0; device < count; ++device)
        status.gpus.push_back(describeDevice(device));
    status.available = true;
    return status;
}

class Module final : public detail::CudaModule {
public:
    CudaStatus discover() override
    {
        try {
            return discoverDevices();
        } catch (const std::exception& e) {
            CudaStatus status;
            status.reason = std::string("CUDA initialisation failed: ") + e.what();
            return status;
        } catch (...) {
            CudaStatus status;
            status.reason = "CUDA initialisation failed with an unknown exception";
            return status;
        }
    }

    std::unique_ptr<Backend> createBackend(int device) override { return std::make_unique<CudaBackend>(device); }

    std::unique_ptr<detail::BareBaseline> createBaseline(int device) override { return createBareBaseline(device); }

    detail::KernelCacheCounts kernelCacheCounts() override
    {
        const KernelCacheCounters counters = cuda::kernelCacheCounters();
        return {counters.compiles, counters.diskHits, counters.memoryHits};
    }

    KernelCompileResult compileKernel(const KernelCompileRequest& request, int deviceCc) override
    {
        return compileUserKernel(request, deviceCc);
    }
};

} // namespace

} // namespace wb::cuda

// The module is built with hidden visibility; these two are its whole interface.
extern "C" __attribute__((visibility("default"))) int wbCudaModuleAbi() { return wb::detail::kCudaModuleAbi; }

extern "C" __attribute__((visibility("default"))) wb::detail::CudaModule* wbCudaModuleCreate()
{
    return new wb::cuda::Module();
}
