#include "bench_runner.h"

#include "filter_bench.h"
#include "measure.h"

#include "core/cuda_module.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

namespace wb::bench {

namespace {

// Rows of C checked against a double-precision product when there is no CPU result.
constexpr int kSampledRows = 16;

std::string sizeLabel(std::int64_t n) { return std::to_string(n) + "x" + std::to_string(n); }

// -1 for the CPU, else the CUDA device index a backend name asks for.
int cudaDeviceIndex(const std::string& backend)
{
    if (backend == "cpu")
        return -1;
    if (backend == "gpu" || backend == "cuda")
        return 0;
    if (backend.rfind("cuda:", 0) == 0 && backend.size() > 5 && backend.size() < 9 &&
        std::all_of(backend.begin() + 5, backend.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::stoi(backend.substr(5));
    fail(ErrorCode::InvalidArgument, "unknown backend '" + backend + "' (expected cpu, gpu or cuda:N)");
}

// The bench-filters case a Filter benchmark runs: the op's case with the label asked for,
// else its first one of the dtype asked for (any dtype when none is).
FilterCase filterCaseFor(const BenchConfig& config)
{
    std::string labels;
    for (FilterCase& c : filterCases()) {
        if (c.op != config.filter)
            continue;
        labels += (labels.empty() ? "" : ", ") + ("'" + c.label + "' (" + std::string(name(c.dtype)) + ")");
        const bool labelFits = config.filterCase.empty() || c.label == config.filterCase;
        const bool dtypeFits = !config.dtype || *config.dtype == c.dtype;
        if (labelFits && dtypeFits)
            return std::move(c);
    }
    if (labels.empty())
        fail(ErrorCode::InvalidArgument, "no benchmark case of op '" + config.filter + "'");
    fail(ErrorCode::InvalidArgument,
         "no case of " + config.filter + " fits" + (config.filterCase.empty() ? "" : " '" + config.filterCase + "'") +
             (config.dtype ? " with dtype " + std::string(name(*config.dtype)) : "") + "; its cases: " + labels);
}

// One op at one size: its descriptor, inputs, footprint, and how to prepare it anywhere.
class Workload {
public:
    Workload(const BenchReport& plan, std::int64_t n)
        : m_op(plan.config.op)
        , m_n(n)
    {
        const Shape square{n, n};
        switch (m_op) {
        case BenchOp::Matmul:
            m_matmul = MatmulDesc{square, square, plan.dtype, plan.precision};
            m_matmul.validate();
            break;
        case BenchOp::Fft2:
            m_fft = FftDesc{square, plan.dtype, FftKind::C2C, FftDirection::Forward, 2, 0};
            m_fft.validate();
            break;
        case BenchOp::Gaussian:
            m_gaussian = GaussianDesc{square, plan.dtype, plan.config.sigma, 0.0, 0, 0, BorderMode::Reflect101};
            m_gaussian.validate();
            break;
        case BenchOp::Filter: m_filter = filterCaseFor(plan.config); break;
        }
    }

    Shape inputShape() const { return Shape{m_n, m_n}; }
    int inputCount() const { return m_op == BenchOp::Matmul ? 2 : 1; }
    DType inputDType() const
    {
        switch (m_op) {
        case BenchOp::Matmul: return m_matmul.dtype;
        case BenchOp::Fft2: return m_fft.dtype;
        case BenchOp::Gaussian: return m_gaussian.dtype;
        case BenchOp::Filter: return m_filter.dtype;
        }
        return DType::F32;
    }
    Shape outputShape() const
    {
        return m_op == BenchOp::Filter && m_filter.outputShape ? m_filter.outputShape(inputShape()) : inputShape();
    }
    DType outputDType() const { return inputDType(); }

    Cost cost() const
    {
        switch (m_op) {
        case BenchOp::Matmul: return m_matmul.cost();
        case BenchOp::Fft2: return m_fft.cost();
        case BenchOp::Gaussian: return m_gaussian.cost();
        case BenchOp::Filter: {
            // One read of the input and one write of the output, as bench-filters counts.
            const double in = static_cast<double>(inputShape().numel() * sizeOf(inputDType()));
            const double out = static_cast<double>(outputShape().numel() * sizeOf(outputDType()));
            return Cost{0, in + out};
        }
        }
        return {};
    }

    // GFLOP/s for matmul and fft2, GB/s for the memory-bound filters.
    double throughput(double ms) const
    {
        const Cost c = cost();
        return (imageFilter() ? c.bytes : c.flops) / (ms * 1e6);
    }

    bool imageFilter() const { return m_op == BenchOp::Gaussian || m_op == BenchOp::Filter; }

    std::vector<Array> makeInputs(Backend& cpu, std::uint64_t seed) const
    {
        std::vector<Array> inputs;
        for (int i = 0; i < inputCount(); ++i) {
            const std::uint64_t s = seed + static_cast<std::uint64_t>(i);
            switch (m_op) {
            case BenchOp::Matmul:
                inputs.push_back(random(cpu, inputShape(), inputDType(), Distribution::Uniform, s, 0.0, 1.0));
                break;
            case BenchOp::Fft2: {
                // Interleaved real and imaginary parts, then viewed as complex.
                const Array parts =
                    random(cpu, Shape{m_n, 2 * m_n}, realPart(inputDType()), Distribution::Uniform, s, -1.0, 1.0);
                Array complex = Array::emptyHost(inputShape(), inputDType());
                std::memcpy(complex.data(), parts.data(), complex.nbytes());
                inputs.push_back(std::move(complex));
                break;
            }
            case BenchOp::Gaussian:
            case BenchOp::Filter:
                // Whole levels over an integer dtype's range (truncation of uniform values).
                if (inputDType() == DType::U8 || inputDType() == DType::U16) {
                    const double levels = inputDType() == DType::U8 ? 256.0 : 65536.0;
                    const Array values = random(cpu, inputShape(), DType::F32, Distribution::Uniform, s, 0.0, levels);
                    inputs.push_back(convert(cpu, values, inputDType()));
                } else {
                    inputs.push_back(random(cpu, inputShape(), DType::F32, Distribution::Uniform, s, 0.0, 1.0));
                }
                break;
            }
        }
        return inputs;
    }

    // Host bytes the size needs at its peak: inputs, their making, and two results (the
    // CPU's or a reference, and the GPU's download).
    double hostBytes() const
    {
        const double elements = static_cast<double>(m_n) * static_cast<double>(m_n);
        const double in = inputCount() * elements * static_cast<double>(sizeOf(inputDType()));
        const double out = static_cast<double>(outputShape().numel()) * static_cast<double>(sizeOf(outputDType()));
        double making = 0;
        if (m_op == BenchOp::Fft2)
            making = in;
        else if (imageFilter() && inputDType() != DType::F32)
            making = elements * 4.0;
        return in + making + 2 * out;
    }

    // Device bytes: inputs and result, and for an FFT a workspace as large as its data.
    double deviceBytes() const
    {
        const double elements = static_cast<double>(m_n) * static_cast<double>(m_n);
        const double in = inputCount() * elements * static_cast<double>(sizeOf(inputDType()));
        const double out = static_cast<double>(outputShape().numel()) * static_cast<double>(sizeOf(outputDType()));
        return in + out + (m_op == BenchOp::Fft2 ? out : 0.0);
    }

    // Prepares the op for these operands (never timed); the returned function only runs it.
    std::function<void()> prepare(Backend& backend, const std::vector<Array>& inputs, const Array& output) const
    {
        switch (m_op) {
        case BenchOp::Matmul: {
            std::shared_ptr<BinaryOp> op = backend.prepareMatmul(m_matmul);
            return [op, a = inputs[0], b = inputs[1], out = output]() mutable { op->run(a, b, out); };
        }
        case BenchOp::Fft2: {
            std::shared_ptr<UnaryOp> op = backend.prepareFft(m_fft);
            return [op, in = inputs[0], out = output]() mutable { op->run(in, out); };
        }
        case BenchOp::Gaussian: {
            std::shared_ptr<UnaryOp> op = backend.prepareGaussian(m_gaussian);
            return [op, in = inputs[0], out = output]() mutable { op->run(in, out); };
        }
        case BenchOp::Filter: {
            std::shared_ptr<UnaryOp> op = m_filter.prepare(backend, inputShape());
            return [op, in = inputs[0], out = output]() mutable { op->run(in, out); };
        }
        }
        fail(ErrorCode::Internal, "unknown benchmark op");
    }

    double tolerance() const
    {
        switch (m_op) {
        case BenchOp::Matmul: return matmulTolerance(resolve(m_matmul.precision, m_matmul.dtype));
        case BenchOp::Fft2: return fftTolerance(m_fft.dtype);
        case BenchOp::Gaussian: return gaussianTolerance(m_gaussian.dtype);
        case BenchOp::Filter: return filterTolerance(m_filter.dtype);
        }
        return 0;
    }

    // A GPU result's error against the CPU's, in the terms of tolerance().
    double error(const Array& result, const Array& reference) const
    {
        return m_op == BenchOp::Filter ? filterError(result, reference) : maxRelativeError(result, reference);
    }

    std::string bareLibrary() const
    {
        switch (m_op) {
        case BenchOp::Matmul: return "cuBLAS";
        case BenchOp::Fft2: return "cuFFT";
        case BenchOp::Gaussian:
        case BenchOp::Filter: break;
        }
        return {};
    }

    std::vector<double> timeBare(detail::BareBaseline& baseline, int warmup, int repeat, int runsPerSample) const
    {
        if (m_op == BenchOp::Matmul)
            return baseline.timeMatmul(m_matmul, warmup, repeat, runsPerSample);
        return baseline.timeFft(m_fft, warmup, repeat, runsPerSample);
    }

    bool isMatmul() const { return m_op == BenchOp::Matmul; }

private:
    BenchOp m_op;
    std::int64_t m_n;
    MatmulDesc m_matmul;
    FftDesc m_fft;
    GaussianDesc m_gaussian;
    FilterCase m_filter;
};

void resolveTypes(BenchReport& plan)
{
    const BenchConfig& config = plan.config;
    switch (config.op) {
    case BenchOp::Matmul: {
        const Precision asked = config.precision.value_or(Precision::Default);
        plan.precision = config.dtype ? resolve(asked, *config.dtype) : resolve(asked, DType::F32);
        plan.dtype = config.dtype.value_or(dtypeFor(plan.precision));
        if (dtypeFor(plan.precision) != plan.dtype)
            fail(ErrorCode::InvalidArgument, "precision " + std::string(name(plan.precision)) + " runs on " +
                                                 std::string(name(dtypeFor(plan.precision))) + " inputs, not " +
                                                 std::string(name(plan.dtype)));
        plan.throughputUnit = "GFLOP/s";
        return;
    }
    case BenchOp::Fft2: {
        std::optional<DType> fromPrecision;
        if (config.precision) {
            const Precision p = *config.precision;
            if (p != Precision::FP32 && p != Precision::FP64 && p != Precision::Default)
                fail(ErrorCode::InvalidArgument, "fft2 runs in fp32 or fp64, not " + std::string(name(p)));
            if (p != Precision::Default)
                fromPrecision = p == Precision::FP64 ? DType::C128 : DType::C64;
        }
        DType dtype = fromPrecision.value_or(DType::C64);
        if (config.dtype) {
            const DType asked = *config.dtype;
            if (asked != DType::F32 && asked != DType::F64 && asked != DType::C64 && asked != DType::C128)
                fail(ErrorCode::InvalidArgument,
                     "fft2 benchmarks take f32/c64 or f64/c128, not " + std::string(name(asked)));
            dtype = complexOf(asked);
            if (fromPrecision && *fromPrecision != dtype)
                fail(ErrorCode::InvalidArgument, "dtype " + std::string(name(asked)) + " does not fit precision " +
                                                     std::string(name(*config.precision)));
        }
        plan.dtype = dtype;
        plan.precision = dtype == DType::C128 ? Precision::FP64 : Precision::FP32;
        plan.throughputUnit = "GFLOP/s";
        return;
    }
    case BenchOp::Gaussian:
        if (config.precision && *config.precision != Precision::Default)
            fail(ErrorCode::InvalidArgument,
                 "precision applies to matmul and fft2, not to gaussian (use dtype f32 or u8)");
        plan.dtype = config.dtype.value_or(DType::F32);
        if (plan.dtype != DType::F32 && plan.dtype != DType::U8)
            fail(ErrorCode::InvalidArgument,
                 "gaussian benchmarks run on f32 or u8 images, not " + std::string(name(plan.dtype)));
        plan.precision = Precision::FP32;
        plan.throughputUnit = "GB/s";
        return;
    case BenchOp::Filter: {
        if (config.precision && *config.precision != Precision::Default)
            fail(ErrorCode::InvalidArgument, "precision applies to matmul and fft2, not to " + config.filter);
        const FilterCase filter = filterCaseFor(config);
        plan.dtype = filter.dtype;
        plan.precision = Precision::FP32;
        plan.throughputUnit = "GB/s";
        plan.opLabel = filter.label;
        return;
    }
    }
}

void resolveBackends(BenchReport& plan)
{
    if (plan.config.backends.empty())
        fail(ErrorCode::InvalidArgument, "no backends given (expected cpu, gpu or both)");
    std::string missingGpu;
    for (const std::string& asked : plan.config.backends) {
        const int device = cudaDeviceIndex(asked);
        std::string resolved = "cpu";
        if (device >= 0) {
            const CudaStatus& status = Runtime::instance().cudaStatus();
            if (!status.available) {
                missingGpu = status.reason;
                continue;
            }
            if (device >= static_cast<int>(status.gpus.size()))
                fail(ErrorCode::InvalidArgument, "no CUDA device " + std::to_string(device) + " (this machine has " +
                                                     std::to_string(status.gpus.size()) + ")");
            resolved = "cuda:" + std::to_string(device);
        }
        if (std::find(plan.backends.begin(), plan.backends.end(), resolved) != plan.backends.end())
            fail(ErrorCode::InvalidArgument, "backend '" + asked + "' is given twice");
        plan.backends.push_back(resolved);
    }
    if (plan.backends.empty())
        fail(ErrorCode::Unavailable, "no GPU backend: " + missingGpu);
    if (!missingGpu.empty())
        plan.notes.push_back("GPU rows skipped: " + missingGpu);
}

void checkFits(const BenchReport& plan, const Workload& work, std::int64_t n)
{
    const std::string what = "size " + sizeLabel(n) + ": " + plan.opLabel + " " + std::string(name(plan.dtype));
    const std::uint64_t available = Runtime::instance().cpuInfo().availableBytes;
    if (available > 0 && work.hostBytes() > static_cast<double>(available))
        fail(ErrorCode::OutOfMemory, what + " needs " + formatBytes(work.hostBytes()) + " of host memory, " +
                                         formatBytes(static_cast<double>(available)) + " is available");
    for (const std::string& backend : plan.backends) {
        const int device = cudaDeviceIndex(backend);
        if (device < 0)
            continue;
        const GpuInfo& gpu = Runtime::instance().cudaStatus().gpus[static_cast<std::size_t>(device)];
        const double needed = work.deviceBytes() + kDeviceHeadroomBytes;
        if (needed > static_cast<double>(gpu.freeMemory))
            fail(ErrorCode::OutOfMemory, what + " needs " + formatBytes(needed) + " on " + backend + " (" + gpu.name +
                                             "), " + formatBytes(static_cast<double>(gpu.freeMemory)) + " is free");
    }
}

BenchRow startRow(const Workload& work, std::int64_t n, const std::string& backend)
{
    BenchRow row;
    row.size = n;
    row.backend = backend;
    row.shape = work.inputShape();
    row.dtype = work.inputDType();
    row.cost = work.cost();
    return row;
}

// The CPU's result and time at one size, for checking GPU results and for speedups.
struct CpuReference {
    Array result;
    std::optional<Statistics> time; // only when the CPU row was timed
    std::string description = "against the CPU result, all elements";
};

// Checks a downloaded GPU result. Without a CPU row, matmul is checked on sampled rows in
// double precision (a full CPU product of a large matrix can take minutes); the cheaper
// ops get their CPU result computed once, untimed.
Verification verifyGpuResult(const Workload& work, const std::vector<Array>& inputs, const Array& downloaded,
                             CpuReference& reference)
{
    if (!reference.result.valid() && !work.isMatmul()) {
        Backend& cpu = Runtime::instance().cpu();
        reference.result = Array::emptyHost(work.outputShape(), work.outputDType());
        work.prepare(cpu, inputs, reference.result)();
        reference.description = "against the CPU result computed untimed (no CPU row), all elements";
    }
    if (reference.result.valid())
        return verdict("cpu", reference.description, work.error(downloaded, reference.result), work.tolerance());
    const std::int64_t n = downloaded.shape()[0];
    return verdict("fp64-sampled-rows",
                   std::to_string(std::min<std::int64_t>(kSampledRows, n)) + " of " + std::to_string(n) +
                       " rows against a double-precision product (no CPU row)",
                   sampledRowsError(inputs[0], inputs[1], downloaded, kSampledRows), work.tolerance());
}

// Op timings shorter than this are taken over back-to-back runs (bench::measure).
constexpr double kMinSampleMs = 1.0;

void timeBare(BenchRow& row, const Workload& work, int device, const BenchConfig& config)
{
    row.bareLibrary = work.bareLibrary();
    if (row.bareLibrary.empty()) {
        row.bareNote = "no bare-library baseline (the op is Warpbench's own kernel)";
        return;
    }
    detail::CudaModule* module = detail::cudaModule();
    if (!module) {
        row.bareNote = "CUDA module not loaded";
        return;
    }
    try {
        const auto baseline = module->createBaseline(device);
        row.bare = summarize(work.timeBare(*baseline, config.warmup, config.repeat, row.time.runsPerSample));
        row.bare->runsPerSample = row.time.runsPerSample;
        row.percentOfBare = 100.0 * row.bare->median / row.time.median;
    } catch (const Error& e) {
        row.bareNote = e.what();
    }
}

// Upload, op and download timed as figures of their own on device memory that is
// released before the bare-library baseline allocates its own.
BenchRow gpuRow(Backend& gpu, int device, const Workload& work, const std::vector<Array>& inputs,
                CpuReference& reference, const BenchConfig& config)
{
    BenchRow row = startRow(work, work.inputShape()[0], gpu.name());
    Array downloaded = Array::emptyHost(work.outputShape(), work.outputDType());
    {
        std::vector<Array> onDevice;
        for (const Array& input : inputs)
            onDevice.push_back(gpu.empty(input.shape(), input.dtype()));
        const Array result = gpu.empty(work.outputShape(), work.outputDType());
        row.hostToDevice = measure(gpu, config.warmup, config.repeat, [&] {
            for (std::size_t i = 0; i < inputs.size(); ++i)
                gpu.copy(inputs[i], onDevice[i]);
        });
        row.time = measure(gpu, config.warmup, config.repeat, work.prepare(gpu, onDevice, result), kMinSampleMs);
        row.deviceToHost = measure(gpu, config.warmup, config.repeat, [&] { gpu.copy(result, downloaded); });
        gpu.synchronize();
    }
    row.throughput = work.throughput(row.time.median);
    row.verification = verifyGpuResult(work, inputs, downloaded, reference);
    if (row.verification.passed && reference.time) {
        row.speedupVsCpu = reference.time->median / row.time.median;
        row.speedupWithTransfers =
            reference.time->median / (row.time.median + row.hostToDevice->median + row.deviceToHost->median);
    }
    timeBare(row, work, device, config);
    return row;
}

} // namespace

std::string_view name(BenchOp op)
{
    switch (op) {
    case BenchOp::Matmul: return "matmul";
    case BenchOp::Fft2: return "fft2";
    case BenchOp::Gaussian: return "gaussian";
    case BenchOp::Filter: return "filter";
    }
    return "?";
}

BenchOp parseBenchOp(std::string_view text)
{
    for (BenchOp op : {BenchOp::Matmul, BenchOp::Fft2, BenchOp::Gaussian}) {
        if (name(op) == text)
            return op;
    }
    std::vector<std::string> filters;
    for (const FilterCase& c : filterCases()) {
        if (c.op == text)
            return BenchOp::Filter;
        if (std::find(filters.begin(), filters.end(), c.op) == filters.end() && c.op != "gaussian")
            filters.push_back(c.op);
    }
    std::string expected = "matmul, fft2, gaussian";
    for (const std::string& filter : filters)
        expected += ", " + filter;
    fail(ErrorCode::InvalidArgument, "unknown op '" + std::string(text) + "' (expected " + expected + ")");
}

bool BenchReport::verificationFailed() const
{
    return std::any_of(rows.begin(), rows.end(),
                       [](const BenchRow& row) { return row.verification.checked && !row.verification.passed; });
}

std::string formatBytes(double bytes)
{
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = 0;
    while (bytes >= 1024 && unit < 6) {
        bytes /= 1024;
        ++unit;
    }
    char text[64];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
    return text;
}

BenchRunner::BenchRunner(BenchConfig config)
{
    m_plan.config = std::move(config);
    const BenchConfig& c = m_plan.config;
    if (c.repeat < 1)
        fail(ErrorCode::InvalidArgument, "repeat must be at least 1, got " + std::to_string(c.repeat));
    if (c.warmup < 0)
        fail(ErrorCode::InvalidArgument, "warmup must be at least 0, got " + std::to_string(c.warmup));
    if (c.sizes.empty())
        fail(ErrorCode::InvalidArgument, "no sizes given");
    resolveTypes(m_plan);
    if (m_plan.opLabel.empty())
        m_plan.opLabel = name(m_plan.config.op);
    resolveBackends(m_plan);
    for (std::int64_t n : c.sizes) {
        if (n < 1)
            fail(ErrorCode::InvalidArgument, "size " + std::to_string(n) + " is not a positive number");
        // Sizes beyond int are refused by every library below; memory runs out long before.
        if (n > 0x7fffffff)
            fail(ErrorCode::OutOfMemory, "size " + std::to_string(n) + " is too large for any machine's memory");
        const Workload work(m_plan, n);
        checkFits(m_plan, work, n);
    }
}

BenchReport BenchRunner::run(const std::function<void(const BenchRow&)>& onRow)
{
    BenchReport report = m_plan;
    const BenchConfig& config = report.config;
    Backend& cpu = Runtime::instance().cpu();
    const bool cpuRows = std::find(report.backends.begin(), report.backends.end(), "cpu") != report.backends.end();
    const auto emit = [&](BenchRow row) {
        report.rows.push_back(std::move(row));
        if (onRow)
            onRow(report.rows.back());
    };

    for (std::int64_t n : config.sizes) {
        const Workload work(report, n);
        const std::vector<Array> inputs = work.makeInputs(cpu, config.seed);
        CpuReference reference;
        if (cpuRows) {
            BenchRow row = startRow(work, n, "cpu");
            reference.result = Array::emptyHost(work.outputShape(), work.outputDType());
            reference.time = row.time =
                measure(cpu, config.warmup, config.repeat, work.prepare(cpu, inputs, reference.result), kMinSampleMs);
            row.throughput = work.throughput(row.time.median);
            emit(std::move(row));
        }
        for (const std::string& backend : report.backends) {
            const int device = cudaDeviceIndex(backend);
            if (device >= 0)
                emit(gpuRow(Runtime::instance().cuda(device), device, work, inputs, reference, config));
        }
    }
    return report;
}

} // namespace wb::bench
