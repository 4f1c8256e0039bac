#include "demo.h"

#include "bench_runner.h"
#include "measure.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

namespace wb::bench {

namespace {

constexpr int kSampledRows = 16;

double matrixBytes(std::int64_t n) { return static_cast<double>(n) * static_cast<double>(n) * sizeof(double); }

bool gpuWanted(const DemoConfig& config) { return !config.cpuOnly && Runtime::instance().cudaStatus().available; }

// The demo's work on one backend: every buffer and the dgemm are set up once, so the timed
// loop is generation and multiplication only. The CPU runs the products one after the
// other, as NumPy does (OpenBLAS already uses every core for one). The GPU makes the ten
// matrices in two calls and multiplies them in one batched cuBLAS call: five separate
// 5000² products each end in a partly filled wave of tiles, one batch of five fills the
// GPU to the end (a CuPy user gets the same with cupy.matmul on 3-D arrays).
class ProductLoop {
public:
    ProductLoop(Backend& backend, const DemoConfig& config, bool batched)
        : m_backend(backend)
        , m_config(config)
        , m_batched(batched)
        , m_desc{shape(), shape(), DType::F64, Precision::FP64}
        , m_a(backend.empty(m_desc.a, DType::F64))
        , m_b(backend.empty(m_desc.b, DType::F64))
        , m_c(backend.empty(m_desc.outputShape(), DType::F64))
        , m_matmul(backend.prepareMatmul(m_desc))
    {
    }

    void iteration(int i)
    {
        const std::uint64_t seed = m_config.seed + 2 * static_cast<std::uint64_t>(i);
        m_backend.fillRandom(RandomDesc{m_desc.a, DType::F64, Distribution::Uniform, seed, 0.0, 1.0}, m_a);
        m_backend.fillRandom(RandomDesc{m_desc.b, DType::F64, Distribution::Uniform, seed + 1, 0.0, 1.0}, m_b);
        m_matmul->run(m_a, m_b, m_c);
    }

    void loop()
    {
        if (m_batched) {
            iteration(0);
            return;
        }
        for (int i = 0; i < m_config.count; ++i)
            iteration(i);
    }

    // The last product checked in double precision on sampled rows, from host copies of
    // the very matrices the backend made.
    Verification verifyLast()
    {
        const auto last = [&](const Array& x) { return toHost(m_backend, m_batched ? x.at(m_config.count - 1) : x); };
        const Array a = last(m_a), b = last(m_b), c = last(m_c);
        const std::int64_t rows = std::min<std::int64_t>(kSampledRows, m_config.size);
        return verdict("fp64-sampled-rows",
                       std::to_string(rows) + " of " + std::to_string(m_config.size) +
                           " rows of the last product against a double-precision computation",
                       sampledRowsError(a, b, c, kSampledRows), matmulTolerance(Precision::FP64));
    }

    double flops() const { return m_desc.cost().flops * (m_batched ? 1 : m_config.count); }

private:
    Shape shape() const
    {
        return m_batched ? Shape{m_config.count, m_config.size, m_config.size} : Shape{m_config.size, m_config.size};
    }

    Backend& m_backend;
    const DemoConfig& m_config;
    bool m_batched;
    MatmulDesc m_desc;
    Array m_a, m_b, m_c;
    std::unique_ptr<BinaryOp> m_matmul;
};

} // namespace

bool DemoReport::verificationFailed() const
{
    return (cpu.verification.checked && !cpu.verification.passed) ||
           (gpu && gpu->verification.checked && !gpu->verification.passed);
}

void checkDemo(const DemoConfig& config)
{
    if (config.size < 1)
        fail(ErrorCode::InvalidArgument, "size must be at least 1, got " + std::to_string(config.size));
    if (config.count < 1)
        fail(ErrorCode::InvalidArgument, "count must be at least 1, got " + std::to_string(config.count));
    if (config.repeat < 1)
        fail(ErrorCode::InvalidArgument, "repeat must be at least 1, got " + std::to_string(config.repeat));
    if (config.size > 0x7fffffff)
        fail(ErrorCode::OutOfMemory, "size " + std::to_string(config.size) + " is too large for any machine's memory");
    const std::string what = "demo size " + std::to_string(config.size) + "x" + std::to_string(config.size);
    // Three matrices on each side; the GPU's three are downloaded for the check.
    const bool gpu = gpuWanted(config);
    const double host = (gpu ? 6 : 3) * matrixBytes(config.size);
    const std::uint64_t available = Runtime::instance().cpuInfo().availableBytes;
    if (available > 0 && host > static_cast<double>(available))
        fail(ErrorCode::OutOfMemory, what + " needs " + formatBytes(host) + " of host memory, " +
                                         formatBytes(static_cast<double>(available)) + " is available");
    if (gpu) {
        const GpuInfo& info = Runtime::instance().cudaStatus().gpus.front();
        const double device = 3 * static_cast<double>(config.count) * matrixBytes(config.size) + kDeviceHeadroomBytes;
        if (device > static_cast<double>(info.freeMemory))
            fail(ErrorCode::OutOfMemory, what + " needs " + formatBytes(device) + " on cuda:0 (" + info.name + "), " +
                                             formatBytes(static_cast<double>(info.freeMemory)) + " is free");
    }
}

DemoReport runDemo(const DemoConfig& config, const std::function<void(const std::string&)>& progress)
{
    checkDemo(config);
    Runtime& runtime = Runtime::instance();
    DemoReport report;
    report.config = config;

    if (progress)
        progress("CPU side: " + std::to_string(config.count) + " products, " + std::to_string(config.repeat) +
                 " timed loops");
    {
        Backend& cpu = runtime.cpu();
        ProductLoop loop(cpu, config, false);
        DemoSide& side = report.cpu;
        side.backend = cpu.name();
        side.device = runtime.cpuInfo().model;
        side.libraries = "Warpbench random + " + runtime.cpuLibraries().blas + " dgemm";
        // One product warms the threads, the buffers and the dgemm; a whole loop more would
        // add seconds and warm nothing further.
        side.warmup = "one generation and product";
        loop.iteration(0);
        side.loop = measure(cpu, 0, config.repeat, [&] { loop.loop(); });
        side.gflops = loop.flops() / (side.loop.median * 1e6);
        side.verification = loop.verifyLast();
    }

    if (config.cpuOnly) {
        report.gpuSkipped = "not requested (CPU only)";
        return report;
    }
    const CudaStatus& status = runtime.cudaStatus();
    if (!status.available) {
        report.gpuSkipped = status.reason;
        return report;
    }
    if (progress)
        progress("GPU side: " + std::to_string(config.count) + " products, " + std::to_string(config.repeat) +
                 " timed loops");
    Backend& gpu = runtime.cuda(0);
    ProductLoop loop(gpu, config, true);
    DemoSide side;
    side.backend = gpu.name();
    side.device = status.gpus.front().name;
    const auto library = [&](const char* key) {
        const auto found = status.libraries.find(key);
        return std::string(key) + (found != status.libraries.end() ? " " + found->second : "");
    };
    side.libraries = library("cuRAND") + " (device Philox, one call per operand) + " + library("cuBLAS") +
                     " fp64, the products as one batched call";
    side.warmup = "one whole loop";
    side.loop = measure(gpu, 1, config.repeat, [&] { loop.loop(); });
    side.gflops = loop.flops() / (side.loop.median * 1e6);
    side.verification = loop.verifyLast();
    report.gpu = side;
    if (report.cpu.verification.passed && side.verification.passed)
        report.speedup = report.cpu.loop.median / side.loop.median;
    return report;
}

} // namespace wb::bench
