// Elementwise expressions on the GPU: one kernel per desc, generated as CUDA C++
// (elementwise_codegen.h) and compiled by NVRTC for the device in prepare, through the
// backend's kernel cache and the disk cache (jit_kernel.h, kernel_disk_cache.h). run()
// checks its operands and launches; it allocates nothing and never synchronises, so it
// can be recorded into a CUDA graph.
//
// Launch: kElementwiseBlock threads per block; the vector kernel where every streamed array
// is aligned to its vector, else the scalar one, each with the index width n needs (see
// elementwise_codegen.h). Grids are sized in prepare from the SM count and each kernel's
// occupancy: one block per tile up to kElementwiseWaves waves of resident blocks, so that
// run() decides between two precomputed launches from the pointers' addresses alone.

#include "check.h"
#include "cuda_backend.h"
#include "elementwise_codegen.h"
#include "jit_kernel.h"
#include "launch.h"
#include "ops.h"

#include "core/operand_check.h"

#include <algorithm>
#include <cstdint>
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

// One of the program's kernels with the grid it is launched with.
struct Launch {
    const void* function = nullptr;
    unsigned blocks = 0;
};

class ElementwiseOp final : public NaryOp {
public:
    ElementwiseOp(CudaBackend& backend, ElementwiseDesc desc, ElementwiseLayout layout,
                  std::shared_ptr<const JitKernel> kernels, Launch vectorLaunch, Launch scalarLaunch)
        : m_backend(backend)
        , m_desc(std::move(desc))
        , m_outType(m_desc.outputDType())
        , m_layout(std::move(layout))
        , m_kernels(std::move(kernels))
        , m_vector(vectorLaunch)
        , m_scalar(scalarLaunch)
        , m_count(m_desc.shape.numel())
        , m_inputPointers(m_desc.inputs.size(), nullptr)
    {
        for (std::size_t input = 0; input < m_desc.inputs.size(); ++input)
            m_roles.push_back("input " + std::to_string(input));
        // The kernels' parameters in order: one pointer per input, the output, n.
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
            const bool inPlace =
                in.data() == out.data() && !m_layout.broadcast[k] && sizeOf(in.dtype()) == sizeOf(m_outType);
            if (!inPlace)
                detail::requireSeparate(in, out, "elementwise");
        }
        if (m_count == 0)
            return;
        m_backend.makeCurrent();
        for (std::size_t k = 0; k < inputs.size(); ++k)
            m_inputPointers[k] = inputs[k]->data();
        m_outPointer = out.data();
        // Host arithmetic on the addresses only: the same choice when run() is recorded.
        const Launch& launch =
            m_vector.function && fitsVectorPath(m_layout, m_inputPointers, m_outPointer) ? m_vector : m_scalar;
        WB_CUDA_CHECK(cudaLaunchKernel(launch.function, dim3(launch.blocks), dim3(kElementwiseThreads),
                                       m_arguments.data(), 0, m_backend.stream()));
        WB_CUDA_CHECK_LAUNCH("wb_elementwise");
    }

private:
    CudaBackend& m_backend;
    ElementwiseDesc m_desc;
    DType m_outType;
    ElementwiseLayout m_layout;
    std::shared_ptr<const JitKernel> m_kernels; // owns the code m_vector and m_scalar launch
    Launch m_vector;                            // no function when the program has no vector kernels
    Launch m_scalar;
    std::vector<std::string> m_roles;
    long long m_count; // the kernels' n
    // What m_arguments points at (cudaLaunchKernel takes the address of each argument);
    // set in run(), sized in the constructor so run() allocates nothing.
    std::vector<const void*> m_inputPointers;
    void* m_outPointer = nullptr;
    std::vector<void*> m_arguments;
};

// The launch of kernel `index` of the program over `units` vectors (elements, for the
// scalar kernels): a block per tile of kElementwiseUnroll x kElementwiseBlock of them, at
// most kElementwiseWaves times what the device holds at once, at least one (for the tail
// of a vector kernel with no whole vector).
Launch launchOf(const JitKernel& kernels, std::size_t index, std::int64_t units, int smCount)
{
    const cudaFuncAttributes& attributes = kernels.attributes(index);
    if (attributes.maxThreadsPerBlock < kElementwiseBlock)
        fail(ErrorCode::Internal,
             "the generated kernel runs at most " + std::to_string(attributes.maxThreadsPerBlock) +
                 " threads per block, fewer than the " + std::to_string(kElementwiseBlock) + " it is launched with",
             {.op = "elementwise"});
    int resident = 0;
    WB_CUDA_CHECK(
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, kernels.function(index), kElementwiseBlock, 0));
    constexpr std::int64_t kTile = std::int64_t{kElementwiseUnroll} * kElementwiseBlock;
    const std::int64_t tiles = std::max<std::int64_t>(1, (units + kTile - 1) / kTile);
    const std::int64_t most = std::int64_t{std::max(smCount, 1)} * std::max(resident, 1) * kElementwiseWaves;
    return {kernels.function(index), static_cast<unsigned>(std::min(tiles, most))};
}

} // namespace

std::unique_ptr<NaryOp> prepareElementwise(CudaBackend& backend, const ElementwiseDesc& desc)
{
    OpScope scope("elementwise");
    ElementwiseDesc validated = desc;
    validated.validate();
    ElementwiseLayout layout = elementwiseLayout(validated);

    std::string key = memoryKey(validated, layout.broadcast);
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
    // Every kernel of the program, whichever this op launches: one compile and one cache
    // entry per desc, whatever the size.
    const std::vector<std::string> names = elementwiseKernelNames(layout);
    std::shared_ptr<const JitKernel> kernels = backend.jitKernels().kernel(key, request, names);

    const std::int64_t count = validated.shape.numel();
    const bool wideIndex = elementwiseWideIndex(count);
    int smCount = 0;
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&smCount, cudaDevAttrMultiProcessorCount, backend.device()));
    auto indexOf = [&](bool vector) {
        const auto found = std::find(names.begin(), names.end(), elementwiseKernelName(vector, wideIndex));
        return static_cast<std::size_t>(found - names.begin());
    };
    const Launch scalarLaunch = launchOf(*kernels, indexOf(false), count, smCount);
    const Launch vectorLaunch =
        layout.vectorWidth > 1 ? launchOf(*kernels, indexOf(true), count / layout.vectorWidth, smCount) : Launch{};
    return std::make_unique<ElementwiseOp>(backend, std::move(validated), std::move(layout), std::move(kernels),
                                           vectorLaunch, scalarLaunch);
}

} // namespace wb::cuda
