// Threshold, normalize and resize on the CPU (OpenCV) against direct references written
// here: the threshold rules element by element, Otsu's between-class variance maximised over
// every threshold (the search OpenCV makes, in long double), min/max and norms in double,
// and resize by its definitions (nearest index, integer-factor averages, bilinear weights at
// pixel centres). Also the refusals of bad parameters before any work.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <warpbench/config.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

#if WARPBENCH_HAVE_OPENCV

double top(DType dtype) { return dtype == DType::U8 ? 255 : dtype == DType::U16 ? 65535 : 1; }

Array image(const Shape& shape, DType dtype, std::uint64_t seed)
{
    return test::randomArray(shape, dtype, seed, 0, top(dtype));
}

double expectedThreshold(double x, const ThresholdDesc& d, bool integer)
{
    const double t = integer ? std::floor(d.thresh) : static_cast<float>(d.thresh);
    const bool above = x > t;
    double maxval = integer ? std::nearbyint(d.maxval) : static_cast<float>(d.maxval);
    switch (d.type) {
    case ThresholdType::Binary: return above ? maxval : 0;
    case ThresholdType::BinaryInv: return above ? 0 : maxval;
    case ThresholdType::Trunc: return above ? t : x;
    case ThresholdType::ToZero: return above ? x : 0;
    case ThresholdType::ToZeroInv: return above ? 0 : x;
    }
    return x;
}

TEST(Threshold, EveryTypeFollowsOpenCvsRule)
{
    for (const DType dtype : {DType::U8, DType::U16, DType::F32}) {
        for (const Shape& shape : {Shape{7, 5}, Shape{9, 11, 3}, Shape{4, 6, 4}}) {
            const Array in = image(shape, dtype, 3);
            for (const ThresholdType type : {ThresholdType::Binary, ThresholdType::BinaryInv, ThresholdType::Trunc,
                                             ThresholdType::ToZero, ThresholdType::ToZeroInv}) {
                const double thresh = dtype == DType::F32 ? 0.4 : top(dtype) * 0.45 + 0.7;
                const ThresholdDesc desc{shape, dtype, thresh, dtype == DType::F32 ? 0.9 : 200.4, type};
                const Array out = threshold(cpuBackend(), in, desc.thresh, desc.maxval, type);
                SCOPED_TRACE(std::string(name(dtype)) + " " + std::string(name(type)));
                for (std::int64_t i = 0; i < in.numel(); ++i)
                    ASSERT_EQ(test::realAt(out, i), expectedThreshold(test::realAt(in, i), desc, dtype != DType::F32))
                        << "element " << i;
            }
        }
    }
}

// Otsu's criterion: the threshold t maximising w0·w1·(m0 − m1)², the lowest on ties.
int referenceOtsu(const Array& in, int bins)
{
    std::vector<long double> hist(static_cast<std::size_t>(bins));
    for (std::int64_t i = 0; i < in.numel(); ++i)
        hist[static_cast<std::size_t>(test::realAt(in, i))] += 1;
    const long double n = static_cast<long double>(in.numel());
    long double total = 0;
    for (int i = 0; i < bins; ++i)
        total += i * hist[static_cast<std::size_t>(i)];
    long double w0 = 0, sum0 = 0, best = -1;
    int chosen = 0;
    for (int t = 0; t < bins; ++t) {
        w0 += hist[static_cast<std::size_t>(t)];
        sum0 += t * hist[static_cast<std::size_t>(t)];
        const long double w1 = n - w0;
        if (w0 == 0 || w1 == 0)
            continue;
        const long double m0 = sum0 / w0, m1 = (total - sum0) / w1;
        const long double sigma = w0 * w1 * (m0 - m1) * (m0 - m1);
        if (sigma > best * (1 + 1e-12L)) {
            best = sigma;
            chosen = t;
        }
    }
    return chosen;
}

TEST(Threshold, OtsuChoosesTheThresholdOfMostVarianceBetweenClasses)
{
    for (const DType dtype : {DType::U8, DType::U16}) {
        // Two clusters, so the best threshold is well separated from its neighbours.
        Array in = Array::emptyHost(Shape{61, 83}, dtype);
        Array low = test::randomArray(in.shape(), DType::F32, 5, 0, 1);
        for (std::int64_t i = 0; i < in.numel(); ++i) {
            const double u = test::realAt(low, i);
            const double v = i % 3 == 0 ? 0.2 + 0.1 * u : 0.7 + 0.2 * u;
            test::setAt(in, i, std::floor(v * top(dtype)));
        }
        const int t = referenceOtsu(in, dtype == DType::U8 ? 256 : 65536);
        const Array out = threshold(cpuBackend(), in, 0, 1000, ThresholdType::Binary, true);
        const double maxval = top(dtype) < 1000 ? top(dtype) : 1000;
        for (std::int64_t i = 0; i < in.numel(); ++i)
            ASSERT_EQ(test::realAt(out, i), test::realAt(in, i) > t ? maxval : 0) << name(dtype) << " element " << i;
    }
}

TEST(Threshold, RefusesBadParametersBeforeWork)
{
    auto prepare = [](ThresholdDesc desc) { return test::errorCodeOf([&] { cpuBackend().prepareThreshold(desc); }); };
    EXPECT_EQ(prepare({Shape{4, 4}, DType::F32, 0.5, 1, ThresholdType::Binary, true}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(prepare({Shape{4, 4, 3}, DType::U8, 0, 255, ThresholdType::Binary, true}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::U8, NAN, 255}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::U8, 1, INFINITY}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::F64, 1, 1}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(prepare({Shape{4, 4, 5}, DType::U8, 1, 1}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(parseThresholdType("to_zero_inv"), ThresholdType::ToZeroInv);
    EXPECT_EQ(test::errorCodeOf([] { parseThresholdType("otsu_please"); }), ErrorCode::InvalidArgument);
}

// ---- normalize --------------------------------------------------------------------------

TEST(Normalize, MinMaxMapsTheRangeOntoAlphaBeta)
{
    for (const DType dtype : {DType::U8, DType::U16, DType::F32}) {
        const Array in = image(Shape{37, 29, 3}, dtype, 11);
        double lo = INFINITY, hi = -INFINITY;
        for (std::int64_t i = 0; i < in.numel(); ++i) {
            lo = std::min(lo, test::realAt(in, i));
            hi = std::max(hi, test::realAt(in, i));
        }
        for (const DType to : {DType::F32, DType::U8}) {
            const double a = to == DType::U8 ? 10 : -1, b = to == DType::U8 ? 250 : 2;
            const Array out = normalize(cpuBackend(), in, b, a, NormType::MinMax, to);
            ASSERT_EQ(out.dtype(), to);
            for (std::int64_t i = 0; i < in.numel(); ++i) {
                const double expected = a + (test::realAt(in, i) - lo) * (b - a) / (hi - lo);
                ASSERT_NEAR(test::realAt(out, i), expected, to == DType::U8 ? 0.5 + 1e-6 : 1e-5)
                    << name(dtype) << " -> " << name(to) << " element " << i;
            }
        }
    }
}

TEST(Normalize, NormsBecomeAlpha)
{
    const Array in = test::randomArray(Shape{23, 31}, DType::F32, 2, -2, 3);
    for (const NormType norm : {NormType::L1, NormType::L2, NormType::Inf}) {
        const Array out = normalize(cpuBackend(), in, 5.0, 0.0, norm);
        double total = 0;
        for (std::int64_t i = 0; i < out.numel(); ++i) {
            const double v = std::fabs(test::realAt(out, i));
            total = norm == NormType::Inf ? std::max(total, v) : total + (norm == NormType::L2 ? v * v : v);
        }
        EXPECT_NEAR(norm == NormType::L2 ? std::sqrt(total) : total, 5.0, 1e-4) << name(norm);
    }
    // A constant image: minmax gives min(alpha, beta); an all-zero image's norm gives zeros.
    Array flat = Array::emptyHost(Shape{3, 4}, DType::F32);
    for (std::int64_t i = 0; i < flat.numel(); ++i)
        test::setAt(flat, i, 0.0);
    const Array mapped = normalize(cpuBackend(), flat, 7.0, 3.0);
    const Array scaled = normalize(cpuBackend(), flat, 7.0, 0.0, NormType::L2);
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
        EXPECT_EQ(test::realAt(mapped, i), 3.0);
        EXPECT_EQ(test::realAt(scaled, i), 0.0);
    }
}

TEST(Normalize, RefusesBadParametersBeforeWork)
{
    auto prepare = [](NormalizeDesc desc) { return test::errorCodeOf([&] { cpuBackend().prepareNormalize(desc); }); };
    EXPECT_EQ(prepare({Shape{4, 4}, DType::F32, NAN, 1}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::F32, 0, INFINITY}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::I32, 0, 1}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(prepare({Shape{4, 4}, DType::F32, 0, 1, NormType::MinMax, DType::F64}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(prepare({Shape{0, 4}, DType::F32, 0, 1}), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([] { parseNormType("l3"); }), ErrorCode::InvalidArgument);
}

// ---- resize -----------------------------------------------------------------------------

TEST(Resize, NearestTakesThePixelAtFloorOfTheScaledIndex)
{
    const Array in = image(Shape{13, 17, 3}, DType::U8, 4);
    for (const auto& [w, h] : {std::pair{5, 4}, std::pair{40, 29}, std::pair{17, 1}}) {
        const Array out = resize(cpuBackend(), in, w, h, 0, 0, Interpolation::Nearest);
        ASSERT_EQ(out.shape(), (Shape{h, w, 3}));
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) {
                    const auto sy = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(y * (13.0 / h))), 12);
                    const auto sx = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(x * (17.0 / w))), 16);
                    ASSERT_EQ(test::realAt(out, (y * w + x) * 3 + c), test::realAt(in, (sy * 17 + sx) * 3 + c));
                }
    }
}

TEST(Resize, AreaWithIntegerFactorsIsTheBlockAverage)
{
    for (const DType dtype : {DType::U8, DType::U16, DType::F32}) {
        const Array in = image(Shape{12, 18}, dtype, 9);
        for (const int f : {2, 3}) {
            const Array out = resize(cpuBackend(), in, 18 / f, 12 / f, 0, 0, Interpolation::Area);
            for (std::int64_t y = 0; y < 12 / f; ++y)
                for (std::int64_t x = 0; x < 18 / f; ++x) {
                    double sum = 0;
                    for (int dy = 0; dy < f; ++dy)
                        for (int dx = 0; dx < f; ++dx)
                            sum += test::realAt(in, (y * f + dy) * 18 + x * f + dx);
                    ASSERT_NEAR(test::realAt(out, y * (18 / f) + x), sum / (f * f), dtype == DType::F32 ? 1e-6 : 1.0)
                        << name(dtype) << " factor " << f;
                }
        }
    }
}

TEST(Resize, BilinearInterpolatesAtPixelCentres)
{
    const Array in = image(Shape{9, 14}, DType::F32, 6);
    const int w = 31, h = 20;
    const Array out = resize(cpuBackend(), in, w, h, 0, 0, Interpolation::Bilinear);
    auto at = [&](std::int64_t y, std::int64_t x) {
        return test::realAt(in, std::clamp<std::int64_t>(y, 0, 8) * 14 + std::clamp<std::int64_t>(x, 0, 13));
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const double fy = std::max(0.0, (y + 0.5) * 9 / h - 0.5), fx = std::max(0.0, (x + 0.5) * 14 / w - 0.5);
            const auto y0 = static_cast<std::int64_t>(fy), x0 = static_cast<std::int64_t>(fx);
            const double ay = fy - y0, ax = fx - x0;
            const double expected = (1 - ay) * ((1 - ax) * at(y0, x0) + ax * at(y0, x0 + 1)) +
                                    ay * ((1 - ax) * at(y0 + 1, x0) + ax * at(y0 + 1, x0 + 1));
            ASSERT_NEAR(test::realAt(out, y * w + x), expected, 1e-5) << y << ", " << x;
        }
}

TEST(Resize, OutputSizeFollowsTheFactorsAsOpenCv)
{
    const ResizeDesc half{Shape{767, 1021, 3}, DType::U8, 0, 0, 0.5, 0.5};
    EXPECT_EQ(half.outputShape(), (Shape{384, 510, 3})); // round half to even: 383.5 -> 384, 510.5 -> 510
    const Array out = resize(cpuBackend(), image(half.shape, DType::U8, 1), 0, 0, 0.5, 0.5, Interpolation::Area);
    EXPECT_EQ(out.shape(), half.outputShape());
    const ResizeDesc sized{Shape{10, 10}, DType::F32, 7, 3};
    EXPECT_EQ(sized.outputShape(), (Shape{3, 7}));
    EXPECT_DOUBLE_EQ(sized.inverseScaleX(), 0.7);
}

TEST(Resize, RefusesBadSizesBeforeWork)
{
    auto prepare = [](ResizeDesc desc) { return test::errorCodeOf([&] { cpuBackend().prepareResize(desc); }); };
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8}), ErrorCode::InvalidArgument);                   // no size, no factors
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, 4, 0}), ErrorCode::InvalidArgument);             // half a size
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, -4, 4}), ErrorCode::InvalidArgument);            // negative
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, 0, 0, 0.01, 0.01}), ErrorCode::InvalidArgument); // rounds to 0x0
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, 0, 0, 5000, 1}), ErrorCode::InvalidArgument);    // beyond the limit
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, 40000, 4}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{8, 8}, DType::U8, 0, 0, NAN, 1}), ErrorCode::InvalidArgument);
    EXPECT_EQ(prepare({Shape{8, 8}, DType::F64, 4, 4}), ErrorCode::DTypeMismatch);
    EXPECT_EQ(parseInterpolation("linear"), Interpolation::Bilinear);
    EXPECT_EQ(test::errorCodeOf([] { parseInterpolation("cubic"); }), ErrorCode::InvalidArgument);
}

#endif

} // namespace
