// launch() in pipelines: a user's kernel compiled with NVRTC for this backend's device (the
// disk cache first), loaded with cudaLibraryLoadData, and launched on the backend's stream
// with the geometry and arguments the planner bound (wb/kernel_launch.h). The launch
// geometry, shared memory and synchronisation are the user's; run() adds only the copies
// that keep pipeline values immutable (out's initial array, other written arrays).

#include "check.h"
#include "cuda_backend.h"
#include "jit_kernel.h"
#include "user_kernel_compile.h"

#include <wb/error.h>
#include <wb/kernel_launch.h>

#include <chrono>
#include <sstream>

namespace wb::cuda {

namespace {

// The name the compiled code knows the kernel by: its own for extern "C", else the lowered
// name of a C++ function (`_Z5scalePfi` for scale(float*, int)), read from the PTX's entries.
std::string entryName(const std::string& ptx, const std::string& name)
{
    const std::string mangledPrefix = "_Z" + std::to_string(name.size()) + name;
    std::string lowered;
    std::istringstream lines(ptx);
    for (std::string line; std::getline(lines, line);) {
        const std::size_t entry = line.find(".entry ");
        if (entry == std::string::npos)
            continue;
        std::size_t start = entry + 7;
        while (start < line.size() && line[start] == ' ')
            ++start;
        std::size_t end = start;
        while (end < line.size() && line[end] != '(' && line[end] != ' ')
            ++end;
        const std::string entryName = line.substr(start, end - start);
        if (entryName == name)
            return entryName;
        if (lowered.empty() && entryName.rfind(mangledPrefix, 0) == 0)
            lowered = entryName;
    }
    return lowered;
}

std::string diagnosticLines(const KernelCompileResult& compiled)
{
    std::string text;
    for (const KernelDiagnostic& d : compiled.diagnostics)
        text += "\n" + d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.severity +
                ": " + d.message;
    return text.empty() ? "\n" + compiled.log : text;
}

class LaunchOp final : public NaryOp {
public:
    LaunchOp(CudaBackend& backend, const LaunchDesc& desc, std::shared_ptr<const JitKernel> kernel)
        : m_backend(backend)
        , m_desc(desc)
        , m_kernel(std::move(kernel))
        , m_scratch(desc.arguments.size())
        , m_pointers(desc.arguments.size(), nullptr)
        , m_args(desc.arguments.size(), nullptr)
    {
        for (const LaunchArgument& argument : m_desc.arguments)
            if (argument.kind == LaunchArgument::Kind::Array)
                ++m_arrays;
    }

    void run(std::span<const Array* const> inputs, Array& out) override
    {
        OpScope scope(m_desc.kernel.name.c_str());
        m_backend.makeCurrent();
        if (static_cast<int>(inputs.size()) != m_arrays)
            fail(ErrorCode::InvalidArgument, m_desc.where + ": " + std::to_string(m_arrays) + " arrays expected, " +
                                                 std::to_string(inputs.size()) + " given");
        const cudaStream_t stream = m_backend.stream();
        for (std::size_t i = 0; i < m_desc.arguments.size(); ++i) {
            LaunchArgument& argument = m_desc.arguments[i];
            if (argument.kind == LaunchArgument::Kind::Scalar) {
                m_args[i] = argument.bytes.data();
                continue;
            }
            const Array& in = *inputs[static_cast<std::size_t>(argument.input)];
            const KernelParam& param = m_desc.kernel.params[i];
            if (static_cast<int>(i) == m_desc.outParam) {
                if (in.shape() != out.shape() || in.dtype() != out.dtype())
                    fail(ErrorCode::ShapeMismatch, m_desc.where + ": out is " + out.shape().toString() +
                                                       ", the array bound to " + param.name + " " +
                                                       in.shape().toString());
                WB_CUDA_CHECK(cudaMemcpyAsync(out.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, stream));
                m_pointers[i] = out.data();
            } else if (!param.pointeeConst) {
                // The kernel may write it; the pipeline's value must keep its contents.
                Array& copy = m_scratch[i];
                if (!copy.valid() || copy.nbytes() != in.nbytes())
                    copy = m_backend.scratch(in.nbytes());
                WB_CUDA_CHECK(cudaMemcpyAsync(copy.data(), in.data(), in.nbytes(), cudaMemcpyDeviceToDevice, stream));
                m_pointers[i] = copy.data();
            } else {
                m_pointers[i] = in.data();
            }
            m_args[i] = &m_pointers[i];
        }
        const dim3 grid(m_desc.grid[0], m_desc.grid[1], m_desc.grid[2]);
        const dim3 block(m_desc.block[0], m_desc.block[1], m_desc.block[2]);
        WB_CUDA_CHECK(cudaLaunchKernel(m_kernel->function(), grid, block, m_args.data(), m_desc.sharedBytes, stream));
    }

private:
    CudaBackend& m_backend;
    LaunchDesc m_desc; // its own copy: the scalars' bytes are what the launch points at
    std::shared_ptr<const JitKernel> m_kernel;
    int m_arrays = 0;
    std::vector<Array> m_scratch; // per parameter: the private copy of a written array
    std::vector<void*> m_pointers;
    std::vector<void*> m_args; // what cudaLaunchKernel reads each parameter from
};

} // namespace

std::unique_ptr<NaryOp> CudaBackend::prepareLaunch(const LaunchDesc& desc, LaunchBuild& build)
{
    OpScope scope("launch");
    desc.validate();
    makeCurrent();
    KernelCompileRequest request;
    request.source = desc.source;
    request.file = desc.file;
    request.directory = desc.directory;
    request.arch = jitKernels().arch();
    request.options = desc.compileOptions();
    CompileResult program;
    const KernelCompileResult compiled = compileUserKernel(request, 0, &program);
    build.arch = compiled.arch;
    build.compileMs = compiled.compileMs;
    build.cacheHit = compiled.cacheHit;
    build.compiled = compiled.success;
    build.log = compiled.log;
    build.diagnostics = compiled.diagnostics;
    if (!compiled.success)
        fail(ErrorCode::InvalidArgument,
             desc.fileName() + " does not compile for " + compiled.arch + ":" + diagnosticLines(compiled),
             {.library = "NVRTC"});
    build.function = entryName(compiled.ptx, desc.kernel.name);
    if (build.function.empty())
        fail(ErrorCode::InvalidArgument, "the compiled " + desc.fileName() + " has no kernel '" + desc.kernel.name +
                                             "' (is it inside a namespace, or removed by the defines?)");
    const auto started = std::chrono::steady_clock::now();
    auto kernel = std::make_shared<const JitKernel>(program, build.function);
    build.loadMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();

    const cudaFuncAttributes& attributes = kernel->attributes();
    const std::int64_t threads = std::int64_t{desc.block[0]} * desc.block[1] * desc.block[2];
    if (threads > attributes.maxThreadsPerBlock)
        fail(ErrorCode::InvalidArgument,
             desc.kernel.name + " runs at most " + std::to_string(attributes.maxThreadsPerBlock) +
                 " threads per block (its registers or __launch_bounds__), the block has " + std::to_string(threads));
    int sharedOptIn = 0;
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&sharedOptIn, cudaDevAttrMaxSharedMemoryPerBlockOptin, device()));
    const std::size_t shared = attributes.sharedSizeBytes + desc.sharedBytes;
    if (shared > static_cast<std::size_t>(sharedOptIn))
        fail(ErrorCode::InvalidArgument, desc.kernel.name + " needs " + std::to_string(attributes.sharedSizeBytes) +
                                             " bytes of static and " + std::to_string(desc.sharedBytes) +
                                             " of dynamic shared memory per block; this GPU has " +
                                             std::to_string(sharedOptIn));
    // Above the default 48 KiB the kernel must opt in to dynamic shared memory.
    if (desc.sharedBytes > static_cast<std::uint32_t>(attributes.maxDynamicSharedSizeBytes))
        WB_CUDA_CHECK(cudaFuncSetAttribute(kernel->function(), cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           static_cast<int>(desc.sharedBytes)));
    return std::make_unique<LaunchOp>(*this, desc, std::move(kernel));
}

} // namespace wb::cuda
