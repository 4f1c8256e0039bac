// Image ops against OpenCV: our Gaussian filter (f32 and u8, 1 to 4 channels, every
// border mode, tiny and odd sizes, derived and explicit kernel sizes) and grayscale.
//
// The u8 Gaussian uses OpenCV's fixed-point arithmetic and so matches it exactly; the
// tests allow the 1 the op's specification allows. f32 differs only in summation order.

#include "compare.h"

namespace wb::test {
namespace {

struct Blur {
    double sigmaX;
    double sigmaY; // 0: as sigmaX
    int ksize;     // 0: derived from sigma
};

void PrintTo(const Blur& blur, std::ostream* out)
{
    *out << "sigma " << blur.sigmaX << ", sigmaY " << blur.sigmaY << ", ksize " << blur.ksize;
}

Array runGaussian(Backend& backend, const GaussianDesc& desc, const Array& image)
{
    auto op = backend.prepareGaussian(desc);
    Array out = backend.empty(desc.outputShape(), desc.outputDType());
    op->run(image, out);
    return out;
}

void expectClose(const Array& actual, const Array& expected)
{
    if (actual.dtype() == DType::U8)
        EXPECT_LE(maxAbsDifference(actual, expected), 1.0);
    else
        EXPECT_LE(relativeError(actual, expected), 1e-5);
}

class GaussianTest : public GpuTest,
                     public ::testing::WithParamInterface<std::tuple<Shape, DType, BorderMode, Blur>> {};

TEST_P(GaussianTest, MatchesCpu)
{
    const auto& [shape, dtype, border, blur] = GetParam();
    const GaussianDesc desc{shape, dtype, blur.sigmaX, blur.sigmaY, blur.ksize, blur.ksize, border};
    desc.validate();
    const Array image = dtype == DType::U8 ? random(shape, dtype, 0, 255) : random(shape, dtype);
    const Array expected = runGaussian(cpu(), desc, image);
    const Array actual = download(runGaussian(gpu(), desc, upload(image)));
    expectClose(actual, expected);
}

std::string blurName(const Blur& blur)
{
    auto text = [](double value) {
        std::string s = std::to_string(value);
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.')
            s.pop_back();
        for (char& ch : s)
            ch = ch == '.' ? 'p' : ch;
        return s;
    };
    // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on "literal" + string.
    std::string result = "sigma";
    result += text(blur.sigmaX);
    if (blur.sigmaY > 0) {
        result += "_sigmaY";
        result += text(blur.sigmaY);
    }
    if (blur.ksize) {
        result += "_k";
        result += std::to_string(blur.ksize);
    }
    return result;
}

std::string gaussianName(const ::testing::TestParamInfo<GaussianTest::ParamType>& param)
{
    const auto& [shape, dtype, border, blur] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border)) + "_" + blurName(blur);
}

INSTANTIATE_TEST_SUITE_P(
    Images, GaussianTest,
    ::testing::Combine(::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 3},
                                         Shape{1021, 767, 3}, Shape{260, 1100}),
                       ::testing::Values(DType::F32, DType::U8),
                       ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant),
                       ::testing::Values(Blur{1.5, 0, 0}, Blur{3, 0, 0}, Blur{0, 0, 5}, Blur{2, 0.8, 0})),
    gaussianName);

// The widest kernels (129 taps), the widest of the fused kernel (33) and the next (35),
// 2 and 4 channels, and images narrower than the kernel.
INSTANTIATE_TEST_SUITE_P(WideKernels, GaussianTest,
                         ::testing::Combine(::testing::Values(Shape{200, 130, 4}, Shape{33, 47, 2}, Shape{5, 300}),
                                            ::testing::Values(DType::F32, DType::U8),
                                            ::testing::Values(BorderMode::Reflect101, BorderMode::Constant),
                                            ::testing::Values(Blur{16, 0, 129}, Blur{10, 0, 0}, Blur{6, 0, 33},
                                                              Blur{6, 0, 35})),
                         gaussianName);

using ImageTest = GpuTest;

TEST_F(ImageTest, GaussianRunsInPlace)
{
    for (const Shape& shape : {Shape{64, 48, 3}, Shape{64, 48}}) {
        SCOPED_TRACE(shapeName(shape));
        const GaussianDesc desc{shape, DType::F32, 2.0};
        const Array image = random(desc.shape, DType::F32);
        const Array expected = runGaussian(cpu(), desc, image);
        Array device = upload(image);
        auto op = gpu().prepareGaussian(desc);
        op->run(device, device);
        expectClose(download(device), expected);
    }
}

TEST_F(ImageTest, GaussianRefusesOtherImages)
{
    const GaussianDesc desc{Shape{16, 16}, DType::F32, 1.0};
    auto op = gpu().prepareGaussian(desc);
    const Array wrong = upload(random(Shape{16, 16}, DType::U8, 0, 255));
    Array out = gpu().empty(desc.shape, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(wrong, out); }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        gpu().prepareGaussian(GaussianDesc{Shape{16, 16}, DType::F32, 0.0});
    }));
}

// ---- grayscale --------------------------------------------------------------------------

class GrayscaleTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<Shape, DType>> {};

TEST_P(GrayscaleTest, MatchesCpu)
{
    const auto& [shape, dtype] = GetParam();
    const double high = dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1;
    const Array image = random(shape, dtype, 0, high);
    const Array expected = grayscale(cpu(), image);
    const Array actual = download(grayscale(gpu(), upload(image)));
    if (dtype == DType::F32)
        EXPECT_LE(relativeError(actual, expected), 1e-6);
    else
        EXPECT_LE(maxAbsDifference(actual, expected), 1.0); // both use OpenCV 4's fixed point: 0 expected
}

std::string grayscaleName(const ::testing::TestParamInfo<GrayscaleTest::ParamType>& param)
{
    const auto& [shape, dtype] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype));
}

INSTANTIATE_TEST_SUITE_P(Images, GrayscaleTest,
                         ::testing::Combine(::testing::Values(Shape{1, 1, 3}, Shape{17, 33, 3}, Shape{5, 7, 4},
                                                              Shape{480, 641, 4}),
                                            ::testing::Values(DType::U8, DType::U16, DType::F32)),
                         grayscaleName);

} // namespace
} // namespace wb::test
