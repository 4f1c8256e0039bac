// matmul on cuBLAS. Warpbench arrays are row-major and cuBLAS is column-major; a row-major
// (r, c) array read column-major is its (c, r) transpose, so C = A·B is computed as
// Cᵀ = Bᵀ·Aᵀ: B goes in as cuBLAS's first operand and A as its second, m and n swap, and
// no transpose or copy is needed.
//
// Each precision sets its compute type and the handle's math mode explicitly, so that
// "fp32" never silently runs on TF32 tensor cores (or on BF16x9 emulation) and "tf32"
// always does. The handle is shared by every matmul of the backend, so run() sets the
// mode each time (a host-side setting, no device work).

#include "check.h"
#include "cuda_backend.h"
#include "library_calls.h"
#include "ops.h"

#include "core/operand_check.h"

namespace wb::cuda {

GemmConfig gemmConfig(Precision precision)
{
    // fp16 and bf16 promise fp32 accumulation (ops.h): by default cuBLAS may reduce split-K
    // partial sums in the 16-bit output type, which this flag forbids.
    constexpr auto kFp32Reductions =
        static_cast<cublasMath_t>(CUBLAS_DEFAULT_MATH | CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION);
    switch (precision) {
    case Precision::FP64: return {CUDA_R_64F, CUBLAS_COMPUTE_64F, CUBLAS_DEFAULT_MATH, true};
    // Plain fp32 on the SIMT units: COMPUTE_32F never takes the TF32 tensor-core path (only
    // COMPUTE_32F_FAST_TF32 does), and it is what a user who turns TF32 off gets in PyTorch.
    case Precision::FP32: return {CUDA_R_32F, CUBLAS_COMPUTE_32F, CUBLAS_DEFAULT_MATH, false};
    case Precision::TF32: return {CUDA_R_32F, CUBLAS_COMPUTE_32F_FAST_TF32, CUBLAS_TF32_TENSOR_OP_MATH, false};
    case Precision::FP16: return {CUDA_R_16F, CUBLAS_COMPUTE_32F, kFp32Reductions, false};
    case Precision::BF16: return {CUDA_R_16BF, CUBLAS_COMPUTE_32F, kFp32Reductions, false};
    case Precision::Default: break;
    }
    fail(ErrorCode::Internal, "gemmConfig needs a resolved precision", {.op = "matmul"});
}

void launchGemm(cublasHandle_t handle, const MatmulDesc& desc, const GemmConfig& config, const void* a, const void* b,
                void* c)
{
    static constexpr float kOneF = 1.0f, kZeroF = 0.0f;
    static constexpr double kOneD = 1.0, kZeroD = 0.0;
    const void* alpha = config.doubleScalars ? static_cast<const void*>(&kOneD) : &kOneF;
    const void* beta = config.doubleScalars ? static_cast<const void*>(&kZeroD) : &kZeroF;
    const std::int64_t m = desc.m(), n = desc.n(), k = desc.k();
    const std::int64_t batch = desc.batch();
    if (batch == 1) {
        WB_CUBLAS_CHECK(cublasGemmEx_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, alpha, b, config.dataType, n, a,
                                        config.dataType, k, beta, c, config.dataType, n, config.computeType,
                                        CUBLAS_GEMM_DEFAULT));
        return;
    }
    // A 2-D B is shared by every batch: stride 0.
    const long long strideB = desc.b.ndim() > 2 ? k * n : 0;
    WB_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, alpha, b, config.dataType,
                                                  n, strideB, a, config.dataType, k, m * k, beta, c, config.dataType, n,
                                                  m * n, batch, config.computeType, CUBLAS_GEMM_DEFAULT));
}

namespace {

class MatmulOp final : public BinaryOp {
public:
    MatmulOp(CudaBackend& backend, const MatmulDesc& desc)
        : m_backend(backend)
        , m_desc(desc)
        , m_config(gemmConfig(resolve(desc.precision, desc.dtype)))
    {
    }

    void run(const Array& a, const Array& b, Array& out) override
    {
        OpScope scope("matmul");
        const Place place = m_backend.place();
        detail::checkOperand(a, m_desc.a, m_desc.dtype, place, "matmul", "input A");
        detail::checkOperand(b, m_desc.b, m_desc.dtype, place, "matmul", "input B");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.outputDType(), place, "matmul", "output");
        detail::requireSeparate(a, out, "matmul");
        detail::requireSeparate(b, out, "matmul");
        if (m_desc.batch() == 0)
            return;
        m_backend.makeCurrent();
        m_backend.setCublasMathMode(m_config.mathMode);
        launchGemm(m_backend.cublas(), m_desc, m_config, a.data(), b.data(), out.data());
    }

private:
    CudaBackend& m_backend;
    MatmulDesc m_desc;
    GemmConfig m_config;
};

} // namespace

std::unique_ptr<BinaryOp> prepareMatmul(CudaBackend& backend, const MatmulDesc& desc)
{
    desc.validate();
    return std::make_unique<MatmulOp>(backend, desc);
}

} // namespace wb::cuda
