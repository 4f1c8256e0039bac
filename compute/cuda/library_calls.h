#pragma once
// The cuBLAS and cuFFT calls themselves, shared by the ops (matmul.cpp, fft.cpp) and the
// bare baseline (baseline.cpp), so that the baseline times exactly the call an op makes
// and the difference between the two is what Warpbench's own layers cost.

#include "handles.h"

#include <wb/ops.h>

#include <cstddef>

namespace wb::cuda {

// How cuBLAS runs a precision: the element type of A, B and C, the compute type, the
// handle's math mode, and whether alpha and beta are doubles (64F) or floats.
struct GemmConfig {
    cudaDataType_t dataType;
    cublasComputeType_t computeType;
    cublasMath_t mathMode;
    bool doubleScalars;
};

// Precision must be resolved (not Default).
GemmConfig gemmConfig(Precision precision);

// C = A·B for row-major arrays as described by desc, as one cublasGemmEx_64 call (2-D) or
// one cublasGemmStridedBatchedEx_64 call (batched; a 2-D B is shared with stride 0). The
// handle's math mode must already be config.mathMode.
void launchGemm(cublasHandle_t handle, const MatmulDesc& desc, const GemmConfig& config, const void* a, const void* b,
                void* c);

// A cuFFT plan for desc with automatic work-area allocation turned off: the caller gives
// the plan a work area of workBytes (cufftSetWorkArea) and a stream before executing.
struct FftPlan {
    CufftPlan plan;
    cufftType type;
    std::size_t workBytes = 0;
};

// desc.batch() must be > 0.
FftPlan makeFftPlan(const FftDesc& desc);

// One cufftExec* call. cuFFT's C2R overwrites its input, hence `in` is not const.
void execFft(const FftPlan& plan, FftDirection direction, void* in, void* out);

} // namespace wb::cuda
