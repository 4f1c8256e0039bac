#include "cuda_module.h"

#include "../cpu/cpu_backend.h"

#include <wb/device.h>
#include <wb/error.h>

#include <warpbench/config.h>

#include <dlfcn.h>
#include <sched.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace wb {

namespace {

std::string firstMatch(const std::string& path, const std::string& key)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key, 0) == 0) {
            const auto colon = line.find(':');
            if (colon == std::string::npos)
                continue;
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            return value;
        }
    }
    return {};
}

std::uint64_t meminfoBytes(const std::string& key)
{
    std::istringstream value(firstMatch("/proc/meminfo", key));
    std::uint64_t kib = 0;
    value >> kib;
    return kib * 1024;
}

bool envFlag(const char* name)
{
    const char* value = std::getenv(name);
    return value && *value && std::string(value) != "0";
}

// The folder holding this library: the CUDA module is built and installed beside it.
std::filesystem::path thisLibraryDir()
{
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&thisLibraryDir), &info) && info.dli_fname)
        return std::filesystem::absolute(info.dli_fname).parent_path();
    return std::filesystem::current_path();
}

} // namespace

struct Runtime::Impl {
    std::mutex mutex;
    std::unique_ptr<Backend> cpu;
    bool cudaProbed = false;
    CudaStatus cudaStatus;
    void* moduleHandle = nullptr;
    std::unique_ptr<detail::CudaModule> module;
    std::map<int, std::unique_ptr<Backend>> cudaBackends;
    std::string moduleProblem; // why the module could not be loaded

    void probeCuda();
    bool loadModule();
};

void Runtime::Impl::probeCuda()
{
    cudaProbed = true;
    if (envFlag("WB_DISABLE_CUDA")) {
        cudaStatus.reason = "GPU disabled by WB_DISABLE_CUDA";
        return;
    }
    if (!WARPBENCH_HAVE_CUDA && !std::getenv("WB_CUDA_MODULE")) {
        cudaStatus.reason = "this build has no CUDA backend (configured without CUDA)";
        return;
    }
    // Probe the driver first so that a machine without one gets the plain reason rather
    // than whatever the CUDA runtime makes of it. Nothing is linked against libcuda.
    if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
        dlclose(driver);
    } else {
        cudaStatus.reason = "no NVIDIA driver found (libcuda.so.1)";
        return;
    }
    if (!loadModule()) {
        cudaStatus.reason = moduleProblem;
        return;
    }
    cudaStatus = module->discover();
    if (!cudaStatus.available && cudaStatus.reason.empty())
        cudaStatus.reason = "no CUDA device found";
}

// The module without the driver check: what compileKernel needs. Tried once; a failure is
// kept in moduleProblem (and given as cudaStatus's reason by probeCuda).
bool Runtime::Impl::loadModule()
{
    if (module)
        return true;
    if (!moduleProblem.empty())
        return false;
    if (!WARPBENCH_HAVE_CUDA && !std::getenv("WB_CUDA_MODULE")) {
        moduleProblem = "this build has no CUDA backend (configured without CUDA)";
        return false;
    }
    const char* overridePath = std::getenv("WB_CUDA_MODULE");
    const std::string path =
        overridePath && *overridePath ? overridePath : (thisLibraryDir() / WARPBENCH_CUDA_MODULE_NAME).string();
    moduleHandle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!moduleHandle) {
        const char* why = dlerror();
        moduleProblem = "CUDA backend module could not be loaded: " + std::string(why ? why : path);
        return false;
    }
    auto abi = reinterpret_cast<int (*)()>(dlsym(moduleHandle, "wbCudaModuleAbi"));
    auto create = reinterpret_cast<detail::CudaModule* (*)()>(dlsym(moduleHandle, "wbCudaModuleCreate"));
    if (!abi || !create) {
        moduleProblem = path + " is not a Warpbench CUDA module";
        return false;
    }
    if (abi() != detail::kCudaModuleAbi) {
        moduleProblem = path + " is from another Warpbench build (module ABI " + std::to_string(abi()) + ", expected " +
                        std::to_string(detail::kCudaModuleAbi) + ")";
        return false;
    }
    module.reset(create());
    return true;
}

Runtime::Runtime()
    : m_impl(std::make_unique<Impl>())
{
}

// The module stays loaded until exit: backends and plans it made may still be alive in
// static objects, and unloading CUDA libraries during exit is a known source of crashes.
Runtime::~Runtime()
{
    m_impl->cudaBackends.clear();
    m_impl->module.reset();
}

Runtime& Runtime::instance()
{
    static Runtime runtime;
    return runtime;
}

CpuInfo Runtime::cpuInfo() const
{
    CpuInfo info;
    info.model = firstMatch("/proc/cpuinfo", "model name");
    if (info.model.empty())
        info.model = "unknown CPU";
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        info.logicalCores = CPU_COUNT(&set);
    else
        info.logicalCores = static_cast<int>(std::thread::hardware_concurrency());
    info.memoryBytes = meminfoBytes("MemTotal");
    info.availableBytes = meminfoBytes("MemAvailable");
    return info;
}

Backend& Runtime::cpu()
{
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->cpu)
        m_impl->cpu = cpu::createBackend();
    return *m_impl->cpu;
}

CpuLibraries Runtime::cpuLibraries()
{
    cpu(); // threads are configured when the backend is made
    return cpu::libraries();
}

void Runtime::setCpuThreads(int threads)
{
    if (threads < 0)
        fail(ErrorCode::InvalidArgument, "thread count must be >= 0, got " + std::to_string(threads));
    cpu::setThreads(threads == 0 ? cpuInfo().logicalCores : threads);
}

int Runtime::cpuThreads() const { return cpu::threads(); }

const CudaStatus& Runtime::cudaStatus()
{
    std::lock_guard lock(m_impl->mutex);
    if (!m_impl->cudaProbed)
        m_impl->probeCuda();
    return m_impl->cudaStatus;
}

Backend& Runtime::cuda(int device)
{
    const CudaStatus& status = cudaStatus();
    std::lock_guard lock(m_impl->mutex);
    if (!status.available)
        fail(ErrorCode::Unavailable, "no GPU backend: " + status.reason);
    if (device < 0 || device >= static_cast<int>(status.gpus.size()))
        fail(ErrorCode::InvalidArgument, "no CUDA device " + std::to_string(device) + " (this machine has " +
                                             std::to_string(status.gpus.size()) + ")");
    auto& backend = m_impl->cudaBackends[device];
    if (!backend)
        backend = m_impl->module->createBackend(device);
    return *backend;
}

Backend& Runtime::backend(const std::string& name)
{
    if (name == "cpu")
        return cpu();
    if (name == "gpu" || name == "cuda")
        return cuda(0);
    if (name.rfind("cuda:", 0) == 0) {
        try {
            return cuda(std::stoi(name.substr(5)));
        } catch (const std::logic_error&) {
        }
    }
    fail(ErrorCode::InvalidArgument, "unknown backend '" + name + "' (expected cpu, gpu or cuda:N)");
}

namespace detail {

CudaModule* cudaModule()
{
    Runtime::instance().cudaStatus();
    return Runtime::instance().m_impl->module.get();
}

CudaModule* compilerModule(std::string* problem)
{
    Runtime::instance().cudaStatus();
    Runtime::Impl& impl = *Runtime::instance().m_impl;
    const std::lock_guard lock(impl.mutex);
    if (!impl.loadModule())
        *problem = impl.moduleProblem;
    return impl.module.get();
}

} // namespace detail

KernelCompileResult compileKernel(const KernelCompileRequest& request)
{
    std::string problem;
    detail::CudaModule* module = detail::compilerModule(&problem);
    if (!module)
        fail(ErrorCode::Unavailable, "no CUDA compiler: " + problem);
    const CudaStatus& status = Runtime::instance().cudaStatus();
    const int deviceCc =
        status.available && !status.gpus.empty() ? 10 * status.gpus[0].ccMajor + status.gpus[0].ccMinor : 0;
    return module->compileKernel(request, deviceCc);
}

} // namespace wb
