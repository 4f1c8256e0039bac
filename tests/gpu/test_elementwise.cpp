// Elementwise expressions on the GPU (kernels generated and compiled by NVRTC) against the
// CPU backend: every op on every dtype ElementwiseDesc accepts, mixed operand dtypes, every
// cast (bit for bit against astype on the GPU as well), broadcast inputs, expressions
// without inputs, ten-op chains, NaN, rounding and wrapping cases, odd and large sizes, in
// place, recorded into a CUDA graph; the vector and scalar kernels bit for bit on every
// tail length, on row views at any offset, in place, and past 2^31 elements; and the kernel caches: a second prepare
// compiles nothing, a fresh backend reads the disk cache, a corrupt cache file is compiled again.

#include "compare.h"

#include "core/cuda_module.h"
#include "io/temp_dir.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace wb::test {
namespace {

// ---- building and running descs -------------------------------------------------------

ElemNode inputNode(int index) { return ElemNode{.op = ElemOp::Input, .input = index}; }
ElemNode constantNode(double value, bool isFloat = true)
{
    return ElemNode{.op = ElemOp::Constant, .constant = value, .floatConstant = isFloat};
}
ElemNode unaryNode(ElemOp op, int a) { return ElemNode{.op = op, .a = a}; }
ElemNode binaryNode(ElemOp op, int a, int b) { return ElemNode{.op = op, .a = a, .b = b}; }
ElemNode castNode(int a, DType to) { return ElemNode{.op = ElemOp::Cast, .a = a, .castTo = to}; }
ElemNode whereNode(int a, int b, int c) { return ElemNode{.op = ElemOp::Where, .a = a, .b = b, .c = c}; }

ElementwiseDesc makeDesc(const Shape& shape, std::vector<DType> inputs, std::vector<ElemNode> nodes)
{
    ElementwiseDesc desc;
    desc.shape = shape;
    desc.inputShapes.assign(inputs.size(), shape);
    desc.inputs = std::move(inputs);
    desc.nodes = std::move(nodes);
    return desc;
}

// validate() decides what is accepted; only DTypeMismatch means "refused".
std::optional<ElementwiseDesc> acceptedDesc(ElementwiseDesc desc)
{
    try {
        desc.validate();
        return desc;
    } catch (const Error&) {
        return std::nullopt;
    }
}

// Prepares and runs desc on `backend` with host inputs; the result on the host.
Array evaluate(Backend& backend, const ElementwiseDesc& desc, const std::vector<Array>& hostInputs)
{
    ElementwiseDesc checked = desc;
    checked.validate();
    std::vector<Array> placed;
    for (const Array& x : hostInputs)
        placed.push_back(toBackend(backend, x));
    std::vector<const Array*> pointers;
    for (const Array& x : placed)
        pointers.push_back(&x);
    auto op = backend.prepareElementwise(desc);
    Array out = backend.empty(checked.shape, checked.outputDType());
    op->run(pointers, out);
    return toHost(backend, out);
}

Array hostArray(DType dtype, const std::vector<double>& data)
{
    Array array = Array::emptyHost(Shape{static_cast<std::int64_t>(data.size())}, dtype);
    for (std::size_t i = 0; i < data.size(); ++i) {
        const double v = data[i];
        switch (dtype) {
        case DType::U8: array.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(v); break;
        case DType::U16: array.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(v); break;
        case DType::I32: array.data<std::int32_t>()[i] = static_cast<std::int32_t>(v); break;
        case DType::F16: array.data<std::uint16_t>()[i] = detail::floatToHalf(static_cast<float>(v)); break;
        case DType::BF16: array.data<std::uint16_t>()[i] = detail::floatToBf16(static_cast<float>(v)); break;
        case DType::F32: array.data<float>()[i] = static_cast<float>(v); break;
        case DType::F64: array.data<double>()[i] = v; break;
        default: ADD_FAILURE() << "hostArray of " << name(dtype);
        }
    }
    return array;
}

bool sameBits(const Array& a, const Array& b)
{
    return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// The same bits element by element, except that any NaN matches any NaN (payloads differ
// with the path a NaN took, and mean nothing).
::testing::AssertionResult sameBitsOrNan(const Array& a, const Array& b)
{
    if (a.dtype() != b.dtype() || a.shape() != b.shape())
        return ::testing::AssertionFailure() << "different dtypes or shapes";
    const std::size_t size = sizeOf(a.dtype());
    const std::vector<double> va = values(a), vb = values(b);
    const std::size_t parts = isComplex(a.dtype()) ? 2 : 1;
    for (std::int64_t i = 0; i < a.numel(); ++i) {
        const auto k = static_cast<std::size_t>(i) * parts;
        bool nan = true;
        for (std::size_t p = 0; p < parts; ++p)
            nan = nan && std::isnan(va[k + p]) && std::isnan(vb[k + p]);
        if (!nan && std::memcmp(static_cast<const char*>(a.data()) + i * size,
                                static_cast<const char*>(b.data()) + i * size, size) != 0)
            return ::testing::AssertionFailure() << "element " << i << ": " << va[k] << " and " << vb[k];
    }
    return ::testing::AssertionSuccess();
}

// ---- tolerances ----------------------------------------------------------------------

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
    const int exponent = v == 0 || !std::isfinite(v) ? minExponent : std::max(std::ilogb(v), minExponent);
    return std::ldexp(1.0, exponent - mantissa);
}

// How far apart the backends may be, in units in the last place of the output dtype.
// Exact: IEEE operations with one rounding (+ - * / sqrt, compared, rounded, cast, chosen):
// the GPU compiles without contracted multiply-adds or fast math, and f16/bf16 nodes are
// computed in f32 and rounded once on both, so the bits agree. Math functions differ
// between CUDA's libdevice (at most 4 ulps in f32, 2 in f64) and glibc (under 1); a 16-bit
// output is their f32 result rounded once, so it may land one unit either side.
enum class Accuracy { Exact, Math };

Accuracy accuracyOf(ElemOp op, DType operand)
{
    switch (op) {
    case ElemOp::Exp:
    case ElemOp::Log:
    case ElemOp::Log1p:
    case ElemOp::Sin:
    case ElemOp::Cos:
    case ElemOp::Tan:
    case ElemOp::Tanh:
    case ElemOp::Pow:
    case ElemOp::Angle: return Accuracy::Math;
    case ElemOp::Abs: // hypot
    case ElemOp::Mul:
    case ElemOp::Div: return isComplex(operand) ? Accuracy::Math : Accuracy::Exact;
    default: return Accuracy::Exact;
    }
}

double allowedUlps(Accuracy accuracy, DType out)
{
    if (accuracy == Accuracy::Exact || isInteger(out))
        return 0;
    const DType part = realPart(out);
    return part == DType::F16 || part == DType::BF16 ? 1 : 8;
}

// Element by element: equal values (infinities included) and NaN against NaN agree;
// otherwise |GPU − CPU| must be within `ulps` units of the CPU value (of its larger part
// for complex values). Names the first few elements that differ.
::testing::AssertionResult matches(const Array& actual, const Array& expected, double ulps)
{
    if (actual.dtype() != expected.dtype() || actual.shape() != expected.shape())
        return ::testing::AssertionFailure()
               << "GPU gave " << name(actual.dtype()) << " " << actual.shape().toString() << ", CPU "
               << name(expected.dtype()) << " " << expected.shape().toString();
    const std::vector<double> r = values(actual);
    const std::vector<double> e = values(expected);
    const std::size_t parts = isComplex(expected.dtype()) ? 2 : 1;
    int bad = 0;
    std::string report;
    for (std::size_t i = 0; i < e.size(); i += parts) {
        double scale = 0;
        for (std::size_t p = 0; p < parts; ++p)
            scale = std::max(scale, std::isfinite(e[i + p]) ? std::fabs(e[i + p]) : 0.0);
        for (std::size_t p = 0; p < parts; ++p) {
            const double x = r[i + p], y = e[i + p];
            const bool agree = x == y || (std::isnan(x) && std::isnan(y)) ||
                               (ulps > 0 && std::fabs(x - y) <= ulps * ulpOf(expected.dtype(), scale));
            if (!agree && ++bad <= 5)
                report += "\n  element " + std::to_string(i / parts) + (parts == 2 ? (p ? ".im" : ".re") : "") +
                          ": GPU " + std::to_string(x) + ", CPU " + std::to_string(y);
        }
    }
    if (bad == 0)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << bad << " of " << e.size() << " values differ by more than " << ulps
                                         << " ulps of " << name(expected.dtype()) << report;
}

// ---- input data ----------------------------------------------------------------------

// Values where an op is defined and interesting; integers get their own ranges (wide
// enough that u8/u16 additions and i32 products wrap).
std::pair<double, double> rangeFor(ElemOp op, DType dtype)
{
    switch (dtype) {
    case DType::U8: return {0, 255};
    case DType::U16: return {0, 65535};
    case DType::I32: return op == ElemOp::Pow ? std::pair{-6.0, 6.0} : std::pair{-100000.0, 100000.0};
    default: break;
    }
    switch (op) {
    case ElemOp::Sqrt:
    case ElemOp::Log: return {0.01, 10};
    case ElemOp::Log1p: return {-0.9, 10};
    case ElemOp::Exp: return {-10, 10};
    case ElemOp::Tan: return {-1.5, 1.5};
    case ElemOp::Pow: return {0.1, 3};
    default: return {-8, 8};
    }
}

const ElemOp kUnaryOps[] = {ElemOp::Neg,   ElemOp::Abs,  ElemOp::Sqrt, ElemOp::Exp,  ElemOp::Log,   ElemOp::Log1p,
                            ElemOp::Sin,   ElemOp::Cos,  ElemOp::Tan,  ElemOp::Tanh, ElemOp::Floor, ElemOp::Ceil,
                            ElemOp::Round, ElemOp::Real, ElemOp::Imag, ElemOp::Conj, ElemOp::Angle};
const ElemOp kBinaryOps[] = {ElemOp::Add,       ElemOp::Sub,     ElemOp::Mul,         ElemOp::Div,      ElemOp::Pow,
                             ElemOp::Minimum,   ElemOp::Maximum, ElemOp::Equal,       ElemOp::NotEqual, ElemOp::Less,
                             ElemOp::LessEqual, ElemOp::Greater, ElemOp::GreaterEqual};
const Shape kOddShapes[] = {Shape{1}, Shape{1021}, Shape{33, 65}};

struct OpCase {
    ElemOp op;
    DType dtype;
};

void PrintTo(const OpCase& c, std::ostream* out) { *out << name(c.op) << " of " << name(c.dtype); }

std::string caseName(const ::testing::TestParamInfo<OpCase>& param)
{
    return std::string(name(param.param.op)) + "_" + std::string(name(param.param.dtype));
}

// The (op, dtype) pairs validate() accepts, found when the tests are listed.
std::vector<OpCase> acceptedCases(std::span<const ElemOp> ops, int arityOfOps)
{
    std::vector<OpCase> cases;
    for (ElemOp op : ops) {
        for (DType dtype : kAllDTypes) {
            std::vector<ElemNode> nodes{inputNode(0)};
            std::vector<DType> inputs{dtype};
            if (arityOfOps == 1) {
                nodes.push_back(unaryNode(op, 0));
            } else {
                inputs.push_back(dtype);
                nodes.push_back(inputNode(1));
                nodes.push_back(binaryNode(op, 0, 1));
            }
            if (acceptedDesc(makeDesc(Shape{4}, inputs, nodes)))
                cases.push_back({op, dtype});
        }
    }
    return cases;
}

// ---- every op and dtype --------------------------------------------------------------

class UnaryTest : public GpuTest, public ::testing::WithParamInterface<OpCase> {};

TEST_P(UnaryTest, MatchesCpu)
{
    const auto [op, dtype] = GetParam();
    for (const Shape& shape : kOddShapes) {
        SCOPED_TRACE(shape.toString());
        const ElementwiseDesc desc = makeDesc(shape, {dtype}, {inputNode(0), unaryNode(op, 0)});
        const auto [low, high] = rangeFor(op, dtype);
        const std::vector<Array> x{random(shape, dtype, low, high)};
        const Array expected = evaluate(cpu(), desc, x);
        const Array actual = evaluate(gpu(), desc, x);
        EXPECT_TRUE(matches(actual, expected, allowedUlps(accuracyOf(op, dtype), expected.dtype())));
    }
}

INSTANTIATE_TEST_SUITE_P(Ops, UnaryTest, ::testing::ValuesIn(acceptedCases(kUnaryOps, 1)), caseName);

class BinaryTest : public GpuTest, public ::testing::WithParamInterface<OpCase> {};

TEST_P(BinaryTest, MatchesCpu)
{
    const auto [op, dtype] = GetParam();
    for (const Shape& shape : kOddShapes) {
        SCOPED_TRACE(shape.toString());
        const ElementwiseDesc desc =
            makeDesc(shape, {dtype, dtype}, {inputNode(0), inputNode(1), binaryNode(op, 0, 1)});
        const auto [low, high] = rangeFor(op, dtype);
        // Pow's exponent stays small, so that results stay finite.
        const auto [low1, high1] = op == ElemOp::Pow && !isInteger(dtype) ? std::pair{-3.0, 3.0} : rangeFor(op, dtype);
        const std::vector<Array> x{random(shape, dtype, low, high), random(shape, dtype, low1, high1)};
        const Array expected = evaluate(cpu(), desc, x);
        const Array actual = evaluate(gpu(), desc, x);
        EXPECT_TRUE(matches(actual, expected, allowedUlps(accuracyOf(op, dtype), expected.dtype())));
    }
}

// Equal elements, so that == and <= see true cases too.
TEST_P(BinaryTest, MatchesCpuOnEqualOperands)
{
    const auto [op, dtype] = GetParam();
    const Shape shape{257};
    const ElementwiseDesc desc = makeDesc(shape, {dtype, dtype}, {inputNode(0), inputNode(1), binaryNode(op, 0, 1)});
    const auto [low, high] = rangeFor(op, dtype);
    const Array a = random(shape, dtype, low, high);
    const std::vector<Array> x{a, a};
    const Array expected = evaluate(cpu(), desc, x);
    EXPECT_TRUE(matches(evaluate(gpu(), desc, x), expected, allowedUlps(accuracyOf(op, dtype), expected.dtype())));
}

INSTANTIATE_TEST_SUITE_P(Ops, BinaryTest, ::testing::ValuesIn(acceptedCases(kBinaryOps, 2)), caseName);

// Every pair of operand dtypes the op accepts: the promotions between them.
class MixedDTypesTest : public GpuTest, public ::testing::WithParamInterface<ElemOp> {};

TEST_P(MixedDTypesTest, MatchesCpu)
{
    const ElemOp op = GetParam();
    const Shape shape{37, 3};
    int tried = 0;
    for (DType a : kAllDTypes) {
        for (DType b : kAllDTypes) {
            const ElementwiseDesc desc = makeDesc(shape, {a, b}, {inputNode(0), inputNode(1), binaryNode(op, 0, 1)});
            const std::optional<ElementwiseDesc> checked = acceptedDesc(desc);
            if (!checked)
                continue;
            ++tried;
            SCOPED_TRACE(std::string(name(a)) + " " + std::string(name(op)) + " " + std::string(name(b)));
            const DType wider = promoteTypes(a, b);
            const auto [lowA, highA] = rangeFor(op, isInteger(a) ? a : wider);
            const auto [lowB, highB] =
                op == ElemOp::Pow ? std::pair{-3.0, 3.0} : rangeFor(op, isInteger(b) ? b : wider);
            const std::vector<Array> x{random(shape, a, lowA, highA), random(shape, b, lowB, highB)};
            const Array expected = evaluate(cpu(), desc, x);
            const Array actual = evaluate(gpu(), desc, x);
            EXPECT_TRUE(matches(actual, expected, allowedUlps(accuracyOf(op, wider), expected.dtype())));
        }
    }
    EXPECT_GE(tried, 49); // the integer and real pairs at least
}

INSTANTIATE_TEST_SUITE_P(Ops, MixedDTypesTest, ::testing::ValuesIn(kBinaryOps),
                         [](const ::testing::TestParamInfo<ElemOp>& param) { return std::string(name(param.param)); });

using ElementwiseTest = GpuTest;

// The parameter lists above come from validate(); an empty one would test nothing.
TEST(ElementwiseCoverage, EveryOpHasCases)
{
    const std::vector<OpCase> unary = acceptedCases(kUnaryOps, 1);
    const std::vector<OpCase> binary = acceptedCases(kBinaryOps, 2);
    for (ElemOp op : kUnaryOps)
        EXPECT_TRUE(std::any_of(unary.begin(), unary.end(), [&](const OpCase& c) { return c.op == op; })) << name(op);
    for (ElemOp op : kBinaryOps)
        EXPECT_TRUE(std::any_of(binary.begin(), binary.end(), [&](const OpCase& c) { return c.op == op; })) << name(op);
}

TEST_F(ElementwiseTest, WhereMatchesCpuForEveryConditionAndValueDType)
{
    const Shape shape{101};
    int tried = 0;
    for (DType condition : kAllDTypes) {
        for (DType value : kAllDTypes) {
            const ElementwiseDesc desc = makeDesc(shape, {condition, value, DType::F32},
                                                  {inputNode(0), inputNode(1), inputNode(2), whereNode(0, 1, 2)});
            if (!acceptedDesc(desc))
                continue;
            ++tried;
            SCOPED_TRACE(std::string(name(condition)) + " ? " + std::string(name(value)) + " : f32");
            // Integer conditions of 0 and 1 (and a few others), real ones with zeros in them.
            Array c = random(shape, condition, isInteger(condition) ? 0 : -1, isInteger(condition) ? 2 : 1);
            if (!isInteger(condition)) {
                for (std::int64_t i = 0; i < shape.numel(); i += 3)
                    std::memset(static_cast<char*>(c.data()) + i * sizeOf(condition), 0, sizeOf(condition));
            }
            const std::vector<Array> x{c, random(shape, value), random(shape, DType::F32)};
            EXPECT_TRUE(matches(evaluate(gpu(), desc, x), evaluate(cpu(), desc, x), 0));
        }
    }
    EXPECT_EQ(tried, 81);
}

// ---- casts ---------------------------------------------------------------------------

struct CastCase {
    DType from;
    DType to;
};

void PrintTo(const CastCase& c, std::ostream* out) { *out << name(c.from) << " -> " << name(c.to); }

std::vector<CastCase> acceptedCasts()
{
    std::vector<CastCase> cases;
    for (DType from : kAllDTypes) {
        for (DType to : kAllDTypes) {
            if (acceptedDesc(makeDesc(Shape{4}, {from}, {inputNode(0), castNode(0, to)})))
                cases.push_back({from, to});
        }
    }
    return cases;
}

class CastTest : public GpuTest, public ::testing::WithParamInterface<CastCase> {};

// Values beyond the target's range, so integer targets saturate.
TEST_P(CastTest, MatchesAstypeOnTheGpuBitForBitAndTheCpu)
{
    const auto [from, to] = GetParam();
    const Shape shape{33, 31};
    const double low = from == DType::U8 ? 0 : from == DType::U16 ? 0 : from == DType::I32 ? -100000 : -400;
    const double high = from == DType::U8 ? 255 : from == DType::U16 ? 65535 : from == DType::I32 ? 100000 : 400;
    const Array x = random(shape, from, low, high);
    const ElementwiseDesc desc = makeDesc(shape, {from}, {inputNode(0), castNode(0, to)});
    const Array actual = evaluate(gpu(), desc, {x});
    const Array astype = download(convert(gpu(), upload(x), to));
    EXPECT_TRUE(sameBitsOrNan(actual, astype));
    EXPECT_TRUE(matches(actual, evaluate(cpu(), desc, {x}), 0));
}

INSTANTIATE_TEST_SUITE_P(Pairs, CastTest, ::testing::ValuesIn(acceptedCasts()),
                         [](const ::testing::TestParamInfo<CastCase>& param) {
                             return std::string(name(param.param.from)) + "_to_" + std::string(name(param.param.to));
                         });

TEST_F(ElementwiseTest, CastsOfSpecialValuesMatchAstype)
{
    const double kInf = std::numeric_limits<double>::infinity();
    const std::vector<double> data{std::nan(""), kInf, -kInf, -0.0,    0.5, 1.5,  2.5,   -2.5,  254.5,
                                   255.5,        256,  -1,    65535.5, 3e9, -3e9, 1e-30, 65520, 70000};
    for (DType from : {DType::F32, DType::F64}) {
        const Array x = hostArray(from, data);
        for (DType to : {DType::U8, DType::U16, DType::I32, DType::F16, DType::BF16, DType::F32, DType::F64}) {
            SCOPED_TRACE(std::string(name(from)) + " -> " + std::string(name(to)));
            const ElementwiseDesc desc = makeDesc(x.shape(), {from}, {inputNode(0), castNode(0, to)});
            const Array actual = evaluate(gpu(), desc, {x});
            const Array astype = download(convert(gpu(), upload(x), to));
            EXPECT_TRUE(sameBitsOrNan(actual, astype));
            EXPECT_TRUE(matches(actual, evaluate(cpu(), desc, {x}), 0));
        }
    }
}

// ---- semantics that need no reference backend -----------------------------------------

TEST_F(ElementwiseTest, IntegersWrapAtEveryNode)
{
    const ElementwiseDesc add =
        makeDesc(Shape{4}, {DType::U8, DType::U8}, {inputNode(0), inputNode(1), binaryNode(ElemOp::Add, 0, 1)});
    const std::vector<Array> u8{hostArray(DType::U8, {200, 255, 0, 128}), hostArray(DType::U8, {100, 1, 0, 128})};
    EXPECT_EQ(values(evaluate(gpu(), add, u8)), (std::vector<double>{44, 0, 0, 0}));
    // (a - b) stays u8 before it is widened: 0 - 1 = 255, then + 1000 in i32.
    const ElementwiseDesc chain = makeDesc(
        Shape{2}, {DType::U8, DType::U8, DType::I32},
        {inputNode(0), inputNode(1), binaryNode(ElemOp::Sub, 0, 1), inputNode(2), binaryNode(ElemOp::Add, 2, 3)});
    const std::vector<Array> mixed{hostArray(DType::U8, {0, 5}), hostArray(DType::U8, {1, 2}),
                                   hostArray(DType::I32, {1000, 1000})};
    EXPECT_EQ(values(evaluate(gpu(), chain, mixed)), (std::vector<double>{1255, 1003}));
    const ElementwiseDesc mul =
        makeDesc(Shape{3}, {DType::I32, DType::I32}, {inputNode(0), inputNode(1), binaryNode(ElemOp::Mul, 0, 1)});
    const std::vector<Array> i32{hostArray(DType::I32, {65536, 46341, -2147483648.0}),
                                 hostArray(DType::I32, {65536, 46341, -1})};
    EXPECT_EQ(values(evaluate(gpu(), mul, i32)), (std::vector<double>{0, -2147479015.0, -2147483648.0}));
    for (ElemOp op : {ElemOp::Neg, ElemOp::Abs}) {
        const ElementwiseDesc desc = makeDesc(Shape{1}, {DType::I32}, {inputNode(0), unaryNode(op, 0)});
        EXPECT_EQ(values(evaluate(gpu(), desc, {hostArray(DType::I32, {-2147483648.0})}))[0], -2147483648.0)
            << name(op);
    }
}

TEST_F(ElementwiseTest, RoundIsHalfToEven)
{
    std::vector<double> data;
    for (int k = -6; k <= 6; ++k)
        data.push_back(k + 0.5);
    for (DType dtype : {DType::F16, DType::BF16, DType::F32, DType::F64}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const Array x = hostArray(dtype, data);
        const ElementwiseDesc desc = makeDesc(x.shape(), {dtype}, {inputNode(0), unaryNode(ElemOp::Round, 0)});
        const std::vector<double> got = values(evaluate(gpu(), desc, {x}));
        for (std::size_t i = 0; i < data.size(); ++i)
            EXPECT_EQ(got[i], std::nearbyint(data[i])) << data[i];
        EXPECT_TRUE(matches(evaluate(gpu(), desc, {x}), evaluate(cpu(), desc, {x}), 0));
    }
}

TEST_F(ElementwiseTest, MinimumAndMaximumPropagateNan)
{
    const double nan = std::nan("");
    for (DType dtype : {DType::F16, DType::F32, DType::F64}) {
        SCOPED_TRACE(std::string(name(dtype)));
        const std::vector<Array> x{hostArray(dtype, {nan, 1, nan, 2, -0.0, 0.0, 5}),
                                   hostArray(dtype, {1, nan, nan, 3, 0.0, -0.0, -5})};
        for (ElemOp op : {ElemOp::Minimum, ElemOp::Maximum}) {
            const ElementwiseDesc desc =
                makeDesc(x[0].shape(), {dtype, dtype}, {inputNode(0), inputNode(1), binaryNode(op, 0, 1)});
            const Array got = evaluate(gpu(), desc, x);
            const std::vector<double> v = values(got);
            EXPECT_TRUE(std::isnan(v[0]) && std::isnan(v[1]) && std::isnan(v[2])) << name(op);
            EXPECT_EQ(v[3], op == ElemOp::Minimum ? 2 : 3);
            EXPECT_EQ(v[4], 0.0);
            EXPECT_EQ(v[6], op == ElemOp::Minimum ? -5 : 5);
            EXPECT_TRUE(matches(got, evaluate(cpu(), desc, x), 0)) << name(op);
        }
    }
}

// ---- shapes, broadcasting, expressions without inputs, chains ---------------------------

TEST_F(ElementwiseTest, BroadcastInputsMatchCpu)
{
    const Shape shape{33, 65};
    for (DType dtype : {DType::U8, DType::F16, DType::F32, DType::F64, DType::C64}) {
        for (const Shape& one : {Shape{}, Shape{1, 1}}) {
            SCOPED_TRACE(std::string(name(dtype)) + " with " + one.toString());
            // x0 - x1 and x1 - x0 with x1 broadcast; x1 * x1 from a broadcast input only.
            for (bool broadcastFirst : {false, true}) {
                ElementwiseDesc desc =
                    makeDesc(shape, {dtype, dtype}, {inputNode(0), inputNode(1), binaryNode(ElemOp::Sub, 0, 1)});
                desc.inputShapes[broadcastFirst ? 0 : 1] = one;
                const std::vector<Array> x{random(desc.inputShapes[0], dtype), random(desc.inputShapes[1], dtype)};
                EXPECT_TRUE(matches(evaluate(gpu(), desc, x), evaluate(cpu(), desc, x), 0));
            }
            ElementwiseDesc square =
                makeDesc(shape, {dtype}, {inputNode(0), inputNode(0), binaryNode(ElemOp::Mul, 0, 1)});
            square.inputShapes[0] = one;
            const std::vector<Array> x{random(one, dtype)};
            const Array expected = evaluate(cpu(), square, x);
            EXPECT_TRUE(matches(evaluate(gpu(), square, x), expected, isComplex(dtype) ? 8 : 0));
        }
    }
}

TEST_F(ElementwiseTest, ExpressionsWithoutInputsMatchCpu)
{
    const Shape shape{5, 7};
    const ElementwiseDesc ramp =
        makeDesc(shape, {},
                 {ElemNode{.op = ElemOp::Index}, constantNode(0.5), binaryNode(ElemOp::Mul, 0, 1), constantNode(-3.0),
                  binaryNode(ElemOp::Add, 2, 3)});
    const std::vector<double> got = values(evaluate(gpu(), ramp, {}));
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_EQ(got[i], static_cast<double>(i) * 0.5 - 3.0);
    EXPECT_TRUE(matches(evaluate(gpu(), ramp, {}), evaluate(cpu(), ramp, {}), 0));

    const ElementwiseDesc ones = makeDesc(Shape{1001}, {}, {constantNode(1.0, false), castNode(0, DType::U8)});
    const std::vector<double> one = values(evaluate(gpu(), ones, {}));
    EXPECT_TRUE(std::all_of(one.begin(), one.end(), [](double v) { return v == 1; }));

    const ElementwiseDesc halfRamp = makeDesc(
        Shape{3000}, {},
        {ElemNode{.op = ElemOp::Index}, constantNode(0.001), binaryNode(ElemOp::Mul, 0, 1), castNode(2, DType::F16)});
    EXPECT_TRUE(matches(evaluate(gpu(), halfRamp, {}), evaluate(cpu(), halfRamp, {}), 0));
}

// 2·sin(x0) + x1² − |x0 / 3|, at least x2 (broadcast), astype f16, then tanh.
ElementwiseDesc tenOpChain(const Shape& shape, DType a, DType b, DType c)
{
    ElementwiseDesc desc = makeDesc(
        shape, {a, b, c},
        {inputNode(0), inputNode(1), inputNode(2), unaryNode(ElemOp::Sin, 0), constantNode(2.0),
         binaryNode(ElemOp::Mul, 4, 3), binaryNode(ElemOp::Mul, 1, 1), binaryNode(ElemOp::Add, 5, 6), constantNode(3.0),
         binaryNode(ElemOp::Div, 0, 8), unaryNode(ElemOp::Abs, 9), binaryNode(ElemOp::Sub, 7, 10),
         binaryNode(ElemOp::Maximum, 11, 2), castNode(12, DType::F16), unaryNode(ElemOp::Tanh, 13)});
    desc.inputShapes[2] = Shape{};
    return desc;
}

TEST_F(ElementwiseTest, TenOpChainsMatchCpu)
{
    for (const Shape& shape : {Shape{1}, Shape{999}, Shape{3, 129, 7}}) {
        SCOPED_TRACE(shape.toString());
        for (const auto& [a, b] : {std::pair{DType::F32, DType::F16}, std::pair{DType::F64, DType::F64},
                                   std::pair{DType::BF16, DType::U8}}) {
            SCOPED_TRACE(std::string(name(a)) + ", " + std::string(name(b)));
            const ElementwiseDesc desc = tenOpChain(shape, a, b, DType::F32);
            const std::vector<Array> x{random(shape, a, -3, 3), random(shape, b, -2, 2), random(Shape{}, DType::F32)};
            const Array expected = evaluate(cpu(), desc, x);
            const Array actual = evaluate(gpu(), desc, x);
            // One f16 unit for the astype (its input may differ by a few f32/f64 units),
            // then tanh in f32 and one more f16 rounding.
            EXPECT_TRUE(matches(actual, expected, 2));
            EXPECT_LE(relativeError(actual, expected), 1e-3);
        }
    }
}

// More elements than the grid has threads, so every thread loops.
TEST_F(ElementwiseTest, LargeArrayMatchesCpu)
{
    const Shape shape{(std::int64_t{1} << 24) + 5};
    const ElementwiseDesc desc =
        makeDesc(shape, {DType::F32, DType::U8}, {inputNode(0), inputNode(1), binaryNode(ElemOp::Mul, 0, 1)});
    const std::vector<Array> x{random(shape, DType::F32), random(shape, DType::U8, 0, 255)};
    EXPECT_TRUE(matches(evaluate(gpu(), desc, x), evaluate(cpu(), desc, x), 0));
}

TEST_F(ElementwiseTest, EmptyArraysRunWithoutWork)
{
    const ElementwiseDesc desc = makeDesc(Shape{0, 5}, {DType::F32}, {inputNode(0), unaryNode(ElemOp::Sin, 0)});
    const Array result = evaluate(gpu(), desc, {Array::emptyHost(Shape{0, 5}, DType::F32)});
    EXPECT_EQ(result.shape(), (Shape{0, 5}));
}

// ---- vector and scalar kernels ---------------------------------------------------------
// Each program has vector kernels (E elements per load, a scalar tail for n % E) and scalar
// ones (arrays at any element offset), each with 32- and 64-bit indices; run() picks one
// from the pointers. Every one must give the CPU's bits.

// ((((x * 1.5 + 0.5) * x - 0.25) / (x + 2)) * 3 - x) * 0.5 + 1: ten ops that each round
// once (IEEE + - * /), so the GPU gives the CPU's bits. In f16/bf16 every node is f32 and
// the result is rounded once, on both backends.
ElementwiseDesc roundedChain(const Shape& shape, DType dtype)
{
    return makeDesc(shape, {dtype},
                    {inputNode(0), constantNode(1.5), binaryNode(ElemOp::Mul, 0, 1), constantNode(0.5),
                     binaryNode(ElemOp::Add, 2, 3), binaryNode(ElemOp::Mul, 4, 0), constantNode(0.25),
                     binaryNode(ElemOp::Sub, 5, 6), constantNode(2.0), binaryNode(ElemOp::Add, 0, 8),
                     binaryNode(ElemOp::Div, 7, 9), constantNode(3.0), binaryNode(ElemOp::Mul, 10, 11),
                     binaryNode(ElemOp::Sub, 12, 0), constantNode(0.5), binaryNode(ElemOp::Mul, 13, 14),
                     constantNode(1.0), binaryNode(ElemOp::Add, 15, 16)});
}

// One desc for every vector width (16 bytes of the widest array: 1 to 16 elements) and
// for mixed widths, all computed exactly.
std::vector<std::pair<std::string, ElementwiseDesc>> pathCases(const Shape& shape)
{
    auto binary = [&](ElemOp op, DType a, DType b) {
        return makeDesc(shape, {a, b}, {inputNode(0), inputNode(1), binaryNode(op, 0, 1)});
    };
    return {
        {"f32 chain (4 per vector)", roundedChain(shape, DType::F32)},
        {"f16 chain (8)", roundedChain(shape, DType::F16)},
        {"bf16 chain (8)", roundedChain(shape, DType::BF16)},
        {"f64 chain (2)", roundedChain(shape, DType::F64)},
        {"u8 + u8 (16)", binary(ElemOp::Add, DType::U8, DType::U8)},
        {"u8 + f32 (4; 4-byte u8 vectors)", binary(ElemOp::Add, DType::U8, DType::F32)},
        {"f64 as u8 (2; 2-byte u8 vectors)", makeDesc(shape, {DType::F64}, {inputNode(0), castNode(0, DType::U8)})},
        {"c64 + c64 (2)", binary(ElemOp::Add, DType::C64, DType::C64)},
        {"c128 - c128 (scalar kernels only)", binary(ElemOp::Sub, DType::C128, DType::C128)},
        {"index() + i32 (2)",
         makeDesc(shape, {DType::I32}, {ElemNode{.op = ElemOp::Index}, inputNode(0), binaryNode(ElemOp::Add, 0, 1)})},
    };
}

// A contiguous host copy of row `row` of a 2-D host array.
Array rowOf(const Array& host, std::int64_t row)
{
    const Array view = host.at(row);
    Array copy = Array::emptyHost(view.shape(), view.dtype());
    std::memcpy(copy.data(), view.data(), view.nbytes());
    return copy;
}

// n = 1, 3, E, E ± 1, 4k + 1 ... 4k + 3, and around the tiles of 2 x 256 vectors (8192
// elements for u8): every tail length of every width, whole and partial tiles.
TEST_F(ElementwiseTest, EveryTailLengthMatchesCpuBitForBit)
{
    const std::int64_t sizes[] = {1,  2,  3,   4,   5,    7,    8,    9,    15,   16,    17,
                                  31, 33, 511, 513, 4001, 4002, 4003, 8191, 8193, 16385, 40003};
    for (const std::int64_t n : sizes) {
        SCOPED_TRACE("n = " + std::to_string(n));
        for (const auto& [what, desc] : pathCases(Shape{n})) {
            SCOPED_TRACE(what);
            std::vector<Array> x;
            for (DType dtype : desc.inputs)
                x.push_back(random(desc.shape, dtype, -300, 300));
            const Array expected = evaluate(cpu(), desc, x);
            EXPECT_TRUE(sameBitsOrNan(evaluate(gpu(), desc, x), expected));
        }
    }
}

// The rows of a 2-D array whose row length is odd start at every element offset, so most
// of them fit no vector and take the scalar kernels (row 4 of 1021 4-byte elements is
// 16-byte aligned again). Inputs and output are rows at different offsets; the rows of
// the output around the one written keep their bits.
TEST_F(ElementwiseTest, RowViewsAtAnyOffsetMatchCpuBitForBit)
{
    constexpr std::int64_t kRows = 5, kColumns = 1021;
    const std::pair<std::int64_t, std::int64_t> rowPairs[] = {{0, 0}, {1, 0}, {0, 1}, {1, 1},
                                                              {2, 3}, {3, 2}, {4, 4}, {0, 3}};
    for (const auto& [what, desc] : pathCases(Shape{kColumns})) {
        SCOPED_TRACE(what);
        const std::optional<ElementwiseDesc> checked = acceptedDesc(desc);
        ASSERT_TRUE(checked);
        std::vector<Array> hostInputs, deviceInputs;
        for (DType dtype : desc.inputs) {
            hostInputs.push_back(random(Shape{kRows, kColumns}, dtype, -300, 300));
            deviceInputs.push_back(upload(hostInputs.back()));
        }
        const Array sentinel = random(Shape{kRows, kColumns}, checked->outputDType(), -300, 300);
        auto op = gpu().prepareElementwise(desc);
        for (const auto& [inRow, outRow] : rowPairs) {
            SCOPED_TRACE("input row " + std::to_string(inRow) + ", output row " + std::to_string(outRow));
            // Input k reads row inRow + k, so two inputs sit at different offsets too.
            std::vector<Array> views, hostRows;
            for (std::size_t k = 0; k < deviceInputs.size(); ++k) {
                const std::int64_t row = (inRow + static_cast<std::int64_t>(k)) % kRows;
                views.push_back(deviceInputs[k].at(row));
                hostRows.push_back(rowOf(hostInputs[k], row));
            }
            std::vector<const Array*> pointers;
            for (const Array& view : views)
                pointers.push_back(&view);
            Array result = upload(sentinel);
            Array outView = result.at(outRow);
            op->run(pointers, outView);
            const Array got = download(result);
            EXPECT_TRUE(sameBitsOrNan(rowOf(got, outRow), evaluate(cpu(), desc, hostRows)));
            for (std::int64_t row = 0; row < kRows; ++row) {
                if (row != outRow) {
                    EXPECT_TRUE(sameBits(rowOf(got, row), rowOf(sentinel, row))) << "row " << row << " was written";
                }
            }
        }
    }
}

TEST_F(ElementwiseTest, RunsInPlaceOnRowViewsAtAnyOffset)
{
    constexpr std::int64_t kRows = 4, kColumns = 1021;
    const ElementwiseDesc desc = roundedChain(Shape{kColumns}, DType::F32);
    auto op = gpu().prepareElementwise(desc);
    const Array host = random(Shape{kRows, kColumns}, DType::F32, -300, 300);
    for (std::int64_t row = 0; row < kRows; ++row) {
        SCOPED_TRACE("row " + std::to_string(row));
        Array device = upload(host);
        Array view = device.at(row);
        const Array* inputs[] = {&view};
        op->run(inputs, view);
        const Array got = download(device);
        EXPECT_TRUE(sameBitsOrNan(rowOf(got, row), evaluate(cpu(), desc, {rowOf(host, row)})));
        for (std::int64_t other = 0; other < kRows; ++other) {
            if (other != row) {
                EXPECT_TRUE(sameBits(rowOf(got, other), rowOf(host, other))) << "row " << other << " was written";
            }
        }
    }
}

// The only GPU test of the 64-bit kernels: 2^31 + 19 elements, 2 GiB on the device and on
// the host. index() mod 256 as u8, exact in f64, so each element must be i & 255.
TEST_F(ElementwiseTest, MoreThan2To31ElementsTakeTheWideKernels)
{
    const std::int64_t n = (std::int64_t{1} << 31) + 19;
    const ElementwiseDesc desc = makeDesc(
        Shape{n}, {},
        {ElemNode{.op = ElemOp::Index}, constantNode(256.0), binaryNode(ElemOp::Div, 0, 1), unaryNode(ElemOp::Floor, 2),
         binaryNode(ElemOp::Mul, 3, 1), binaryNode(ElemOp::Sub, 0, 4), castNode(5, DType::U8)});
    auto op = gpu().prepareElementwise(desc);
    Array out = gpu().empty(desc.shape, DType::U8);
    op->run({}, out);
    const Array host = download(out);
    const auto* bytes = host.data<std::uint8_t>();
    std::int64_t wrong = 0, first = -1;
    for (std::int64_t i = 0; i < n; ++i) {
        if (bytes[i] != static_cast<std::uint8_t>(i & 255) && wrong++ == 0)
            first = i;
    }
    EXPECT_EQ(wrong, 0) << "the first wrong element is " << first << ": " << int{bytes[first < 0 ? 0 : first]};
}

// ---- the op's promises -----------------------------------------------------------------

TEST_F(ElementwiseTest, RunsInPlace)
{
    const Shape shape{4099};
    const ElementwiseDesc desc = makeDesc(
        shape, {DType::F32, DType::I32},
        {inputNode(0), constantNode(2.0), binaryNode(ElemOp::Mul, 0, 1), inputNode(1), binaryNode(ElemOp::Add, 2, 3)});
    const std::vector<Array> host{random(shape, DType::F32), random(shape, DType::I32, -100, 100)};
    const Array expected = evaluate(cpu(), desc, host);
    Array x = upload(host[0]);
    const Array y = upload(host[1]);
    auto op = gpu().prepareElementwise(desc);
    const Array* inputs[] = {&x, &y};
    op->run(inputs, x); // the output is input 0
    EXPECT_TRUE(matches(download(x), expected, 0));
}

TEST_F(ElementwiseTest, RefusesOperandsThatDoNotFit)
{
    const Shape shape{64};
    const ElementwiseDesc desc =
        makeDesc(shape, {DType::F32, DType::F32}, {inputNode(0), inputNode(1), binaryNode(ElemOp::Add, 0, 1)});
    auto op = gpu().prepareElementwise(desc);
    const Array a = upload(random(shape, DType::F32));
    const Array b = upload(random(shape, DType::F32));
    Array out = gpu().empty(shape, DType::F32);
    const Array* one[] = {&a};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(one, out); }));
    const Array* missing[] = {&a, nullptr};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(missing, out); }));
    const Array wrongDtype = upload(random(shape, DType::F64));
    const Array* dtypes[] = {&a, &wrongDtype};
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(dtypes, out); }));
    const Array wrongShape = upload(random(Shape{65}, DType::F32));
    const Array* shapes[] = {&wrongShape, &b};
    EXPECT_TRUE(throwsCode(ErrorCode::ShapeMismatch, [&] { op->run(shapes, out); }));
    const Array onHost = random(shape, DType::F32);
    const Array* hosts[] = {&a, &onHost};
    EXPECT_TRUE(throwsCode(ErrorCode::InvalidArgument, [&] { op->run(hosts, out); }));
    Array wrongOut = gpu().empty(shape, DType::F16);
    const Array* good[] = {&a, &b};
    EXPECT_TRUE(throwsCode(ErrorCode::DTypeMismatch, [&] { op->run(good, wrongOut); }));
    op->run(good, out); // and the op still works
    EXPECT_TRUE(matches(download(out), evaluate(cpu(), desc, {download(a), download(b)}), 0));
}

// run() only launches: it can be recorded into a CUDA graph, and each replay reads the
// inputs' current contents.
TEST_F(ElementwiseTest, RunCanBeRecordedAndReplayed)
{
    Backend& device = gpu();
    ASSERT_TRUE(device.canRecord());
    const Shape shape{3, 1000};
    const ElementwiseDesc desc = tenOpChain(shape, DType::F32, DType::F32, DType::F32);
    auto op = device.prepareElementwise(desc);
    std::vector<Array> host{random(shape, DType::F32), random(shape, DType::F32), random(Shape{}, DType::F32)};
    std::vector<Array> inputs;
    for (const Array& x : host)
        inputs.push_back(upload(x));
    Array out = device.empty(shape, DType::F16);
    device.synchronize();
    const Array* pointers[] = {&inputs[0], &inputs[1], &inputs[2]};
    device.beginRecording();
    op->run(pointers, out);
    const std::unique_ptr<Recording> recording = device.endRecording();
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round);
        if (round == 1) {
            host[0] = random(shape, DType::F32);
            device.copy(host[0], inputs[0]);
        }
        recording->replay();
        EXPECT_TRUE(matches(download(out), evaluate(cpu(), desc, host), 2));
    }
}

// ---- kernel caches ---------------------------------------------------------------------

// Sets environment variables for one test and restores them afterwards.
class ScopedEnvironment {
public:
    ~ScopedEnvironment()
    {
        for (auto it = m_saved.rbegin(); it != m_saved.rend(); ++it) {
            if (it->second)
                ::setenv(it->first.c_str(), it->second->c_str(), 1);
            else
                ::unsetenv(it->first.c_str());
        }
    }
    void set(const std::string& variable, const char* value)
    {
        const char* old = std::getenv(variable.c_str());
        m_saved.emplace_back(variable, old ? std::optional<std::string>(old) : std::nullopt);
        if (value)
            ::setenv(variable.c_str(), value, 1);
        else
            ::unsetenv(variable.c_str());
    }

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

detail::KernelCacheCounts counts()
{
    detail::CudaModule* module = detail::cudaModule();
    EXPECT_NE(module, nullptr);
    return module ? module->kernelCacheCounts() : detail::KernelCacheCounts{};
}

// x0 * c + 1 with a c no other test (or earlier run) uses, so its kernel is new.
ElementwiseDesc freshDesc(const Shape& shape)
{
    static int serial = 0;
    const double c = 1.0 + std::ldexp(static_cast<double>((processSeed() % 1000003) * 1000 + serial++), -44);
    return makeDesc(shape, {DType::F64},
                    {inputNode(0), constantNode(c), binaryNode(ElemOp::Mul, 0, 1), constantNode(1.0),
                     binaryNode(ElemOp::Add, 2, 3)});
}

TEST_F(ElementwiseTest, SecondPrepareOfTheSameDescCompilesNothing)
{
    ScopedEnvironment environment;
    environment.set("WB_KERNEL_CACHE", "off");
    const Shape shape{515};
    const ElementwiseDesc desc = freshDesc(shape);
    const std::vector<Array> x{random(shape, DType::F64)};
    const detail::KernelCacheCounts start = counts();
    const Array first = evaluate(gpu(), desc, x);
    const detail::KernelCacheCounts afterFirst = counts();
    EXPECT_EQ(afterFirst.compiles - start.compiles, 1u);
    EXPECT_EQ(afterFirst.diskHits - start.diskHits, 0u);
    const Array second = evaluate(gpu(), desc, x);
    const detail::KernelCacheCounts afterSecond = counts();
    EXPECT_EQ(afterSecond.compiles, afterFirst.compiles);
    EXPECT_EQ(afterSecond.memoryHits - afterFirst.memoryHits, 1u);
    EXPECT_TRUE(sameBits(first, second));
    EXPECT_TRUE(matches(first, evaluate(cpu(), desc, x), 0));
}

// Texts that differ only in a constant's last digit are different kernels.
TEST_F(ElementwiseTest, NearlyEqualConstantsGetTheirOwnKernels)
{
    const Shape shape{300};
    const std::vector<Array> x{random(shape, DType::F64, 1, 2)};
    const ElementwiseDesc a =
        makeDesc(shape, {DType::F64}, {inputNode(0), constantNode(0.1), binaryNode(ElemOp::Mul, 0, 1)});
    const ElementwiseDesc b = makeDesc(
        shape, {DType::F64}, {inputNode(0), constantNode(std::nextafter(0.1, 1.0)), binaryNode(ElemOp::Mul, 0, 1)});
    const Array ra = evaluate(gpu(), a, x);
    const Array rb = evaluate(gpu(), b, x);
    EXPECT_FALSE(sameBits(ra, rb));
    EXPECT_TRUE(matches(ra, evaluate(cpu(), a, x), 0));
    EXPECT_TRUE(matches(rb, evaluate(cpu(), b, x), 0));
}

int cacheFiles(const std::filesystem::path& folder)
{
    int count = 0;
    if (std::filesystem::exists(folder)) {
        for (const auto& entry : std::filesystem::directory_iterator(folder))
            count += entry.path().extension() == ".wbk";
    }
    return count;
}

// A fresh backend has an empty memory cache: it finds the kernel on disk; and a cache file
// that was damaged is compiled again and rewritten.
TEST_F(ElementwiseTest, FreshBackendsReadTheDiskCacheAndRecompileCorruptFiles)
{
    TempDir home;
    ScopedEnvironment environment;
    environment.set("WB_KERNEL_CACHE", nullptr);
    environment.set("XDG_CACHE_HOME", home.path().c_str());
    const std::filesystem::path folder = home.path() / "warpbench" / "kernels";
    const Shape shape{77, 3};
    const ElementwiseDesc desc = freshDesc(shape);
    const std::vector<Array> x{random(shape, DType::F64)};
    const Array expected = evaluate(cpu(), desc, x);

    const detail::KernelCacheCounts start = counts();
    EXPECT_TRUE(matches(evaluate(gpu(), desc, x), expected, 0));
    EXPECT_EQ(counts().compiles - start.compiles, 1u);
    ASSERT_EQ(cacheFiles(folder), 1);

    detail::CudaModule* module = detail::cudaModule();
    ASSERT_NE(module, nullptr);
    {
        const std::unique_ptr<Backend> fresh = module->createBackend(0);
        const detail::KernelCacheCounts before = counts();
        EXPECT_TRUE(matches(evaluate(*fresh, desc, x), expected, 0));
        EXPECT_EQ(counts().compiles, before.compiles);
        EXPECT_EQ(counts().diskHits - before.diskHits, 1u);
    }

    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        std::ofstream damage(entry.path(), std::ios::binary | std::ios::trunc);
        damage << "not a kernel";
    }
    {
        const std::unique_ptr<Backend> fresh = module->createBackend(0);
        const detail::KernelCacheCounts before = counts();
        EXPECT_TRUE(matches(evaluate(*fresh, desc, x), expected, 0));
        EXPECT_EQ(counts().compiles - before.compiles, 1u);
        EXPECT_EQ(counts().diskHits, before.diskHits);
    }
    ASSERT_EQ(cacheFiles(folder), 1);
    for (const auto& entry : std::filesystem::directory_iterator(folder))
        EXPECT_GT(std::filesystem::file_size(entry.path()), 100u) << "the damaged file was not rewritten";
}

} // namespace
} // namespace wb::test
