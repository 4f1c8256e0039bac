// Whole-array reductions on the GPU against the CPU backend: every op and dtype, odd and
// large sizes, views that start at unaligned addresses, NaN and signed zeros, empty
// arrays; and the promises of the CUDA op itself: the same bits on every run, no
// allocation in run(), and a run that can be recorded into a CUDA graph.

#include "compare.h"

#include <cstring>
#include <limits>
#include <vector>

namespace wb::test {
namespace {

Array reduceOn(Backend& backend, ReduceOp op, const Array& x)
{
    const ReduceDesc desc{x.shape(), x.dtype(), op};
    auto prepared = backend.prepareReduce(desc);
    Array out = backend.empty(Shape{}, desc.outputDType());
    prepared->run(x, out);
    return out; // the op may go while its kernels run: its scratch is freed in stream order
}

bool isExtreme(ReduceOp op) { return op == ReduceOp::Min || op == ReduceOp::Max; }

// The spacing of a floating dtype's values at |v| (the subnormal spacing near zero).
double ulpOf(DType dtype, double v)
{
    int mantissa = 52, minExponent = -1022;
    switch (realPart(dtype)) {
    case DType::F16: mantissa = 10, minExponent = -14; break;
    case DType::BF16: mantissa = 7, minExponent = -126; break;
    case DType::F32: mantissa = 23, minExponent = -126; break;
    default: break;
    }
    const int exponent = v == 0 ? minExponent : std::max(std::ilogb(v), minExponent);
    return std::ldexp(1.0, exponent - mantissa);
}

// The tolerance for sums, means and norms: both backends add in double, in different
// orders (pairwise on the CPU, a block tree on the GPU), each within a few log2(n) units
// of 2^-53 of Σ|x|; each result is then rounded once into the output dtype, so the two may
// straddle a rounding boundary and differ by one unit there.
constexpr double kSumRoundOff = 2e-14;
double sumTolerance(DType outType, double reference, double scale)
{
    return ulpOf(outType, std::fabs(reference)) + kSumRoundOff * scale;
}

// Checks a GPU result against the CPU's for input x: min/max and integer sums bit for bit,
// the rest within sumTolerance of each part.
void expectMatch(ReduceOp op, const Array& x, const Array& actual, const Array& expected)
{
    ASSERT_EQ(actual.dtype(), expected.dtype());
    ASSERT_EQ(actual.shape(), Shape{});
    if (isExtreme(op) || (isInteger(x.dtype()) && op != ReduceOp::Norm)) {
        EXPECT_EQ(std::memcmp(actual.data(), expected.data(), expected.nbytes()), 0)
            << "GPU " << values(actual)[0] << ", CPU " << values(expected)[0];
        return;
    }
    const std::vector<double> input = values(x);
    const int parts = isComplex(x.dtype()) ? 2 : 1;
    const std::vector<double> got = values(actual), want = values(expected);
    for (int part = 0; part < static_cast<int>(want.size()); ++part) {
        double scale = 0;
        for (std::size_t i = static_cast<std::size_t>(part); i < input.size(); i += static_cast<std::size_t>(parts))
            scale += op == ReduceOp::Norm ? input[i] * input[i] : std::fabs(input[i]);
        if (op == ReduceOp::Norm)
            scale = std::sqrt(scale);
        if (op == ReduceOp::Mean)
            scale /= static_cast<double>(x.numel());
        if (std::isnan(want[part]) || std::isinf(want[part])) {
            EXPECT_TRUE(std::isnan(want[part]) ? std::isnan(got[part]) : got[part] == want[part])
                << "part " << part << ": GPU " << got[part] << ", CPU " << want[part];
            continue;
        }
        EXPECT_LE(std::fabs(got[part] - want[part]), sumTolerance(actual.dtype(), want[part], scale))
            << "part " << part << ": GPU " << got[part] << ", CPU " << want[part];
    }
}

// Values over most of each dtype's range, so that integer sums pass 2^53 at the largest size.
std::pair<double, double> rangeOf(DType dtype)
{
    switch (dtype) {
    case DType::U8: return {0, 255};
    case DType::U16: return {0, 65535};
    case DType::I32: return {-2147483648.0, 2147483647.0};
    default: return {-1.0, 1.0};
    }
}

struct ReduceCase {
    ReduceOp op;
    DType dtype;
};

void PrintTo(const ReduceCase& c, std::ostream* out) { *out << name(c.op) << " " << name(c.dtype); }

// Every op with every dtype it accepts (complex min/max is refused; tested below).
std::vector<ReduceCase> acceptedCases()
{
    std::vector<ReduceCase> cases;
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Min, ReduceOp::Max, ReduceOp::Norm}) {
        for (DType dtype : kAllDTypes) {
            if (!(isExtreme(op) && isComplex(dtype)))
                cases.push_back({op, dtype});
        }
    }
    return cases;
}

// 1 and 3 use the tail path only; 1023 leaves a partial pack; 2^20 + 7 fills the grid;
// 2^23 + 5 makes every thread loop with four packs in flight.
constexpr std::int64_t kSizes[] = {1, 3, 1023, (std::int64_t{1} << 20) + 7, (std::int64_t{1} << 23) + 5};

class ReduceTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<ReduceCase, std::int64_t>> {};

TEST_P(ReduceTest, MatchesCpu)
{
    const auto& [c, n] = GetParam();
    const auto [low, high] = rangeOf(c.dtype);
    const Array x = random(Shape{n}, c.dtype, low, high);
    const Array expected = reduceOn(cpu(), c.op, x);
    const Array actual = download(reduceOn(gpu(), c.op, upload(x)));
    expectMatch(c.op, x, actual, expected);
}

std::string reduceName(const ::testing::TestParamInfo<ReduceTest::ParamType>& param)
{
    const auto& [c, n] = param.param;
    std::string text(name(c.op));
    text += '_';
    text += name(c.dtype);
    text += '_';
    text += std::to_string(n);
    return text;
}

INSTANTIATE_TEST_SUITE_P(Sizes, ReduceTest,
                         ::testing::Combine(::testing::ValuesIn(acceptedCases()), ::testing::ValuesIn(kSizes)),
                         reduceName);

// ---- views: rows of a 2-D array start at addresses that are not 16-byte aligned ---------

class ReduceViewTest : public GpuTest, public ::testing::WithParamInterface<std::tuple<DType, Shape>> {};

TEST_P(ReduceViewTest, RowOfAnArrayMatchesCpu)
{
    const auto& [dtype, shape] = GetParam();
    const auto [low, high] = rangeOf(dtype);
    const Array x = random(shape, dtype, low, high);
    const Array device = upload(x);
    const Array hostRow = x.at(1), deviceRow = device.at(1);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Min, ReduceOp::Max, ReduceOp::Norm}) {
        if (isExtreme(op) && isComplex(dtype))
            continue;
        SCOPED_TRACE(std::string(name(op)));
        expectMatch(op, hostRow, download(reduceOn(gpu(), op, deviceRow)), reduceOn(cpu(), op, hostRow));
    }
}

std::string viewName(const ::testing::TestParamInfo<ReduceViewTest::ParamType>& param)
{
    const auto& [dtype, shape] = param.param;
    return shapeName(shape) + "_" + std::string(name(dtype));
}

INSTANTIATE_TEST_SUITE_P(Rows, ReduceViewTest,
                         ::testing::Combine(::testing::Values(DType::U8, DType::U16, DType::F16, DType::BF16,
                                                              DType::F32, DType::F64, DType::C64, DType::C128),
                                            ::testing::Values(Shape{3, 1023}, Shape{2, (std::int64_t{7} << 20) + 3})),
                         viewName);

// ---- NaN, infinities, signed zeros -------------------------------------------------------

class ReduceNanTest : public GpuTest, public ::testing::WithParamInterface<DType> {};

// Writes the raw pattern of a NaN of the array's floating dtype at element i: `negative`
// sets the sign, `payload` goes into the low mantissa bits.
void setNan(Array& host, std::int64_t i, bool negative, unsigned payload)
{
    switch (host.dtype()) {
    case DType::F16:
        host.data<std::uint16_t>()[i] = static_cast<std::uint16_t>((negative ? 0xfe00u : 0x7e00u) | payload);
        break;
    case DType::BF16:
        host.data<std::uint16_t>()[i] = static_cast<std::uint16_t>((negative ? 0xffc0u : 0x7fc0u) | payload);
        break;
    case DType::F32:
    case DType::C64:
        host.data<std::uint32_t>()[i * (isComplex(host.dtype()) ? 2 : 1)] =
            (negative ? 0xffc00000u : 0x7fc00000u) | payload;
        break;
    case DType::F64:
    case DType::C128:
        host.data<std::uint64_t>()[i * (isComplex(host.dtype()) ? 2 : 1)] =
            (negative ? 0xfff8000000000000ull : 0x7ff8000000000000ull) | payload;
        break;
    default: FAIL() << "setNan of " << name(host.dtype());
    }
}

TEST_P(ReduceNanTest, PropagatesAndPicksTheSameNanAsCpu)
{
    const DType dtype = GetParam();
    const std::int64_t n = (std::int64_t{1} << 20) + 7;
    for (std::int64_t where : {std::int64_t{0}, n / 2 + 3, n - 1}) {
        SCOPED_TRACE("NaN at " + std::to_string(where));
        Array x = random(Shape{n}, dtype);
        setNan(x, where, false, 1);
        setNan(x, (where + n / 3) % n, true, 0); // a second, different NaN
        const Array device = upload(x);
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Min, ReduceOp::Max, ReduceOp::Norm}) {
            if (isExtreme(op) && isComplex(dtype))
                continue;
            SCOPED_TRACE(std::string(name(op)));
            const Array actual = download(reduceOn(gpu(), op, device));
            EXPECT_TRUE(std::isnan(values(actual)[0]));
            if (isExtreme(op)) // the largest NaN pattern, the same bits on both backends
                expectMatch(op, x, actual, reduceOn(cpu(), op, x));
        }
    }
}

std::string dtypeName(const ::testing::TestParamInfo<DType>& param) { return std::string(name(param.param)); }

INSTANTIATE_TEST_SUITE_P(Floating, ReduceNanTest,
                         ::testing::Values(DType::F16, DType::BF16, DType::F32, DType::F64, DType::C64, DType::C128),
                         dtypeName);

class ReduceSignedValuesTest : public GpuTest, public ::testing::WithParamInterface<DType> {};

TEST_P(ReduceSignedValuesTest, InfinitiesAndSignedZerosMatchCpu)
{
    const DType dtype = GetParam();
    Array x = random(Shape{4099}, dtype);
    Array zeros = Array::emptyHost(Shape{4099}, dtype);
    std::memset(zeros.data(), 0, zeros.nbytes());
    const double inf = std::numeric_limits<double>::infinity();
    // Every other zero negative: -0 orders below +0 wherever the two sit.
    for (std::int64_t i = 0; i < zeros.numel(); i += 2) {
        switch (dtype) {
        case DType::F16:
        case DType::BF16: zeros.data<std::uint16_t>()[i] = 0x8000u; break;
        case DType::F32: zeros.data<float>()[i] = -0.0f; break;
        default: zeros.data<double>()[i] = -0.0; break;
        }
    }
    const Array infinities = [&] {
        Array y = random(Shape{4099}, dtype);
        const std::uint64_t positive = dtype == DType::F16    ? 0x7c00u
                                       : dtype == DType::BF16 ? 0x7f80u
                                       : dtype == DType::F32  ? 0x7f800000u
                                                              : 0x7ff0000000000000ull;
        const std::uint64_t sign = sizeOf(dtype) == 2 ? 0x8000u : sizeOf(dtype) == 4 ? 0x80000000u : 1ull << 63;
        for (std::int64_t i : {std::int64_t{17}, std::int64_t{4000}}) {
            const std::uint64_t bits = i == 17 ? positive : positive | sign;
            std::memcpy(static_cast<char*>(y.data()) + i * static_cast<std::int64_t>(sizeOf(dtype)), &bits,
                        sizeOf(dtype)); // little-endian: the low bytes of `bits`
        }
        return y;
    }();
    for (const Array* input : std::initializer_list<const Array*>{&x, &zeros, &infinities}) {
        const Array device = upload(*input);
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Min, ReduceOp::Max, ReduceOp::Norm}) {
            SCOPED_TRACE(std::string(name(op)));
            expectMatch(op, *input, download(reduceOn(gpu(), op, device)), reduceOn(cpu(), op, *input));
        }
    }
    EXPECT_EQ(values(download(reduceOn(gpu(), ReduceOp::Max, upload(infinities))))[0], inf);
    EXPECT_EQ(values(download(reduceOn(gpu(), ReduceOp::Min, upload(infinities))))[0], -inf);
    EXPECT_TRUE(std::signbit(values(download(reduceOn(gpu(), ReduceOp::Min, upload(zeros))))[0]));
    EXPECT_FALSE(std::signbit(values(download(reduceOn(gpu(), ReduceOp::Max, upload(zeros))))[0]));
    // A sum of negative zeros is -0, as on the CPU and in NumPy; one +0 among them makes it +0.
    Array negativeZeros = Array::emptyHost(zeros.shape(), dtype); // element 0 of `zeros` is -0
    for (std::int64_t i = 0; i < negativeZeros.numel(); ++i)
        std::memcpy(static_cast<char*>(negativeZeros.data()) + i * static_cast<std::int64_t>(sizeOf(dtype)),
                    static_cast<const char*>(zeros.data()), sizeOf(dtype));
    EXPECT_TRUE(std::signbit(values(download(reduceOn(gpu(), ReduceOp::Sum, upload(negativeZeros))))[0]));
    EXPECT_FALSE(std::signbit(values(download(reduceOn(gpu(), ReduceOp::Sum, upload(zeros))))[0]));
}

INSTANTIATE_TEST_SUITE_P(Real, ReduceSignedValuesTest,
                         ::testing::Values(DType::F16, DType::BF16, DType::F32, DType::F64), dtypeName);

// ---- the op itself -------------------------------------------------------------------------

using ReduceOpTest = GpuTest;

TEST_F(ReduceOpTest, SameBitsOnEveryRunAndNoAllocationInRun)
{
    for (DType dtype : {DType::F16, DType::F32, DType::F64, DType::C128}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Shape shape{(std::int64_t{1} << 23) + 5};
        const Array x = upload(random(shape, dtype));
        for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Norm}) {
            const ReduceDesc desc{shape, dtype, op};
            auto prepared = gpu().prepareReduce(desc);
            Array first = gpu().empty(Shape{}, desc.outputDType());
            Array second = gpu().empty(Shape{}, desc.outputDType());
            const std::uint64_t allocations = gpu().allocator().stats().allocations;
            prepared->run(x, first);
            for (int repeat = 0; repeat < 3; ++repeat)
                prepared->run(x, second);
            EXPECT_EQ(gpu().allocator().stats().allocations, allocations) << name(op) << ": run() allocated";
            const Array a = download(first), b = download(second);
            EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0)
                << name(op) << ": " << values(a)[0] << " vs " << values(b)[0];
            // A second op prepared for the same shape adds in the same order.
            const Array c = download(reduceOn(gpu(), op, x));
            EXPECT_EQ(std::memcmp(a.data(), c.data(), a.nbytes()), 0) << name(op) << ": another prepared op differs";
        }
    }
}

TEST_F(ReduceOpTest, RunCanBeRecordedIntoAGraph)
{
    ASSERT_TRUE(gpu().canRecord());
    const Shape shape{(std::int64_t{1} << 20) + 7};
    const Array host = random(shape, DType::F32);
    const Array x = upload(host);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max, ReduceOp::Norm}) {
        SCOPED_TRACE(std::string(name(op)));
        const ReduceDesc desc{shape, DType::F32, op};
        auto prepared = gpu().prepareReduce(desc);
        Array direct = gpu().empty(Shape{}, desc.outputDType());
        Array recorded = gpu().empty(Shape{}, desc.outputDType());
        prepared->run(x, direct);
        gpu().synchronize();
        gpu().beginRecording();
        try {
            prepared->run(x, recorded);
        } catch (...) {
            gpu().endRecording();
            throw;
        }
        const auto recording = gpu().endRecording();
        ASSERT_NE(recording, nullptr);
        recording->replay();
        recording->replay();
        const Array a = download(direct), b = download(recorded);
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0) << values(a)[0] << " vs " << values(b)[0];
        expectMatch(op, host, b, reduceOn(cpu(), op, host));
    }
}

TEST_F(ReduceOpTest, EmptyArrays)
{
    for (DType dtype : {DType::U8, DType::F32, DType::C64}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array x = gpu().empty(Shape{3, 0}, dtype);
        const double sum = values(download(reduceOn(gpu(), ReduceOp::Sum, x)))[0];
        EXPECT_EQ(sum, 0.0);
        EXPECT_FALSE(std::signbit(sum)) << "an empty sum is +0";
        EXPECT_EQ(values(download(reduceOn(gpu(), ReduceOp::Norm, x)))[0], 0.0);
        EXPECT_TRUE(std::isnan(values(download(reduceOn(gpu(), ReduceOp::Mean, x)))[0])); // 0/0, as NumPy
        if (!isComplex(dtype)) {
            EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] {
                gpu().prepareReduce({Shape{3, 0}, dtype, ReduceOp::Min});
            }));
        }
    }
}

using ReduceErrorTest = GpuTest;

TEST_F(ReduceErrorTest, RefusesComplexMinMax)
{
    for (DType dtype : {DType::C64, DType::C128}) {
        EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
            gpu().prepareReduce({Shape{8}, dtype, ReduceOp::Min});
        }));
        EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] {
            gpu().prepareReduce({Shape{8}, dtype, ReduceOp::Max});
        }));
    }
}

TEST_F(ReduceErrorTest, RefusesOperandsThatDoNotMatch)
{
    auto op = gpu().prepareReduce({Shape{4, 5}, DType::F32, ReduceOp::Sum});
    const Array host = random(Shape{4, 5}, DType::F32);
    const Array x = upload(host);
    Array out = gpu().empty(Shape{}, DType::F32);
    Array wrongType = gpu().empty(Shape{}, DType::F64);
    Array wrongShape = gpu().empty(Shape{1}, DType::F32);
    Array hostOut = Array::emptyHost(Shape{}, DType::F32);
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(x, wrongType); }));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(x, wrongShape); }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(host, out); }));
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(x, hostOut); }));
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(upload(random(Shape{5, 4}, DType::F32)), out); }));
    op->run(x, out); // still usable
    expectMatch(ReduceOp::Sum, host, download(out), reduceOn(cpu(), ReduceOp::Sum, host));
}

} // namespace
} // namespace wb::test
