#pragma once
// Op descriptors: what an op is asked to do, independent of the backend that does it.
// Validation, output shape and dtype, and cost (flops and bytes moved) are decided here,
// once, above the backends; a backend's prepareX(desc) may assume validate() passed.

#include <wb/array.h>

#include <cstdint>
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

// RGB(A) -> gray with the ITU-R BT.601 weights 0.299, 0.587, 0.114 (as OpenCV's RGB2GRAY).
// Input (H, W, 3) or (H, W, 4), u8 or f32; output (H, W).
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

} // namespace wb
