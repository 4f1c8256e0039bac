// Random arrays on the GPU: the same seed gives the same numbers, ranges hold, and the
// moments fit the distribution. Uniform arrays are the CPU backend's numbers bit for bit;
// normal ones come from cuRAND's own stream, so only their properties are checked.

#include "compare.h"

#include <cstring>

namespace wb::test {
namespace {

struct Moments {
    double mean = 0;
    double stddev = 0;
    double min = 0;
    double max = 0;
};

Moments momentsOf(const Array& host)
{
    const std::vector<double> v = values(host);
    Moments m{0, 0, v.front(), v.front()};
    for (double x : v) {
        m.mean += x;
        m.min = std::min(m.min, x);
        m.max = std::max(m.max, x);
    }
    m.mean /= static_cast<double>(v.size());
    for (double x : v)
        m.stddev += (x - m.mean) * (x - m.mean);
    m.stddev = std::sqrt(m.stddev / static_cast<double>(v.size()));
    return m;
}

class RandomTest : public GpuTest, public ::testing::WithParamInterface<DType> {};

TEST_P(RandomTest, SameSeedSameNumbers)
{
    const DType dtype = GetParam();
    for (Distribution distribution : {Distribution::Uniform, Distribution::Normal}) {
        const Shape shape{123, 45}; // odd count: exercises the odd tail of normal fills
        const Array first = download(wb::random(gpu(), shape, dtype, distribution, 42));
        const Array again = download(wb::random(gpu(), shape, dtype, distribution, 42));
        const Array other = download(wb::random(gpu(), shape, dtype, distribution, 43));
        EXPECT_EQ(maxAbsDifference(first, again), 0.0);
        EXPECT_GT(maxAbsDifference(first, other), 0.0);
    }
}

TEST_P(RandomTest, UniformIsTheCpuStreamBitForBit)
{
    const DType dtype = GetParam();
    for (const Shape& shape : {Shape{1}, Shape{3, 7}, Shape{1021, 767}}) {
        for (auto [low, high] : {std::pair{0.0, 1.0}, {-3.0, 5.5}}) {
            SCOPED_TRACE(shape.toString() + " [" + std::to_string(low) + ", " + std::to_string(high) + ")");
            const Array gpuValues = download(wb::random(gpu(), shape, dtype, Distribution::Uniform, 1234, low, high));
            const Array cpuValues = wb::random(cpu(), shape, dtype, Distribution::Uniform, 1234, low, high);
            ASSERT_EQ(gpuValues.nbytes(), cpuValues.nbytes());
            EXPECT_EQ(std::memcmp(gpuValues.data(), cpuValues.data(), cpuValues.nbytes()), 0);
        }
    }
}

TEST_P(RandomTest, UnalignedViewsGetTheSameNumbers)
{
    const DType dtype = GetParam();
    const Array rows = gpu().empty(Shape{3, 5}, dtype);
    Array middle = rows.at(1); // five elements into the buffer: no 16-byte vector stores
    gpu().fillRandom(RandomDesc{Shape{5}, dtype, Distribution::Uniform, 99, 0.0, 1.0}, middle);
    const Array expected = wb::random(cpu(), Shape{5}, dtype, Distribution::Uniform, 99);
    const Array got = download(middle);
    EXPECT_EQ(std::memcmp(got.data(), expected.data(), expected.nbytes()), 0);
}

// With 2^20 + 1 samples the standard error of the mean is ~1e-3 of the spread, so the
// bounds below are ten standard errors or more wide; the low-precision types add their
// rounding (bf16: 2^-8 relative).
TEST_P(RandomTest, UniformStaysInRangeWithExpectedMoments)
{
    const DType dtype = GetParam();
    const double low = 2.0, high = 5.0;
    const Array x = download(wb::random(gpu(), Shape{(1 << 20) + 1}, dtype, Distribution::Uniform, 7, low, high));
    const Moments m = momentsOf(x);
    EXPECT_GE(m.min, low);
    EXPECT_LT(m.max, high);
    EXPECT_NEAR(m.mean, 3.5, 0.02);
    EXPECT_NEAR(m.stddev, 3.0 / std::sqrt(12.0), 0.02);
}

TEST_P(RandomTest, NormalHasExpectedMoments)
{
    const DType dtype = GetParam();
    const Array x = download(wb::random(gpu(), Shape{(1 << 20) + 1}, dtype, Distribution::Normal, 11, 1.0, 2.0));
    const Moments m = momentsOf(x);
    EXPECT_NEAR(m.mean, 1.0, 0.03);
    EXPECT_NEAR(m.stddev, 2.0, 0.03);
}

TEST_P(RandomTest, SingleElement)
{
    const DType dtype = GetParam();
    const Array u = download(wb::random(gpu(), Shape{1}, dtype, Distribution::Uniform, 3, -1.0, 1.0));
    const double value = values(u).front();
    EXPECT_GE(value, -1.0);
    EXPECT_LT(value, 1.0);
    const Array n = download(wb::random(gpu(), Shape{1}, dtype, Distribution::Normal, 3));
    EXPECT_TRUE(std::isfinite(values(n).front()));
}

std::string dtypeName(const ::testing::TestParamInfo<DType>& param) { return std::string(name(param.param)); }

INSTANTIATE_TEST_SUITE_P(Dtypes, RandomTest, ::testing::Values(DType::F16, DType::BF16, DType::F32, DType::F64),
                         dtypeName);

using RandomEdgeTest = GpuTest;

// [1, 1 + 2^-11) holds exactly one f16 value (1.0); [1 + 2^-12, 1 + 2^-11) holds none.
TEST_F(RandomEdgeTest, NarrowRangesInNarrowTypes)
{
    const Array one =
        download(wb::random(gpu(), Shape{1000}, DType::F16, Distribution::Uniform, 5, 1.0, 1.0 + std::ldexp(1.0, -11)));
    const Moments m = momentsOf(one);
    EXPECT_EQ(m.min, 1.0);
    EXPECT_EQ(m.max, 1.0);
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
        wb::random(gpu(), Shape{10}, DType::F16, Distribution::Uniform, 5, 1.0 + std::ldexp(1.0, -12),
                   1.0 + std::ldexp(1.0, -11));
    }));
}

TEST_F(RandomEdgeTest, RefusesIntegerDtypes)
{
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch,
                           [&] { wb::random(gpu(), Shape{10}, DType::U8, Distribution::Uniform, 1); }));
}

} // namespace
} // namespace wb::test
