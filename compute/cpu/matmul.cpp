// matmul on OpenBLAS (cblas, row-major). f64 runs dgemm and f32 sgemm; f16 and bf16 are
// widened to f32, multiplied with sgemm and rounded back, which is what the GPU's fp32
// accumulation does too. OpenBLAS 0.3.21 has no batched gemm, so batches are a loop of
// gemm calls, each using all of OpenBLAS's threads.

#include "ops.h"
#include "parallel.h"

#include "core/half.h"
#include "core/operand_check.h"

#include <wb/error.h>

#include <cblas.h>

#include <climits>
#include <string>

namespace wb::cpu {

namespace {

constexpr std::int64_t kConvertChunk = 1 << 16;

void checkBlasSize(const MatmulDesc& desc)
{
    for (std::int64_t size : {desc.m(), desc.n(), desc.k()}) {
        if (size > INT_MAX)
            fail(ErrorCode::Unsupported,
                 "matrix dimension " + std::to_string(size) + " exceeds OpenBLAS's 32-bit sizes",
                 {.op = "matmul", .library = "OpenBLAS"});
    }
}

// A (batch, M, K) · B (batch or 1, K, N) as one gemm call per batch, on contiguous
// row-major buffers.
template <typename T, typename Gemm> void gemmBatched(const MatmulDesc& desc, const T* a, const T* b, T* c, Gemm gemm)
{
    const auto m = static_cast<int>(desc.m()), n = static_cast<int>(desc.n()), k = static_cast<int>(desc.k());
    const std::int64_t aStride = desc.m() * desc.k();
    const std::int64_t bStride = desc.b.ndim() > 2 ? desc.k() * desc.n() : 0;
    const std::int64_t cStride = desc.m() * desc.n();
    for (std::int64_t i = 0; i < desc.batch(); ++i)
        gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, T(1), a + i * aStride, k, b + i * bStride, n, T(0),
             c + i * cStride, n);
}

class MatmulOp : public BinaryOp {
public:
    explicit MatmulOp(const MatmulDesc& desc)
        : m_desc(desc)
    {
    }

    void run(const Array& a, const Array& b, Array& out) override
    {
        detail::checkOperand(a, m_desc.a, m_desc.dtype, Place::host(), "matmul", "input A");
        detail::checkOperand(b, m_desc.b, m_desc.dtype, Place::host(), "matmul", "input B");
        detail::checkOperand(out, m_desc.outputShape(), m_desc.dtype, Place::host(), "matmul", "output");
        detail::requireSeparate(a, out, "matmul");
        detail::requireSeparate(b, out, "matmul");
        multiply(a, b, out);
    }

protected:
    virtual void multiply(const Array& a, const Array& b, Array& out) = 0;
    MatmulDesc m_desc;
};

template <typename T, auto Gemm> class BlasMatmul final : public MatmulOp {
public:
    using MatmulOp::MatmulOp;

private:
    void multiply(const Array& a, const Array& b, Array& out) override
    {
        gemmBatched(m_desc, a.data<T>(), b.data<T>(), out.data<T>(), Gemm);
    }
};

// f16 and bf16: the fp32 buffers are made in prepare so that run() allocates nothing, and
// from the host allocator so that memory figures include them.
template <float (*ToFloat)(std::uint16_t), std::uint16_t (*FromFloat)(float)> class HalfMatmul final : public MatmulOp {
public:
    explicit HalfMatmul(const MatmulDesc& desc)
        : MatmulOp(desc)
        , m_a(Array::emptyHost(desc.a, DType::F32))
        , m_b(Array::emptyHost(desc.b, DType::F32))
        , m_c(Array::emptyHost(desc.outputShape(), DType::F32))
    {
    }

private:
    void multiply(const Array& a, const Array& b, Array& out) override
    {
        widen(a, m_a);
        widen(b, m_b);
        gemmBatched(m_desc, m_a.data<float>(), m_b.data<float>(), m_c.data<float>(), cblas_sgemm);
        const float* c = m_c.data<float>();
        std::uint16_t* result = out.data<std::uint16_t>();
        parallelFor(out.numel(), kConvertChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i)
                result[i] = FromFloat(c[i]);
        });
    }

    static void widen(const Array& in, Array& out)
    {
        const std::uint16_t* source = in.data<std::uint16_t>();
        float* target = out.data<float>();
        parallelFor(in.numel(), kConvertChunk, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i)
                target[i] = ToFloat(source[i]);
        });
    }

    Array m_a;
    Array m_b;
    Array m_c;
};

} // namespace

std::unique_ptr<BinaryOp> prepareMatmul(const MatmulDesc& desc)
{
    desc.validate();
    checkBlasSize(desc);
    switch (resolve(desc.precision, desc.dtype)) {
    case Precision::FP64: return std::make_unique<BlasMatmul<double, cblas_dgemm>>(desc);
    // TF32 is a tensor-core input format of the GPU; a CPU has no such shortcut, so it runs
    // plain fp32 (at least as accurate as the GPU's TF32 result).
    case Precision::FP32:
    case Precision::TF32: return std::make_unique<BlasMatmul<float, cblas_sgemm>>(desc);
    case Precision::FP16: return std::make_unique<HalfMatmul<detail::halfToFloat, detail::floatToHalf>>(desc);
    case Precision::BF16: return std::make_unique<HalfMatmul<detail::bf16ToFloat, detail::floatToBf16>>(desc);
    case Precision::Default: break;
    }
    fail(ErrorCode::Internal, "matmul precision did not resolve", {.op = "matmul"});
}

} // namespace wb::cpu
