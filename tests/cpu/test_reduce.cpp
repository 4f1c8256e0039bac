// Whole-array reductions (sum, mean, min, max, norm) against a direct long-double
// reference, every dtype, odd sizes; NaN and infinity rules; empty arrays; refusals.

#include "cpu_test_util.h"

#include <wb/ops.h>

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;

constexpr std::int64_t kSizes[] = {1, 3, 1023, (std::int64_t{1} << 20) + 7};
constexpr ReduceOp kAllOps[] = {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Min, ReduceOp::Max, ReduceOp::Norm};

Array reduce(ReduceOp op, const Array& x)
{
    const ReduceDesc desc{x.shape(), x.dtype(), op};
    auto prepared = cpuBackend().prepareReduce(desc);
    Array out = Array::emptyHost(Shape{}, desc.outputDType());
    prepared->run(x, out);
    return out;
}

// Data spread over most of each dtype's range, so that integer sums are large.
Array testData(DType dtype, std::int64_t n, std::uint64_t seed)
{
    switch (dtype) {
    case DType::U8: return test::randomArray(Shape{n}, dtype, seed, 0, 256);
    case DType::U16: return test::randomArray(Shape{n}, dtype, seed, 0, 65536);
    case DType::I32: return test::randomArray(Shape{n}, dtype, seed, -2147483648.0, 2147483647.0);
    default: return test::randomArray(Shape{n}, dtype, seed, -1.0, 1.0);
    }
}

// Sums in long double with Kahan compensation: the reference error is a few units of
// long double's 2^-64, far below what any tolerance below allows.
class KahanSum {
public:
    void add(long double value)
    {
        const long double y = value - m_compensation;
        const long double t = m_sum + y;
        m_compensation = (t - m_sum) - y;
        m_sum = t;
    }
    long double value() const { return m_sum; }

private:
    long double m_sum = 0;
    long double m_compensation = 0;
};

struct Reference {
    long double re = 0, im = 0;       // the sum
    long double absRe = 0, absIm = 0; // sums of |parts|: the scale of round-off in the sum
    long double squares = 0;          // sum of |x|^2
};

Reference reference(const Array& x)
{
    KahanSum re, im, squares;
    Reference r;
    for (std::int64_t i = 0; i < x.numel(); ++i) {
        const std::complex<double> v = test::complexAt(x, i);
        const long double a = v.real(), b = v.imag();
        re.add(a);
        im.add(b);
        squares.add(a * a + b * b);
        r.absRe += std::fabs(a);
        r.absIm += std::fabs(b);
    }
    r.re = re.value();
    r.im = im.value();
    r.squares = squares.value();
    return r;
}

// The spacing of `dtype`'s values at |v| (the subnormal spacing near zero); 0 for integers.
long double ulpOf(DType dtype, long double v)
{
    int mantissa = 0, minExponent = 0;
    switch (realPart(dtype)) {
    case DType::F16: mantissa = 10, minExponent = -14; break;
    case DType::BF16: mantissa = 7, minExponent = -126; break;
    case DType::F32: mantissa = 23, minExponent = -126; break;
    case DType::F64: mantissa = 52, minExponent = -1022; break;
    default: return 0;
    }
    const int exponent = v == 0 ? minExponent : std::max(std::ilogb(v), minExponent);
    return std::ldexp(1.0L, exponent - mantissa);
}

// Summation in double, pairwise over n elements: an error of a few log2(n) units of 2^-53
// times the sum of magnitudes; 1e-14 leaves room for n = 2^20 and more.
constexpr long double kSumRoundOff = 1e-14L;

// `actual` is `expected` rounded once into `dtype` after a double-precision sum whose error
// is at most kSumRoundOff * scale.
::testing::AssertionResult closeTo(double actual, long double expected, long double scale, DType dtype)
{
    const long double allowed = ulpOf(dtype, std::fabs(expected)) + kSumRoundOff * scale;
    const long double error = std::fabs(static_cast<long double>(actual) - expected);
    if (error <= allowed)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "got " << actual << ", expected " << static_cast<double>(expected)
                                         << " (error " << static_cast<double>(error) << " > "
                                         << static_cast<double>(allowed) << ")";
}

TEST(Reduce, SumMatchesReference)
{
    for (DType dtype : kAllDTypes) {
        for (std::int64_t n : kSizes) {
            SCOPED_TRACE(std::string(name(dtype)) + " n=" + std::to_string(n));
            const Array x = testData(dtype, n, static_cast<std::uint64_t>(n) * 31 + static_cast<std::uint64_t>(dtype));
            const Reference r = reference(x);
            const Array sum = reduce(ReduceOp::Sum, x);
            ASSERT_EQ(sum.dtype(), isInteger(dtype) ? DType::F64 : dtype);
            ASSERT_EQ(sum.shape(), Shape{});
            const std::complex<double> got = test::complexAt(sum, 0);
            if (isInteger(dtype)) {
                // Integer sums are exact (at most 2^51 here), then rounded once to f64.
                EXPECT_EQ(got.real(), static_cast<double>(r.re));
            } else {
                EXPECT_TRUE(closeTo(got.real(), r.re, r.absRe, dtype));
                EXPECT_TRUE(closeTo(got.imag(), r.im, r.absIm, dtype));
            }
        }
    }
}

TEST(Reduce, MeanMatchesReference)
{
    for (DType dtype : kAllDTypes) {
        for (std::int64_t n : kSizes) {
            SCOPED_TRACE(std::string(name(dtype)) + " n=" + std::to_string(n));
            const Array x = testData(dtype, n, static_cast<std::uint64_t>(n) * 37 + static_cast<std::uint64_t>(dtype));
            const Reference r = reference(x);
            const Array mean = reduce(ReduceOp::Mean, x);
            ASSERT_EQ(mean.dtype(), isInteger(dtype) ? DType::F64 : dtype);
            const std::complex<double> got = test::complexAt(mean, 0);
            const long double count = static_cast<long double>(n);
            if (isInteger(dtype)) {
                // The exact sum rounded to f64, divided by n in f64.
                EXPECT_EQ(got.real(), static_cast<double>(r.re) / static_cast<double>(n));
            } else {
                EXPECT_TRUE(closeTo(got.real(), r.re / count, r.absRe / count, dtype));
                EXPECT_TRUE(closeTo(got.imag(), r.im / count, r.absIm / count, dtype));
            }
        }
    }
}

TEST(Reduce, NormMatchesReference)
{
    for (DType dtype : kAllDTypes) {
        for (std::int64_t n : kSizes) {
            SCOPED_TRACE(std::string(name(dtype)) + " n=" + std::to_string(n));
            const Array x = testData(dtype, n, static_cast<std::uint64_t>(n) * 41 + static_cast<std::uint64_t>(dtype));
            const Reference r = reference(x);
            const Array norm = reduce(ReduceOp::Norm, x);
            const DType outType = isInteger(dtype) ? DType::F64 : realPart(dtype);
            ASSERT_EQ(norm.dtype(), outType);
            const long double expected = std::sqrt(r.squares);
            // The squares may be inexact in f64 (i32), so the round-off applies to them too.
            EXPECT_TRUE(closeTo(test::realAt(norm, 0), expected, expected, outType));
        }
    }
}

// Min and max are exact: the result is one of the elements.
TEST(Reduce, MinMaxMatchReference)
{
    for (DType dtype : kAllDTypes) {
        if (isComplex(dtype))
            continue;
        for (std::int64_t n : kSizes) {
            SCOPED_TRACE(std::string(name(dtype)) + " n=" + std::to_string(n));
            const Array x = testData(dtype, n, static_cast<std::uint64_t>(n) * 43 + static_cast<std::uint64_t>(dtype));
            double lowest = test::realAt(x, 0), highest = lowest;
            for (std::int64_t i = 1; i < n; ++i) {
                lowest = std::min(lowest, test::realAt(x, i));
                highest = std::max(highest, test::realAt(x, i));
            }
            const Array min = reduce(ReduceOp::Min, x);
            const Array max = reduce(ReduceOp::Max, x);
            ASSERT_EQ(min.dtype(), dtype);
            ASSERT_EQ(max.dtype(), dtype);
            EXPECT_EQ(test::realAt(min, 0), lowest);
            EXPECT_EQ(test::realAt(max, 0), highest);
        }
    }
}

// f16, bf16 and f32 are summed in f64: 2^p + 1 + 1 + ... − 2^p loses every 1 in the
// input's own precision (2^p + 1 rounds back to 2^p), not in double.
TEST(Reduce, NarrowFloatsAccumulateInDouble)
{
    for (const auto& [dtype, big] :
         {std::pair{DType::F16, 2048.0}, std::pair{DType::BF16, 256.0}, std::pair{DType::F32, 16777216.0}}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const std::int64_t ones = 201; // exact in every one of these formats
        Array x = Array::emptyHost(Shape{ones + 2}, dtype);
        test::setAt(x, 0, big);
        for (std::int64_t i = 1; i <= ones; ++i)
            test::setAt(x, i, 1.0);
        test::setAt(x, ones + 1, -big);
        EXPECT_EQ(test::realAt(reduce(ReduceOp::Sum, x), 0), static_cast<double>(ones));
        // The mean rounds once: 201 / 203 into the format, not a sum that lost the ones.
        Array expectedMean = Array::emptyHost(Shape{}, dtype);
        test::setAt(expectedMean, 0, static_cast<double>(ones) / static_cast<double>(ones + 2));
        EXPECT_EQ(test::realAt(reduce(ReduceOp::Mean, x), 0), test::realAt(expectedMean, 0));
    }
}

TEST(Reduce, ResultDoesNotDependOnTheThreadCount)
{
    const std::int64_t n = (std::int64_t{1} << 20) + 7;
    for (DType dtype : {DType::F16, DType::F32, DType::F64, DType::C64, DType::I32}) {
        const Array x = testData(dtype, n, 99);
        for (ReduceOp op : kAllOps) {
            if (isComplex(dtype) && (op == ReduceOp::Min || op == ReduceOp::Max))
                continue;
            SCOPED_TRACE(std::string(name(dtype)) + " " + std::string(name(op)));
            Array one, many;
            {
                test::ThreadCountScope threads(1);
                one = reduce(op, x);
            }
            {
                test::ThreadCountScope threads(7);
                many = reduce(op, x);
            }
            EXPECT_EQ(std::memcmp(one.data(), many.data(), one.nbytes()), 0)
                << test::complexAt(one, 0) << " vs " << test::complexAt(many, 0);
        }
    }
}

TEST(Reduce, ZeroDimensionalInputAndViews)
{
    Array scalar = Array::emptyHost(Shape{}, DType::F32);
    test::setAt(scalar, 0, -2.5);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Sum, scalar), 0), -2.5);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Norm, scalar), 0), 2.5);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Min, scalar), 0), -2.5);

    // A row of a (3, 1023) u8 array starts at an odd byte offset.
    const Array x = testData(DType::U8, 3 * 1023, 5).reshape(Shape{3, 1023});
    const Array row = x.at(1);
    double expected = 0;
    for (std::int64_t i = 0; i < 1023; ++i)
        expected += test::realAt(x, 1023 + i);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Sum, row), 0), expected);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Sum, x), 0),
              test::realAt(reduce(ReduceOp::Sum, x.reshape(Shape{3069})), 0));
}

// ---- NaN, infinities, signed zeros -----------------------------------------------------------

Array fromValues(DType dtype, const std::vector<std::complex<double>>& values)
{
    Array array = Array::emptyHost(Shape{static_cast<std::int64_t>(values.size())}, dtype);
    for (std::size_t i = 0; i < values.size(); ++i)
        test::setAt(array, static_cast<std::int64_t>(i), values[i]);
    return array;
}

TEST(Reduce, NanPropagatesAsNumPy)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (DType dtype : kAllDTypes) {
        if (isInteger(dtype))
            continue;
        for (std::int64_t n : kSizes) {
            for (std::int64_t where : {std::int64_t{0}, n / 2, n - 1}) {
                SCOPED_TRACE(std::string(name(dtype)) + " n=" + std::to_string(n) + " NaN at " + std::to_string(where));
                Array x = testData(dtype, n, 3);
                test::setAt(x, where, {nan, 0.0});
                for (ReduceOp op : kAllOps) {
                    if (isComplex(dtype) && (op == ReduceOp::Min || op == ReduceOp::Max))
                        continue;
                    EXPECT_TRUE(std::isnan(test::complexAt(reduce(op, x), 0).real())) << name(op);
                }
            }
        }
    }
}

TEST(Reduce, InfinitiesAndSignedZeros)
{
    const double inf = std::numeric_limits<double>::infinity();
    for (DType dtype : {DType::F16, DType::BF16, DType::F32, DType::F64}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array x = fromValues(dtype, {1.0, inf, -3.0, -inf, 2.0});
        EXPECT_EQ(test::realAt(reduce(ReduceOp::Max, x), 0), inf);
        EXPECT_EQ(test::realAt(reduce(ReduceOp::Min, x), 0), -inf);
        EXPECT_TRUE(std::isnan(test::realAt(reduce(ReduceOp::Sum, x), 0))); // inf + -inf
        EXPECT_EQ(test::realAt(reduce(ReduceOp::Norm, x), 0), inf);

        // -0 orders below +0, whatever their positions.
        for (const auto& zeros : {std::vector<std::complex<double>>{0.0, -0.0}, {-0.0, 0.0}}) {
            const Array z = fromValues(dtype, zeros);
            EXPECT_TRUE(std::signbit(test::realAt(reduce(ReduceOp::Min, z), 0)));
            EXPECT_FALSE(std::signbit(test::realAt(reduce(ReduceOp::Max, z), 0)));
        }
    }
}

// With several different NaNs the largest bit pattern is returned, wherever it sits.
TEST(Reduce, WhichNanDoesNotDependOnOrder)
{
    const std::uint32_t first = 0x7fc00001u, second = 0xffc00000u;
    for (std::int64_t n : {std::int64_t{5}, (std::int64_t{1} << 20) + 7}) {
        for (bool swap : {false, true}) {
            Array x = testData(DType::F32, n, 4);
            x.data<std::uint32_t>()[1] = swap ? second : first;
            x.data<std::uint32_t>()[n - 2] = swap ? first : second;
            for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max}) {
                const Array result = reduce(op, x);
                EXPECT_EQ(result.data<std::uint32_t>()[0], second) << name(op) << " n=" << n << " swap=" << swap;
            }
        }
    }
}

// A one-element sum is the element itself: every f16 and bf16 pattern read and rounded
// back exactly (the CPU reads f16 with its own branch-free conversion).
TEST(Reduce, EveryHalfValueSumsToItself)
{
    for (DType dtype : {DType::F16, DType::BF16}) {
        SCOPED_TRACE(std::string(name(dtype)));
        auto sum = cpuBackend().prepareReduce({Shape{1}, dtype, ReduceOp::Sum});
        Array x = Array::emptyHost(Shape{1}, dtype);
        Array out = Array::emptyHost(Shape{}, dtype);
        const std::uint32_t infinity = dtype == DType::F16 ? 0x7c00u : 0x7f80u;
        int failures = 0;
        for (std::uint32_t bits = 0; bits <= 0xffffu; ++bits) {
            x.data<std::uint16_t>()[0] = static_cast<std::uint16_t>(bits);
            sum->run(x, out);
            const std::uint16_t got = out.data<std::uint16_t>()[0];
            const bool isNan = (bits & 0x7fffu) > infinity;
            const bool ok = isNan ? std::isnan(test::realAt(out, 0)) : got == bits;
            if (!ok && ++failures <= 5)
                ADD_FAILURE() << "pattern 0x" << std::hex << bits << " summed to 0x" << got;
        }
    }
}

TEST(Reduce, SignedZeroSums)
{
    for (DType dtype : {DType::F16, DType::BF16, DType::F32, DType::F64, DType::C64}) {
        SCOPED_TRACE(std::string(name(dtype)));
        for (std::int64_t n : {std::int64_t{1}, std::int64_t{9}, (std::int64_t{1} << 15) + 1}) {
            Array zeros = Array::emptyHost(Shape{n}, dtype);
            for (std::int64_t i = 0; i < n; ++i)
                test::setAt(zeros, i, {-0.0, -0.0});
            const std::complex<double> sum = test::complexAt(reduce(ReduceOp::Sum, zeros), 0);
            EXPECT_TRUE(std::signbit(sum.real())) << "a sum of -0 is -0, n=" << n;
            if (isComplex(dtype)) {
                EXPECT_TRUE(std::signbit(sum.imag())) << "n=" << n;
            }
            test::setAt(zeros, n / 2, 0.0);
            EXPECT_FALSE(std::signbit(test::complexAt(reduce(ReduceOp::Sum, zeros), 0).real())) << "-0 + +0 is +0";
        }
        const Array empty = Array::emptyHost(Shape{0}, dtype);
        EXPECT_FALSE(std::signbit(test::complexAt(reduce(ReduceOp::Sum, empty), 0).real())) << "an empty sum is +0";
    }
}

TEST(Reduce, ComplexSumMeanAndNorm)
{
    const Array x = fromValues(DType::C128, {{1.0, 2.0}, {3.0, -4.0}, {-0.5, 0.25}});
    EXPECT_EQ(test::complexAt(reduce(ReduceOp::Sum, x), 0), std::complex<double>(3.5, -1.75));
    EXPECT_EQ(test::complexAt(reduce(ReduceOp::Mean, x), 0), std::complex<double>(3.5 / 3, -1.75 / 3));
    const Array norm = reduce(ReduceOp::Norm, x);
    EXPECT_EQ(norm.dtype(), DType::F64);
    EXPECT_DOUBLE_EQ(test::realAt(norm, 0), std::sqrt(1.0 + 4.0 + 9.0 + 16.0 + 0.25 + 0.0625));
    EXPECT_EQ(reduce(ReduceOp::Norm, fromValues(DType::C64, {{3.0, 4.0}})).dtype(), DType::F32);
    EXPECT_EQ(test::realAt(reduce(ReduceOp::Norm, fromValues(DType::C64, {{3.0, 4.0}})), 0), 5.0);
}

// ---- empty arrays and refusals -----------------------------------------------------------------

TEST(Reduce, EmptyArrays)
{
    for (const Shape& shape : {Shape{0}, Shape{3, 0}}) {
        for (DType dtype : {DType::U8, DType::F32, DType::C64}) {
            SCOPED_TRACE(shape.toString() + " " + std::string(name(dtype)));
            const Array x = Array::emptyHost(shape, dtype);
            EXPECT_EQ(test::complexAt(reduce(ReduceOp::Sum, x), 0), std::complex<double>(0.0));
            EXPECT_EQ(test::realAt(reduce(ReduceOp::Norm, x), 0), 0.0);
            EXPECT_TRUE(std::isnan(test::complexAt(reduce(ReduceOp::Mean, x), 0).real())); // 0/0, as NumPy
            for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max}) {
                const ErrorCode expected = isComplex(dtype) ? ErrorCode::DTypeMismatch : ErrorCode::InvalidArgument;
                EXPECT_EQ(test::errorCodeOf([&] { cpuBackend().prepareReduce({shape, dtype, op}); }), expected);
            }
        }
    }
}

TEST(Reduce, RefusesComplexMinMax)
{
    for (DType dtype : {DType::C64, DType::C128}) {
        for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max}) {
            const ReduceDesc desc{Shape{4}, dtype, op};
            EXPECT_EQ(test::errorCodeOf([&] { desc.validate(); }), ErrorCode::DTypeMismatch);
            EXPECT_EQ(test::errorCodeOf([&] { cpuBackend().prepareReduce(desc); }), ErrorCode::DTypeMismatch);
        }
    }
}

TEST(Reduce, RefusesOperandsThatDoNotMatch)
{
    auto op = cpuBackend().prepareReduce({Shape{4, 5}, DType::F32, ReduceOp::Sum});
    const Array x = test::randomArray(Shape{4, 5}, DType::F32, 1);
    Array out = Array::emptyHost(Shape{}, DType::F32);
    op->run(x, out); // the right operands work

    Array wrongOutType = Array::emptyHost(Shape{}, DType::F64);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(x, wrongOutType); }), ErrorCode::DTypeMismatch);
    Array wrongOutShape = Array::emptyHost(Shape{1}, DType::F32);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(x, wrongOutShape); }), ErrorCode::ShapeMismatch);
    const Array wrongShape = test::randomArray(Shape{5, 4}, DType::F32, 1);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(wrongShape, out); }), ErrorCode::ShapeMismatch);
    const Array wrongType = test::randomArray(Shape{4, 5}, DType::F64, 1);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(wrongType, out); }), ErrorCode::DTypeMismatch);
}

// ---- the descriptor ------------------------------------------------------------------------------

TEST(ReduceDesc, NamesOutputDTypesAndCost)
{
    EXPECT_EQ(name(ReduceOp::Sum), "sum");
    EXPECT_EQ(name(ReduceOp::Mean), "mean");
    EXPECT_EQ(name(ReduceOp::Min), "min");
    EXPECT_EQ(name(ReduceOp::Max), "max");
    EXPECT_EQ(name(ReduceOp::Norm), "norm");

    const auto out = [](DType dtype, ReduceOp op) { return ReduceDesc{Shape{2}, dtype, op}.outputDType(); };
    for (DType dtype : {DType::U8, DType::U16, DType::I32}) {
        EXPECT_EQ(out(dtype, ReduceOp::Sum), DType::F64);
        EXPECT_EQ(out(dtype, ReduceOp::Mean), DType::F64);
        EXPECT_EQ(out(dtype, ReduceOp::Norm), DType::F64);
        EXPECT_EQ(out(dtype, ReduceOp::Min), dtype);
        EXPECT_EQ(out(dtype, ReduceOp::Max), dtype);
    }
    for (DType dtype : {DType::F16, DType::BF16, DType::F32, DType::F64}) {
        for (ReduceOp op : kAllOps)
            EXPECT_EQ(out(dtype, op), dtype) << name(dtype) << " " << name(op);
    }
    EXPECT_EQ(out(DType::C64, ReduceOp::Sum), DType::C64);
    EXPECT_EQ(out(DType::C128, ReduceOp::Mean), DType::C128);
    EXPECT_EQ(out(DType::C64, ReduceOp::Norm), DType::F32);
    EXPECT_EQ(out(DType::C128, ReduceOp::Norm), DType::F64);

    const Cost sum = ReduceDesc{Shape{10, 100}, DType::F32, ReduceOp::Sum}.cost();
    EXPECT_EQ(sum.flops, 1000.0);
    EXPECT_EQ(sum.bytes, 4000.0 + 4.0);
    const Cost norm = ReduceDesc{Shape{1000}, DType::U8, ReduceOp::Norm}.cost();
    EXPECT_EQ(norm.flops, 2000.0);
    EXPECT_EQ(norm.bytes, 1000.0 + 8.0);
}

} // namespace
