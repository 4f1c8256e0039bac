#include <wb/eager.h>
#include <wb/error.h>

namespace wb {

namespace {

template <typename Desc> Array runUnary(Backend& backend, const Desc& desc, std::unique_ptr<UnaryOp> op, const Array& x)
{
    Array out = backend.empty(desc.outputShape(), desc.outputDType());
    op->run(x, out);
    return out;
}

} // namespace

Array matmul(Backend& backend, const Array& a, const Array& b, Precision precision)
{
    if (a.dtype() != b.dtype())
        fail(ErrorCode::DTypeMismatch,
             "matmul of " + std::string(name(a.dtype())) + " and " + std::string(name(b.dtype())) +
                 " arrays (convert one with astype)",
             {.op = "matmul"});
    MatmulDesc desc{a.shape(), b.shape(), a.dtype(), precision};
    desc.validate();
    auto op = backend.prepareMatmul(desc);
    Array out = backend.empty(desc.outputShape(), desc.outputDType());
    op->run(a, b, out);
    return out;
}

Array fft(Backend& backend, const Array& x, FftKind kind, FftDirection direction, int rank, std::int64_t lastAxisOut)
{
    FftDesc desc{x.shape(), x.dtype(), kind, direction, rank, lastAxisOut};
    desc.validate();
    return runUnary(backend, desc, backend.prepareFft(desc), x);
}

Array fftshift(Backend& backend, const Array& x, bool inverse)
{
    FftShiftDesc desc{x.shape(), x.dtype(), inverse};
    desc.validate();
    return runUnary(backend, desc, backend.prepareFftShift(desc), x);
}

Array gaussian(Backend& backend, const Array& image, double sigma, int ksize, BorderMode border)
{
    GaussianDesc desc{image.shape(), image.dtype(), sigma, 0.0, ksize, ksize, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareGaussian(desc), image);
}

Array box(Backend& backend, const Array& image, int ksizeX, int ksizeY, bool normalize, BorderMode border)
{
    BoxDesc desc{image.shape(), image.dtype(), ksizeX, ksizeY, normalize, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareBox(desc), image);
}

Array morphology(Backend& backend, const Array& image, MorphOp op, MorphShape element, int ksizeX, int ksizeY,
                 int iterations, BorderMode border)
{
    MorphDesc desc{image.shape(), image.dtype(), op, element, ksizeX, ksizeY, iterations, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareMorphology(desc), image);
}

Array median(Backend& backend, const Array& image, int ksize, BorderMode border)
{
    MedianDesc desc{image.shape(), image.dtype(), ksize, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareMedian(desc), image);
}

Array bilateral(Backend& backend, const Array& image, int diameter, double sigmaColor, double sigmaSpace,
                BorderMode border)
{
    BilateralDesc desc{image.shape(), image.dtype(), diameter, sigmaColor, sigmaSpace, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareBilateral(desc), image);
}

Array derivative(Backend& backend, const Array& image, DerivativeKind kind, int dx, int dy, int ksize, bool magnitude,
                 double scale, double delta, BorderMode border)
{
    DerivativeDesc desc{image.shape(), image.dtype(), kind, dx, dy, ksize, magnitude, scale, delta, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareDerivative(desc), image);
}

Array laplacian(Backend& backend, const Array& image, int ksize, double scale, double delta, BorderMode border)
{
    LaplacianDesc desc{image.shape(), image.dtype(), ksize, scale, delta, border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareLaplacian(desc), image);
}

Array conv2d(Backend& backend, const Array& image, std::vector<double> kernel, int kernelWidth, int kernelHeight,
             bool normalize, double scale, double delta, BorderMode border, std::optional<DType> outDType)
{
    Conv2dDesc desc{.shape = image.shape(),
                    .dtype = image.dtype(),
                    .outDType = outDType.value_or(image.dtype()),
                    .kernelWidth = kernelWidth,
                    .kernelHeight = kernelHeight,
                    .kernel = std::move(kernel),
                    .normalize = normalize,
                    .scale = scale,
                    .delta = delta,
                    .border = border};
    desc.validate();
    return runUnary(backend, desc, backend.prepareConv2d(desc), image);
}

Array threshold(Backend& backend, const Array& image, double thresh, double maxval, ThresholdType type, bool otsu)
{
    ThresholdDesc desc{image.shape(), image.dtype(), thresh, maxval, type, otsu};
    desc.validate();
    return runUnary(backend, desc, backend.prepareThreshold(desc), image);
}

Array normalize(Backend& backend, const Array& image, double alpha, double beta, NormType norm,
                std::optional<DType> outDType)
{
    NormalizeDesc desc{image.shape(), image.dtype(), alpha, beta, norm, outDType};
    desc.validate();
    return runUnary(backend, desc, backend.prepareNormalize(desc), image);
}

Array resize(Backend& backend, const Array& image, std::int64_t width, std::int64_t height, double fx, double fy,
             Interpolation interpolation)
{
    ResizeDesc desc{image.shape(), image.dtype(), width, height, fx, fy, interpolation};
    desc.validate();
    return runUnary(backend, desc, backend.prepareResize(desc), image);
}

Array grayscale(Backend& backend, const Array& image)
{
    GrayscaleDesc desc{image.shape(), image.dtype()};
    desc.validate();
    return runUnary(backend, desc, backend.prepareGrayscale(desc), image);
}

Array convert(Backend& backend, const Array& x, DType to, double scale, double offset)
{
    ConvertDesc desc{x.shape(), x.dtype(), to, scale, offset};
    desc.validate();
    return runUnary(backend, desc, backend.prepareConvert(desc), x);
}

Array random(Backend& backend, const Shape& shape, DType dtype, Distribution distribution, std::uint64_t seed, double a,
             double b)
{
    RandomDesc desc{shape, dtype, distribution, seed, a, b};
    desc.validate();
    Array out = backend.empty(shape, dtype);
    backend.fillRandom(desc, out);
    return out;
}

Array toHost(Backend& backend, const Array& x)
{
    if (x.place().isHost())
        return x;
    Array out = Array::emptyHost(x.shape(), x.dtype());
    backend.copy(x, out);
    backend.synchronize();
    return out;
}

Array toBackend(Backend& backend, const Array& hostArray)
{
    if (hostArray.place() == backend.place())
        return hostArray;
    Array out = backend.empty(hostArray.shape(), hostArray.dtype());
    backend.copy(hostArray, out);
    return out;
}

} // namespace wb
