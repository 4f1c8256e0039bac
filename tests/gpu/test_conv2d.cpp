// conv2d against OpenCV on the CPU backend (filter2D / sepFilter2D): u8, u16 and f32 in,
// the same dtype or f32 out, 1 to 4 channels, every border mode, images of 1x1, 3x7 and
// 1021x767 and a few others (70x1200 and 2x300 of one channel: f32's separable 3x3 to 7x7
// and dense 3x3 and 5x5 take the float4 strips there); dense and separable matrices from
// 1x1 to 31x31, even sizes,
// and matrices larger than the image.
//
// Tolerances (wb::Conv2dDesc): u8 and u16 within 1 unit; f32 within 1e-5 of the largest
// sum a pixel can reach, Σ|w|·max|x| + |delta| (both backends sum in float, in different
// orders, and a sum of many terms of both signs loses digits relative to its terms, not to
// itself).

#include "compare.h"

#include <algorithm>

namespace wb::test {
namespace {

struct Matrix {
    std::string label;
    int w;
    int h;
    std::vector<double> values;
};

Matrix outer(std::string label, const std::vector<double>& column, const std::vector<double>& row)
{
    Matrix m{std::move(label), static_cast<int>(row.size()), static_cast<int>(column.size()), {}};
    for (double c : column)
        for (double r : row)
            m.values.push_back(c * r);
    return m;
}

// The largest |actual − expected| in units of the tolerance: for integer outputs 1 unit, or
// 1e-7 · scale where the float sums are that large (a random 31x31 matrix on u16 reaches
// 3e7, whose float rounding is a few units: 2 measured on an H200); 1e-5 · scale for f32.
double worstInTolerances(const Array& actual, const Array& expected, double scale)
{
    const auto [a, e] = bothValues(actual, expected);
    if (a.size() != e.size())
        return INFINITY;
    const double unit = actual.dtype() == DType::F32 ? 1e-5 * std::max(scale, 1.0) : std::max(1.0, 1e-7 * scale);
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double error = std::fabs(a[i] - e[i]) / unit;
        worst = std::max(worst, std::isnan(error) ? INFINITY : error);
    }
    return worst;
}

Array runConv2d(Backend& backend, const Conv2dDesc& desc, const Array& image)
{
    Array out = backend.empty(desc.outputShape(), desc.outputDType());
    backend.prepareConv2d(desc)->run(image, out);
    return out;
}

using Conv2dParam = std::tuple<Shape, DType, BorderMode>;

std::string conv2dName(const ::testing::TestParamInfo<Conv2dParam>& param)
{
    const auto& [shape, dtype, border] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype)) + "_" + std::string(name(border));
}

class Conv2dTest : public GpuTest, public ::testing::WithParamInterface<Conv2dParam> {
protected:
    // A w x h matrix of uniform entries in [-1, 1).
    Matrix randomMatrix(std::string label, int w, int h)
    {
        return {std::move(label), w, h, values(random(Shape{std::int64_t{w} * h}, DType::F32, -1, 1))};
    }
};

TEST_P(Conv2dTest, MatchesCpu)
{
    const auto& [shape, dtype, border] = GetParam();
    const Array image = random(shape, dtype, 0, highest(dtype));
    const Array device = upload(image);
    const std::vector<Matrix> matrices = {
        {"default", 3, 3, {1, 2, 1, 2, 4, 2, 1, 2, 1}},
        {"laplacian", 3, 3, {0, 1, 0, 1, -4, 1, 0, 1, 0}},
        {"1x1", 1, 1, {0.75}},
        randomMatrix("random 5x5", 5, 5),
        randomMatrix("random 7x7", 7, 7),
        randomMatrix("random 4x2", 4, 2),
        randomMatrix("random 2x5", 2, 5),
        randomMatrix("random 31x31", 31, 31),
        randomMatrix("random 13x3", 13, 3),
        outer("sobel 5x5", {1, 4, 6, 4, 1}, {-1, -2, 0, 2, 1}),
        outer("separable 31x31", values(random(Shape{31}, DType::F32, -1, 1)),
              values(random(Shape{31}, DType::F32, -1, 1))),
        outer("separable 6x3", {1, 2, 1}, {1, -1, 2, 2, -1, 1}),
        outer("row 1x31", {1}, values(random(Shape{31}, DType::F32, 0, 1))),
        outer("column 31x1", values(random(Shape{31}, DType::F32, 0, 1)), {1}),
    };
    for (const Matrix& m : matrices) {
        for (const bool toF32 : {false, true}) {
            Conv2dDesc desc{.shape = shape,
                            .dtype = dtype,
                            .outDType = toF32 ? DType::F32 : dtype,
                            .kernelWidth = m.w,
                            .kernelHeight = m.h,
                            .kernel = m.values,
                            .scale = m.label == "default" ? 1.0 / 16 : 1.0,
                            .delta = dtype == DType::F32 ? 0.5 : 100.0,
                            .border = border};
            SCOPED_TRACE(m.label + " (" + desc.path() + ") to " + std::string(name(desc.outDType)));
            double scale = std::fabs(desc.delta);
            for (double w : desc.weights())
                scale += std::fabs(w) * highest(dtype);
            const Array expected = runConv2d(cpu(), desc, image);
            const Array actual = download(runConv2d(gpu(), desc, device));
            EXPECT_LE(worstInTolerances(actual, expected, scale), 1.0);
        }
    }
}

const auto kShapes =
    ::testing::Values(Shape{1, 1}, Shape{3, 7}, Shape{1021, 767}, Shape{1, 1, 3}, Shape{3, 7, 4}, Shape{1021, 767, 3},
                      Shape{33, 47, 2}, Shape{130, 200, 4}, Shape{2, 300}, Shape{257, 1}, Shape{70, 1200});
INSTANTIATE_TEST_SUITE_P(Images, Conv2dTest,
                         ::testing::Combine(kShapes, ::testing::Values(DType::U8, DType::U16, DType::F32),
                                            ::testing::Values(BorderMode::Reflect101, BorderMode::Replicate,
                                                              BorderMode::Constant)),
                         conv2dName);

using Conv2dGpuTest = GpuTest;

TEST_F(Conv2dGpuTest, RunsInPlace)
{
    for (const bool separable : {false, true}) {
        const Conv2dDesc desc{.shape = Shape{64, 48, 3},
                              .dtype = DType::F32,
                              .outDType = DType::F32,
                              .kernel = separable ? std::vector<double>{1, 2, 1, 2, 4, 2, 1, 2, 1}
                                                  : std::vector<double>{0, 1, 0, 1, -4, 1, 0, 1, 0}};
        const Array image = random(desc.shape, DType::F32, 0, 1);
        const Array expected = runConv2d(cpu(), desc, image);
        Array device = upload(image);
        gpu().prepareConv2d(desc)->run(device, device);
        EXPECT_LE(worstInTolerances(download(device), expected, 16.0), 1.0);
    }
}

TEST_F(Conv2dGpuTest, RefusesBadParametersBeforeWork)
{
    const Conv2dDesc good{.shape = Shape{16, 16}, .dtype = DType::F32, .outDType = DType::F32};
    Conv2dDesc tooWide = good;
    tooWide.kernelWidth = 33;
    tooWide.kernelHeight = 1;
    tooWide.kernel.assign(33, 1.0);
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { gpu().prepareConv2d(tooWide); }));
    Conv2dDesc zeroSum = good;
    zeroSum.kernel = {0, 1, 0, 1, -4, 1, 0, 1, 0};
    zeroSum.normalize = true;
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { gpu().prepareConv2d(zeroSum); }));
    Conv2dDesc wrongDType = good;
    wrongDType.dtype = wrongDType.outDType = DType::F64;
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { gpu().prepareConv2d(wrongDType); }));
    auto op = gpu().prepareConv2d(good);
    const Array wrong = upload(random(Shape{16, 16}, DType::U8, 0, 255));
    Array out = gpu().empty(Shape{16, 16}, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(wrong, out); }));
}

} // namespace
} // namespace wb::test
