// Elementwise expressions on the GPU: one kernel per desc, generated as CUDA C++
// (elementwise_codegen.h) and compiled by NVRTC for the device in prepare, through the
// backend's kernel cache and the disk cache (jit_kernel.h, kernel_disk_cache.h). run()
// checks its operands and launches; it allocates nothing and never synchronises, so it
// can be recorded into a CUDA graph.
//
// Launch: gridStrideBlocks(n) blocks of kElementwiseBlock threads (launch.h), 1-D
// grid-stride loop; no shared memory (see elementwise_codegen.h).

#include "check.h"
#include "cuda_backend.h"
#include "elementwise_codegen.h"
#include "jit_kernel.h"
#include "launch.h"
#include "ops.h"

#include "core/operand_check.h"

#include <string>
#include <vector>

namespace wb::cuda {

static_assert(kElementwiseBlock == static_cast<int>(kElementwiseThreads));

namespace {

// Equal texts with equal input dtypes mean equal kernels (ElementwiseDesc::text()); which
// inputs are broadcast changes how the kernel reads them, so that is in the key too.
std::string memoryKey(const ElementwiseDesc& desc, const std::vector<bool>& broadcast)
{
    std::string key = desc.text();
    key += '\n';
    for (std::size_t input = 0; input < desc.inputs.size(); ++input) {
        key += name(desc.inputs[input]);
        key += broadcast[input] ? "[1]," : ",";
    }
    return key;
}

class ElementwiseOp final : public NaryOp {
public:
    ElementwiseOp(CudaBackend& backend, ElementwiseDesc desc, std::vector<bool> broadcast,
                  std::shared_ptr<const JitKernel> kernel)
        : m_backend(backend)
        , m_desc(std::move(desc))
        , m_outType(m_desc.outputDType())
        , m_broadcast(std::move(broadcast))
        , m_kernel(std::move(kernel))
        , m_count(m_desc.shape.numel())
        , m_blocks(m_count > 0 ? gridStrideBlocks(m_count) : 0)
        , m_inputPointers(m_desc.inputs.size(), nullptr)
    {
        for (std::size_t input = 0; input < m_desc.inputs.size(); ++input)
            m_roles.push_back("input " + std::to_string(input));
        // The kernel's parameters in order: one pointer per input, the output, n.
        for (const void*& pointer : m_inputPointers)
            m_arguments.push_back(&pointer);
        m_arguments.push_back(&m_outPointer);
        m_arguments.push_back(&m_count);
    }

    void run(std::span<const Array* const> inputs, Array& out) override
    {
        OpScope scope("elementwise");
        if (inputs.size() != m_desc.inputs.size())
            fail(ErrorCode::InvalidArgument,
                 std::to_string(inputs.size()) + " inputs given, prepared for " + std::to_string(m_desc.inputs.size()),
                 {.op = "elementwise"});
        const Place place = m_backend.place();
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            if (!inputs[k])
                fail(ErrorCode::InvalidArgument, m_roles[k] + " is missing", {.op = "elementwise"});
            detail::checkOperand(*inputs[k], m_desc.inputShapes[k], m_desc.inputs[k], place, "elementwise",
                                 m_roles[k].c_str());
        }
        detail::checkOperand(out, m_desc.shape, m_outType, place, "elementwise", "output");
        // Each thread reads element i of an input before it writes element i of the output,
        // so an input may be the output itself; any other overlap would race.
        for (std::size_t k = 0; k < inputs.size(); ++k) {
            const Array& in = *inputs[k];
            const bool inPlace = in.data() == out.data() && !m_broadcast[k] && sizeOf(in.dtype()) == sizeOf(m_outType);
            if (!inPlace)
                detail::requireSeparate(in, out, "elementwise");
        }
        if (m_count == 0)
            return;
        m_backend.makeCurrent();
        for (std::size_t k = 0; k < inputs.size(); ++k)
            m_inputPointers[k] = inputs[k]->data();
        m_outPointer = out.data();
        WB_CUDA_CHECK(cudaLaunchKernel(m_kernel->function(), dim3(m_blocks), dim3(kElementwiseThreads),
                                       m_arguments.data(), 0, m_backend.stream()));
        WB_CUDA_CHECK_LAUNCH("wb_elementwise");
    }

private:
    CudaBackend& m_backend;
    ElementwiseDesc m_desc;
    DType m_outType;
    std::vector<bool> m_broadcast;
    std::shared_ptr<const JitKernel> m_kernel;
    std::vector<std::string> m_roles;
    long long m_count; // the kernel's n
    unsigned m_blocks;
    // What m_arguments points at (cudaLaunchKernel takes the address of each argument);
    // set in run(), sized in the constructor so run() allocates nothing.
    std::vector<const void*> m_inputPointers;
    void* m_outPointer = nullptr;
    std::vector<void*> m_arguments;
};

} // namespace

std::unique_ptr<NaryOp> prepareElementwise(CudaBackend& backend, const ElementwiseDesc& desc)
{
    OpScope scope("elementwise");
    ElementwiseDesc validated = desc;
    validated.validate();
    std::vector<bool> broadcast;
    for (std::size_t input = 0; input < validated.inputs.size(); ++input)
        broadcast.push_back(isBroadcastInput(validated, static_cast<int>(input)));

    std::string key = memoryKey(validated, broadcast);
    std::string generated;
    if (key.front() == '\n') {
        // No canonical text to key on: the generated source itself is the key.
        generated = generateElementwiseKernel(validated).source;
        key += generated;
    }
    backend.makeCurrent();
    auto request = [&] {
        CompileRequest program;
        program.source = generated.empty() ? generateElementwiseKernel(validated).source : generated;
        program.programName = "wb_elementwise.cu";
        program.options = elementwiseCompileOptions();
        return program;
    };
    std::shared_ptr<const JitKernel> kernel = backend.jitKernels().kernel(key, request, kElementwiseKernelName);
    if (kernel->attributes().maxThreadsPerBlock < kElementwiseBlock)
        fail(ErrorCode::Internal,
             "the generated kernel runs at most " + std::to_string(kernel->attributes().maxThreadsPerBlock) +
                 " threads per block, fewer than the " + std::to_string(kElementwiseBlock) + " it is launched with",
             {.op = "elementwise"});
    return std::make_unique<ElementwiseOp>(backend, std::move(validated), std::move(broadcast), std::move(kernel));
}

} // namespace wb::cuda
