#pragma once
// One-shot calls: validate, allocate the output, prepare and run once. For tests, the CLI
// and interactive use; timed code prepares ops itself (backend.h) so that set-up stays out
// of the figures. Inputs must live in the backend's place.

#include <wb/backend.h>

namespace wb {

Array matmul(Backend& backend, const Array& a, const Array& b, Precision precision = Precision::Default);
Array fft(Backend& backend, const Array& x, FftKind kind, FftDirection direction, int rank,
          std::int64_t lastAxisOut = 0);
Array fftshift(Backend& backend, const Array& x, bool inverse = false);
Array gaussian(Backend& backend, const Array& image, double sigma, int ksize = 0,
               BorderMode border = BorderMode::Reflect101);
Array box(Backend& backend, const Array& image, int ksizeX, int ksizeY, bool normalize = true,
          BorderMode border = BorderMode::Reflect101);
Array morphology(Backend& backend, const Array& image, MorphOp op, MorphShape element, int ksizeX, int ksizeY,
                 int iterations = 1, BorderMode border = BorderMode::Reflect101);
Array median(Backend& backend, const Array& image, int ksize = 3, BorderMode border = BorderMode::Reflect101);
Array bilateral(Backend& backend, const Array& image, int diameter = 9, double sigmaColor = 75.0,
                double sigmaSpace = 75.0, BorderMode border = BorderMode::Reflect101);
// sobel, scharr, or with magnitude their gradient magnitude (dx and dy then unused); f32.
Array derivative(Backend& backend, const Array& image, DerivativeKind kind, int dx, int dy, int ksize = 3,
                 bool magnitude = false, double scale = 1.0, double delta = 0.0,
                 BorderMode border = BorderMode::Reflect101);
Array laplacian(Backend& backend, const Array& image, int ksize = 1, double scale = 1.0, double delta = 0.0,
                BorderMode border = BorderMode::Reflect101);
// conv2d with the matrix `kernel` (kernelHeight rows of kernelWidth); see wb::Conv2dDesc.
// `outDType`: the input's dtype when not given, or f32.
Array conv2d(Backend& backend, const Array& image, std::vector<double> kernel, int kernelWidth, int kernelHeight,
             bool normalize = false, double scale = 1.0, double delta = 0.0, BorderMode border = BorderMode::Reflect101,
             std::optional<DType> outDType = std::nullopt);
Array grayscale(Backend& backend, const Array& image);
Array threshold(Backend& backend, const Array& image, double thresh, double maxval,
                ThresholdType type = ThresholdType::Binary, bool otsu = false);
Array normalize(Backend& backend, const Array& image, double alpha = 0.0, double beta = 1.0,
                NormType norm = NormType::MinMax, std::optional<DType> outDType = std::nullopt);
// To (width, height) when both are > 0, otherwise by the factors fx, fy (see wb::ResizeDesc).
Array resize(Backend& backend, const Array& image, std::int64_t width, std::int64_t height, double fx = 0.0,
             double fy = 0.0, Interpolation interpolation = Interpolation::Bilinear);
Array convert(Backend& backend, const Array& x, DType to, double scale = 1.0, double offset = 0.0);
Array random(Backend& backend, const Shape& shape, DType dtype, Distribution distribution, std::uint64_t seed,
             double a = 0.0, double b = 1.0);

// Copies between any place and host; `backend` owns the non-host side.
Array toHost(Backend& backend, const Array& x);
Array toBackend(Backend& backend, const Array& hostArray);

} // namespace wb
