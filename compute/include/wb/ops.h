#pragma once
// Op descriptors: what an op is asked to do, independent of the backend that does it.
// Validation, output shape and dtype, and cost (flops and bytes moved) are decided here,
// once, above the backends; a backend's prepareX(desc) may assume validate() passed.

#include <wb/array.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace wb {

// Work an op does for one run, so that throughput follows from a time.
struct Cost {
    double flops = 0; // floating-point operations (a complex multiply-add counts 8)
    double bytes = 0; // fewest bytes the op must read and write in device or host memory
};

// ---------------------------------------------------------------------------------------
// matmul: C = A·B for A (..., M, K) and B (..., K, N), giving C (..., M, N). Leading
// (batch) dimensions of A and B must be equal, or B may be 2-D and is then shared by
// every batch. Output dtype = input dtype.
enum class Precision : std::uint8_t {
    Default, // the natural mode of the dtype: f64->FP64, f32->FP32, f16->FP16, bf16->BF16
    FP64,    // f64 inputs and arithmetic
    FP32,    // f32 inputs, plain fp32 arithmetic (no tensor-core shortcuts)
    TF32,    // f32 inputs, tensor cores with TF32 inputs and fp32 accumulation
    FP16,    // f16 inputs and output, fp32 accumulation
    BF16,    // bf16 inputs and output, fp32 accumulation
};
std::string_view name(Precision precision);          // "fp32", "tf32", ...
Precision parsePrecision(std::string_view text);     // throws InvalidArgument
DType dtypeFor(Precision precision);                 // the input dtype a precision runs on
Precision resolve(Precision precision, DType dtype); // Default -> the dtype's mode

struct MatmulDesc {
    Shape a;
    Shape b;
    DType dtype = DType::F32;
    Precision precision = Precision::Default;

    void validate() const; // ShapeMismatch, DTypeMismatch (precision that does not fit the dtype)
    Shape outputShape() const;
    DType outputDType() const { return dtype; }
    std::int64_t batch() const; // product of A's leading dimensions, 1 for 2-D
    std::int64_t m() const { return a[-2]; }
    std::int64_t k() const { return a[-1]; }
    std::int64_t n() const { return b[-1]; }
    Cost cost() const; // 2·M·N·K per batch; bytes of A, B and C
};

// ---------------------------------------------------------------------------------------
// FFT over the last axis (rank 1) or the last two axes (rank 2), batched over the others.
// Inverse transforms are normalised by 1/N as in NumPy.
//   C2C: c64 -> c64, c128 -> c128, same shape (fft, ifft, fft2, ifft2)
//   R2C: f32 -> c64, f64 -> c128, last axis n -> n/2+1 (rfft, rfft2; always forward)
//   C2R: c64 -> f32, c128 -> f64, last axis m -> `lastAxisOut` (irfft, irfft2; always inverse)
enum class FftKind : std::uint8_t { C2C, R2C, C2R };
enum class FftDirection : std::uint8_t { Forward, Inverse };

struct FftDesc {
    Shape input;
    DType dtype = DType::C64; // the input dtype
    FftKind kind = FftKind::C2C;
    FftDirection direction = FftDirection::Forward;
    int rank = 2;                 // 1 or 2
    std::int64_t lastAxisOut = 0; // C2R only: output length of the last axis, 0 = 2·(m−1)

    void validate() const;
    Shape outputShape() const;
    DType outputDType() const;
    Shape transformShape() const; // the logical (real-space) sizes of the transformed axes
    std::int64_t batch() const;
    Cost cost() const; // 5·N·log2(N) per complex transform (half for real ones)
};

// fftshift / ifftshift over every axis, as numpy.fft.fftshift(x) with axes=None.
struct FftShiftDesc {
    Shape shape;
    DType dtype = DType::C64;
    bool inverse = false; // ifftshift

    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const;
};

// ---------------------------------------------------------------------------------------
// Image filters work on (H, W) or interleaved (H, W, C) arrays with C in 1..4.
enum class BorderMode : std::uint8_t {
    Reflect101, // gfedcb|abcdefgh|gfedcba, OpenCV's default
    Replicate,  // aaaaaa|abcdefgh|hhhhhhh
    Constant,   // 000000|abcdefgh|0000000
};
std::string_view name(BorderMode mode);
BorderMode parseBorderMode(std::string_view text); // throws InvalidArgument

// Gaussian blur, separable, with OpenCV's kernel sizes and weights (cv::GaussianBlur).
struct GaussianDesc {
    Shape shape;
    DType dtype = DType::F32; // u8 or f32
    double sigmaX = 1.0;
    double sigmaY = 0.0; // 0: same as sigmaX
    int ksizeX = 0;      // odd, or 0 to derive from sigma as OpenCV does
    int ksizeY = 0;
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 129;

    void validate() const; // InvalidArgument for sigma <= 0 with ksize 0, even or too large sizes
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    int resolvedKsizeX() const;
    int resolvedKsizeY() const;
    double resolvedSigmaY() const;
    Cost cost() const; // one read and one write of the image; 2 flops per tap per pass
};

// The normalised 1-D Gaussian kernel OpenCV uses (cv::getGaussianKernel, double precision),
// so that both backends apply the same weights.
std::vector<double> gaussianKernel(int ksize, double sigma);

// Box filter (cv::boxFilter with the anchor at the centre): the sum of the kw x kh window
// around each pixel, divided by kw·kh when `normalize`. dtypes u8, u16 and f32; 1 to 4
// interleaved channels; every border mode (constant reads 0). Rounding follows OpenCV's:
//  - u8 with kw·kh <= 256, normalised: OpenCV's fixed-point division of the exact sum;
//  - other u8 and u16 with integer sums: round(float(s) · float(1/(kw·kh))), half to even;
//  - f32, and u16 windows over 32768 pixels: sums in double, scaled in double.
// Unnormalised integer sums saturate to the dtype. The GPU matches within 1 unit for
// integers (OpenCV's own scalar and vector paths differ by that) and 1e-5 relative for f32.
struct BoxDesc {
    Shape shape;
    DType dtype = DType::F32; // u8, u16 or f32
    int ksizeX = 3;           // odd, 1 .. kMaxKernelSize
    int ksizeY = 3;
    bool normalize = true;
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 511;

    void validate() const; // InvalidArgument (even, non-positive or too large sizes), DTypeMismatch, ShapeMismatch
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const; // one read and one write; 4 flops per element (two running sums)
};

// Morphology with a flat structuring element, as cv::erode, cv::dilate and
// cv::morphologyEx (MORPH_OPEN, MORPH_CLOSE) with the anchor at the centre.
//   Erode: minimum over the element; Dilate: maximum; Open: erode then dilate; Close:
//   dilate then erode (each `iterations` times, as OpenCV).
//   Rect: the whole kw x kh window. Cross: the middle row and the middle column of it
//   (cv::getStructuringElement(MORPH_CROSS)).
// Borders follow OpenCV's default border value (morphologyDefaultBorderValue): pixels
// beyond the edge never win the minimum or maximum with `constant`, and with reflect101
// or replicate every pixel read beyond the edge is a copy of one already inside the same
// window, so the three modes give the same result. `border` is accepted for symmetry with
// the other filters and passed to OpenCV.
enum class MorphOp : std::uint8_t { Erode, Dilate, Open, Close };
enum class MorphShape : std::uint8_t { Rect, Cross };
std::string_view name(MorphOp op);                 // "erode", "dilate", "morph_open", "morph_close"
std::string_view name(MorphShape shape);           // "rect", "cross"
MorphShape parseMorphShape(std::string_view text); // throws InvalidArgument

struct MorphDesc {
    Shape shape;
    DType dtype = DType::U8; // u8, u16 or f32
    MorphOp op = MorphOp::Erode;
    MorphShape element = MorphShape::Rect;
    int ksizeX = 3; // odd, 1 .. kMaxKernelSize
    int ksizeY = 3;
    int iterations = 1; // 1 .. kMaxIterations
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 255;
    static constexpr int kMaxIterations = 64;
    // Repeated rectangular erosions are one erosion by a larger rectangle (OpenCV does the
    // same); its side may not exceed this.
    static constexpr int kMaxEffectiveSize = 1023;

    void validate() const; // InvalidArgument (sizes, iterations), DTypeMismatch, ShapeMismatch
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    // The side of the rectangle that `iterations` rectangular passes amount to:
    // ksize + (iterations - 1)·(ksize - 1).
    int effectiveKsizeX() const;
    int effectiveKsizeY() const;
    // Erosions and dilations in sequence: 1 for erode/dilate, 2 for open/close.
    int passes() const { return op == MorphOp::Open || op == MorphOp::Close ? 2 : 1; }
    Cost cost() const; // bytes: one read and one write; 6 comparisons per element per erosion or dilation
};

// Median filter: each output element is the median of the ksize x ksize window around it in
// its own channel (interleaved channels are filtered one by one), as cv::medianBlur but with
// every border mode: pixels beyond the edge are read through `border` (constant reads 0 and
// the zeros take part in the median), where medianBlur itself always replicates. dtypes u8
// (ksize up to kMaxKernelSizeU8) and u16, f32 (up to kMaxKernelSize); 1 to 4 channels. The
// result is an element of the window, so both backends give exactly the same values.
struct MedianDesc {
    Shape shape;
    DType dtype = DType::U8; // u8, u16 or f32
    int ksize = 3;           // odd, 1 .. the limit of the dtype; 1 copies
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSizeU8 = 255; // per-column histograms: cost grows with ksize
    static constexpr int kMaxKernelSize = 31;    // u16 and f32: selection, cost grows with ksize²

    void validate() const; // InvalidArgument (even, non-positive or too large sizes), DTypeMismatch, ShapeMismatch
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const; // one read and one write; about ksize² comparisons per element
};

// Bilateral filter, as cv::bilateralFilter(src, dst, d, sigmaColor, sigmaSpace, border): a
// weighted mean over the disc of radius r around each pixel (offsets with dx² + dy² <= r²),
// each neighbour weighted by exp(−(dx² + dy²) / (2·sigmaSpace²)) · exp(−c² / (2·sigmaColor²)),
// c the colour distance: |a − b| for one channel, the sum of the three channels' |a − b| for
// three. r = d / 2, or round(1.5 · sigmaSpace) when d is 0; at least 1. dtypes u8 and f32; 1 or
// 3 channels; every border mode (constant reads 0; refused for f32, where OpenCV's table would
// be read past its end). OpenCV's tables are applied as OpenCV
// applies them: for u8 the colour weight of each integer distance, for f32 a table of 4096
// bins per channel over the image's value range (its minimum to maximum), linearly
// interpolated; an f32 image whose range is below FLT_EPSILON is copied unchanged.
struct BilateralDesc {
    Shape shape;
    DType dtype = DType::U8;  // u8 or f32
    int diameter = 9;         // >= 0; 0: from sigmaSpace; even d acts as d + 1 (r = d / 2)
    double sigmaColor = 75.0; // > 0, in the image's units (0..255 for u8)
    double sigmaSpace = 75.0; // > 0, in pixels
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxRadius = 31; // d up to 63

    // InvalidArgument (negative d, sigmas <= 0, radius over the limit, f32 with constant),
    // DTypeMismatch, ShapeMismatch
    void validate() const;
    int radius() const; // r as above (desc valid)
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const; // one read and one write; about 8 flops per neighbour in the disc
};

// 2-D correlation with a user matrix, as cv::filter2D(src, dst, ddepth, kernel, anchor =
// centre, delta, border): out(y, x) = delta + sum over (i, j) of w(i, j) · in(y + i − ay,
// x + j − ax), channel by channel, with (ax, ay) = (kw / 2, kh / 2), the matrix not flipped.
// The weights w are the matrix times `scale`, divided by the sum of its entries when
// `normalize`. dtypes u8, u16 and f32 in; out the same dtype (rounded half to even and
// saturated, as filter2D with ddepth = -1) or f32. 1 to 4 interleaved channels; every border
// mode (constant reads 0). Matrices of any size from 1x1 to kMaxKernelSize x kMaxKernelSize.
//
// A matrix of rank 1 (see separableFactors) runs as a column and a row pass (cv::sepFilter2D
// on the CPU, one kernel with the intermediate in shared memory on the GPU); the CPU never
// takes OpenCV's DFT path, so its result does not depend on the thread count. Sums are in
// float on both backends, so the GPU matches within 1 unit for integers and 1e-5 relative
// for f32 (the order of the additions differs).
struct SeparableFactors {
    std::vector<double> column; // kh entries
    std::vector<double> row;    // kw entries; w(i, j) = column[i] · row[j]
};

// The factors of a kh x kw row-major matrix of rank 1, or nothing: the matrix is separable
// when max |w − column·rowᵀ| <= tolerance · max |w| for the column through its largest
// entry and the row through it scaled to 1 there. An all-zero matrix is not separable.
std::optional<SeparableFactors> separableFactors(std::span<const double> matrix, int kw, int kh,
                                                 double tolerance = 1e-6);

struct Conv2dDesc {
    Shape shape;
    DType dtype = DType::F32;    // u8, u16 or f32
    DType outDType = DType::F32; // dtype or f32
    int kernelWidth = 3;         // 1 .. kMaxKernelSize, odd or even
    int kernelHeight = 3;
    std::vector<double> kernel = {1, 2, 1, 2, 4, 2, 1, 2, 1}; // kernelHeight rows of kernelWidth
    bool normalize = false;
    double scale = 1.0;
    double delta = 0.0;
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 31;

    // InvalidArgument (sizes, entries that are not finite or do not fill the matrix, a
    // normalised matrix summing to 0), DTypeMismatch, ShapeMismatch
    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return outDType; }
    int anchorX() const { return kernelWidth / 2; }
    int anchorY() const { return kernelHeight / 2; }
    std::vector<double> weights() const;               // the matrix as applied: scaled, normalised
    std::optional<SeparableFactors> separable() const; // separableFactors(weights())
    std::string path() const;                          // "separable 1x3 + 3x1" or "dense 3x3"
    Cost cost() const; // one read and one write; 2 flops per tap (kw·kh dense, kw + kh separable)
};

// Derivative filters: Sobel and Scharr derivatives, their gradient magnitude, and the
// Laplacian, as cv::Sobel, cv::Scharr, cv::magnitude and cv::Laplacian with ddepth =
// CV_32F. Input u8, u16 or f32 with 1 to 4 interleaved channels, each filtered on its own;
// output always f32, of the input's shape. Every border mode (constant reads 0).
//
// Each is one or two separable filters (DerivativeFilters): a row kernel applied along W,
// then a column kernel along H, both in float, the scale folded into the kernels where
// OpenCV folds it, delta added last:
//   - Sobel (dx, dy, ksize): row = sobelKernel(dx, ksize), column = sobelKernel(dy, ksize),
//     scale on the column kernel (the row kernel when dx = 0).
//   - Scharr (dx, dy): [-1, 0, 1] for the order-1 axis, [3, 10, 3] for the other.
//   - magnitude: sqrt(gx² + gy²) of the (1, 0) and (0, 1) derivatives, each scaled; dx,
//     dy and delta do not apply. The GPU computes both in one pass over the image.
//   - Laplacian (ksize): d²/dx² + d²/dy², as the sum of two separable filters: (sobelKernel(2,
//     k) along W, sobelKernel(0, k) along H) + (the same transposed), with k = 3 for ksize 1
//     and 3 (ksize 1 has [0, 1, 0] for the smoothing kernels, OpenCV's 3x3 cross).
// Results: derivatives and Laplacians of u8 images, and of u16 images up to ksize 5, with
// scale 1 and delta 0 are sums of integers below 2^24, exact in float, so the backends
// agree exactly; elsewhere (magnitudes included) the order of the float operations
// differs, and the GPU matches OpenCV within 1e-5 of the largest |result| plus 1e-7 of the
// largest sum of |terms| (a result that cancels to 0 keeps its terms' rounding).
enum class DerivativeKind : std::uint8_t { Sobel, Scharr };

struct DerivativeDesc {
    Shape shape;
    DType dtype = DType::F32; // the input's: u8, u16 or f32
    DerivativeKind kind = DerivativeKind::Sobel;
    int dx = 1;             // order along W; Sobel: 0 .. ksize − 1 (0 .. 2 for ksize 1); Scharr: 0 or 1
    int dy = 0;             // order along H; dx + dy >= 1 (Scharr: exactly 1)
    int ksize = 3;          // Sobel: 1, 3, 5 or 7 (1: no smoothing, 3 taps along a derivative axis); Scharr: 3
    bool magnitude = false; // sqrt(gx² + gy²) of the first derivatives instead of (dx, dy)
    double scale = 1.0;     // finite
    double delta = 0.0;     // finite; 0 with magnitude
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 7;

    // InvalidArgument (ksize, orders, scale, delta), DTypeMismatch, ShapeMismatch
    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return DType::F32; }
    std::string opName() const; // "sobel", "scharr", "sobel_magnitude", "scharr_magnitude"
    Cost cost() const;          // one read of the input and one f32 write; 2 flops per tap
};

struct LaplacianDesc {
    Shape shape;
    DType dtype = DType::F32; // the input's: u8, u16 or f32
    int ksize = 1;            // 1, 3, 5 or 7
    double scale = 1.0;       // finite
    double delta = 0.0;       // finite
    BorderMode border = BorderMode::Reflect101;

    static constexpr int kMaxKernelSize = 7;

    void validate() const; // InvalidArgument (ksize, scale, delta), DTypeMismatch, ShapeMismatch
    Shape outputShape() const { return shape; }
    DType outputDType() const { return DType::F32; }
    Cost cost() const; // one read of the input and one f32 write; 2 flops per tap
};

// OpenCV's unnormalised Sobel kernel of a derivative order for an aperture (getSobelKernels):
// ksize 1 is [1] for order 0 and the 3-tap kernel otherwise; [1, 2, 1], [-1, 0, 1],
// [1, -2, 1] for ksize 3; binomial smoothing differenced `order` times for 5 and 7.
// Needs 0 <= order < max(ksize, 3).
std::vector<double> sobelKernel(int order, int ksize);

// What both backends' derivative filters apply: `count` separable filters (row kernel
// along W, then column kernel along H), combined, then + delta. The kernels are padded to
// 2·radius + 1 taps with zeros, centred; radius is 1 .. 3.
struct DerivativeFilters {
    enum class Combine : std::uint8_t {
        One,       // the first filter
        Sum,       // the first plus the second (Laplacian)
        Magnitude, // sqrt(first² + second²)
    };
    int radius = 1;
    int count = 1; // 1 or 2
    std::vector<double> row[2];
    std::vector<double> column[2];
    Combine combine = Combine::One;
    double delta = 0.0;
};
DerivativeFilters derivativeFilters(const DerivativeDesc& desc); // desc valid
DerivativeFilters derivativeFilters(const LaplacianDesc& desc);  // desc valid

// RGB(A) -> gray with the ITU-R BT.601 weights 0.299, 0.587, 0.114 (as OpenCV's RGB2GRAY).
// Input (H, W, 3) or (H, W, 4), u8, u16 or f32; output (H, W), the same dtype (integers in
// OpenCV 4's 15-bit fixed point, rounded).
struct GrayscaleDesc {
    Shape shape;
    DType dtype = DType::U8;

    void validate() const;
    Shape outputShape() const;
    DType outputDType() const { return dtype; }
    Cost cost() const;
};

// Elementwise dtype conversion, out = in · scale + offset (as NumPy's astype when scale = 1
// and offset = 0, except that integer targets round to nearest and saturate, as OpenCV's
// convertTo). real -> complex sets the imaginary part to 0; complex -> real is refused
// (use abs() or real() explicitly).
struct ConvertDesc {
    Shape shape;
    DType from = DType::F32;
    DType to = DType::F32;
    double scale = 1.0;
    double offset = 0.0;

    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return to; }
    Cost cost() const;
};

// Threshold, as cv::threshold: per element, with "above" meaning strictly greater than
// the threshold t:
//   binary:      above ? maxval : 0        binary_inv:  above ? 0 : maxval
//   trunc:       above ? t : x             to_zero:     above ? x : 0
//   to_zero_inv: above ? 0 : x
// u8 and u16 compare with floor(t) and write round(maxval) saturated (OpenCV's integer
// path); f32 compares and writes in float. `otsu` chooses t from the image's histogram as
// THRESH_OTSU does (the same t as OpenCV, bit for bit: its arithmetic is repeated in the
// same order); u8 and u16 single-channel images only (OpenCV 4.6 supports no others), and
// `thresh` is then ignored. Any channel count without Otsu, channels thresholded alike.
enum class ThresholdType : std::uint8_t { Binary, BinaryInv, Trunc, ToZero, ToZeroInv };
std::string_view name(ThresholdType type);               // "binary", "binary_inv", "trunc", "to_zero", "to_zero_inv"
ThresholdType parseThresholdType(std::string_view text); // throws InvalidArgument

struct ThresholdDesc {
    Shape shape;
    DType dtype = DType::U8; // u8, u16 or f32
    double thresh = 128;     // finite
    double maxval = 255;     // finite
    ThresholdType type = ThresholdType::Binary;
    bool otsu = false;

    // InvalidArgument (not finite), DTypeMismatch (Otsu of f32), ShapeMismatch (Otsu of several channels)
    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const; // one read and one write (Otsu: one more read); one comparison per element
};

// Normalize, as cv::normalize without a mask, over all elements (every channel together):
//   minmax: maps [min, max] of the input onto [min(alpha, beta), max(alpha, beta)]
//           (a constant image gives min(alpha, beta));
//   l1, l2, inf: scales so that the norm (sum |x|, sqrt(sum x²), max |x|) is alpha (an all-zero
//           image gives zeros).
// Then out = in·scale + shift converted to `outDType` as convertTo (integers round to nearest
// even and saturate), with OpenCV's float rounding of scale and shift for an f32 minmax.
enum class NormType : std::uint8_t { MinMax, L1, L2, Inf };
std::string_view name(NormType norm);          // "minmax", "l1", "l2", "inf"
NormType parseNormType(std::string_view text); // throws InvalidArgument

struct NormalizeDesc {
    Shape shape;
    DType dtype = DType::F32; // u8, u16 or f32
    double alpha = 0;         // finite
    double beta = 1;          // finite; minmax only
    NormType norm = NormType::MinMax;
    std::optional<DType> outDType{}; // u8, u16 or f32; the input's dtype when not given

    void validate() const; // InvalidArgument (not finite), DTypeMismatch, ShapeMismatch
    Shape outputShape() const { return shape; }
    DType outputDType() const { return outDType.value_or(dtype); }
    Cost cost() const; // two reads (the reduction, then the map) and one write; 3 flops per element
};

// Resize, as cv::resize with OpenCV's pixel-centre conventions:
//   nearest:  source index floor(d / scale) (INTER_NEAREST);
//   bilinear: INTER_LINEAR, u8 with 11-bit fixed-point weights as OpenCV (a 1/2 reduction in
//             both axes is OpenCV's area average, as cv::resize does);
//   area:     INTER_AREA: a box average over the source cells each output pixel covers
//             (integer factors a plain average), bilinear-like where an axis is enlarged.
// The output size is (width, height) when both are given, otherwise round(W·fx) x
// round(H·fy) with the factors used as given (as cv::resize with dsize = Size()). An output
// the same size as the input is a copy. u8 and u16 within 1 unit of OpenCV on the GPU,
// f32 within 1e-5 relative.
enum class Interpolation : std::uint8_t { Nearest, Bilinear, Area };
std::string_view name(Interpolation interpolation);      // "nearest", "bilinear", "area"
Interpolation parseInterpolation(std::string_view text); // throws InvalidArgument ("linear" is bilinear)

struct ResizeDesc {
    Shape shape;
    DType dtype = DType::U8; // u8, u16 or f32
    std::int64_t width = 0;  // output size; 0 and 0 to use fx and fy
    std::int64_t height = 0;
    double fx = 0; // factors (> 0) when width and height are 0
    double fy = 0;
    Interpolation interpolation = Interpolation::Bilinear;

    // Each side, of the input and of the output (OpenCV's int sizes, and our tables).
    static constexpr std::int64_t kMaxSide = 32768;

    void validate() const; // InvalidArgument (no size, zero or negative, larger than kMaxSide, not finite)
    Shape outputShape() const;
    DType outputDType() const { return dtype; }
    std::int64_t outputWidth() const;
    std::int64_t outputHeight() const;
    // OpenCV's inv_scale_x and inv_scale_y: output / input sizes, or fx, fy as given.
    double inverseScaleX() const;
    double inverseScaleY() const;
    Cost cost() const; // one read of the input and one write of the output; 8 flops per output element
};

// ---------------------------------------------------------------------------------------
// Random arrays. Uniform in [low, high) or normal (mean, stddev), real floating dtypes.
// The same seed gives the same numbers on the same backend and shape, whatever the thread
// count. Uniform arrays are the same numbers on the CPU and the CUDA backend; normal arrays
// are not (the GPU uses cuRAND's own stream; see docs/compute.md).
enum class Distribution : std::uint8_t { Uniform, Normal };

struct RandomDesc {
    Shape shape;
    DType dtype = DType::F32;
    Distribution distribution = Distribution::Uniform;
    std::uint64_t seed = 0;
    double a = 0.0; // low (uniform) or mean (normal)
    double b = 1.0; // high (uniform) or stddev (normal)

    void validate() const;
    Shape outputShape() const { return shape; }
    DType outputDType() const { return dtype; }
    Cost cost() const;
};

// ---------------------------------------------------------------------------------------
// Elementwise expressions: the unit of fusion. One desc is a small expression DAG over
// `inputs.size()` arrays (zero for creation ops such as zeros() or arange()), evaluated
// per element and stored in one output. The pipeline fuses a chain of elementwise steps
// into one desc; each backend runs a desc in one pass over memory (a generated NVRTC
// kernel on the GPU, one blocked loop on the CPU).
//
// Nodes are in topological order: a node's operands are earlier nodes; the last node is
// the result. validate() computes every node's dtype by the promotion rules below
// (docs/pipeline-language.md, "Arithmetic"), so both backends read node.dtype and never
// decide a type themselves:
//   - integers (u8, u16, i32) with integers: the wider one (u8+u8 -> u8, wrapping as NumPy);
//     with i32 -> i32. Integer results wrap to their dtype at every node.
//   - integers with a real float, or a float constant with an integer: the float (f32 for
//     a constant); f16 with bf16 -> f32; reals widen to the wider (f32 with f64 -> f64).
//   - real with complex -> complex of the wider width (f64 with c64 -> c128); integers
//     with complex -> the complex (i32 with c64 -> c64).
//   - Constants are "weak" (as Python scalars in NumPy 2): they take the other operand's
//     dtype unless they are a float meeting an integer (-> f32).
//   - Div of integers, Pow, and the math functions of integers give f32.
//   - Comparisons give u8 (0 or 1); Where takes its type from operands b and c.
//   - Abs and Angle of complex give the real part's dtype; Real/Imag too; Conj keeps it.
//   - f16 and bf16 nodes are computed in f32 and rounded once, where they are stored.
// What the rules above leave open is decided so:
//   - Constants. A Constant is a float constant when node.floatConstant is set or its value
//     is not a finite integer; otherwise an integer constant. An integer constant meeting
//     an integer dtype must fit it (u8 + 300, u8 + -1 and i32 + 3e9 are InvalidArgument, as
//     NumPy 2's OverflowError). A Constant that meets no other operand (alone as the
//     result, under a unary op or a Cast, as Where's condition, or with another Constant)
//     is f64: fold constant subexpressions into one Constant, since neg(2) is a strong f64.
//     A Constant's node.dtype is the dtype it took; one Constant node used by nodes that
//     need it in different dtypes is InvalidArgument (give each use its own node). A
//     constant in an f16 or bf16 node is the f32 nearest the double (not rounded to 16
//     bits first), like every other f16/bf16 value before it is stored.
//   - Operands are converted to the node's dtype before the op (Div of u8 divides two f32),
//     except: comparisons compare in promoteTypes(a, b); Cast, Where's condition and Abs,
//     Angle, Real, Imag of complex read their operand as it is. An f16/bf16 node converts
//     an integer operand to f32, never to 16 bits.
//   - Integers: Neg and Abs wrap (abs of i32 -2^31 is -2^31); Floor, Ceil, Round, Real and
//     Conj of an integer are the integer, Imag is 0; Sqrt ... Tanh and Angle give f32.
//   - Real floats: Real and Conj are x, Imag is 0, Angle is atan2(0, x) (0 or pi). Round is
//     half to even. Minimum/Maximum propagate NaN as NumPy (the first NaN operand wins).
//   - Complex: accepted by Neg, Abs (hypot), Real, Imag, Conj, Angle (atan2(im, re)), Cast
//     to complex, Add, Sub, Mul, Div (Smith's algorithm, as NumPy), Equal, NotEqual and
//     Where; refused (DTypeMismatch) by the math functions Sqrt ... Tanh, Floor, Ceil,
//     Round, Pow, Minimum, Maximum, the order comparisons and a Cast to a real dtype.
//   - Where: a is true when it is not 0 (NaN is true; a complex one when either part is not 0).
//   - Cast rounds and saturates exactly as ConvertDesc (integer targets round half to even
//     and saturate, NaN gives 0; i32 -> u8 saturates too); a Cast to f16/bf16 rounds to 16
//     bits there (Cast of an f16 node to f16 rounds the f32 value the node holds).
//   - Nodes the result does not depend on are checked but not computed; an operand field
//     (a, b, c, input) a node does not use must be -1.
// Shapes: every input has the output's shape, or holds one element (a 0-D reduction
// result, a (1, 1) array), which is then used for every element. A non-broadcast input may
// be the output array itself when its elements have the output's size.
enum class ElemOp : std::uint8_t {
    Input,    // inputs[node.input]
    Constant, // node.constant (real); its dtype is decided by its use
    Index,    // the element's flat row-major index, as f64 (for arange, unit_impulse)
    // unary
    Neg,
    Abs,
    Sqrt,
    Exp,
    Log,
    Log1p,
    Sin,
    Cos,
    Tan,
    Tanh,
    Floor,
    Ceil,
    Round, // half to even, as NumPy
    Real,
    Imag,
    Conj,
    Angle,
    Cast, // to node.castTo (astype inside a fused chain: no scaling; integer targets round and saturate)
    // binary
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Minimum,
    Maximum,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    // ternary
    Where, // a != 0 ? b : c
};

// "neg", "abs", ..., "where": the name the pipeline language and generated code use.
std::string_view name(ElemOp op);
int arity(ElemOp op); // operands taken: 0 for Input/Constant/Index, 1, 2 or 3

struct ElemNode {
    ElemOp op = ElemOp::Input;
    int a = -1; // operand node indices, earlier than this node; -1 when unused
    int b = -1;
    int c = -1;
    int input = -1;             // Input: index into ElementwiseDesc::inputs
    double constant = 0;        // Constant
    DType castTo = DType::F32;  // Cast
    DType dtype = DType::F32;   // set by validate()
    bool floatConstant = false; // Constant: written as a float (2.0), not an integer (2); see above
};

struct ElementwiseDesc {
    Shape shape{};                    // of the output
    std::vector<Shape> inputShapes{}; // one per input
    std::vector<DType> inputs{};      // dtypes of the inputs, in the order Input nodes refer to them
    std::vector<ElemNode> nodes{};

    // Sets every node's dtype; throws InvalidArgument for a malformed DAG (an operand that
    // is not an earlier node, a set operand field a node does not use, an unknown op or
    // dtype, no nodes) and for the constants refused above, ShapeMismatch for an input that
    // neither matches the shape nor holds one element, DTypeMismatch for an op its operand
    // type does not support (Sin of c64, Less of complex, Minimum of complex, Floor of
    // complex, a Cast from complex to real).
    void validate();
    Shape outputShape() const { return shape; }
    DType outputDType() const; // the last node's dtype (validate() first)
    // flops: one per arithmetic node per element (complex multiply 6, divide 11, add,
    // subtract, negate and compare 2, math functions 1), counting floating-point work only
    // (integer arithmetic, casts, Real/Imag/Conj and Where are 0); nodes that depend on no
    // per-element data (constants, broadcast inputs) count once, not per element. bytes:
    // each input the result uses, once (one element for broadcast ones), plus the output.
    Cost cost() const;
    // Canonical text of the expression with inputs as x0, x1, ...: "sin(x0) * 2 + x1".
    // Equal texts (with equal input dtypes) mean equal kernels: the GPU's code cache key.
    // Python precedence with the fewest parentheses; a broadcast input is "x1[0]"; Index is
    // "index()"; Cast is "astype(x0, f16)"; integer constants print as integers ("2", "-0"),
    // float ones in shortest round-trip form with a point or exponent ("2.0", "0.1",
    // "1e-07", "inf", "nan"); the negation of a constant is "-(2)", unlike the constant -2.
    // A node used more than once is printed once and named: "t0 = sin(x0); t0 * t0".
    // Nodes the result does not depend on are left out. validate() first.
    std::string text() const;
};

// The dtype two operands that are not weak constants meet in, by the rules above: the
// dtype arithmetic on them gives before the Div/Pow rule, and the dtype comparisons compare
// in. Symmetric; promoteTypes(x, x) == x.
DType promoteTypes(DType a, DType b);

// ---------------------------------------------------------------------------------------
// Reductions over the whole array to one value, a 0-D output. Floating inputs are summed in
// f64 on both backends (pairwise on the CPU, tree-shaped on the GPU); the results agree
// within a few ulps of the output dtype.
//   sum, mean: integers -> f64, reals -> same dtype, complex -> same dtype
//   min, max:  integers and reals -> same dtype; complex refused
//   norm:      the 2-norm sqrt(sum |x|^2); real or complex -> the real dtype (ints -> f64)
enum class ReduceOp : std::uint8_t { Sum, Mean, Min, Max, Norm };
std::string_view name(ReduceOp op); // "sum", "mean", "min", "max", "norm"

struct ReduceDesc {
    Shape shape;
    DType dtype = DType::F32;
    ReduceOp op = ReduceOp::Sum;

    void validate() const; // DTypeMismatch (min/max of complex), InvalidArgument (empty input for min/max)
    Shape outputShape() const { return Shape{}; }
    DType outputDType() const;
    Cost cost() const; // one read of the input; one flop per element (two for norm)
};

} // namespace wb
