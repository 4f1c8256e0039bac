// astype on the GPU against the CPU backend, for every pair of dtypes ConvertDesc accepts,
// plain and with scale and offset, on ranges that make integer targets saturate.

#include "compare.h"

#include <vector>

namespace wb::test {
namespace {

// Both backends round each result once from the exact value (half to even, saturating
// for integers), so results should agree exactly; the tolerances allow one unit in the
// last place of the target (integer targets: 1).
double tolerance(DType to)
{
    switch (to) {
    case DType::F16: return 1e-3;
    case DType::BF16: return 8e-3;
    case DType::F32:
    case DType::C64: return 1.2e-7;
    case DType::F64:
    case DType::C128: return 1e-15;
    default: return 1.0;
    }
}

// Values that cover the target's range and beyond, so u8 and u16 targets saturate.
std::pair<double, double> rangeOf(DType from)
{
    switch (from) {
    case DType::U8: return {0, 255};
    case DType::U16: return {0, 65535};
    case DType::I32: return {-100000, 100000};
    default: return {-400, 400};
    }
}

struct Pair {
    DType from;
    DType to;
};

void PrintTo(const Pair& pair, std::ostream* out) { *out << name(pair.from) << " -> " << name(pair.to); }

// Every pair but complex -> real, which ConvertDesc refuses (tested below).
std::vector<Pair> acceptedPairs()
{
    std::vector<Pair> pairs;
    for (DType from : kAllDTypes) {
        for (DType to : kAllDTypes) {
            if (!isComplex(from) || isComplex(to))
                pairs.push_back({from, to});
        }
    }
    return pairs;
}

class ConvertTest : public GpuTest,
                    public ::testing::WithParamInterface<std::tuple<Pair, std::pair<double, double>>> {};

TEST_P(ConvertTest, MatchesCpu)
{
    const auto& [pair, affine] = GetParam();
    const auto [from, to] = pair;
    const auto [scale, offset] = affine;
    for (const Shape& shape : {Shape{1}, Shape{37, 41}}) {
        SCOPED_TRACE(shape.toString());
        const auto [low, high] = rangeOf(from);
        const Array x = random(shape, from, low, high);
        const Array expected = convert(cpu(), x, to, scale, offset);
        const Array actual = download(convert(gpu(), upload(x), to, scale, offset));
        if (isInteger(to))
            EXPECT_LE(maxAbsDifference(actual, expected), tolerance(to));
        else
            EXPECT_LE(relativeError(actual, expected), tolerance(to));
    }
}

std::string convertName(const ::testing::TestParamInfo<ConvertTest::ParamType>& param)
{
    const auto& [pair, affine] = param.param;
    return std::string(name(pair.from)) + "_to_" + std::string(name(pair.to)) + (affine.first == 1.0 ? "" : "_scaled");
}

INSTANTIATE_TEST_SUITE_P(Pairs, ConvertTest,
                         ::testing::Combine(::testing::ValuesIn(acceptedPairs()),
                                            ::testing::Values(std::pair{1.0, 0.0}, std::pair{0.25, 0.1})),
                         convertName);

using ConvertEdgeTest = GpuTest;

// More elements than the grid has threads, so every thread loops.
TEST_F(ConvertEdgeTest, LargeArrayMatchesCpu)
{
    const Array x = random(Shape{(std::int64_t{1} << 24) + 5}, DType::U8, 0, 255);
    const Array expected = convert(cpu(), x, DType::F32, 1.0 / 255.0);
    const Array actual = download(convert(gpu(), upload(x), DType::F32, 1.0 / 255.0));
    EXPECT_LE(relativeError(actual, expected), 1.2e-7);
}

TEST_F(ConvertEdgeTest, RefusesComplexToReal)
{
    const Array x = upload(random(Shape{4}, DType::C64));
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { convert(gpu(), x, DType::F32); }));
}

} // namespace
} // namespace wb::test
