#include "filter_bench.h"

#include "bench_runner.h"
#include "measure.h"

#include <wb/device.h>
#include <wb/eager.h>
#include <wb/error.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace wb::bench {

namespace {

std::string square(int k) { return std::to_string(k) + "x" + std::to_string(k); }

// Each prepare validates its descriptor first: a backend may assume validate() passed.
FilterCase gaussianCase(double sigma, int ksize, DType dtype, std::optional<double> targetUs)
{
    const std::string s = std::to_string(static_cast<int>(sigma));
    return {"gaussian s=" + s + " " + square(ksize),
            "gaussian",
            "sigma=" + s + " ksize=" + square(ksize),
            dtype,
            targetUs,
            [=](Backend& backend, const Shape& frame) {
                const GaussianDesc desc{frame, dtype, sigma, 0.0, ksize, ksize, BorderMode::Reflect101};
                desc.validate();
                return backend.prepareGaussian(desc);
            }};
}

FilterCase boxCase(int ksize, DType dtype, std::optional<double> targetUs)
{
    return {"box " + square(ksize),
            "box",
            "ksize=" + square(ksize) + " normalize",
            dtype,
            targetUs,
            [=](Backend& backend, const Shape& frame) {
                const BoxDesc desc{frame, dtype, ksize, ksize, true, BorderMode::Reflect101};
                desc.validate();
                return backend.prepareBox(desc);
            }};
}

FilterCase morphCase(MorphOp op, int ksize, DType dtype, std::optional<double> targetUs)
{
    const std::string opName(name(op));
    return {opName + " rect " + square(ksize),
            opName,
            "element=rect ksize=" + square(ksize),
            dtype,
            targetUs,
            [=](Backend& backend, const Shape& frame) {
                const MorphDesc desc{frame, dtype, op, MorphShape::Rect, ksize, ksize, 1, BorderMode::Reflect101};
                desc.validate();
                return backend.prepareMorphology(desc);
            }};
}

FilterCase thresholdCase(bool otsu, DType dtype)
{
    return {otsu ? "threshold otsu" : "threshold binary",
            "threshold",
            otsu ? "type=binary otsu maxval=255" : "type=binary thresh=0.5 of the range maxval=255",
            dtype,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) {
                const double thresh = dtype == DType::F32 ? 0.5 : 127.5;
                const ThresholdDesc desc{frame, dtype, thresh, 255, ThresholdType::Binary, otsu};
                desc.validate();
                return backend.prepareThreshold(desc);
            }};
}

FilterCase normalizeCase(DType dtype)
{
    return {"normalize minmax",
            "normalize",
            "norm=minmax alpha=0 beta=1",
            dtype,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) {
                const NormalizeDesc desc{frame, dtype, 0.0, 1.0, NormType::MinMax};
                desc.validate();
                return backend.prepareNormalize(desc);
            }};
}

// Resize by one factor in both axes; the output is round(W·f) x round(H·f).
FilterCase resizeCase(Interpolation interpolation, double factor, const std::string& factorText, DType dtype)
{
    const std::string mode(name(interpolation));
    auto descFor = [=](const Shape& frame) {
        ResizeDesc desc{frame, dtype, 0, 0, factor, factor, interpolation};
        desc.validate();
        return desc;
    };
    return {"resize " + mode + " " + factorText,
            "resize",
            "interpolation=" + mode + " fx=fy=" + factorText,
            dtype,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) { return backend.prepareResize(descFor(frame)); },
            [=](const Shape& frame) { return descFor(frame).outputShape(); }};
}

// conv2d with a matrix of ksize x ksize, normalised: a disk (x² + y² <= r², rank > 1, the
// dense path) or the binomial (1, 2, 1)ᵀ(1, 2, 1) for 3 (rank 1, the separable path).
FilterCase conv2dCase(int ksize, bool dense, DType dtype)
{
    std::vector<double> matrix;
    const int r = ksize / 2;
    for (int y = -r; y <= r; ++y) {
        for (int x = -r; x <= r; ++x)
            matrix.push_back(dense ? (x * x + y * y <= r * r ? 1.0 : 0.0) : (2.0 - std::abs(x)) * (2.0 - std::abs(y)));
    }
    return {"conv2d " + square(ksize) + (dense ? " dense" : " separable"),
            "conv2d",
            std::string(dense ? "kernel=disk" : "kernel=binomial") + " ksize=" + square(ksize) + " normalize",
            dtype,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) {
                const Conv2dDesc desc{.shape = frame,
                                      .dtype = dtype,
                                      .outDType = dtype,
                                      .kernelWidth = ksize,
                                      .kernelHeight = ksize,
                                      .kernel = matrix,
                                      .normalize = true};
                desc.validate();
                return backend.prepareConv2d(desc);
            }};
}

// Sobel or Scharr 3x3, f32 in and out: the x derivative (dx=1, dy=0), or the gradient
// magnitude of both derivatives in one pass.
FilterCase derivativeCase(DerivativeKind kind, bool magnitude, std::optional<double> targetUs)
{
    const std::string op = kind == DerivativeKind::Scharr ? "scharr" : "sobel";
    return {op + (magnitude ? " magnitude" : " dx") + " 3x3",
            op + (magnitude ? "_magnitude" : ""),
            magnitude ? "ksize=3x3 sqrt(gx^2 + gy^2)" : "dx=1 dy=0 ksize=3x3",
            DType::F32,
            targetUs,
            [=](Backend& backend, const Shape& frame) {
                const DerivativeDesc desc{frame, DType::F32, kind, 1, 0, 3, magnitude};
                desc.validate();
                return backend.prepareDerivative(desc);
            }};
}

FilterCase laplacianCase(int ksize)
{
    return {"laplacian " + square(ksize),
            "laplacian",
            "ksize=" + square(ksize),
            DType::F32,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) {
                const LaplacianDesc desc{frame, DType::F32, ksize};
                desc.validate();
                return backend.prepareLaplacian(desc);
            }};
}

// Median on u8 with replicated edges: what cv2.medianBlur does and CuPy's mode="nearest".
FilterCase medianCase(int ksize, std::optional<double> targetUs)
{
    return {"median " + square(ksize),
            "median",
            "ksize=" + square(ksize) + " border=replicate",
            DType::U8,
            targetUs,
            [=](Backend& backend, const Shape& frame) {
                const MedianDesc desc{frame, DType::U8, ksize, BorderMode::Replicate};
                desc.validate();
                return backend.prepareMedian(desc);
            }};
}

// Bilateral d=9 with OpenCV's customary sigmas of 75; f32 frames hold [0, 1), so their
// colour sigma is 75/255 for the same weights.
FilterCase bilateralCase(DType dtype)
{
    const double sigmaColor = dtype == DType::U8 ? 75.0 : 75.0 / 255.0;
    return {"bilateral d=9",
            "bilateral",
            dtype == DType::U8 ? "d=9 sigma_color=75 sigma_space=75" : "d=9 sigma_color=75/255 sigma_space=75",
            dtype,
            std::nullopt,
            [=](Backend& backend, const Shape& frame) {
                const BilateralDesc desc{frame, dtype, 9, sigmaColor, 75.0, BorderMode::Reflect101};
                desc.validate();
                return backend.prepareBilateral(desc);
            }};
}

// L2 size to assume when the device does not report one (an H200 has 60 MiB).
constexpr std::uint64_t kAssumedL2Bytes = 64ull << 20;

Shape frameShape(const FilterBenchConfig& config)
{
    if (config.channels == 1)
        return Shape{config.height, config.width};
    return Shape{config.height, config.width, config.channels};
}

double frameBytes(const Shape& frame, DType dtype)
{
    return static_cast<double>(frame.numel()) * static_cast<double>(sizeOf(dtype));
}

std::vector<DType> dtypesOf(const std::vector<FilterCase>& cases)
{
    std::vector<DType> dtypes;
    for (const FilterCase& c : cases) {
        if (std::find(dtypes.begin(), dtypes.end(), c.dtype) == dtypes.end())
            dtypes.push_back(c.dtype);
    }
    return dtypes;
}

// Random pixels over the dtype's range: f32 in [0, 1), u8 in 0..255.
Array makeFrame(Backend& cpu, const Shape& frame, DType dtype, std::uint64_t seed)
{
    if (dtype == DType::F32)
        return random(cpu, frame, DType::F32, Distribution::Uniform, seed, 0.0, 1.0);
    const double top = dtype == DType::U8 ? 256.0 : 65536.0;
    return convert(cpu, random(cpu, frame, DType::F32, Distribution::Uniform, seed, 0.0, top), dtype);
}

// The K inputs (each a copy of the same frame) and K outputs one dtype rotates among.
struct DeviceFrames {
    std::vector<Array> in;
    std::vector<Array> out;
};

DeviceFrames uploadFrames(Backend& gpu, const Array& frame, int count)
{
    DeviceFrames frames;
    for (int i = 0; i < count; ++i) {
        frames.in.push_back(gpu.empty(frame.shape(), frame.dtype()));
        frames.out.push_back(gpu.empty(frame.shape(), frame.dtype()));
        gpu.copy(frame, frames.in.back());
    }
    gpu.synchronize();
    return frames;
}

double gbPerS(double bytes, double ms) { return bytes / (ms * 1e6); }

// run(in, out) timed hot (buffers 0 every time) and cold (the next pair each time).
L2Times timeBothWays(Backend& gpu, const FilterBenchConfig& config, DeviceFrames& frames, double bytes,
                     const std::function<void(const Array&, Array&)>& run)
{
    L2Times times;
    std::size_t next = 0;
    times.cold = measure(
        gpu, config.warmup, config.repeat,
        [&] {
            run(frames.in[next], frames.out[next]);
            next = (next + 1) % frames.in.size();
        },
        config.minSampleMs);
    times.hot = measure(
        gpu, config.warmup, config.repeat, [&] { run(frames.in[0], frames.out[0]); }, config.minSampleMs);
    times.coldGBs = gbPerS(bytes, times.cold.median);
    times.hotGBs = gbPerS(bytes, times.hot.median);
    return times;
}

bool isTargetFrame(const FilterBenchConfig& config)
{
    return config.width == kTargetWidth && config.height == kTargetHeight && config.channels == 1;
}

} // namespace

std::vector<FilterCase> filterCases()
{
    constexpr double kGaussianUs = 22, kBoxUs = 20, kMorphUs = 22;
    std::vector<FilterCase> cases{
        gaussianCase(3.0, 19, DType::F32, kGaussianUs), // 19 taps: CuPy's truncate=3 at sigma 3
        boxCase(3, DType::F32, kBoxUs),
        boxCase(15, DType::F32, kBoxUs),
        boxCase(31, DType::F32, kBoxUs),
        boxCase(63, DType::F32, kBoxUs),
    };
    for (const DType dtype : {DType::F32, DType::U8}) {
        for (const MorphOp op : {MorphOp::Erode, MorphOp::Dilate}) {
            for (const int ksize : {3, 15, 31})
                cases.push_back(morphCase(op, ksize, dtype, kMorphUs));
        }
    }
    // Median with the targets for 3x3 and 5x5 (u8), 7x7 without; bilateral without.
    cases.push_back(medianCase(3, 20.0));
    cases.push_back(medianCase(5, 40.0));
    cases.push_back(medianCase(7, std::nullopt));
    cases.push_back(bilateralCase(DType::U8));
    cases.push_back(bilateralCase(DType::F32));
    // Threshold, normalize and resize: no targets in the issue; their GB/s is the figure.
    cases.push_back(thresholdCase(false, DType::U8));
    cases.push_back(thresholdCase(false, DType::F32));
    cases.push_back(thresholdCase(true, DType::U8));
    cases.push_back(normalizeCase(DType::F32));
    cases.push_back(resizeCase(Interpolation::Bilinear, 0.5, "1/2", DType::U8));
    cases.push_back(resizeCase(Interpolation::Bilinear, 0.5, "1/2", DType::F32));
    cases.push_back(resizeCase(Interpolation::Area, 0.5, "1/2", DType::U8));
    cases.push_back(resizeCase(Interpolation::Bilinear, 2.0, "2x", DType::F32));
    // conv2d: no targets in the issue; a separable 3x3 and dense 5x5 and 7x7 disks.
    cases.push_back(conv2dCase(3, false, DType::F32));
    cases.push_back(conv2dCase(5, true, DType::F32));
    cases.push_back(conv2dCase(7, true, DType::U8));
    // Derivatives: the targets for one Sobel gradient and for the magnitude of both.
    cases.push_back(derivativeCase(DerivativeKind::Sobel, false, 20.0));
    cases.push_back(derivativeCase(DerivativeKind::Sobel, true, 28.0));
    cases.push_back(derivativeCase(DerivativeKind::Scharr, false, std::nullopt));
    cases.push_back(laplacianCase(3));
    return cases;
}

int rotatingBufferCount(double frameBytes, std::uint64_t l2Bytes)
{
    if (frameBytes <= 0)
        fail(ErrorCode::InvalidArgument, "a frame of no bytes");
    const double needed = 3.0 * static_cast<double>(l2Bytes);
    return std::max(2, static_cast<int>(std::floor(needed / frameBytes)) + 1);
}

std::vector<FilterCase> selectedCases(const FilterBenchConfig& config)
{
    if (config.width < 1 || config.height < 1)
        fail(ErrorCode::InvalidArgument, "the frame must be at least 1x1, got " + std::to_string(config.width) + "x" +
                                             std::to_string(config.height));
    if (config.channels < 1 || config.channels > 4)
        fail(ErrorCode::InvalidArgument, "channels must be 1 to 4, got " + std::to_string(config.channels));
    if (config.repeat < 1 || config.cpuRepeat < 1 || config.warmup < 0 || config.cpuWarmup < 0)
        fail(ErrorCode::InvalidArgument, "repetitions must be at least 1 and warm-up runs at least 0");
    const std::vector<FilterCase> all = filterCases();
    std::string known;
    for (const FilterCase& c : all) {
        if (known.find(c.op) == std::string::npos)
            known += (known.empty() ? "" : ", ") + c.op;
    }
    for (const std::string& op : config.ops) {
        if (std::none_of(all.begin(), all.end(), [&](const FilterCase& c) { return c.op == op; }))
            fail(ErrorCode::InvalidArgument, "no filter cases for op '" + op + "' (expected " + known + ")");
    }
    std::vector<FilterCase> cases;
    for (const FilterCase& c : all) {
        if (config.ops.empty() || std::find(config.ops.begin(), config.ops.end(), c.op) != config.ops.end())
            cases.push_back(c);
    }
    return cases;
}

bool FilterBenchReport::verificationFailed() const
{
    return std::any_of(cases.begin(), cases.end(),
                       [](const FilterCaseResult& c) { return c.verification.checked && !c.verification.passed; });
}

FilterBenchReport planFilterBench(const FilterBenchConfig& config)
{
    const std::vector<DType> dtypes = dtypesOf(selectedCases(config));
    FilterBenchReport report;
    report.config = config;
    report.frame = frameShape(config);
    report.cpuBackend = Runtime::instance().cpu().name();

    double hostBytes = 0;
    for (const DType dtype : dtypes)
        hostBytes += 3 * frameBytes(report.frame, dtype) + 4.0 * static_cast<double>(report.frame.numel());
    const std::uint64_t available = Runtime::instance().cpuInfo().availableBytes;
    if (available > 0 && hostBytes > static_cast<double>(available))
        fail(ErrorCode::OutOfMemory, "the frames need " + formatBytes(hostBytes) + " of host memory, " +
                                         formatBytes(static_cast<double>(available)) + " is available");

    if (!config.cpuOnly) {
        const CudaStatus& status = Runtime::instance().cudaStatus();
        if (!status.available)
            fail(ErrorCode::Unavailable, "bench-filters needs a GPU: " + status.reason);
        const GpuInfo& info = status.gpus.front();
        report.gpuBackend = Runtime::instance().cuda(0).name();
        report.gpuName = info.name;
        report.l2Bytes = info.l2Bytes;
        if (report.l2Bytes == 0) {
            report.l2Bytes = kAssumedL2Bytes;
            report.l2Assumed = true;
            report.notes.push_back("the device reports no L2 size; assumed " +
                                   formatBytes(static_cast<double>(kAssumedL2Bytes)));
        }
        double deviceBytes = kDeviceHeadroomBytes;
        for (const DType dtype : dtypes) {
            const double bytes = frameBytes(report.frame, dtype);
            const int count = rotatingBufferCount(bytes, report.l2Bytes);
            report.rotatingBuffers.emplace_back(dtype, count);
            deviceBytes += 2.0 * count * bytes;
            if (2 * bytes > static_cast<double>(report.l2Bytes))
                report.notes.push_back("L2 hot, " + std::string(name(dtype)) + ": the input and output (" +
                                       formatBytes(2 * bytes) + ") do not fit in L2 (" +
                                       formatBytes(static_cast<double>(report.l2Bytes)) +
                                       ") together, so part of each hot run still goes to memory");
        }
        if (deviceBytes > static_cast<double>(info.freeMemory))
            fail(ErrorCode::OutOfMemory, "the rotating frames need " + formatBytes(deviceBytes) + " on " +
                                             report.gpuBackend + ", " +
                                             formatBytes(static_cast<double>(info.freeMemory)) + " is free");
    }
    if (!isTargetFrame(config))
        report.notes.push_back("the issue's targets are for a 3840x2160 single-channel frame; none apply to " +
                               std::to_string(config.width) + "x" + std::to_string(config.height) + "x" +
                               std::to_string(config.channels));
    return report;
}

FilterBenchReport benchFilters(const FilterBenchReport& plan, const std::function<void(const CopyResult&)>& onCopy,
                               const std::function<void(const FilterCaseResult&)>& onCase)
{
    FilterBenchReport report = plan;
    const FilterBenchConfig& config = report.config;
    const std::vector<FilterCase> cases = selectedCases(config);
    const std::vector<DType> dtypes = dtypesOf(cases);
    Backend& cpu = Runtime::instance().cpu();
    Backend* gpu = report.gpuBackend.empty() ? nullptr : &Runtime::instance().backend(report.gpuBackend);

    std::map<DType, Array> hostFrames;
    std::map<DType, DeviceFrames> deviceFrames;
    std::map<DType, double> copyColdMs;
    for (std::size_t i = 0; i < dtypes.size(); ++i) {
        const DType dtype = dtypes[i];
        hostFrames[dtype] = makeFrame(cpu, report.frame, dtype, config.seed + i);
        if (!gpu)
            continue;
        DeviceFrames& frames = deviceFrames[dtype] =
            uploadFrames(*gpu, hostFrames[dtype], report.rotatingBuffers[i].second);
        CopyResult copy;
        copy.dtype = dtype;
        copy.bytes = 2 * frameBytes(report.frame, dtype);
        copy.time =
            timeBothWays(*gpu, config, frames, copy.bytes, [&](const Array& in, Array& out) { gpu->copy(in, out); });
        copyColdMs[dtype] = copy.time.cold.median;
        report.copies.push_back(copy);
        if (onCopy)
            onCopy(report.copies.back());
    }

    for (const FilterCase& filter : cases) {
        FilterCaseResult result;
        result.label = filter.label;
        result.op = filter.op;
        result.params = filter.params;
        result.dtype = filter.dtype;
        const Shape outShape = filter.outputShape ? filter.outputShape(report.frame) : report.frame;
        result.bytes = frameBytes(report.frame, filter.dtype) + frameBytes(outShape, filter.dtype);
        if (isTargetFrame(config))
            result.targetUs = filter.targetUs;

        const Array& frame = hostFrames[filter.dtype];
        Array reference = Array::emptyHost(outShape, filter.dtype);
        const std::unique_ptr<UnaryOp> cpuOp = filter.prepare(cpu, report.frame);
        result.cpu = measure(
            cpu, config.cpuWarmup, config.cpuRepeat, [&] { cpuOp->run(frame, reference); }, config.minSampleMs);
        result.cpuGBs = gbPerS(result.bytes, result.cpu.median);

        if (gpu) {
            DeviceFrames resized; // the frames as inputs, outputs of the op's own shape
            if (filter.outputShape) {
                resized.in = deviceFrames[filter.dtype].in;
                for (std::size_t i = 0; i < resized.in.size(); ++i)
                    resized.out.push_back(gpu->empty(outShape, filter.dtype));
            }
            DeviceFrames& frames = filter.outputShape ? resized : deviceFrames[filter.dtype];
            const std::unique_ptr<UnaryOp> gpuOp = filter.prepare(*gpu, report.frame);
            result.gpu = timeBothWays(*gpu, config, frames, result.bytes,
                                      [&](const Array& in, Array& out) { gpuOp->run(in, out); });
            result.percentOfCopy = 100.0 * copyColdMs[filter.dtype] / result.gpu->cold.median;
            if (result.targetUs)
                result.targetMet = result.gpu->cold.median * 1e3 <= *result.targetUs;

            // One more run on the first pair, downloaded and checked against the CPU's.
            gpuOp->run(frames.in[0], frames.out[0]);
            Array downloaded = Array::emptyHost(outShape, filter.dtype);
            gpu->copy(frames.out[0], downloaded);
            gpu->synchronize();
            result.verification = verdict("cpu",
                                          "against the CPU (OpenCV) result, all elements: integers within 1 unit, "
                                          "f32 within 1e-5 of max(|reference|, 1)",
                                          filterError(downloaded, reference), filterTolerance(filter.dtype));
            if (result.verification.passed)
                result.speedup = result.cpu.median / result.gpu->cold.median;
        }
        report.cases.push_back(std::move(result));
        if (onCase)
            onCase(report.cases.back());
    }
    return report;
}

} // namespace wb::bench
