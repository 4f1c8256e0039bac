// The bare baseline: one cuBLAS GEMM or one cufftExec* call with nothing of Warpbench
// around it (no operand checks, no counting allocator, no op objects), timed as Warpbench
// times its own ops (Timer): a CUDA event before and after each run on the stream, and
// a wait for the second one before the next run. Its buffers come straight from
// cudaMalloc and are filled by cuRAND; the calls are the very ones the ops make
// (library_calls.h), with the same compute types, math modes and cuBLAS workspace.

#include "baseline.h"
#include "check.h"
#include "handles.h"
#include "launch.h"
#include "library_calls.h"

#include <algorithm>
#include <string>
#include <vector>

namespace wb::cuda {

namespace {

constexpr std::size_t kCublasWorkspaceBytes = std::size_t{32} << 20; // as the backend's

class Baseline final : public detail::BareBaseline {
public:
    explicit Baseline(int device)
        : m_device(device)
    {
        makeCurrent();
        m_stream = createStream();
        m_start = createEvent();
        m_stop = createEvent();
        m_cublas = createCublas();
        m_cublasWorkspace = allocateDevice(kCublasWorkspaceBytes);
        WB_CUBLAS_CHECK(cublasSetStream(m_cublas.get(), m_stream.get()));
        WB_CUBLAS_CHECK(cublasSetWorkspace(m_cublas.get(), m_cublasWorkspace.get(), kCublasWorkspaceBytes));
        m_curand = createCurand(CURAND_RNG_PSEUDO_PHILOX4_32_10);
        WB_CURAND_CHECK(curandSetStream(m_curand.get(), m_stream.get()));
    }

    ~Baseline() override
    {
        if (cudaSetDevice(m_device) == cudaSuccess)
            cudaStreamSynchronize(m_stream.get());
        cudaGetLastError();
    }

    std::vector<double> timeMatmul(const MatmulDesc& desc, int warmup, int repeat, int runsPerSample) override
    {
        OpScope scope("matmul baseline");
        desc.validate();
        requireRuns(warmup, repeat, runsPerSample, desc.batch());
        makeCurrent();
        const GemmConfig config = gemmConfig(resolve(desc.precision, desc.dtype));
        const DeviceBlock a = randomBlock(desc.dtype, desc.a.numel());
        const DeviceBlock b = randomBlock(desc.dtype, desc.b.numel());
        const DeviceBlock c = allocateDevice(static_cast<std::size_t>(desc.outputShape().numel()) * sizeOf(desc.dtype));
        WB_CUBLAS_CHECK(cublasSetMathMode(m_cublas.get(), config.mathMode));
        return timeRuns(warmup, repeat, runsPerSample,
                        [&] { launchGemm(m_cublas.get(), desc, config, a.get(), b.get(), c.get()); });
    }

    std::vector<double> timeFft(const FftDesc& desc, int warmup, int repeat, int runsPerSample) override
    {
        OpScope scope("fft baseline");
        desc.validate();
        requireRuns(warmup, repeat, runsPerSample, desc.batch());
        makeCurrent();
        const FftPlan plan = makeFftPlan(desc);
        const DeviceBlock work = allocateDevice(std::max<std::size_t>(plan.workBytes, 256));
        WB_CUFFT_CHECK(cufftSetWorkArea(plan.plan.get(), work.get()));
        WB_CUFFT_CHECK(cufftSetStream(plan.plan.get(), m_stream.get()));
        const DeviceBlock in = randomBlock(desc.dtype, desc.input.numel());
        const DeviceBlock out =
            allocateDevice(static_cast<std::size_t>(desc.outputShape().numel()) * sizeOf(desc.outputDType()));
        // C2R overwrites its input; the values it leaves do not change the timing.
        return timeRuns(warmup, repeat, runsPerSample, [&] { execFft(plan, desc.direction, in.get(), out.get()); });
    }

private:
    void makeCurrent() const { WB_CUDA_CHECK(cudaSetDevice(m_device)); }

    static void requireRuns(int warmup, int repeat, int runsPerSample, std::int64_t batch)
    {
        if (warmup < 0 || repeat < 1 || runsPerSample < 1)
            fail(ErrorCode::InvalidArgument,
                 "the baseline needs warmup >= 0, repeat >= 1 and runs per sample >= 1, got " + std::to_string(warmup) +
                     ", " + std::to_string(repeat) + " and " + std::to_string(runsPerSample));
        if (batch == 0)
            fail(ErrorCode::InvalidArgument, "nothing to time: the batch is empty");
    }

    template <typename Call> std::vector<double> timeRuns(int warmup, int repeat, int runsPerSample, Call call)
    {
        for (int i = 0; i < warmup; ++i)
            call();
        std::vector<double> times;
        times.reserve(static_cast<std::size_t>(repeat));
        for (int i = 0; i < repeat; ++i) {
            WB_CUDA_CHECK(cudaEventRecord(m_start.get(), m_stream.get()));
            for (int r = 0; r < runsPerSample; ++r)
                call();
            WB_CUDA_CHECK(cudaEventRecord(m_stop.get(), m_stream.get()));
            WB_CUDA_CHECK(cudaEventSynchronize(m_stop.get()));
            float ms = 0;
            WB_CUDA_CHECK(cudaEventElapsedTime(&ms, m_start.get(), m_stop.get()));
            times.push_back(static_cast<double>(ms) / runsPerSample);
        }
        return times;
    }

    // `count` elements of dtype, uniform in (0, 1] (both parts of complex ones).
    DeviceBlock randomBlock(DType dtype, std::int64_t count)
    {
        const std::size_t reals = static_cast<std::size_t>(count) * (isComplex(dtype) ? 2 : 1);
        DeviceBlock block = allocateDevice(std::max<std::size_t>(static_cast<std::size_t>(count) * sizeOf(dtype), 1));
        switch (realPart(dtype)) {
        case DType::F64:
            WB_CURAND_CHECK(curandGenerateUniformDouble(m_curand.get(), static_cast<double*>(block.get()), reals));
            break;
        case DType::F32:
            WB_CURAND_CHECK(curandGenerateUniform(m_curand.get(), static_cast<float*>(block.get()), reals));
            break;
        default: {
            const DeviceBlock uniform = allocateDevice(std::max<std::size_t>(reals * sizeof(float), 1));
            WB_CURAND_CHECK(curandGenerateUniform(m_curand.get(), static_cast<float*>(uniform.get()), reals));
            launchConvert(uniform.get(), DType::F32, block.get(), dtype, count, 1.0, 0.0, m_stream.get());
            // cudaFree of the scratch waits for the conversion: it synchronises the device.
            break;
        }
        }
        return block;
    }

    int m_device;
    Stream m_stream;
    Event m_start;
    Event m_stop;
    DeviceBlock m_cublasWorkspace; // declared before the handle that uses it, so freed after
    CublasHandle m_cublas;
    CurandGenerator m_curand;
};

} // namespace

std::unique_ptr<detail::BareBaseline> createBareBaseline(int device) { return std::make_unique<Baseline>(device); }

} // namespace wb::cuda
