#pragma once
// The CUDA backend for one device: one non-blocking stream that every op, copy and
// allocation of the backend is queued on, a counting stream-ordered allocator, pinned
// staging buffers for copies from and to pageable host memory, and the library handles
// the ops share (cuBLAS with its workspace, a cuRAND generator). All of it is made in the
// constructor, so nothing of it lands in a timed run.

#include "handles.h"
#include "jit_kernel.h"

#include <wb/backend.h>

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace wb::cuda {

// Device memory from the device's default memory pool, allocated and freed in stream
// order on the backend's stream (cudaMallocAsync / cudaFreeAsync), so a block freed while
// kernels still read it is reused only by work queued after them. The pool keeps freed
// memory for reuse instead of giving it back to the driver at each synchronisation.
// Requests that cannot fit are refused with OutOfMemory naming the size and what is free.
class DeviceAllocator final : public Allocator {
public:
    DeviceAllocator(int device, cudaStream_t stream);

    Place place() const override { return Place::cuda(m_device); }
    void* allocate(std::size_t bytes) override;
    void deallocate(void* ptr, std::size_t bytes) noexcept override;

private:
    // Free device memory plus what the pool holds beyond the blocks handed out.
    std::size_t availableBytes(std::size_t* totalBytes) const;

    int m_device;
    cudaStream_t m_stream;
    cudaMemPool_t m_pool = nullptr;
};

// Two pinned host blocks that large copies between pageable host memory and the device
// pass through, chunk by chunk: the CPU fills (or drains) one block while the copy engine
// works on the other. An event per block records when the copy engine is done with it.
class StagingBuffers {
public:
    StagingBuffers();

    // Returns once every chunk is queued; the host source may be reused at once.
    void toDevice(const void* host, void* device, std::size_t bytes, cudaStream_t stream);
    // Returns once the host destination holds the data (the CPU does the last copy).
    void toHost(const void* device, void* host, std::size_t bytes, cudaStream_t stream);

    static constexpr std::size_t kChunkBytes = std::size_t{64} << 20;

private:
    std::array<PinnedHostBlock, 2> m_blocks;
    std::array<Event, 2> m_released;
};

struct PlannedFft;

class CudaBackend final : public Backend {
public:
    // Throws CudaCallFailed (or OutOfMemory) when the device cannot be set up.
    explicit CudaBackend(int device);
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    Place place() const override { return Place::cuda(m_device); }
    std::string name() const override { return "cuda:" + std::to_string(m_device); }
    Allocator& allocator() override { return m_allocator; }
    void synchronize() override;
    std::unique_ptr<Timer> createTimer() override;
    std::unique_ptr<Timeline> createTimeline(int marks) override;
    bool canRecord() const override { return true; }
    // Stream capture of the backend's stream (thread-local mode: other threads' CUDA calls
    // are not affected) into a CUDA graph, instantiated once and launched by replay().
    void beginRecording() override;
    std::unique_ptr<Recording> endRecording() override;
    bool recording() const { return m_recording; }
    void copy(const Array& src, Array& dst) override;

    std::unique_ptr<BinaryOp> prepareMatmul(const MatmulDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareFft(const FftDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareFftShift(const FftShiftDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareGaussian(const GaussianDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareBox(const BoxDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareMorphology(const MorphDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareMedian(const MedianDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareBilateral(const BilateralDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareDerivative(const DerivativeDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareLaplacian(const LaplacianDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareConv2d(const Conv2dDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareGrayscale(const GrayscaleDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareConvert(const ConvertDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareThreshold(const ThresholdDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareNormalize(const NormalizeDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareResize(const ResizeDesc& desc) override;
    std::unique_ptr<NaryOp> prepareElementwise(const ElementwiseDesc& desc) override;
    std::unique_ptr<UnaryOp> prepareReduce(const ReduceDesc& desc) override;
    void fillRandom(const RandomDesc& desc, Array& out) override;
    // user_kernel_launch.cpp
    std::unique_ptr<NaryOp> prepareLaunch(const LaunchDesc& desc, LaunchBuild& build) override;
    void misbehave(const TestMisbehaviour& what) override;

    // For the ops in this folder. The CUDA runtime's current device is per thread, so
    // every entry point makes this backend's device current before its first CUDA call.
    void makeCurrent() const;
    int device() const { return m_device; }
    cudaStream_t stream() const { return m_stream.get(); }
    cublasHandle_t cublas() const { return m_cublas.get(); }
    // Sets the cuBLAS handle's math mode when it differs from the last one set: a matmul
    // of a few microseconds is launch-bound, and every host call before it shows.
    void setCublasMathMode(cublasMath_t mode);
    curandGenerator_t curand() const { return m_curand.get(); }
    // The cuFFT plan for desc, shared by every prepared op of the same transform on this
    // backend while one of them lives (fft.cpp): planning costs milliseconds and a work area.
    std::shared_ptr<const PlannedFft> fftPlan(const FftDesc& desc);
    // Run-time compiled kernels of this device (elementwise expressions), loaded once.
    JitKernelCache& jitKernels() { return m_jitKernels; }
    // Scratch space from the counting allocator, freed in stream order when dropped.
    Array scratch(std::size_t bytes) { return empty(Shape{static_cast<std::int64_t>(bytes)}, DType::U8); }

private:
    // Member order is destruction order reversed: the stream outlives everything that
    // frees memory on it, and the allocator outlives every block it handed out.
    int m_device;
    Stream m_stream;
    DeviceAllocator m_allocator;
    std::map<std::string, std::weak_ptr<const PlannedFft>> m_fftPlans;
    CublasHandle m_cublas;
    std::optional<cublasMath_t> m_cublasMathMode;
    Array m_cublasWorkspace;
    CurandGenerator m_curand;
    StagingBuffers m_staging;
    bool m_recording = false;
    JitKernelCache m_jitKernels{m_device};
};

} // namespace wb::cuda
