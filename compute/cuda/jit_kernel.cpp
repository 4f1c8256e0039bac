#include "jit_kernel.h"

#include "check.h"
#include "kernel_disk_cache.h"

#include <wb/error.h>

namespace wb::cuda {

JitKernel::JitKernel(const CompileResult& program, const std::string& name)
    : JitKernel(program, std::vector<std::string>{name})
{
}

JitKernel::JitKernel(const CompileResult& program, const std::vector<std::string>& names)
{
    if (names.empty())
        fail(ErrorCode::Internal, "a JIT program loaded for no kernel");
    cudaLibrary_t library = nullptr;
    WB_CUDA_CHECK(cudaLibraryLoadData(&library, program.image(), nullptr, nullptr, 0, nullptr, nullptr, 0));
    m_library = Library(library);
    for (const std::string& name : names) {
        cudaKernel_t kernel = nullptr;
        WB_CUDA_CHECK(cudaLibraryGetKernel(&kernel, library, name.c_str()));
        // Asking for the attributes loads the kernel into the current context (with CUDA's
        // default lazy loading it would otherwise load at the first launch).
        cudaFuncAttributes attributes{};
        WB_CUDA_CHECK(cudaFuncGetAttributes(&attributes, reinterpret_cast<const void*>(kernel)));
        m_kernels.push_back(kernel);
        m_attributes.push_back(attributes);
    }
}

JitKernelCache::JitKernelCache(int device)
    : m_device(device)
{
}

const std::string& JitKernelCache::arch()
{
    if (m_arch.empty()) {
        int major = 0, minor = 0;
        WB_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, m_device));
        WB_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, m_device));
        m_arch = targetArchitecture(major, minor, supportedArchitectures());
    }
    return m_arch;
}

std::shared_ptr<const JitKernel>
JitKernelCache::kernel(const std::string& key, const std::function<CompileRequest()>& request, const std::string& name)
{
    return kernel(key, request, std::vector<std::string>{name});
}

std::shared_ptr<const JitKernel> JitKernelCache::kernel(const std::string& key,
                                                        const std::function<CompileRequest()>& request,
                                                        const std::vector<std::string>& names)
{
    std::string fullKey = arch() + '\n' + key + '\n';
    for (const std::string& name : names)
        fullKey += name + ' ';
    if (const auto found = m_kernels.find(fullKey); found != m_kernels.end()) {
        countMemoryHit();
        return found->second;
    }
    CompileRequest program = request();
    program.arch = arch();
    auto failed = [&](const CompileResult& result) {
        fail(ErrorCode::Internal,
             "NVRTC did not compile the generated kernel " + program.programName + " for " + program.arch + ":\n" +
                 result.log + "\n--- source ---\n" + program.source,
             {.library = "NVRTC"});
    };
    CompileSource source = CompileSource::Compiled;
    CompileResult compiled = compileCached(program, &source);
    if (!compiled.success)
        failed(compiled);
    std::shared_ptr<const JitKernel> loaded;
    try {
        loaded = std::make_shared<const JitKernel>(compiled, names);
    } catch (const Error& error) {
        // Code from the disk cache that the driver refuses (another driver's PTX JIT, a
        // file damaged in a way the checksum missed) is compiled again and replaced.
        if (source != CompileSource::Disk || error.code() == ErrorCode::DeviceLost)
            throw;
        compiled = compileCached(program, nullptr, true);
        if (!compiled.success)
            failed(compiled);
        loaded = std::make_shared<const JitKernel>(compiled, names);
    }
    m_kernels.emplace(fullKey, loaded);
    return loaded;
}

} // namespace wb::cuda
