// Elementwise expressions on the CPU: every op on every dtype it takes against a direct
// double-precision (or complex) reference, odd sizes and thread counts, broadcast inputs,
// creation without inputs, integer wrapping, f16/bf16 rounding, NaN, casts against the
// convert op, operand checks, and a long chain.

#include "cpu_test_util.h"

#include "core/half.h"

#include <wb/eager.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace wb;
using test::cpuBackend;
using Complex = std::complex<double>;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Builds a desc node by node; each call returns the new node's index.
struct Expr {
    ElementwiseDesc desc;

    explicit Expr(Shape shape) { desc.shape = shape; }

    int node(ElemNode n)
    {
        desc.nodes.push_back(n);
        return static_cast<int>(desc.nodes.size()) - 1;
    }
    int input(DType dtype, std::optional<Shape> shape = std::nullopt)
    {
        desc.inputs.push_back(dtype);
        desc.inputShapes.push_back(shape.value_or(desc.shape));
        return node({.op = ElemOp::Input, .input = static_cast<int>(desc.inputs.size()) - 1});
    }
    int constant(double value, bool isFloat = false)
    {
        ElemNode n{.op = ElemOp::Constant, .constant = value};
        n.floatConstant = isFloat;
        return node(n);
    }
    int index() { return node({.op = ElemOp::Index}); }
    int unary(ElemOp op, int a) { return node({.op = op, .a = a}); }
    int cast(int a, DType to) { return node({.op = ElemOp::Cast, .a = a, .castTo = to}); }
    int binary(ElemOp op, int a, int b) { return node({.op = op, .a = a, .b = b}); }
    int where(int a, int b, int c) { return node({.op = ElemOp::Where, .a = a, .b = b, .c = c}); }

    DType outputDType() const
    {
        ElementwiseDesc copy = desc;
        copy.validate();
        return copy.outputDType();
    }
};

Array run(const ElementwiseDesc& desc, const std::vector<const Array*>& inputs)
{
    auto op = cpuBackend().prepareElementwise(desc);
    ElementwiseDesc validated = desc;
    validated.validate();
    Array out = Array::emptyHost(desc.shape, validated.outputDType());
    op->run(inputs, out);
    return out;
}

bool accepted(const ElementwiseDesc& desc)
{
    ElementwiseDesc copy = desc;
    try {
        copy.validate();
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::DTypeMismatch) << error.what();
        return false;
    }
    return true;
}

// Test data: values that find edge cases first, then uniform random ones.
Array testValues(DType dtype, std::int64_t n, std::uint64_t seed)
{
    std::vector<Complex> special;
    double low = -3, high = 3;
    switch (dtype) {
    case DType::U8:
        special = {0, 1, 2, 127, 128, 200, 255};
        low = 0, high = 256;
        break;
    case DType::U16:
        special = {0, 1, 255, 256, 40000, 65535};
        low = 0, high = 65536;
        break;
    case DType::I32:
        special = {0, 1, -1, 2147483647.0, -2147483648.0, 65536, -46341};
        low = -2147483648.0, high = 2147483647.0;
        break;
    case DType::C64:
    case DType::C128: special = {{0, 0}, {-0.0, 1}, {1.5, -2}, {kNan, 0}, {0, kInf}, {-2.5, 0.5}}; break;
    default: special = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, kInf, -kInf, kNan, 1e-3, 100.0, -1.0}; break;
    }
    Array array = test::randomArray(Shape{n}, dtype, seed, low, high);
    for (std::size_t i = 0; i < special.size() && static_cast<std::int64_t>(i) < n; ++i)
        test::setAt(array, static_cast<std::int64_t>(i), special[i]);
    return array;
}

// The value a node of dtype `d` computes on: integers as they are, f16/bf16/f32 as the
// nearest float (an integer operand of an f32 node included), f64 as it is.
Complex toCompute(DType d, Complex v)
{
    switch (d) {
    case DType::F16:
    case DType::BF16:
    case DType::F32:
    case DType::C64: return {static_cast<float>(v.real()), static_cast<float>(v.imag())};
    default: return v;
    }
}

double wrapTo(DType d, std::int64_t v)
{
    switch (d) {
    case DType::U8: return static_cast<double>(v & 0xff);
    case DType::U16: return static_cast<double>(v & 0xffff);
    default: return static_cast<double>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
    }
}

// An exact result stored in dtype d (integers are wrapped by the caller).
double storedAs(DType d, double v)
{
    switch (d) {
    case DType::F16: return detail::halfToFloat(detail::floatToHalf(static_cast<float>(v)));
    case DType::BF16: return detail::bf16ToFloat(detail::floatToBf16(static_cast<float>(v)));
    case DType::F32:
    case DType::C64: return static_cast<float>(v);
    default: return v;
    }
}

// Relative tolerance of a computed result of dtype d: a few units in the last place.
double tolerance(DType d)
{
    switch (d) {
    case DType::F16: return 0x1p-10;
    case DType::BF16: return 0x1p-7;
    case DType::F32: return 5e-7;
    case DType::C64: return 2e-6;
    default: return 4e-15;
    }
}

bool partNear(double actual, double expected, DType d)
{
    if (std::isnan(expected) || std::isnan(actual))
        return std::isnan(expected) && std::isnan(actual);
    if (std::isinf(expected) || std::isinf(actual))
        return actual == expected;
    return std::fabs(actual - expected) <= tolerance(d) * std::max(std::fabs(expected), 1e-30);
}

// Compares element i of `out` with an exact expectation.
void expectElement(const Array& out, std::int64_t i, Complex expected, const std::string& what)
{
    const DType d = out.dtype();
    const Complex actual = test::complexAt(out, i);
    if (isInteger(d)) {
        ASSERT_EQ(actual.real(), expected.real()) << what << ", element " << i;
        return;
    }
    const Complex rounded{storedAs(d, expected.real()), storedAs(d, expected.imag())};
    bool near = partNear(actual.real(), rounded.real(), d) && partNear(actual.imag(), rounded.imag(), d);
    if (!near && isComplex(d) && std::isfinite(std::abs(rounded)) && std::isfinite(std::abs(actual)))
        near = std::abs(actual - rounded) <= tolerance(d) * std::max(std::abs(rounded), 1e-30);
    ASSERT_TRUE(near) << what << ", element " << i << ": got " << actual << ", expected " << rounded;
}

// ---- The reference, one element at a time -----------------------------------------------

Complex referenceUnary(ElemOp op, DType in, DType out, Complex x)
{
    if (isInteger(out)) {
        const auto v = static_cast<std::int64_t>(x.real());
        switch (op) {
        case ElemOp::Neg: return wrapTo(out, -v);
        case ElemOp::Abs: return wrapTo(out, v < 0 ? -v : v);
        case ElemOp::Imag: return 0.0;
        default: return static_cast<double>(v); // floor, ceil, round, real and conj keep integers
        }
    }
    const Complex z = toCompute(isInteger(in) ? out : in, x);
    const double r = z.real();
    switch (op) {
    case ElemOp::Neg: return -z;
    case ElemOp::Abs: return isComplex(in) ? std::hypot(z.real(), z.imag()) : std::fabs(r);
    case ElemOp::Sqrt: return std::sqrt(r);
    case ElemOp::Exp: return std::exp(r);
    case ElemOp::Log: return std::log(r);
    case ElemOp::Log1p: return std::log1p(r);
    case ElemOp::Sin: return std::sin(r);
    case ElemOp::Cos: return std::cos(r);
    case ElemOp::Tan: return std::tan(r);
    case ElemOp::Tanh: return std::tanh(r);
    case ElemOp::Floor: return std::floor(r);
    case ElemOp::Ceil: return std::ceil(r);
    case ElemOp::Round: return std::nearbyint(r);
    case ElemOp::Real: return r;
    case ElemOp::Imag: return z.imag();
    case ElemOp::Conj: return std::conj(z);
    case ElemOp::Angle: return std::atan2(z.imag(), r);
    default: break;
    }
    ADD_FAILURE() << "no reference for " << name(op);
    return 0.0;
}

double nanFirst(double a, double b, bool minimum)
{
    if (std::isnan(a))
        return a;
    if (std::isnan(b))
        return b;
    return minimum ? std::min(a, b) : std::max(a, b);
}

// a and b are already values of `compute`, the dtype the node works in.
Complex referenceBinary(ElemOp op, DType compute, DType out, Complex a, Complex b)
{
    switch (op) {
    case ElemOp::Equal: return a == b ? 1.0 : 0.0;
    case ElemOp::NotEqual: return a != b ? 1.0 : 0.0;
    case ElemOp::Less: return a.real() < b.real() ? 1.0 : 0.0;
    case ElemOp::LessEqual: return a.real() <= b.real() ? 1.0 : 0.0;
    case ElemOp::Greater: return a.real() > b.real() ? 1.0 : 0.0;
    case ElemOp::GreaterEqual: return a.real() >= b.real() ? 1.0 : 0.0;
    default: break;
    }
    if (isInteger(out)) {
        const auto x = static_cast<std::int64_t>(a.real());
        const auto y = static_cast<std::int64_t>(b.real());
        switch (op) {
        case ElemOp::Add: return wrapTo(out, x + y);
        case ElemOp::Sub: return wrapTo(out, x - y);
        case ElemOp::Mul: return wrapTo(out, x * y);
        case ElemOp::Minimum: return static_cast<double>(std::min(x, y));
        case ElemOp::Maximum: return static_cast<double>(std::max(x, y));
        default: break;
        }
    }
    if (isComplex(compute)) {
        switch (op) {
        case ElemOp::Add: return a + b;
        case ElemOp::Sub: return a - b;
        case ElemOp::Mul: return a * b;
        case ElemOp::Div:
            // NumPy's answer for a zero divisor (C++'s Annex G division gives other signs)
            if (b == Complex(0, 0))
                return {a.real() / std::fabs(b.real()), a.imag() / std::fabs(b.imag())};
            return a / b;
        default: break;
        }
    }
    const double x = a.real();
    const double y = b.real();
    switch (op) {
    case ElemOp::Add: return x + y;
    case ElemOp::Sub: return x - y;
    case ElemOp::Mul: return x * y;
    case ElemOp::Div: return x / y;
    case ElemOp::Pow: return std::pow(x, y);
    case ElemOp::Minimum: return nanFirst(x, y, true);
    case ElemOp::Maximum: return nanFirst(x, y, false);
    default: break;
    }
    ADD_FAILURE() << "no reference for " << name(op) << " in " << name(compute);
    return 0.0;
}

bool truthy(Complex c) { return c.real() != 0 || c.imag() != 0 || std::isnan(c.real()); }

const ElemOp kUnaryOps[] = {ElemOp::Neg,   ElemOp::Abs,  ElemOp::Sqrt, ElemOp::Exp,  ElemOp::Log,   ElemOp::Log1p,
                            ElemOp::Sin,   ElemOp::Cos,  ElemOp::Tan,  ElemOp::Tanh, ElemOp::Floor, ElemOp::Ceil,
                            ElemOp::Round, ElemOp::Real, ElemOp::Imag, ElemOp::Conj, ElemOp::Angle};
const ElemOp kBinaryOps[] = {ElemOp::Add,       ElemOp::Sub,     ElemOp::Mul,         ElemOp::Div,      ElemOp::Pow,
                             ElemOp::Minimum,   ElemOp::Maximum, ElemOp::Equal,       ElemOp::NotEqual, ElemOp::Less,
                             ElemOp::LessEqual, ElemOp::Greater, ElemOp::GreaterEqual};

// ---- Every op --------------------------------------------------------------------------

TEST(Elementwise, EveryUnaryOpOnEveryDTypeItTakes)
{
    const std::int64_t n = 1031;
    int ran = 0;
    for (ElemOp op : kUnaryOps) {
        for (DType dtype : kAllDTypes) {
            const std::string what = std::string(name(op)) + " of " + std::string(name(dtype));
            Expr e(Shape{n});
            e.unary(op, e.input(dtype));
            if (!accepted(e.desc)) {
                EXPECT_EQ(test::errorCodeOf([&] { cpuBackend().prepareElementwise(e.desc); }), ErrorCode::DTypeMismatch)
                    << what;
                continue;
            }
            const Array x = testValues(dtype, n, 11 + static_cast<std::uint64_t>(op));
            const Array y = run(e.desc, {&x});
            for (std::int64_t i = 0; i < n; ++i)
                expectElement(y, i, referenceUnary(op, dtype, y.dtype(), test::complexAt(x, i)), what);
            ++ran;
        }
    }
    EXPECT_EQ(ran, 17 * 9 - 11 * 2) << "every op but the 11 real-only ones on both complex dtypes";
}

TEST(Elementwise, EveryBinaryOpOnEveryPairOfDTypes)
{
    const std::int64_t n = 263;
    int ran = 0;
    for (ElemOp op : kBinaryOps) {
        for (DType a : kAllDTypes) {
            for (DType b : kAllDTypes) {
                const std::string what =
                    std::string(name(a)) + " " + std::string(name(op)) + " " + std::string(name(b));
                Expr e(Shape{n});
                const int lhs = e.input(a);
                const int rhs = e.input(b);
                e.binary(op, lhs, rhs);
                if (!accepted(e.desc))
                    continue;
                const Array x = testValues(a, n, 100 + static_cast<std::uint64_t>(a));
                const Array y = testValues(b, n, 200 + static_cast<std::uint64_t>(b));
                const Array out = run(e.desc, {&x, &y});
                const bool comparison = op >= ElemOp::Equal;
                const DType compute = comparison ? promoteTypes(a, b) : out.dtype();
                for (std::int64_t i = 0; i < n; ++i) {
                    const Complex va = toCompute(compute, test::complexAt(x, i));
                    const Complex vb = toCompute(compute, test::complexAt(y, i));
                    expectElement(out, i, referenceBinary(op, compute, out.dtype(), va, vb), what);
                }
                ++ran;
            }
        }
    }
    // 13 ops on 81 pairs, less Pow, Minimum, Maximum and the 4 orderings on the 32 pairs
    // with a complex operand.
    EXPECT_EQ(ran, 13 * 81 - 7 * 32);
}

TEST(Elementwise, WhereOnEveryConditionAndValueType)
{
    const std::int64_t n = 301;
    for (DType condition : kAllDTypes) {
        for (DType b : kAllDTypes) {
            for (DType c : {DType::F32, DType::U8, DType::C128}) {
                const std::string what = "where(" + std::string(name(condition)) + ", " + std::string(name(b)) + ", " +
                                         std::string(name(c)) + ")";
                Expr e(Shape{n});
                const int cond = e.input(condition);
                const int lhs = e.input(b);
                const int rhs = e.input(c);
                e.where(cond, lhs, rhs);
                const Array m = testValues(condition, n, 7);
                const Array x = testValues(b, n, 8);
                const Array y = testValues(c, n, 9);
                const Array out = run(e.desc, {&m, &x, &y});
                for (std::int64_t i = 0; i < n; ++i) {
                    const Complex picked =
                        truthy(test::complexAt(m, i)) ? test::complexAt(x, i) : test::complexAt(y, i);
                    expectElement(out, i, toCompute(out.dtype(), picked), what);
                }
            }
        }
    }
    // A comparison as the condition, the usual form.
    Expr relu(Shape{1025});
    const int x = relu.input(DType::F32);
    relu.where(relu.binary(ElemOp::Greater, x, relu.constant(0)), x, relu.constant(0));
    const Array values = testValues(DType::F32, 1025, 3);
    const Array out = run(relu.desc, {&values});
    for (std::int64_t i = 0; i < 1025; ++i) {
        const double v = test::realAt(values, i);
        expectElement(out, i, v > 0 ? v : 0.0, "relu");
    }
}

// ---- Casts -----------------------------------------------------------------------------

TEST(Elementwise, CastsRoundAndSaturateAsTheConvertOp)
{
    const double values[] = {0,
                             -0.0,
                             0.5,
                             1.5,
                             2.5,
                             -0.5,
                             -1.5,
                             254.5,
                             255.5,
                             256,
                             -1,
                             65535.5,
                             65536,
                             1e10,
                             -1e10,
                             2147483647.5,
                             -2147483648.5,
                             kNan,
                             kInf,
                             -kInf,
                             3.14159,
                             1e-8,
                             70000,
                             1.0 + 0x1p-11 + 0x1p-40,
                             1.0 + 0x1p-8 + 0x1p-40,
                             65519.99,
                             65520,
                             -7.75,
                             1e-5};
    const auto n = static_cast<std::int64_t>(std::size(values));
    for (DType from : kAllDTypes) {
        Array x = Array::emptyHost(Shape{n}, from);
        for (std::int64_t i = 0; i < n; ++i)
            test::setAt(x, i, {values[i], isComplex(from) ? -values[n - 1 - i] : 0.0});
        for (DType to : kAllDTypes) {
            if (isComplex(from) && !isComplex(to))
                continue;
            SCOPED_TRACE(std::string(name(from)) + " -> " + std::string(name(to)));
            Expr e(Shape{n});
            e.cast(e.input(from), to);
            const Array cast = run(e.desc, {&x});
            const Array converted = convert(cpuBackend(), x, to);
            const std::size_t size = sizeOf(to);
            for (std::int64_t i = 0; i < n; ++i) {
                if (values[i] == 0 && std::signbit(values[i]) && !isInteger(from) && !isInteger(to)) {
                    // The convert op computes v * 1 + 0, which turns -0 into +0; astype keeps
                    // -0 as NumPy does.
                    EXPECT_TRUE(std::signbit(test::complexAt(cast, i).real()));
                    EXPECT_EQ(test::complexAt(cast, i), test::complexAt(converted, i));
                    continue;
                }
                const auto offset = static_cast<std::size_t>(i) * size;
                ASSERT_EQ(std::memcmp(cast.data<std::byte>() + offset, converted.data<std::byte>() + offset, size), 0)
                    << "element " << i << " (" << values[i] << "): " << test::complexAt(cast, i) << " against "
                    << test::complexAt(converted, i);
            }
        }
    }
}

TEST(Elementwise, CastOfAComputedValueRoundsItOnce)
{
    // f64 node -> f16: rounded once from the double, as the convert op does.
    Expr e(Shape{1});
    e.cast(e.binary(ElemOp::Add, e.input(DType::F64), e.constant(0x1p-40, true)), DType::F16);
    Array x = Array::emptyHost(Shape{1}, DType::F64);
    x.data<double>()[0] = 1.0 + 0x1p-11; // a tie in f16, pushed above it by the addition
    EXPECT_EQ(run(e.desc, {&x}).data<std::uint16_t>()[0], 0x3c01u);

    // An f16 node holds an f32 value, and a cast to u8 rounds that value: 100.0625 + 100.5
    // is 200.5625 in f32 (201 in u8), but would be the f16 tie 200.5 (200 in u8).
    Expr f(Shape{1});
    const int lhs = f.input(DType::F16);
    const int rhs = f.input(DType::F16);
    f.cast(f.binary(ElemOp::Add, lhs, rhs), DType::U8);
    Array a = Array::emptyHost(Shape{1}, DType::F16);
    Array b = Array::emptyHost(Shape{1}, DType::F16);
    a.data<std::uint16_t>()[0] = detail::floatToHalf(100.0625f);
    b.data<std::uint16_t>()[0] = detail::floatToHalf(100.5f);
    EXPECT_EQ(run(f.desc, {&a, &b}).data<std::uint8_t>()[0], 201);
    b.data<std::uint16_t>()[0] = detail::floatToHalf(100.4375f); // 200.5 exactly: half to even
    EXPECT_EQ(run(f.desc, {&a, &b}).data<std::uint8_t>()[0], 200);
}

// ---- Integers --------------------------------------------------------------------------

TEST(Elementwise, IntegersWrapAtEveryNode)
{
    Array u8 = Array::emptyHost(Shape{4}, DType::U8);
    const std::uint8_t bytes[] = {200, 100, 0, 255};
    std::memcpy(u8.data(), bytes, 4);

    Expr sum(Shape{4}); // 200 + 100 = 44 in u8
    sum.binary(ElemOp::Add, sum.input(DType::U8), sum.constant(100));
    const Array added = run(sum.desc, {&u8});
    const double expectedSum[] = {44, 200, 100, 99};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(test::realAt(added, i), expectedSum[i]) << i;

    Expr twice(Shape{4}); // (x * 2) / 2: the product wraps before the f32 division
    twice.binary(ElemOp::Div, twice.binary(ElemOp::Mul, twice.input(DType::U8), twice.constant(2)), twice.constant(2));
    const Array halved = run(twice.desc, {&u8});
    EXPECT_EQ(halved.dtype(), DType::F32);
    const double expectedHalf[] = {72, 100, 0, 127};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(test::realAt(halved, i), expectedHalf[i]) << i;

    Expr negated(Shape{4});
    negated.unary(ElemOp::Neg, negated.input(DType::U8));
    const Array neg = run(negated.desc, {&u8});
    const double expectedNeg[] = {56, 156, 0, 1};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(test::realAt(neg, i), expectedNeg[i]) << i;

    Array i32 = Array::emptyHost(Shape{3}, DType::I32);
    const std::int32_t ints[] = {std::numeric_limits<std::int32_t>::min(), 65536, -7};
    std::memcpy(i32.data(), ints, sizeof ints);
    Expr abs(Shape{3});
    abs.unary(ElemOp::Abs, abs.input(DType::I32));
    EXPECT_EQ(test::realAt(run(abs.desc, {&i32}), 0), -2147483648.0) << "abs of i32's minimum wraps to itself";
    Expr square(Shape{3});
    const int v = square.input(DType::I32);
    square.binary(ElemOp::Mul, v, v);
    const Array squared = run(square.desc, {&i32});
    EXPECT_EQ(test::realAt(squared, 0), 0.0);
    EXPECT_EQ(test::realAt(squared, 1), 0.0) << "2^32 wraps to 0";
    EXPECT_EQ(test::realAt(squared, 2), 49.0);

    // u16 - u8 stays u16 and wraps; the cast to i32 afterwards keeps the wrapped value.
    Expr mixed(Shape{4});
    mixed.cast(mixed.binary(ElemOp::Sub, mixed.cast(mixed.input(DType::U8), DType::U16), mixed.constant(300)),
               DType::I32);
    const Array diff = run(mixed.desc, {&u8});
    EXPECT_EQ(test::realAt(diff, 0), 65536.0 - 100);
    EXPECT_EQ(test::realAt(diff, 3), 65536.0 - 45);
}

// ---- f16 and bf16 ------------------------------------------------------------------------

TEST(Elementwise, HalfNodesAreRoundedOnlyWhereStored)
{
    // (1 + 2^-11) + 2^-11: rounding to f16 after each add would give 1 twice (ties to even);
    // in f32 the sum is 1 + 2^-10 exactly, which f16 holds.
    Array one = Array::emptyHost(Shape{1}, DType::F16);
    Array tiny = Array::emptyHost(Shape{1}, DType::F16);
    one.data<std::uint16_t>()[0] = detail::floatToHalf(1.0f);
    tiny.data<std::uint16_t>()[0] = detail::floatToHalf(0x1p-11f);
    Expr chain(Shape{1});
    const int a = chain.input(DType::F16);
    const int b = chain.input(DType::F16);
    chain.binary(ElemOp::Add, chain.binary(ElemOp::Add, a, b), b);
    EXPECT_EQ(run(chain.desc, {&one, &tiny}).data<std::uint16_t>()[0], 0x3c01u);

    Expr rounded(Shape{1}); // a Cast to f16 rounds there
    const int c = rounded.input(DType::F16);
    const int d = rounded.input(DType::F16);
    rounded.binary(ElemOp::Add, rounded.cast(rounded.binary(ElemOp::Add, c, d), DType::F16), d);
    EXPECT_EQ(run(rounded.desc, {&one, &tiny}).data<std::uint16_t>()[0], 0x3c00u);

    // bf16 likewise, with 2^-8 against 1.
    Array bone = Array::emptyHost(Shape{1}, DType::BF16);
    Array btiny = Array::emptyHost(Shape{1}, DType::BF16);
    bone.data<std::uint16_t>()[0] = detail::floatToBf16(1.0f);
    btiny.data<std::uint16_t>()[0] = detail::floatToBf16(0x1p-8f);
    Expr bchain(Shape{1});
    const int p = bchain.input(DType::BF16);
    const int q = bchain.input(DType::BF16);
    bchain.binary(ElemOp::Add, bchain.binary(ElemOp::Add, p, q), q);
    EXPECT_EQ(run(bchain.desc, {&bone, &btiny}).data<std::uint16_t>()[0], 0x3f81u);

    // A constant in an f16 node is the f32 nearest it, not f16(0.1) = 0.0999755859375:
    // 2047 * 0.1f = 204.7 -> 204.75, while 2047 * f16(0.1) = 204.65 -> 204.625.
    Array big = Array::emptyHost(Shape{1}, DType::F16);
    big.data<std::uint16_t>()[0] = detail::floatToHalf(2047.0f);
    Expr scaled(Shape{1});
    scaled.binary(ElemOp::Mul, scaled.input(DType::F16), scaled.constant(0.1));
    EXPECT_EQ(detail::halfToFloat(run(scaled.desc, {&big}).data<std::uint16_t>()[0]), 204.75f);

    // Casts to f16 round to nearest even and overflow to inf.
    Array f32 = Array::emptyHost(Shape{3}, DType::F32);
    f32.data<float>()[0] = 1.0f + 0x1p-11f;
    f32.data<float>()[1] = 1.0f + 0x1p-11f + 0x1p-20f;
    f32.data<float>()[2] = 65520.0f;
    Expr store(Shape{3});
    store.binary(ElemOp::Add, store.input(DType::F32), store.constant(0));
    store.desc.nodes.push_back({.op = ElemOp::Cast, .a = 2, .castTo = DType::F16});
    const Array stored = run(store.desc, {&f32});
    EXPECT_EQ(stored.data<std::uint16_t>()[0], 0x3c00u);
    EXPECT_EQ(stored.data<std::uint16_t>()[1], 0x3c01u);
    EXPECT_EQ(stored.data<std::uint16_t>()[2], 0x7c00u);
}

// ---- NaN and special values --------------------------------------------------------------

TEST(Elementwise, NanAndSignedZeros)
{
    Array a = Array::emptyHost(Shape{6}, DType::F32);
    Array b = Array::emptyHost(Shape{6}, DType::F32);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float as[] = {nan, 1, nan, -0.0f, 0.0f, 2};
    const float bs[] = {1, nan, nan, 0.0f, -0.0f, 2};
    std::memcpy(a.data(), as, sizeof as);
    std::memcpy(b.data(), bs, sizeof bs);
    for (ElemOp op : {ElemOp::Minimum, ElemOp::Maximum}) {
        Expr e(Shape{6});
        const int lhs = e.input(DType::F32);
        const int rhs = e.input(DType::F32);
        e.binary(op, lhs, rhs);
        const Array out = run(e.desc, {&a, &b});
        for (int i = 0; i < 3; ++i)
            EXPECT_TRUE(std::isnan(out.data<float>()[i])) << name(op) << " propagates NaN, element " << i;
        EXPECT_EQ(out.data<float>()[5], 2.0f);
    }
    struct Comparison {
        ElemOp op;
        double withNan; // the result when an operand is NaN
    };
    for (const Comparison c : {Comparison{ElemOp::Equal, 0}, Comparison{ElemOp::NotEqual, 1},
                               Comparison{ElemOp::Less, 0}, Comparison{ElemOp::GreaterEqual, 0}}) {
        Expr e(Shape{6});
        const int lhs = e.input(DType::F32);
        const int rhs = e.input(DType::F32);
        e.binary(c.op, lhs, rhs);
        const Array out = run(e.desc, {&a, &b});
        for (int i = 0; i < 3; ++i)
            EXPECT_EQ(test::realAt(out, i), c.withNan) << name(c.op) << " " << i;
    }

    // Rounding keeps the sign of zero and passes NaN and inf through.
    Array x = Array::emptyHost(Shape{8}, DType::F64);
    const double xs[] = {-0.5, -0.7, 0.7, -0.0, kNan, -kInf, 0x1p52 + 1, -2.5};
    std::memcpy(x.data(), xs, sizeof xs);
    for (ElemOp op : {ElemOp::Floor, ElemOp::Ceil, ElemOp::Round}) {
        Expr e(Shape{8});
        e.unary(op, e.input(DType::F64));
        const Array out = run(e.desc, {&x});
        for (int i = 0; i < 8; ++i) {
            const double v = xs[i];
            const double expected = op == ElemOp::Floor  ? std::floor(v)
                                    : op == ElemOp::Ceil ? std::ceil(v)
                                                         : std::nearbyint(v);
            const double got = out.data<double>()[i];
            if (std::isnan(expected)) {
                EXPECT_TRUE(std::isnan(got));
                continue;
            }
            EXPECT_EQ(got, expected) << name(op) << "(" << v << ")";
            EXPECT_EQ(std::signbit(got), std::signbit(expected)) << name(op) << "(" << v << ")";
        }
    }

    // NaN is true as a condition, and 0 in an integer cast.
    Expr where(Shape{6});
    where.where(where.input(DType::F32), where.constant(1), where.constant(2));
    const Array picked = run(where.desc, {&a});
    EXPECT_EQ(test::realAt(picked, 0), 1.0);
    EXPECT_EQ(test::realAt(picked, 3), 2.0) << "-0 is false";
    Expr cast(Shape{6});
    cast.cast(cast.input(DType::F32), DType::I32);
    EXPECT_EQ(test::realAt(run(cast.desc, {&a}), 0), 0.0);
}

TEST(Elementwise, ComplexDivisionByZeroAsNumPy)
{
    Array a = Array::emptyHost(Shape{2}, DType::C128);
    Array b = Array::emptyHost(Shape{2}, DType::C128);
    test::setAt(a, 0, {1, 1});
    test::setAt(b, 0, {0, 0});
    test::setAt(a, 1, {3, -4});
    test::setAt(b, 1, {0, 2});
    Expr e(Shape{2});
    const int lhs = e.input(DType::C128);
    const int rhs = e.input(DType::C128);
    e.binary(ElemOp::Div, lhs, rhs);
    const Array out = run(e.desc, {&a, &b});
    EXPECT_EQ(test::complexAt(out, 0), Complex(kInf, kInf));
    EXPECT_EQ(test::complexAt(out, 1), Complex(-2, -1.5));
}

// ---- Shapes, broadcasts and creation -----------------------------------------------------

TEST(Elementwise, OddSizesAndThreadCountsGiveTheSameBits)
{
    for (std::int64_t n : {1, 7, 1023, 1024, 1025, 4097, 100003}) {
        SCOPED_TRACE(n);
        Expr e(Shape{n});
        const int x = e.input(DType::F32);
        const int y = e.input(DType::F64);
        e.binary(ElemOp::Sub, e.binary(ElemOp::Mul, x, y), e.unary(ElemOp::Sqrt, e.unary(ElemOp::Abs, x)));
        const Array a = testValues(DType::F32, n, 21);
        const Array b = testValues(DType::F64, n, 22);
        Array one, two;
        {
            test::ThreadCountScope scope(1);
            one = run(e.desc, {&a, &b});
        }
        {
            test::ThreadCountScope scope(2);
            two = run(e.desc, {&a, &b});
        }
        for (std::int64_t i = 0; i < n; ++i) {
            const double va = test::realAt(a, i);
            const double vb = test::realAt(b, i);
            const double root = static_cast<float>(std::sqrt(std::fabs(va))); // an f32 node
            expectElement(one, i, va * vb - root, "x * y - sqrt(abs(x))");
        }
        EXPECT_EQ(std::memcmp(one.data(), two.data(), one.nbytes()), 0);
    }
}

TEST(Elementwise, InputsOfOneElementAreBroadcast)
{
    const Shape shape{3, 1000};
    Array scalar = Array::emptyHost(Shape{}, DType::F32);
    scalar.data<float>()[0] = 2.5f;
    Array cell = Array::emptyHost(Shape{1, 1}, DType::U8);
    cell.data<std::uint8_t>()[0] = 7;
    const Array x = test::randomArray(shape, DType::F32, 5);

    Expr e(shape);
    const int v = e.input(DType::F32);
    const int s = e.input(DType::F32, Shape{});
    const int c = e.input(DType::U8, Shape{1, 1});
    e.binary(ElemOp::Add, e.binary(ElemOp::Mul, v, s), e.binary(ElemOp::Sub, c, e.constant(3)));
    const Array out = run(e.desc, {&x, &scalar, &cell});
    ASSERT_EQ(out.dtype(), DType::F32);
    for (std::int64_t i = 0; i < x.numel(); ++i)
        expectElement(out, i, static_cast<float>(test::realAt(x, i) * 2.5f) + 4.0, "x * s + (c - 3)");

    // Only broadcast inputs: the value fills the output, converted once.
    Expr filled(Shape{5000});
    filled.cast(filled.input(DType::F32, Shape{1}), DType::F64);
    Array one = Array::emptyHost(Shape{1}, DType::F32);
    one.data<float>()[0] = 0.1f;
    const Array full = run(filled.desc, {&one});
    for (std::int64_t i = 0; i < 5000; ++i)
        ASSERT_EQ(full.data<double>()[i], static_cast<double>(0.1f)) << i;
}

TEST(Elementwise, CreationWithoutInputs)
{
    const std::int64_t n = 100003;
    {
        Expr arange(Shape{n}); // the pipeline's arange(start=3, step=0.5), as i32
        arange.cast(arange.binary(ElemOp::Add, arange.binary(ElemOp::Mul, arange.index(), arange.constant(0.5)),
                                  arange.constant(3)),
                    DType::I32);
        const Array out = run(arange.desc, {});
        for (std::int64_t i = 0; i < n; ++i)
            ASSERT_EQ(test::realAt(out, i), std::nearbyint(static_cast<double>(i) * 0.5 + 3)) << i;
    }
    {
        Expr index(Shape{7, 11});
        index.index();
        const Array out = run(index.desc, {});
        ASSERT_EQ(out.dtype(), DType::F64);
        for (std::int64_t i = 0; i < 77; ++i)
            ASSERT_EQ(out.data<double>()[i], static_cast<double>(i));
    }
    for (DType dtype : kAllDTypes) {
        Expr ones(Shape{1025});
        ones.cast(ones.constant(1), dtype);
        const Array out = run(ones.desc, {});
        for (std::int64_t i = 0; i < 1025; ++i)
            ASSERT_EQ(test::complexAt(out, i), Complex(1, 0)) << name(dtype);
    }
    {
        Expr full(Shape{3}); // full(300) as u8 saturates, as astype does
        full.cast(full.constant(300), DType::U8);
        EXPECT_EQ(test::realAt(run(full.desc, {}), 2), 255.0);
    }
    {
        Expr impulse(Shape{9}); // unit_impulse: index == centre
        impulse.cast(impulse.binary(ElemOp::Equal, impulse.index(), impulse.constant(4)), DType::F32);
        const Array out = run(impulse.desc, {});
        for (std::int64_t i = 0; i < 9; ++i)
            EXPECT_EQ(test::realAt(out, i), i == 4 ? 1.0 : 0.0);
    }
    {
        Expr alone(Shape{}); // a lone constant: a 0-D f64
        alone.constant(2.75);
        const Array out = run(alone.desc, {});
        EXPECT_EQ(out.dtype(), DType::F64);
        EXPECT_EQ(out.data<double>()[0], 2.75);
    }
    {
        Expr empty(Shape{0, 4});
        empty.index();
        EXPECT_EQ(run(empty.desc, {}).numel(), 0);
    }
}

// ---- A long chain ------------------------------------------------------------------------

TEST(Elementwise, TenOpChainAgainstTheReference)
{
    // where(x > 0.5, sqrt(abs(x * 3 - y)) + exp(-y), minimum(x, s) / 2) with s one element:
    // greater, mul, sub, abs, sqrt, neg, exp, add, minimum, div, where.
    for (std::int64_t n : {1, 7, 1023, 4097, 100003}) {
        SCOPED_TRACE(n);
        Expr e(Shape{n});
        const int x = e.input(DType::F32);
        const int y = e.input(DType::F32);
        const int s = e.input(DType::F32, Shape{});
        const int left =
            e.binary(ElemOp::Add,
                     e.unary(ElemOp::Sqrt,
                             e.unary(ElemOp::Abs, e.binary(ElemOp::Sub, e.binary(ElemOp::Mul, x, e.constant(3)), y))),
                     e.unary(ElemOp::Exp, e.unary(ElemOp::Neg, y)));
        const int right = e.binary(ElemOp::Div, e.binary(ElemOp::Minimum, x, s), e.constant(2));
        e.where(e.binary(ElemOp::Greater, x, e.constant(0.5)), left, right);
        const Array a = test::randomArray(Shape{n}, DType::F32, 31, -1, 2);
        const Array b = test::randomArray(Shape{n}, DType::F32, 32, -1, 2);
        Array c = Array::emptyHost(Shape{}, DType::F32);
        c.data<float>()[0] = 0.25f;
        Array one, two;
        {
            test::ThreadCountScope scope(1);
            one = run(e.desc, {&a, &b, &c});
        }
        {
            test::ThreadCountScope scope(2);
            two = run(e.desc, {&a, &b, &c});
        }
        ASSERT_EQ(one.dtype(), DType::F32);
        for (std::int64_t i = 0; i < n; ++i) {
            const double va = test::realAt(a, i);
            const double vb = test::realAt(b, i);
            // x * 3 - y as the f32 nodes round it: its cancellation matters under the sqrt
            const float difference = static_cast<float>(static_cast<float>(va * 3) - vb);
            const double expected =
                va > 0.5 ? std::sqrt(std::fabs(difference)) + std::exp(-vb) : std::min(va, 0.25) / 2;
            ASSERT_NEAR(test::realAt(one, i), expected, 1e-6 * std::fabs(expected)) << "element " << i;
        }
        EXPECT_EQ(std::memcmp(one.data(), two.data(), one.nbytes()), 0);
    }
}

TEST(Elementwise, WideExpressionsReuseBlockBuffers)
{
    // sum over k of x * k + y, with 30 live intermediate terms at most at a time, in every
    // register type the chain passes through: u8 inputs, an f64 sum, c64 on the way.
    const std::int64_t n = 2500;
    Expr e(Shape{n});
    const int x = e.input(DType::U8);
    const int y = e.input(DType::F64);
    std::vector<int> terms;
    for (int k = 1; k <= 30; ++k)
        terms.push_back(e.binary(ElemOp::Add, e.binary(ElemOp::Mul, x, e.constant(k % 7)), y));
    int sum = terms[0];
    for (std::size_t k = 1; k < terms.size(); ++k)
        sum = e.binary(ElemOp::Add, sum, terms[k]);
    e.unary(ElemOp::Real, e.binary(ElemOp::Mul, e.cast(sum, DType::C64), e.cast(x, DType::C64)));
    const Array a = testValues(DType::U8, n, 41);
    const Array b = testValues(DType::F64, n, 42);
    const Array out = run(e.desc, {&a, &b});
    ASSERT_EQ(out.dtype(), DType::F32);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto va = static_cast<std::int64_t>(test::realAt(a, i));
        const double vb = test::realAt(b, i);
        double expected = 0;
        for (int k = 1; k <= 30; ++k)
            expected += static_cast<double>((va * (k % 7)) & 0xff) + vb;
        expectElement(out, i, static_cast<float>(expected) * static_cast<double>(va), "wide sum");
    }
}

// ---- Operands ----------------------------------------------------------------------------

TEST(Elementwise, InPlaceAndOverlaps)
{
    const std::int64_t n = 70001; // several threads' worth of blocks
    Expr e(Shape{n});
    const int lhs = e.input(DType::F32);
    const int rhs = e.input(DType::F32, Shape{1});
    e.binary(ElemOp::Mul, lhs, rhs);
    auto op = cpuBackend().prepareElementwise(e.desc);
    Array factor = Array::emptyHost(Shape{1}, DType::F32);
    factor.data<float>()[0] = 2.0f;

    // The output may be the (non-broadcast) input itself: each element is read before it is written.
    Array x = test::randomArray(Shape{n}, DType::F32, 51);
    const Array before = convert(cpuBackend(), x, DType::F32);
    {
        test::ThreadCountScope scope(2);
        const Array* inputs[] = {&x, &factor};
        op->run(inputs, x);
    }
    for (std::int64_t i = 0; i < n; ++i)
        ASSERT_EQ(x.data<float>()[i], 2 * before.data<float>()[i]) << i;

    // Disjoint parts of one buffer are separate arrays.
    Array rows = test::randomArray(Shape{2, n}, DType::F32, 52);
    const Array first = convert(cpuBackend(), rows.at(0), DType::F32);
    {
        Array out = rows.at(1);
        const Array in = rows.at(0);
        const Array* inputs[] = {&in, &factor};
        op->run(inputs, out);
    }
    for (std::int64_t i = 0; i < n; ++i)
        ASSERT_EQ(rows.at(1).data<float>()[i], 2 * first.data<float>()[i]) << i;

    // A broadcast input inside the output would be overwritten while other threads read it.
    Array buffer = test::randomArray(Shape{n}, DType::F32, 53);
    const Array inside = buffer.reshape(Shape{n, 1}).at(n / 2);
    const Array other = test::randomArray(Shape{n}, DType::F32, 54);
    const Array* inputs[] = {&other, &inside};
    EXPECT_EQ(test::errorCodeOf([&] { op->run(inputs, buffer); }), ErrorCode::Unsupported);
}

TEST(Elementwise, RefusesOperandsThatDoNotMatch)
{
    Expr e(Shape{16});
    const int lhs = e.input(DType::F32);
    const int rhs = e.input(DType::F32, Shape{});
    e.binary(ElemOp::Add, lhs, rhs);
    auto op = cpuBackend().prepareElementwise(e.desc);
    Array x = Array::emptyHost(Shape{16}, DType::F32);
    Array s = Array::emptyHost(Shape{}, DType::F32);
    Array out = Array::emptyHost(Shape{16}, DType::F32);
    {
        const Array* one[] = {&x};
        EXPECT_EQ(test::errorCodeOf([&] { op->run(one, out); }), ErrorCode::InvalidArgument);
    }
    {
        Array wrongDType = Array::emptyHost(Shape{16}, DType::F64);
        const Array* inputs[] = {&wrongDType, &s};
        EXPECT_EQ(test::errorCodeOf([&] { op->run(inputs, out); }), ErrorCode::DTypeMismatch);
    }
    {
        Array wrongShape = Array::emptyHost(Shape{4, 4}, DType::F32);
        const Array* inputs[] = {&wrongShape, &s};
        EXPECT_EQ(test::errorCodeOf([&] { op->run(inputs, out); }), ErrorCode::ShapeMismatch);
    }
    {
        const Array* inputs[] = {&x, &s};
        Array wrongOut = Array::emptyHost(Shape{16}, DType::F16);
        EXPECT_EQ(test::errorCodeOf([&] { op->run(inputs, wrongOut); }), ErrorCode::DTypeMismatch);
    }
    {
        const Array* inputs[] = {&x, nullptr};
        EXPECT_EQ(test::errorCodeOf([&] { op->run(inputs, out); }), ErrorCode::InvalidArgument);
    }
    // Preparing an invalid desc fails as validate() does.
    Expr bad(Shape{4});
    bad.unary(ElemOp::Sin, bad.input(DType::C64));
    EXPECT_EQ(test::errorCodeOf([&] { cpuBackend().prepareElementwise(bad.desc); }), ErrorCode::DTypeMismatch);
}

} // namespace
