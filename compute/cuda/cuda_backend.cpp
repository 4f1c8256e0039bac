#include "cuda_backend.h"

#include "ops.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace wb::cuda {

namespace {

// Below this a host<->device copy goes straight to cudaMemcpyAsync: the runtime stages
// small pageable copies itself, and a pinned round trip would cost more than it saves.
constexpr std::size_t kStagingThreshold = std::size_t{1} << 20;

// Requests at least this large are compared with free memory before the pool is asked,
// so that a request that cannot fit fails with a clear message and without the pool
// trimming itself first. Smaller ones just try.
constexpr std::size_t kCheckFreeAbove = std::size_t{256} << 20;

// Hopper's cuBLAS wants 32 MiB of workspace for its fastest kernels (4 MiB before it).
constexpr std::size_t kCublasWorkspaceBytes = std::size_t{32} << 20;

int selectDevice(int device)
{
    WB_CUDA_CHECK(cudaSetDevice(device));
    return device;
}

bool isPinned(const void* host)
{
    cudaPointerAttributes attributes{};
    WB_CUDA_CHECK(cudaPointerGetAttributes(&attributes, host));
    return attributes.type == cudaMemoryTypeHost;
}

class CudaTimer final : public Timer {
public:
    explicit CudaTimer(cudaStream_t stream)
        : m_stream(stream)
        , m_start(createEvent())
        , m_stop(createEvent())
    {
    }

    void start() override
    {
        WB_CUDA_CHECK(cudaEventRecord(m_start.get(), m_stream));
        m_started = true;
        m_stopped = false;
    }

    void stop() override
    {
        if (!m_started)
            fail(ErrorCode::InvalidArgument, "Timer::stop() before start()");
        WB_CUDA_CHECK(cudaEventRecord(m_stop.get(), m_stream));
        m_stopped = true;
    }

    double elapsedMs() override
    {
        if (!m_stopped)
            fail(ErrorCode::InvalidArgument, "Timer::elapsedMs() before stop()");
        WB_CUDA_CHECK(cudaEventSynchronize(m_stop.get()));
        float ms = 0;
        WB_CUDA_CHECK(cudaEventElapsedTime(&ms, m_start.get(), m_stop.get()));
        return ms;
    }

private:
    cudaStream_t m_stream;
    Event m_start;
    Event m_stop;
    bool m_started = false;
    bool m_stopped = false;
};

// One event per mark; marks recorded during stream capture become event-record nodes of
// the graph, and their times are read after the graph ran.
class CudaTimeline final : public Timeline {
public:
    // `recording` is the backend's flag, true while its stream is captured into a graph.
    CudaTimeline(cudaStream_t stream, const bool& recording, int marks)
        : m_stream(stream)
        , m_recording(recording)
    {
        for (int i = 0; i < marks; ++i)
            m_events.push_back(createEvent());
    }

    int size() const override { return static_cast<int>(m_events.size()); }

    // A plain cudaEventRecord during stream capture only marks a point for cross-stream
    // waits; an external record makes it an event-record node that the graph runs.
    void mark(int index) override
    {
        if (m_recording)
            WB_CUDA_CHECK(cudaEventRecordWithFlags(event(index), m_stream, cudaEventRecordExternal));
        else
            WB_CUDA_CHECK(cudaEventRecord(event(index), m_stream));
    }

    double elapsedMs(int from, int to) override
    {
        WB_CUDA_CHECK(cudaEventSynchronize(event(to)));
        float ms = 0;
        WB_CUDA_CHECK(cudaEventElapsedTime(&ms, event(from), event(to)));
        return ms;
    }

private:
    cudaEvent_t event(int index) const
    {
        if (index < 0 || index >= size())
            fail(ErrorCode::InvalidArgument,
                 "timeline mark " + std::to_string(index) + " of " + std::to_string(size()));
        return m_events[static_cast<std::size_t>(index)].get();
    }

    cudaStream_t m_stream;
    const bool& m_recording;
    std::vector<Event> m_events;
};

class CudaRecording final : public Recording {
public:
    CudaRecording(const CudaBackend& backend, Graph graph)
        : m_backend(backend)
        , m_graph(std::move(graph))
    {
        cudaGraphExec_t exec = nullptr;
        WB_CUDA_CHECK(cudaGraphInstantiate(&exec, m_graph.get(), 0));
        m_exec = GraphExec(exec);
    }

    void replay() override
    {
        m_backend.makeCurrent();
        WB_CUDA_CHECK(cudaGraphLaunch(m_exec.get(), m_backend.stream()));
    }

private:
    const CudaBackend& m_backend;
    Graph m_graph;
    GraphExec m_exec;
};

} // namespace

// ---- DeviceAllocator ------------------------------------------------------------------

DeviceAllocator::DeviceAllocator(int device, cudaStream_t stream)
    : m_device(device)
    , m_stream(stream)
{
    int supported = 0;
    WB_CUDA_CHECK(cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device));
    if (!supported)
        fail(ErrorCode::Unavailable,
             "CUDA device " + std::to_string(device) + " does not support stream-ordered memory pools");
    WB_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&m_pool, device));
    // Keep freed memory in the pool: without this, every synchronisation would hand it back
    // to the driver and the next run would pay for cudaMalloc again.
    std::uint64_t threshold = std::numeric_limits<std::uint64_t>::max();
    WB_CUDA_CHECK(cudaMemPoolSetAttribute(m_pool, cudaMemPoolAttrReleaseThreshold, &threshold));
}

std::size_t DeviceAllocator::availableBytes(std::size_t* totalBytes) const
{
    // cudaMemGetInfo reports on the current device; allocations may come from any thread,
    // so switch to this device for the call and back again.
    int previous = 0;
    WB_CUDA_CHECK(cudaGetDevice(&previous));
    WB_CUDA_CHECK(cudaSetDevice(m_device));
    std::size_t freeBytes = 0;
    const cudaError_t status = cudaMemGetInfo(&freeBytes, totalBytes);
    WB_CUDA_CHECK(cudaSetDevice(previous));
    checkCuda(status, WB_CUDA_CALL_SITE("cudaMemGetInfo(&freeBytes, totalBytes)"));
    std::uint64_t reserved = 0, used = 0;
    WB_CUDA_CHECK(cudaMemPoolGetAttribute(m_pool, cudaMemPoolAttrReservedMemCurrent, &reserved));
    WB_CUDA_CHECK(cudaMemPoolGetAttribute(m_pool, cudaMemPoolAttrUsedMemCurrent, &used));
    return freeBytes + static_cast<std::size_t>(reserved - std::min(used, reserved));
}

void* DeviceAllocator::allocate(std::size_t bytes)
{
    if (bytes == 0)
        return nullptr;
    std::size_t total = 0;
    if (bytes >= kCheckFreeAbove) {
        const std::size_t available = availableBytes(&total);
        if (bytes > available)
            failOutOfMemory(bytes, available, total, WB_CUDA_CALL_SITE("cudaMallocAsync"));
    }
    void* ptr = nullptr;
    cudaError_t status = cudaMallocAsync(&ptr, bytes, m_stream);
    if (status == cudaErrorMemoryAllocation) {
        // The pool may hold enough freed memory, but in blocks that do not fit this request:
        // wait for the work that may still use them, give them back, and try once more.
        cudaGetLastError();
        WB_CUDA_CHECK(cudaStreamSynchronize(m_stream));
        WB_CUDA_CHECK(cudaMemPoolTrimTo(m_pool, 0));
        status = cudaMallocAsync(&ptr, bytes, m_stream);
        if (status == cudaErrorMemoryAllocation) {
            cudaGetLastError();
            const std::size_t available = availableBytes(&total);
            failOutOfMemory(bytes, available, total, WB_CUDA_CALL_SITE("cudaMallocAsync"));
        }
    }
    checkCuda(status, WB_CUDA_CALL_SITE("cudaMallocAsync(&ptr, bytes, m_stream)"));
    recordAllocate(bytes);
    return ptr;
}

void DeviceAllocator::deallocate(void* ptr, std::size_t bytes) noexcept
{
    if (!ptr)
        return;
    // A failure here (the context is gone) cannot be reported from a destructor; clear it
    // so that it is not blamed on the next, unrelated check. Sticky errors stay anyway.
    if (cudaFreeAsync(ptr, m_stream) != cudaSuccess)
        cudaGetLastError();
    recordDeallocate(bytes);
}

// ---- StagingBuffers -------------------------------------------------------------------

StagingBuffers::StagingBuffers()
    : m_blocks{allocatePinned(kChunkBytes), allocatePinned(kChunkBytes)}
    , m_released{createEvent(cudaEventDisableTiming), createEvent(cudaEventDisableTiming)}
{
}

void StagingBuffers::toDevice(const void* host, void* device, std::size_t bytes, cudaStream_t stream)
{
    const auto* source = static_cast<const char*>(host);
    auto* target = static_cast<char*>(device);
    int block = 0;
    for (std::size_t offset = 0; offset < bytes; offset += kChunkBytes, block ^= 1) {
        const std::size_t chunk = std::min(kChunkBytes, bytes - offset);
        // Wait until the copy engine has read what this block held last time.
        WB_CUDA_CHECK(cudaEventSynchronize(m_released[block].get()));
        std::memcpy(m_blocks[block].get(), source + offset, chunk);
        WB_CUDA_CHECK(cudaMemcpyAsync(target + offset, m_blocks[block].get(), chunk, cudaMemcpyHostToDevice, stream));
        WB_CUDA_CHECK(cudaEventRecord(m_released[block].get(), stream));
    }
}

void StagingBuffers::toHost(const void* device, void* host, std::size_t bytes, cudaStream_t stream)
{
    const auto* source = static_cast<const char*>(device);
    auto* target = static_cast<char*>(host);
    const std::size_t chunks = (bytes + kChunkBytes - 1) / kChunkBytes;
    auto chunkBytes = [&](std::size_t chunk) { return std::min(kChunkBytes, bytes - chunk * kChunkBytes); };
    // Chunk c goes through block c % 2; the copy engine fills one block while the CPU
    // empties the other. Work queued earlier on the stream that reads a block (a staged
    // upload) comes first in stream order, so the first two chunks need no wait.
    auto queue = [&](std::size_t chunk) {
        const int block = static_cast<int>(chunk % 2);
        WB_CUDA_CHECK(cudaMemcpyAsync(m_blocks[block].get(), source + chunk * kChunkBytes, chunkBytes(chunk),
                                      cudaMemcpyDeviceToHost, stream));
        WB_CUDA_CHECK(cudaEventRecord(m_released[block].get(), stream));
    };
    for (std::size_t chunk = 0; chunk < std::min<std::size_t>(chunks, 2); ++chunk)
        queue(chunk);
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
        const int block = static_cast<int>(chunk % 2);
        WB_CUDA_CHECK(cudaEventSynchronize(m_released[block].get()));
        std::memcpy(target + chunk * kChunkBytes, m_blocks[block].get(), chunkBytes(chunk));
        if (chunk + 2 < chunks)
            queue(chunk + 2);
    }
}

// ---- CudaBackend ----------------------------------------------------------------------

CudaBackend::CudaBackend(int device)
    : m_device(selectDevice(device))
    , m_stream(createStream())
    , m_allocator(device, m_stream.get())
    , m_cublas(createCublas())
    , m_cublasWorkspace(Array::empty(Shape{static_cast<std::int64_t>(kCublasWorkspaceBytes)}, DType::U8, m_allocator))
    , m_curand(createCurand(CURAND_RNG_PSEUDO_PHILOX4_32_10))
{
    // cublasSetStream resets the workspace to cuBLAS's own pool, so the stream comes first.
    WB_CUBLAS_CHECK(cublasSetStream(m_cublas.get(), m_stream.get()));
    WB_CUBLAS_CHECK(cublasSetWorkspace(m_cublas.get(), m_cublasWorkspace.data(), kCublasWorkspaceBytes));
    WB_CURAND_CHECK(curandSetStream(m_curand.get(), m_stream.get()));
    // The workspace was allocated in stream order; have it ready before the first op.
    synchronize();
}

CudaBackend::~CudaBackend()
{
    // Let queued work finish before its handles and memory go. Errors are ignored: a lost
    // device has already been reported, and destructors must not throw.
    if (cudaSetDevice(m_device) == cudaSuccess)
        cudaStreamSynchronize(m_stream.get());
    cudaGetLastError();
}

// cudaGetDevice reads the thread's current device without a driver call; cudaSetDevice is
// paid only when another device is current, which keeps launch-bound ops lean.
void CudaBackend::makeCurrent() const
{
    int current = -1;
    WB_CUDA_CHECK(cudaGetDevice(&current));
    if (current != m_device)
        WB_CUDA_CHECK(cudaSetDevice(m_device));
}

void CudaBackend::setCublasMathMode(cublasMath_t mode)
{
    if (m_cublasMathMode == mode)
        return;
    WB_CUBLAS_CHECK(cublasSetMathMode(m_cublas.get(), mode));
    m_cublasMathMode = mode;
}

void CudaBackend::synchronize()
{
    makeCurrent();
    WB_CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
}

std::unique_ptr<Timer> CudaBackend::createTimer()
{
    makeCurrent();
    return std::make_unique<CudaTimer>(m_stream.get());
}

std::unique_ptr<Timeline> CudaBackend::createTimeline(int marks)
{
    makeCurrent();
    return std::make_unique<CudaTimeline>(m_stream.get(), m_recording, marks);
}

void CudaBackend::beginRecording()
{
    if (m_recording)
        fail(ErrorCode::InvalidArgument, "beginRecording() while already recording");
    makeCurrent();
    WB_CUDA_CHECK(cudaStreamBeginCapture(m_stream.get(), cudaStreamCaptureModeThreadLocal));
    m_recording = true;
}

std::unique_ptr<Recording> CudaBackend::endRecording()
{
    if (!m_recording)
        fail(ErrorCode::InvalidArgument, "endRecording() without beginRecording()");
    makeCurrent();
    m_recording = false;
    cudaGraph_t graph = nullptr;
    const cudaError_t status = cudaStreamEndCapture(m_stream.get(), &graph);
    Graph owned(graph);
    if (status != cudaSuccess) {
        // A call that cannot be captured invalidates the capture; the error it left is
        // not sticky, so clear it and report why nothing was recorded.
        cudaGetLastError();
        fail(ErrorCode::Unsupported, std::string("the work could not be recorded as a CUDA graph: ") +
                                         cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
    }
    return std::make_unique<CudaRecording>(*this, std::move(owned));
}

void CudaBackend::copy(const Array& src, Array& dst)
{
    OpScope scope("copy");
    if (m_recording)
        fail(ErrorCode::Unsupported, "copy() cannot be recorded into a graph; copy before or after recording",
             {.op = "copy"});
    if (!src.valid() || !dst.valid())
        fail(ErrorCode::InvalidArgument, "copy of an empty array", {.op = "copy"});
    if (src.dtype() != dst.dtype())
        fail(ErrorCode::DTypeMismatch,
             "copy from " + std::string(wb::name(src.dtype())) + " to " + std::string(wb::name(dst.dtype())) +
                 " (convert with astype)",
             {.op = "copy"});
    if (src.shape() != dst.shape())
        fail(ErrorCode::ShapeMismatch, "copy from " + src.shape().toString() + " to " + dst.shape().toString(),
             {.op = "copy"});
    if (!src.isContiguous() || !dst.isContiguous())
        fail(ErrorCode::Unsupported, "copy of a non-contiguous array", {.op = "copy"});
    auto requireReachable = [this](const Array& side) {
        if (!side.place().isHost() && side.place() != place())
            fail(ErrorCode::InvalidArgument,
                 "backend " + name() + " cannot copy an array on " + side.place().toString(), {.op = "copy"});
    };
    requireReachable(src);
    requireReachable(dst);
    const std::size_t bytes = src.nbytes();
    if (bytes == 0 || src.data() == dst.data())
        return;
    const bool fromHost = src.place().isHost();
    const bool toHost = dst.place().isHost();
    if (fromHost && toHost) {
        std::memcpy(dst.data(), src.data(), bytes);
        return;
    }
    makeCurrent();
    const cudaStream_t stream = m_stream.get();
    if (!fromHost && !toHost) {
        WB_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToDevice, stream));
    } else if (fromHost) {
        if (bytes < kStagingThreshold || isPinned(src.data()))
            WB_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyHostToDevice, stream));
        else
            m_staging.toDevice(src.data(), dst.data(), bytes, stream);
    } else {
        if (bytes < kStagingThreshold || isPinned(dst.data()))
            WB_CUDA_CHECK(cudaMemcpyAsync(dst.data(), src.data(), bytes, cudaMemcpyDeviceToHost, stream));
        else
            m_staging.toHost(src.data(), dst.data(), bytes, stream);
    }
}

std::unique_ptr<BinaryOp> CudaBackend::prepareMatmul(const MatmulDesc& desc)
{
    return cuda::prepareMatmul(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareFft(const FftDesc& desc) { return cuda::prepareFft(*this, desc); }

std::unique_ptr<UnaryOp> CudaBackend::prepareFftShift(const FftShiftDesc& desc)
{
    return cuda::prepareFftShift(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareGaussian(const GaussianDesc& desc)
{
    return cuda::prepareGaussian(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareBox(const BoxDesc& desc) { return cuda::prepareBox(*this, desc); }

std::unique_ptr<UnaryOp> CudaBackend::prepareMorphology(const MorphDesc& desc)
{
    return cuda::prepareMorphology(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareMedian(const MedianDesc& desc) { return cuda::prepareMedian(*this, desc); }

std::unique_ptr<UnaryOp> CudaBackend::prepareBilateral(const BilateralDesc& desc)
{
    return cuda::prepareBilateral(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareDerivative(const DerivativeDesc& desc)
{
    return cuda::prepareDerivative(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareLaplacian(const LaplacianDesc& desc)
{
    return cuda::prepareLaplacian(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareConv2d(const Conv2dDesc& desc) { return cuda::prepareConv2d(*this, desc); }

std::unique_ptr<UnaryOp> CudaBackend::prepareGrayscale(const GrayscaleDesc& desc)
{
    return cuda::prepareGrayscale(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareConvert(const ConvertDesc& desc)
{
    return cuda::prepareConvert(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareThreshold(const ThresholdDesc& desc)
{
    return cuda::prepareThreshold(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareNormalize(const NormalizeDesc& desc)
{
    return cuda::prepareNormalize(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareResize(const ResizeDesc& desc) { return cuda::prepareResize(*this, desc); }

std::unique_ptr<NaryOp> CudaBackend::prepareElementwise(const ElementwiseDesc& desc)
{
    return cuda::prepareElementwise(*this, desc);
}

std::unique_ptr<UnaryOp> CudaBackend::prepareReduce(const ReduceDesc& desc) { return cuda::prepareReduce(*this, desc); }

void CudaBackend::fillRandom(const RandomDesc& desc, Array& out) { cuda::fillRandom(*this, desc, out); }

void CudaBackend::misbehave(const TestMisbehaviour& what)
{
    // A graph would hold the kernels but not a host hang, and a test op is not measured.
    if (m_recording)
        fail(ErrorCode::Unsupported, "test ops cannot be recorded into a CUDA graph");
    if (what.kind == TestMisbehaviour::Kind::Hang)
        hangThread(what.seconds);
    else
        cuda::misbehave(*this, what);
}

// ---- Shared by the ops ----------------------------------------------------------------

} // namespace wb::cuda
