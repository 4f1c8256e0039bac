// Sobel, Scharr, their magnitudes and the Laplacian on the CPU (OpenCV) against a direct
// 2-D correlation in double written here, with kernels built here (binomials differenced,
// Scharr's and the Laplacian's 3x3 matrices as OpenCV documents them) and OpenCV's border
// rules applied pixel by pixel. Also: the row bands on several threads give the one-thread
// result bit for bit, runs in place, wb::sobelKernel against OpenCV's tables, and the
// refusal of bad parameters before any work.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

using Matrix = std::vector<std::vector<double>>; // rows (y) of columns (x), odd and square

// The binomial smoothing of `size` taps differenced `order` times: the polynomial
// (1 + z)^(size − 1 − order) · (z − 1)^order, lowest power first.
std::vector<double> derivativeTaps(int order, int size)
{
    std::vector<double> taps{1};
    auto multiply = [&](double a, double b) { // by (a + b·z)
        std::vector<double> next(taps.size() + 1, 0.0);
        for (std::size_t i = 0; i < taps.size(); ++i) {
            next[i] += a * taps[i];
            next[i + 1] += b * taps[i];
        }
        taps = next;
    };
    for (int i = 0; i < size - 1 - order; ++i)
        multiply(1, 1);
    for (int i = 0; i < order; ++i)
        multiply(-1, 1);
    return taps;
}

// The outer product column ⊗ row, both padded with zeros to `size` taps.
Matrix outer(std::vector<double> column, std::vector<double> row, int size)
{
    auto pad = [size](std::vector<double> v) {
        const std::size_t extra = (static_cast<std::size_t>(size) - v.size()) / 2;
        v.insert(v.begin(), extra, 0.0);
        v.insert(v.end(), extra, 0.0);
        return v;
    };
    column = pad(column);
    row = pad(row);
    Matrix m(static_cast<std::size_t>(size), std::vector<double>(static_cast<std::size_t>(size)));
    for (int i = 0; i < size; ++i)
        for (int j = 0; j < size; ++j)
            m[i][j] = column[i] * row[j];
    return m;
}

Matrix plus(Matrix a, const Matrix& b)
{
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = 0; j < a.size(); ++j)
            a[i][j] += b[i][j];
    return a;
}

// cv::Sobel's kernel as a matrix: ksize 1 means no smoothing and 3 taps for a derivative.
Matrix sobelMatrix(int dx, int dy, int ksize)
{
    const int size = ksize == 1 ? 3 : ksize;
    auto taps = [&](int order) {
        return ksize == 1 && order == 0 ? std::vector<double>{1} : derivativeTaps(order, size);
    };
    return outer(taps(dy), taps(dx), size);
}

Matrix scharrMatrix(int dx, int dy)
{
    auto taps = [](int order) { return order == 0 ? std::vector<double>{3, 10, 3} : std::vector<double>{-1, 0, 1}; };
    return outer(taps(dy), taps(dx), 3);
}

// cv::Laplacian's kernel: the documented 3x3 matrices for ksize 1 and 3, else d²/dx² + d²/dy²
// of the Sobel kernels.
Matrix laplacianMatrix(int ksize)
{
    if (ksize == 1)
        return {{0, 1, 0}, {1, -4, 1}, {0, 1, 0}};
    if (ksize == 3)
        return {{2, 0, 2}, {0, -8, 0}, {2, 0, 2}};
    return plus(sobelMatrix(2, 0, ksize), sobelMatrix(0, 2, ksize));
}

// delta + scale · (m correlated with the image), channel by channel, in double.
std::vector<double> correlate(const Array& image, const Matrix& m, double scale, double delta, BorderMode border)
{
    const Shape& shape = image.shape();
    const std::int64_t h = shape[0], w = shape[1], c = shape.ndim() == 3 ? shape[2] : 1;
    const int r = static_cast<int>(m.size() / 2);
    std::vector<double> out;
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
            for (std::int64_t ch = 0; ch < c; ++ch) {
                double sum = 0;
                for (int i = -r; i <= r; ++i)
                    for (int j = -r; j <= r; ++j) {
                        const auto sy = test::borderIndex(y + i, h, border);
                        const auto sx = test::borderIndex(x + j, w, border);
                        if (sy && sx)
                            sum += m[i + r][j + r] * test::realAt(image, (*sy * w + *sx) * c + ch);
                    }
                out.push_back(delta + scale * sum);
            }
    return out;
}

// delta + scale · (m correlated with the image), channel by channel, in double, with the
// largest sum of |terms| (what float rounding is relative to: a result that cancels to 0
// carries the rounding of its terms).
struct Expected {
    std::vector<double> values;
    double termScale = 0;
};

Expected expectedOf(const Array& image, const Matrix& m, double scale, double delta, BorderMode border)
{
    Expected expected{correlate(image, m, scale, delta, border), 0};
    double l1 = 0, top = 0;
    for (const auto& row : m)
        for (double w : row)
            l1 += std::fabs(w);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        top = std::max(top, std::fabs(test::realAt(image, i)));
    expected.termScale = std::fabs(scale) * l1 * top;
    return expected;
}

// Every element within 1e-5 of the largest |expected| (at least 1), plus 1e-7 of the sum
// of |terms|: float sums of up to 98 terms against double ones.
void expectClose(const Array& actual, const std::vector<double>& expected, double termScale)
{
    ASSERT_EQ(actual.dtype(), DType::F32);
    ASSERT_EQ(static_cast<std::size_t>(actual.numel()), expected.size());
    double largest = 1;
    for (double e : expected)
        largest = std::max(largest, std::fabs(e));
    const double tolerance = 1e-5 * largest + 1e-7 * termScale;
    int failures = 0;
    for (std::int64_t i = 0; i < actual.numel(); ++i) {
        const double want = expected[static_cast<std::size_t>(i)];
        const double got = test::realAt(actual, i);
        if (!(std::fabs(got - want) <= tolerance) && ++failures <= 5)
            ADD_FAILURE() << "element " << i << ": got " << got << ", expected " << want;
    }
}

void expectClose(const Array& actual, const Expected& expected)
{
    expectClose(actual, expected.values, expected.termScale);
}

double highest(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

class DerivativeTest : public testing::Test {
protected:
    void SetUp() override
    {
        if (!WARPBENCH_HAVE_OPENCV)
            GTEST_SKIP() << "this build has no OpenCV, so the CPU backend has no derivative filters";
    }
};

const Shape kShapes[] = {Shape{1, 1},     Shape{3, 7},    Shape{2, 2},    Shape{19, 23},
                         Shape{9, 11, 3}, Shape{5, 6, 2}, Shape{7, 13, 4}};
const DType kDTypes[] = {DType::U8, DType::U16, DType::F32};
const BorderMode kBorders[] = {BorderMode::Reflect101, BorderMode::Replicate, BorderMode::Constant};

struct SobelCase {
    int dx, dy, ksize;
    double scale, delta;
};

const SobelCase kSobelCases[] = {{1, 0, 3, 1, 0},    {0, 1, 3, 1, 0},  {1, 1, 3, 1, 0}, {2, 0, 3, 1, 0},
                                 {0, 2, 1, 1, 0},    {1, 0, 1, 1, 0},  {1, 1, 1, 1, 0}, {1, 0, 5, 1, 0},
                                 {2, 1, 5, 1, 0},    {0, 4, 5, 1, 0},  {1, 0, 7, 1, 0}, {3, 2, 7, 1, 0},
                                 {1, 0, 3, 0.25, 7}, {0, 1, 5, -2, -1}};

TEST_F(DerivativeTest, SobelMatchesDirectCorrelation)
{
    std::uint64_t seed = 900;
    for (DType dtype : kDTypes)
        for (BorderMode border : kBorders)
            for (const Shape& shape : kShapes) {
                const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                for (const SobelCase& c : kSobelCases) {
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::string(name(border)) +
                                 " dx=" + std::to_string(c.dx) + " dy=" + std::to_string(c.dy) +
                                 " ksize=" + std::to_string(c.ksize) + " scale=" + std::to_string(c.scale));
                    const Array out = derivative(cpuBackend(), image, DerivativeKind::Sobel, c.dx, c.dy, c.ksize, false,
                                                 c.scale, c.delta, border);
                    expectClose(out, expectedOf(image, sobelMatrix(c.dx, c.dy, c.ksize), c.scale, c.delta, border));
                }
            }
}

TEST_F(DerivativeTest, ScharrMatchesDirectCorrelation)
{
    std::uint64_t seed = 1900;
    for (DType dtype : kDTypes)
        for (BorderMode border : kBorders)
            for (const Shape& shape : kShapes) {
                const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                for (auto [dx, dy, scale, delta] : {std::tuple{1, 0, 1.0, 0.0}, {0, 1, 1.0, 0.0}, {1, 0, 0.5, 2.0}}) {
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::string(name(border)) +
                                 " dx=" + std::to_string(dx) + " dy=" + std::to_string(dy));
                    const Array out =
                        derivative(cpuBackend(), image, DerivativeKind::Scharr, dx, dy, 3, false, scale, delta, border);
                    expectClose(out, expectedOf(image, scharrMatrix(dx, dy), scale, delta, border));
                }
            }
}

TEST_F(DerivativeTest, MagnitudeIsTheLengthOfBothGradients)
{
    std::uint64_t seed = 2900;
    for (DType dtype : kDTypes)
        for (BorderMode border : kBorders)
            for (const Shape& shape : kShapes) {
                const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                for (auto [kind, ksize, scale] : {std::tuple{DerivativeKind::Sobel, 1, 1.0},
                                                  {DerivativeKind::Sobel, 3, 1.0},
                                                  {DerivativeKind::Sobel, 5, 0.5},
                                                  {DerivativeKind::Sobel, 7, 1.0},
                                                  {DerivativeKind::Scharr, 3, -1.0}}) {
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::string(name(border)) +
                                 (kind == DerivativeKind::Scharr ? " scharr" : " sobel") +
                                 " ksize=" + std::to_string(ksize));
                    const Array out = derivative(cpuBackend(), image, kind, 0, 0, ksize, true, scale, 0.0, border);
                    const bool scharr = kind == DerivativeKind::Scharr;
                    const Expected gx =
                        expectedOf(image, scharr ? scharrMatrix(1, 0) : sobelMatrix(1, 0, ksize), scale, 0, border);
                    const Expected gy =
                        expectedOf(image, scharr ? scharrMatrix(0, 1) : sobelMatrix(0, 1, ksize), scale, 0, border);
                    std::vector<double> expected;
                    for (std::size_t i = 0; i < gx.values.size(); ++i)
                        expected.push_back(std::hypot(gx.values[i], gy.values[i]));
                    expectClose(out, expected, gx.termScale);
                }
            }
}

TEST_F(DerivativeTest, LaplacianMatchesDirectCorrelation)
{
    std::uint64_t seed = 3900;
    for (DType dtype : kDTypes)
        for (BorderMode border : kBorders)
            for (const Shape& shape : kShapes) {
                const Array image = test::randomArray(shape, dtype, ++seed, 0.0, highest(dtype));
                for (auto [ksize, scale, delta] : {std::tuple{1, 1.0, 0.0},
                                                   {3, 1.0, 0.0},
                                                   {5, 1.0, 0.0},
                                                   {7, 1.0, 0.0},
                                                   {3, 0.5, 10.0},
                                                   {5, 2.0, -3.0}}) {
                    SCOPED_TRACE(std::string(name(dtype)) + " " + shape.toString() + " " + std::string(name(border)) +
                                 " ksize=" + std::to_string(ksize));
                    const Array out = laplacian(cpuBackend(), image, ksize, scale, delta, border);
                    expectClose(out, expectedOf(image, laplacianMatrix(ksize), scale, delta, border));
                }
            }
}

// The bands' borders: rows next to a band's edge read the rows of the neighbouring band.
TEST_F(DerivativeTest, BandsOnManyThreadsGiveTheOneThreadResult)
{
    const Array image = test::randomArray(Shape{301, 77, 3}, DType::U16, 17, 0.0, 65535.0);
    auto run = [&](int threads) {
        test::ThreadCountScope scope(threads);
        std::vector<Array> results;
        for (int ksize : {1, 3, 5, 7}) {
            results.push_back(laplacian(cpuBackend(), image, ksize, 1.0, 0.0, BorderMode::Constant));
            results.push_back(derivative(cpuBackend(), image, DerivativeKind::Sobel, 1, 1, ksize));
            results.push_back(derivative(cpuBackend(), image, DerivativeKind::Sobel, 0, 0, ksize, true));
        }
        results.push_back(derivative(cpuBackend(), image, DerivativeKind::Scharr, 0, 1, 3));
        return results;
    };
    const std::vector<Array> one = run(1);
    const std::vector<Array> many = run(4);
    for (std::size_t r = 0; r < one.size(); ++r) {
        SCOPED_TRACE("result " + std::to_string(r));
        for (std::int64_t i = 0; i < image.numel(); ++i)
            ASSERT_EQ(test::realAt(many[r], i), test::realAt(one[r], i)) << "element " << i;
    }
}

TEST_F(DerivativeTest, RunsInPlace)
{
    const Array image = test::randomArray(Shape{90, 9, 3}, DType::F32, 8, 0.0, 1.0);
    const DerivativeDesc desc{image.shape(), DType::F32, DerivativeKind::Sobel, 0, 0, 5, true};
    const Array expected = derivative(cpuBackend(), image, DerivativeKind::Sobel, 0, 0, 5, true);
    auto op = cpuBackend().prepareDerivative(desc);
    Array inPlace = Array::emptyHost(image.shape(), DType::F32);
    cpuBackend().copy(image, inPlace);
    op->run(inPlace, inPlace);
    for (std::int64_t i = 0; i < image.numel(); ++i)
        ASSERT_EQ(test::realAt(inPlace, i), test::realAt(expected, i)) << "element " << i;
}

TEST_F(DerivativeTest, OutputIsF32ForEveryInput)
{
    const Array image = test::randomArray(Shape{4, 5}, DType::U8, 3, 0.0, 255.0);
    auto op = cpuBackend().prepareLaplacian(LaplacianDesc{image.shape(), DType::U8});
    Array wrong = Array::emptyHost(image.shape(), DType::U8);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(image, wrong); }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(laplacian(cpuBackend(), image).dtype(), DType::F32);
}

TEST(DerivativeDescs, SobelKernelsAreOpenCVs)
{
    EXPECT_EQ(sobelKernel(0, 1), (std::vector<double>{1}));
    EXPECT_EQ(sobelKernel(1, 1), (std::vector<double>{-1, 0, 1}));
    EXPECT_EQ(sobelKernel(2, 1), (std::vector<double>{1, -2, 1}));
    EXPECT_EQ(sobelKernel(0, 3), (std::vector<double>{1, 2, 1}));
    EXPECT_EQ(sobelKernel(1, 3), (std::vector<double>{-1, 0, 1}));
    EXPECT_EQ(sobelKernel(2, 3), (std::vector<double>{1, -2, 1}));
    EXPECT_EQ(sobelKernel(0, 5), (std::vector<double>{1, 4, 6, 4, 1}));
    EXPECT_EQ(sobelKernel(1, 5), (std::vector<double>{-1, -2, 0, 2, 1}));
    EXPECT_EQ(sobelKernel(2, 5), (std::vector<double>{1, 0, -2, 0, 1}));
    EXPECT_EQ(sobelKernel(0, 7), (std::vector<double>{1, 6, 15, 20, 15, 6, 1}));
    EXPECT_EQ(sobelKernel(1, 7), (std::vector<double>{-1, -4, -5, 0, 5, 4, 1}));
    EXPECT_EQ(sobelKernel(2, 7), (std::vector<double>{1, 2, -1, -4, -1, 2, 1}));
    EXPECT_EQ(test::errorCodeOf([] { sobelKernel(3, 3); }), ErrorCode::InvalidArgument);
    for (int ksize : {3, 5, 7})
        for (int order = 0; order < ksize; ++order)
            EXPECT_EQ(sobelKernel(order, ksize), derivativeTaps(order, ksize)) << order << " " << ksize;
}

TEST(DerivativeDescs, OutputIsF32AndCostCountsBothFilters)
{
    const DerivativeDesc sobel{Shape{10, 20}, DType::U8};
    EXPECT_EQ(sobel.outputDType(), DType::F32);
    EXPECT_EQ(sobel.outputShape(), (Shape{10, 20}));
    EXPECT_EQ(sobel.opName(), "sobel");
    EXPECT_DOUBLE_EQ(sobel.cost().bytes, 200.0 * (1 + 4));
    DerivativeDesc magnitude = sobel;
    magnitude.magnitude = true;
    magnitude.kind = DerivativeKind::Scharr;
    EXPECT_EQ(magnitude.opName(), "scharr_magnitude");
    EXPECT_DOUBLE_EQ(magnitude.cost().flops, 2.0 * sobel.cost().flops);
    const DerivativeFilters laplace = derivativeFilters(LaplacianDesc{Shape{4, 4}, DType::F32, 1});
    EXPECT_EQ(laplace.count, 2);
    EXPECT_EQ(laplace.radius, 1);
    EXPECT_EQ(laplace.row[0], (std::vector<double>{1, -2, 1}));
    EXPECT_EQ(laplace.column[0], (std::vector<double>{0, 1, 0}));
    EXPECT_EQ(derivativeFilters(DerivativeDesc{Shape{4, 4}, DType::F32, DerivativeKind::Sobel, 1, 0, 7}).radius, 3);
}

TEST(DerivativeDescs, RefuseBadParameters)
{
    using test::errorCodeOf;
    const Shape shape{8, 8};
    auto code = [&](DerivativeDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    const auto sobel = DerivativeKind::Sobel, scharr = DerivativeKind::Scharr;
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, 4}), ErrorCode::InvalidArgument); // even
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, 9}), ErrorCode::InvalidArgument); // beyond 7
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, -1}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F32, sobel, 0, 0, 3}), ErrorCode::InvalidArgument); // no derivative
    EXPECT_EQ(code({shape, DType::F32, sobel, 3, 0, 3}), ErrorCode::InvalidArgument); // order >= ksize
    EXPECT_EQ(code({shape, DType::F32, sobel, 0, 3, 1}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F32, sobel, -1, 2, 3}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F32, scharr, 1, 1, 3}), ErrorCode::InvalidArgument);                // dx + dy != 1
    EXPECT_EQ(code({shape, DType::F32, scharr, 1, 0, 5}), ErrorCode::InvalidArgument);                // 3x3 only
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, 3, true, 1.0, 2.0}), ErrorCode::InvalidArgument); // delta
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, 3, false, NAN}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F32, sobel, 1, 0, 3, false, 1.0, INFINITY}), ErrorCode::InvalidArgument);
    EXPECT_EQ(code({shape, DType::F64, sobel, 1, 0, 3}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(code({Shape{8, 8, 5}, DType::F32, sobel, 1, 0, 3}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{0, 8}, DType::F32, sobel, 1, 0, 3}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(code({Shape{8}, DType::F32, sobel, 1, 0, 3}), ErrorCode::ShapeMismatch);
    EXPECT_NO_THROW((DerivativeDesc{shape, DType::U16, sobel, 6, 0, 7}.validate()));
    EXPECT_NO_THROW((DerivativeDesc{shape, DType::U8, sobel, 2, 2, 1}.validate()));
    EXPECT_NO_THROW((DerivativeDesc{shape, DType::U8, scharr, 0, 0, 3, true}.validate()));

    auto laplacianCode = [&](LaplacianDesc desc) { return errorCodeOf([&] { desc.validate(); }); };
    EXPECT_EQ(laplacianCode({shape, DType::F32, 2}), ErrorCode::InvalidArgument);
    EXPECT_EQ(laplacianCode({shape, DType::F32, 9}), ErrorCode::InvalidArgument);
    EXPECT_EQ(laplacianCode({shape, DType::F32, 3, NAN}), ErrorCode::InvalidArgument);
    EXPECT_EQ(laplacianCode({shape, DType::I32, 3}), ErrorCode::DTypeMismatch);
    EXPECT_NO_THROW((LaplacianDesc{Shape{1, 1, 4}, DType::U8, 7}.validate()));
    try {
        DerivativeDesc{shape, DType::F32, sobel, 1, 0, 4}.validate();
        ADD_FAILURE() << "ksize 4 accepted";
    } catch (const Error& error) {
        EXPECT_NE(error.message().find("1, 3, 5 or 7, got 4"), std::string::npos) << error.message();
    }
}

} // namespace
