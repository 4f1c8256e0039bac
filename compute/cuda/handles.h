#pragma once
// Move-only owners for the CUDA-family handles: streams, events, cuBLAS handles, cuFFT
// plans, cuRAND generators, loaded code libraries, pinned host blocks and plain device
// blocks. Each owner
// destroys its handle exactly once; destruction ignores errors, since a destructor may run
// while an exception (possibly DeviceLost) is already on its way.

#include "check.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cufft.h>
#include <curand.h>

#include <cstddef>
#include <utility>

namespace wb::cuda {

template <typename Handle, auto Destroy> class UniqueHandle {
public:
    UniqueHandle() = default;
    explicit UniqueHandle(Handle handle)
        : m_handle(handle)
        , m_owned(true)
    {
    }
    ~UniqueHandle() { reset(); }

    UniqueHandle(UniqueHandle&& other) noexcept
        : m_handle(other.m_handle)
        , m_owned(std::exchange(other.m_owned, false))
    {
    }
    UniqueHandle& operator=(UniqueHandle&& other) noexcept
    {
        if (this != &other) {
            reset();
            m_handle = other.m_handle;
            m_owned = std::exchange(other.m_owned, false);
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;

    Handle get() const { return m_handle; }
    explicit operator bool() const { return m_owned; }

    void reset() noexcept
    {
        if (m_owned)
            static_cast<void>(Destroy(m_handle));
        m_owned = false;
    }

private:
    Handle m_handle{}; // cuFFT plans are ints, so "no handle" needs the flag below
    bool m_owned = false;
};

using Stream = UniqueHandle<cudaStream_t, cudaStreamDestroy>;
using Event = UniqueHandle<cudaEvent_t, cudaEventDestroy>;
using CublasHandle = UniqueHandle<cublasHandle_t, cublasDestroy_v2>;
using CufftPlan = UniqueHandle<cufftHandle, cufftDestroy>;
using Graph = UniqueHandle<cudaGraph_t, cudaGraphDestroy>;
using GraphExec = UniqueHandle<cudaGraphExec_t, cudaGraphExecDestroy>;
using CurandGenerator = UniqueHandle<curandGenerator_t, curandDestroyGenerator>;
// Code loaded with cudaLibraryLoadData (NVRTC output); its kernels are valid until unloaded.
using Library = UniqueHandle<cudaLibrary_t, cudaLibraryUnload>;
using PinnedHostBlock = UniqueHandle<void*, cudaFreeHost>;
// Device memory outside the backend's counting allocator: only the bare baseline uses it,
// so that nothing of Warpbench sits between the library call and its buffers.
using DeviceBlock = UniqueHandle<void*, cudaFree>;

// A stream that does not synchronise with the legacy default stream.
inline Stream createStream()
{
    cudaStream_t stream = nullptr;
    WB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    return Stream(stream);
}

inline Event createEvent(unsigned flags = cudaEventDefault)
{
    cudaEvent_t event = nullptr;
    WB_CUDA_CHECK(cudaEventCreateWithFlags(&event, flags));
    return Event(event);
}

inline CublasHandle createCublas()
{
    cublasHandle_t handle = nullptr;
    WB_CUBLAS_CHECK(cublasCreate(&handle));
    return CublasHandle(handle);
}

inline CufftPlan createCufftPlan()
{
    cufftHandle plan = 0;
    WB_CUFFT_CHECK(cufftCreate(&plan));
    return CufftPlan(plan);
}

inline CurandGenerator createCurand(curandRngType_t type)
{
    curandGenerator_t generator = nullptr;
    WB_CURAND_CHECK(curandCreateGenerator(&generator, type));
    return CurandGenerator(generator);
}

inline PinnedHostBlock allocatePinned(std::size_t bytes)
{
    void* block = nullptr;
    WB_CUDA_CHECK(cudaMallocHost(&block, bytes));
    return PinnedHostBlock(block);
}

inline DeviceBlock allocateDevice(std::size_t bytes)
{
    void* block = nullptr;
    WB_CUDA_CHECK(cudaMalloc(&block, bytes));
    return DeviceBlock(block);
}

} // namespace wb::cuda
