// FFTs on the CPU against a naive O(N^2) DFT in double precision.

#include "cpu_test_util.h"

#include <wb/eager.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <ostream>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;
using Complex = std::complex<double>;

std::vector<Complex> values(const Array& array)
{
    std::vector<Complex> v(static_cast<std::size_t>(array.numel()));
    for (std::int64_t i = 0; i < array.numel(); ++i)
        v[static_cast<std::size_t>(i)] = test::complexAt(array, i);
    return v;
}

// DFT of `count` values starting at data[first], `stride` apart, in place; sign -1 is the
// forward transform. Unnormalised.
void dftAxis(std::vector<Complex>& data, std::size_t first, std::size_t stride, std::size_t count, int sign)
{
    std::vector<Complex> result(count);
    for (std::size_t k = 0; k < count; ++k) {
        Complex sum = 0;
        for (std::size_t j = 0; j < count; ++j) {
            const double angle =
                sign * 2.0 * std::numbers::pi * static_cast<double>((j * k) % count) / static_cast<double>(count);
            sum += data[first + j * stride] * Complex(std::cos(angle), std::sin(angle));
        }
        result[k] = sum;
    }
    for (std::size_t k = 0; k < count; ++k)
        data[first + k * stride] = result[k];
}

// The unnormalised DFT over the last `rank` axes of `shape`, batched over the others.
std::vector<Complex> naiveDft(std::vector<Complex> data, const Shape& shape, int rank, int sign)
{
    const auto cols = static_cast<std::size_t>(shape[-1]);
    const std::size_t rowsPerSlice = rank == 2 ? static_cast<std::size_t>(shape[-2]) : 1;
    const std::size_t slices = data.size() / (cols * rowsPerSlice);
    for (std::size_t s = 0; s < slices; ++s) {
        const std::size_t base = s * rowsPerSlice * cols;
        for (std::size_t r = 0; r < rowsPerSlice; ++r)
            dftAxis(data, base + r * cols, 1, cols, sign);
        if (rank == 2) {
            for (std::size_t c = 0; c < cols; ++c)
                dftAxis(data, base + c, cols, rowsPerSlice, sign);
        }
    }
    return data;
}

// Largest |got - expected| against tolerance · max |expected|.
void expectClose(const std::vector<Complex>& got, const std::vector<Complex>& expected, double tolerance)
{
    ASSERT_EQ(got.size(), expected.size());
    double scale = 1e-300, worst = 0;
    std::size_t worstAt = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        scale = std::max(scale, std::abs(expected[i]));
        if (std::abs(got[i] - expected[i]) > worst) {
            worst = std::abs(got[i] - expected[i]);
            worstAt = i;
        }
    }
    EXPECT_LE(worst, tolerance * scale) << "at element " << worstAt << ": got " << got[worstAt] << ", expected "
                                        << expected[worstAt];
}

// The half spectrum a real transform keeps: the first n/2+1 values of each last-axis row.
std::vector<Complex> halfSpectrum(const std::vector<Complex>& full, std::int64_t n)
{
    const auto m = static_cast<std::size_t>(n / 2 + 1), cols = static_cast<std::size_t>(n);
    std::vector<Complex> half;
    for (std::size_t row = 0; row < full.size() / cols; ++row)
        half.insert(half.end(), full.begin() + static_cast<std::ptrdiff_t>(row * cols),
                    full.begin() + static_cast<std::ptrdiff_t>(row * cols + m));
    return half;
}

struct FftPrecision {
    DType real;
    DType complex;
    double tolerance;
};

void PrintTo(const FftPrecision& p, std::ostream* out) { *out << name(p.complex); }

class FftTest : public testing::TestWithParam<FftPrecision> {};

std::string precisionName(const testing::TestParamInfo<FftPrecision>& info)
{
    return std::string(name(info.param.complex));
}

TEST_P(FftTest, ComplexForwardAndInverseMatchTheNaiveDft)
{
    const FftPrecision p = GetParam();
    struct Case {
        Shape shape;
        int rank;
    };
    for (const Case& c :
         {Case{Shape{1}, 1}, Case{Shape{7}, 1}, Case{Shape{3, 12}, 1}, Case{Shape{2, 3, 5}, 1}, Case{Shape{5, 9}, 2},
          Case{Shape{1, 1}, 2}, Case{Shape{2, 6, 5}, 2}, Case{Shape{2, 2, 4, 3}, 2}}) {
        SCOPED_TRACE(c.shape.toString() + " rank " + std::to_string(c.rank));
        const Array x = test::randomArray(c.shape, p.complex, 11);
        const Array forward = fft(cpuBackend(), x, FftKind::C2C, FftDirection::Forward, c.rank);
        expectClose(values(forward), naiveDft(values(x), c.shape, c.rank, -1), p.tolerance);

        const Array inverse = fft(cpuBackend(), x, FftKind::C2C, FftDirection::Inverse, c.rank);
        std::vector<Complex> expected = naiveDft(values(x), c.shape, c.rank, +1);
        const double n = static_cast<double>(c.rank == 2 ? c.shape[-1] * c.shape[-2] : c.shape[-1]);
        for (Complex& v : expected)
            v /= n;
        expectClose(values(inverse), expected, p.tolerance);
    }
}

TEST_P(FftTest, RealToComplexKeepsTheHalfSpectrum)
{
    const FftPrecision p = GetParam();
    for (int rank : {1, 2}) {
        for (const Shape& shape : {Shape{2, 9}, Shape{6, 7}, Shape{3, 4, 10}, Shape{1, 1}}) {
            SCOPED_TRACE(shape.toString() + " rank " + std::to_string(rank));
            const Array x = test::randomArray(shape, p.real, 12);
            const Array spectrum = fft(cpuBackend(), x, FftKind::R2C, FftDirection::Forward, rank);
            EXPECT_EQ(spectrum.dtype(), p.complex);
            EXPECT_EQ(spectrum.shape(), shape.with(-1, shape[-1] / 2 + 1));
            expectClose(values(spectrum), halfSpectrum(naiveDft(values(x), shape, rank, -1), shape[-1]), p.tolerance);
        }
    }
}

// irfft of any half spectrum: the full spectrum is its Hermitian extension, and the
// imaginary parts of the DC and Nyquist terms do not count (NumPy's irfft).
TEST_P(FftTest, ComplexToRealOneDimensionalMatchesTheHermitianExtension)
{
    const FftPrecision p = GetParam();
    for (std::int64_t n : {1, 2, 8, 9, 15}) {
        SCOPED_TRACE("n = " + std::to_string(n));
        const std::int64_t m = n / 2 + 1;
        const Shape shape{3, m};
        const Array y = test::randomArray(shape, p.complex, 13);
        const std::vector<Complex> input = values(y);
        const Array x = fft(cpuBackend(), y, FftKind::C2R, FftDirection::Inverse, 1, n);
        ASSERT_EQ(x.shape(), Shape({3, n}));
        ASSERT_EQ(x.dtype(), p.real);

        std::vector<Complex> full;
        for (std::int64_t row = 0; row < 3; ++row) {
            for (std::int64_t k = 0; k < n; ++k) {
                const Complex v = k < m ? input[static_cast<std::size_t>(row * m + k)]
                                        : std::conj(input[static_cast<std::size_t>(row * m + n - k)]);
                full.push_back(v);
            }
        }
        std::vector<Complex> expected = naiveDft(full, Shape{3, n}, 1, +1);
        for (Complex& v : expected)
            v = v.real() / static_cast<double>(n);
        expectClose(values(x), expected, p.tolerance);
        EXPECT_EQ(values(y), input) << "c2r changed its input";
    }
}

TEST_P(FftTest, ComplexToRealTwoDimensionalInvertsTheRealTransform)
{
    const FftPrecision p = GetParam();
    for (const Shape& shape : {Shape{4, 8}, Shape{5, 9}, Shape{2, 3, 7}}) {
        SCOPED_TRACE(shape.toString());
        const Array x = test::randomArray(shape, p.real, 14);
        // A Hermitian half spectrum computed in double, so only the op under test rounds.
        const std::vector<Complex> spectrum = halfSpectrum(naiveDft(values(x), shape, 2, -1), shape[-1]);
        Array y = Array::emptyHost(shape.with(-1, shape[-1] / 2 + 1), p.complex);
        for (std::int64_t i = 0; i < y.numel(); ++i)
            test::setAt(y, i, spectrum[static_cast<std::size_t>(i)]);
        const Array back = fft(cpuBackend(), y, FftKind::C2R, FftDirection::Inverse, 2, shape[-1]);
        ASSERT_EQ(back.shape(), shape);
        expectClose(values(back), values(x), p.tolerance * 10);
    }
}

TEST_P(FftTest, RoundTrips)
{
    const FftPrecision p = GetParam();
    Backend& cpu = cpuBackend();
    const Array z = test::randomArray(Shape{2, 17, 12}, p.complex, 15);
    const Array zBack =
        fft(cpu, fft(cpu, z, FftKind::C2C, FftDirection::Forward, 2), FftKind::C2C, FftDirection::Inverse, 2);
    expectClose(values(zBack), values(z), p.tolerance);

    const Array x = test::randomArray(Shape{6, 11}, p.real, 16);
    const Array xBack =
        fft(cpu, fft(cpu, x, FftKind::R2C, FftDirection::Forward, 2), FftKind::C2R, FftDirection::Inverse, 2, 11);
    expectClose(values(xBack), values(x), p.tolerance);
}

TEST_P(FftTest, SameResultWithOneOrTwoThreads)
{
    const FftPrecision p = GetParam();
    const Array x = test::randomArray(Shape{64, 96}, p.complex, 17);
    Array one, two;
    {
        test::ThreadCountScope scope(1);
        one = fft(cpuBackend(), x, FftKind::C2C, FftDirection::Forward, 2);
    }
    {
        test::ThreadCountScope scope(2);
        two = fft(cpuBackend(), x, FftKind::C2C, FftDirection::Forward, 2);
    }
    expectClose(values(one), values(two), p.tolerance);
}

TEST_P(FftTest, PreparedOpRunsManyTimesOnNewArrays)
{
    const FftPrecision p = GetParam();
    const FftDesc desc{Shape{3, 10}, p.complex, FftKind::C2C, FftDirection::Forward, 1};
    auto op = cpuBackend().prepareFft(desc);
    for (std::uint64_t seed = 20; seed < 23; ++seed) {
        const Array x = test::randomArray(desc.input, p.complex, seed);
        Array out = Array::emptyHost(desc.outputShape(), desc.outputDType());
        op->run(x, out);
        expectClose(values(out), naiveDft(values(x), desc.input, 1, -1), p.tolerance);
    }
}

INSTANTIATE_TEST_SUITE_P(Cpu, FftTest,
                         testing::Values(FftPrecision{DType::F64, DType::C128, 1e-12},
                                         FftPrecision{DType::F32, DType::C64, 2e-6}),
                         precisionName);

TEST(Fft, RefusesBadDescriptors)
{
    Backend& cpu = cpuBackend();
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareFft({Shape{8}, DType::F32, FftKind::C2C, FftDirection::Forward, 1});
              }),
              ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareFft({Shape{8}, DType::F64, FftKind::R2C, FftDirection::Inverse, 1});
              }),
              ErrorCode::InvalidArgument);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareFft({Shape{8}, DType::C64, FftKind::C2C, FftDirection::Forward, 2});
              }),
              ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] {
                  cpu.prepareFft({Shape{5}, DType::C64, FftKind::C2R, FftDirection::Inverse, 1, 12});
              }),
              ErrorCode::ShapeMismatch);
}

TEST(Fft, RunChecksOperands)
{
    auto op = cpuBackend().prepareFft({Shape{4, 6}, DType::C64, FftKind::C2C, FftDirection::Forward, 2});
    Array x = test::randomArray(Shape{4, 6}, DType::C64, 1);
    Array out = Array::emptyHost(Shape{4, 6}, DType::C64);
    const Array wrongShape = test::randomArray(Shape{6, 4}, DType::C64, 2);
    const Array wrongType = test::randomArray(Shape{4, 6}, DType::C128, 3);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(wrongShape, out); }), ErrorCode::ShapeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(wrongType, out); }), ErrorCode::DTypeMismatch);
    EXPECT_EQ(test::errorCodeOf([&] { op->run(x, x); }), ErrorCode::Unsupported);
    EXPECT_NO_THROW(op->run(x, out));
}

} // namespace
