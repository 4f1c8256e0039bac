// ElementwiseDesc: dtype promotion (the table in wb/ops.h written out), every validate()
// error, the canonical text and the cost.

#include <wb/error.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace wb;

// Builds a desc node by node; each call returns the new node's index.
struct Expr {
    ElementwiseDesc desc;

    explicit Expr(Shape shape = Shape{8}) { desc.shape = shape; }

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
    // Input k again (another Input node reading the same array).
    int inputAgain(int k) { return node({.op = ElemOp::Input, .input = k}); }
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

    DType type()
    {
        desc.validate();
        return desc.outputDType();
    }
    DType dtypeOf(int i) const { return desc.nodes[static_cast<std::size_t>(i)].dtype; }
    std::string text()
    {
        desc.validate();
        return desc.text();
    }
};

// The code validate() throws, and its message through `message`.
ErrorCode codeOf(ElementwiseDesc desc, std::string* message = nullptr)
{
    try {
        desc.validate();
    } catch (const Error& error) {
        if (message)
            *message = error.message();
        return error.code();
    }
    ADD_FAILURE() << "validate() accepted the expression";
    return ErrorCode::Internal;
}

DType parse(const char* text) { return *parseDType(text); }

// Operands meeting in Add, as ops.h says: rows and columns in kAllDTypes order
// (u8 u16 i32 f16 bf16 f32 f64 c64 c128).
const char* const kPromotion[9][9] = {
    {"u8", "u16", "i32", "f16", "bf16", "f32", "f64", "c64", "c128"},
    {"u16", "u16", "i32", "f16", "bf16", "f32", "f64", "c64", "c128"},
    {"i32", "i32", "i32", "f16", "bf16", "f32", "f64", "c64", "c128"},
    {"f16", "f16", "f16", "f16", "f32", "f32", "f64", "c64", "c128"},
    {"bf16", "bf16", "bf16", "f32", "bf16", "f32", "f64", "c64", "c128"},
    {"f32", "f32", "f32", "f32", "f32", "f32", "f64", "c64", "c128"},
    {"f64", "f64", "f64", "f64", "f64", "f64", "f64", "c128", "c128"},
    {"c64", "c64", "c64", "c64", "c64", "c64", "c128", "c64", "c128"},
    {"c128", "c128", "c128", "c128", "c128", "c128", "c128", "c128", "c128"},
};

TEST(ElementwiseDesc, NamesAndArity)
{
    std::set<std::string_view> names;
    for (int i = 0; i <= static_cast<int>(ElemOp::Where); ++i) {
        const auto op = static_cast<ElemOp>(i);
        EXPECT_NE(name(op), "?") << i;
        names.insert(name(op));
        const int expected = op <= ElemOp::Index ? 0 : op <= ElemOp::Cast ? 1 : op <= ElemOp::GreaterEqual ? 2 : 3;
        EXPECT_EQ(arity(op), expected) << name(op);
    }
    EXPECT_EQ(names.size(), static_cast<std::size_t>(ElemOp::Where) + 1) << "names must be unique";
    EXPECT_EQ(name(ElemOp::Neg), "neg");
    EXPECT_EQ(name(ElemOp::Cast), "astype");
    EXPECT_EQ(name(ElemOp::Where), "where");
}

TEST(ElementwiseDesc, PromotionTableOfArrays)
{
    for (int i = 0; i < 9; ++i) {
        for (int j = 0; j < 9; ++j) {
            const DType a = kAllDTypes[i];
            const DType b = kAllDTypes[j];
            const DType expected = parse(kPromotion[i][j]);
            SCOPED_TRACE(std::string(name(a)) + " with " + std::string(name(b)));
            EXPECT_EQ(promoteTypes(a, b), expected);
            for (ElemOp op : {ElemOp::Add, ElemOp::Sub, ElemOp::Mul}) {
                Expr e;
                const int lhs = e.input(a);
                const int rhs = e.input(b);
                e.binary(op, lhs, rhs);
                EXPECT_EQ(e.type(), expected) << name(op);
            }
            {
                Expr e;
                const int lhs = e.input(a);
                const int rhs = e.input(b);
                e.binary(ElemOp::Div, lhs, rhs);
                EXPECT_EQ(e.type(), isInteger(expected) ? DType::F32 : expected);
            }
            for (ElemOp op : {ElemOp::Pow, ElemOp::Minimum, ElemOp::Maximum, ElemOp::Less, ElemOp::GreaterEqual}) {
                Expr e;
                const int lhs = e.input(a);
                const int rhs = e.input(b);
                e.binary(op, lhs, rhs);
                if (isComplex(expected)) {
                    EXPECT_EQ(codeOf(e.desc), ErrorCode::DTypeMismatch) << name(op);
                    continue;
                }
                DType want = expected;
                if (op == ElemOp::Pow && isInteger(expected))
                    want = DType::F32;
                if (op == ElemOp::Less || op == ElemOp::GreaterEqual)
                    want = DType::U8;
                EXPECT_EQ(e.type(), want) << name(op);
            }
            for (ElemOp op : {ElemOp::Equal, ElemOp::NotEqual}) {
                Expr e;
                const int lhs = e.input(a);
                const int rhs = e.input(b);
                e.binary(op, lhs, rhs);
                EXPECT_EQ(e.type(), DType::U8);
            }
            Expr w;
            const int cond = w.input(DType::C64);
            const int lhs = w.input(a);
            const int rhs = w.input(b);
            w.where(cond, lhs, rhs);
            EXPECT_EQ(w.type(), expected) << "where takes the type of b and c, whatever the condition";
        }
    }
}

TEST(ElementwiseDesc, UnaryOpsAndTheirDTypes)
{
    for (DType t : kAllDTypes) {
        SCOPED_TRACE(std::string(name(t)));
        const auto typeOf = [t](ElemOp op) -> std::optional<DType> {
            Expr e;
            e.unary(op, e.input(t));
            try {
                return e.type();
            } catch (const Error& error) {
                EXPECT_EQ(error.code(), ErrorCode::DTypeMismatch) << name(op);
                return std::nullopt;
            }
        };
        EXPECT_EQ(typeOf(ElemOp::Neg), t);
        EXPECT_EQ(typeOf(ElemOp::Conj), t);
        EXPECT_EQ(typeOf(ElemOp::Abs), realPart(t));
        EXPECT_EQ(typeOf(ElemOp::Real), realPart(t));
        EXPECT_EQ(typeOf(ElemOp::Imag), realPart(t));
        EXPECT_EQ(typeOf(ElemOp::Angle), isInteger(t) ? DType::F32 : realPart(t));
        for (ElemOp op : {ElemOp::Sqrt, ElemOp::Exp, ElemOp::Log, ElemOp::Log1p, ElemOp::Sin, ElemOp::Cos, ElemOp::Tan,
                          ElemOp::Tanh}) {
            const std::optional<DType> expected =
                isComplex(t) ? std::nullopt : std::optional<DType>(isInteger(t) ? DType::F32 : t);
            EXPECT_EQ(typeOf(op), expected) << name(op);
        }
        for (ElemOp op : {ElemOp::Floor, ElemOp::Ceil, ElemOp::Round}) {
            const std::optional<DType> expected = isComplex(t) ? std::nullopt : std::optional<DType>(t);
            EXPECT_EQ(typeOf(op), expected) << name(op) << ": integers keep their dtype";
        }
        for (DType to : kAllDTypes) {
            Expr e;
            e.cast(e.input(t), to);
            if (isComplex(t) && !isComplex(to))
                EXPECT_EQ(codeOf(e.desc), ErrorCode::DTypeMismatch);
            else
                EXPECT_EQ(e.type(), to);
        }
    }
}

TEST(ElementwiseDesc, ConstantsAreWeak)
{
    struct Case {
        DType array;
        double value;
        bool isFloat;
        DType result;
    };
    const Case cases[] = {
        {DType::U8, 2, false, DType::U8},       {DType::U8, 255, false, DType::U8},
        {DType::U8, 2.5, false, DType::F32},    {DType::U8, 2, true, DType::F32},
        {DType::U16, 65535, false, DType::U16}, {DType::I32, -2147483648.0, false, DType::I32},
        {DType::I32, 1e10, true, DType::F32},   {DType::U8, std::numeric_limits<double>::infinity(), false, DType::F32},
        {DType::F16, 2.5, false, DType::F16},   {DType::BF16, 1e30, false, DType::BF16},
        {DType::F32, 3, false, DType::F32},     {DType::F64, 0.1, false, DType::F64},
        {DType::C64, 1, false, DType::C64},     {DType::C128, 0.5, true, DType::C128},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(name(c.array)) + " with " + std::to_string(c.value));
        Expr left;
        const int k = left.constant(c.value, c.isFloat);
        left.binary(ElemOp::Mul, left.input(c.array), k);
        EXPECT_EQ(left.type(), c.result);
        EXPECT_EQ(left.dtypeOf(k), isInteger(c.result) ? c.array : c.result) << "the dtype the constant took";
        Expr right; // the constant first
        right.binary(ElemOp::Sub, right.constant(c.value, c.isFloat), right.input(c.array));
        EXPECT_EQ(right.type(), c.result);
    }
    // Div of an integer by an integer constant: the constant takes u8, the division f32.
    Expr div;
    const int two = div.constant(2);
    div.binary(ElemOp::Div, div.input(DType::U8), two);
    EXPECT_EQ(div.type(), DType::F32);
    EXPECT_EQ(div.dtypeOf(two), DType::U8);
    // Comparisons and Where type their constants too.
    Expr less;
    const int half = less.constant(0.5);
    less.binary(ElemOp::Less, less.input(DType::I32), half);
    EXPECT_EQ(less.type(), DType::U8);
    EXPECT_EQ(less.dtypeOf(half), DType::F32);
    Expr where;
    const int zero = where.constant(0);
    const int x = where.input(DType::F16);
    where.where(where.binary(ElemOp::Greater, x, where.constant(0)), x, zero);
    EXPECT_EQ(where.type(), DType::F16);
    EXPECT_EQ(where.dtypeOf(zero), DType::F16);
}

TEST(ElementwiseDesc, ConstantsWithNoArrayToMeetAreF64)
{
    Expr alone(Shape{});
    alone.constant(3);
    EXPECT_EQ(alone.type(), DType::F64);

    Expr two;
    two.binary(ElemOp::Add, two.constant(1), two.constant(2));
    EXPECT_EQ(two.type(), DType::F64);

    // neg(2) is a strong f64, so it widens an f32 array; a folded -2 does not.
    Expr negated;
    negated.binary(ElemOp::Mul, negated.input(DType::F32), negated.unary(ElemOp::Neg, negated.constant(2)));
    EXPECT_EQ(negated.type(), DType::F64);
    Expr folded;
    folded.binary(ElemOp::Mul, folded.input(DType::F32), folded.constant(-2));
    EXPECT_EQ(folded.type(), DType::F32);

    Expr cast;
    const int k = cast.constant(300.5);
    cast.cast(k, DType::U8);
    EXPECT_EQ(cast.type(), DType::U8);
    EXPECT_EQ(cast.dtypeOf(k), DType::F64);

    Expr condition;
    const int c = condition.constant(1);
    const int lhs = condition.input(DType::I32);
    const int rhs = condition.input(DType::U8);
    condition.where(c, lhs, rhs);
    EXPECT_EQ(condition.type(), DType::I32);
    EXPECT_EQ(condition.dtypeOf(c), DType::F64);

    // A dead constant keeps f64 as well.
    Expr dead;
    const int unused = dead.constant(7);
    dead.unary(ElemOp::Neg, dead.input(DType::U8));
    EXPECT_EQ(dead.type(), DType::U8);
    EXPECT_EQ(dead.dtypeOf(unused), DType::F64);
}

TEST(ElementwiseDesc, IndexAndInputsOfOneElement)
{
    Expr arange(Shape{10});
    arange.binary(ElemOp::Add, arange.binary(ElemOp::Mul, arange.index(), arange.constant(0.5)), arange.constant(3));
    EXPECT_EQ(arange.type(), DType::F64);

    Expr broadcast(Shape{4, 5});
    const int lhs = broadcast.input(DType::F32);
    const int rhs = broadcast.input(DType::F16, Shape{});
    broadcast.binary(ElemOp::Add, lhs, rhs);
    broadcast.binary(ElemOp::Mul, 2, broadcast.input(DType::U8, Shape{1, 1}));
    EXPECT_EQ(broadcast.type(), DType::F32);
}

TEST(ElementwiseDesc, SharedConstantsMustAgree)
{
    Expr agree;
    const int two = agree.constant(2);
    agree.binary(ElemOp::Add, agree.binary(ElemOp::Mul, agree.input(DType::F32), two),
                 agree.binary(ElemOp::Mul, agree.input(DType::F32), two));
    EXPECT_EQ(agree.type(), DType::F32);

    Expr differ;
    const int k = differ.constant(2);
    differ.binary(ElemOp::Add, differ.binary(ElemOp::Mul, differ.input(DType::U8), k),
                  differ.binary(ElemOp::Mul, differ.input(DType::F32), k));
    std::string message;
    EXPECT_EQ(codeOf(differ.desc, &message), ErrorCode::InvalidArgument);
    EXPECT_NE(message.find("u8"), std::string::npos) << message;
    EXPECT_NE(message.find("f32"), std::string::npos) << message;
}

TEST(ElementwiseDesc, RefusesMalformedExpressions)
{
    EXPECT_EQ(codeOf(ElementwiseDesc{.shape = Shape{4}}), ErrorCode::InvalidArgument) << "no nodes";

    Expr shapes;
    shapes.input(DType::F32);
    shapes.desc.inputShapes.push_back(Shape{4});
    EXPECT_EQ(codeOf(shapes.desc), ErrorCode::InvalidArgument) << "more shapes than inputs";

    Expr unknownInput;
    unknownInput.input(static_cast<DType>(42));
    EXPECT_EQ(codeOf(unknownInput.desc), ErrorCode::InvalidArgument);

    Expr unknownOp;
    unknownOp.node({.op = static_cast<ElemOp>(200)});
    EXPECT_EQ(codeOf(unknownOp.desc), ErrorCode::InvalidArgument);

    Expr later; // an operand that is not an earlier node
    later.node({.op = ElemOp::Neg, .a = 0});
    EXPECT_EQ(codeOf(later.desc), ErrorCode::InvalidArgument);
    Expr ahead;
    ahead.input(DType::F32);
    ahead.node({.op = ElemOp::Add, .a = 0, .b = 2});
    ahead.input(DType::F32);
    EXPECT_EQ(codeOf(ahead.desc), ErrorCode::InvalidArgument);
    Expr missing;
    missing.input(DType::F32);
    missing.node({.op = ElemOp::Add, .a = 0});
    EXPECT_EQ(codeOf(missing.desc), ErrorCode::InvalidArgument) << "b left at -1";

    Expr extra; // an operand a unary op does not take
    extra.input(DType::F32);
    extra.node({.op = ElemOp::Sqrt, .a = 0, .b = 0});
    EXPECT_EQ(codeOf(extra.desc), ErrorCode::InvalidArgument);
    Expr leafOperand;
    leafOperand.input(DType::F32);
    leafOperand.node({.op = ElemOp::Index, .a = 0});
    EXPECT_EQ(codeOf(leafOperand.desc), ErrorCode::InvalidArgument);

    Expr noSuchInput;
    noSuchInput.input(DType::F32);
    noSuchInput.node({.op = ElemOp::Input, .input = 1});
    EXPECT_EQ(codeOf(noSuchInput.desc), ErrorCode::InvalidArgument);
    Expr negativeInput;
    negativeInput.node({.op = ElemOp::Input});
    EXPECT_EQ(codeOf(negativeInput.desc), ErrorCode::InvalidArgument);
    Expr strayInput;
    strayInput.input(DType::F32);
    strayInput.node({.op = ElemOp::Neg, .a = 0, .input = 0});
    EXPECT_EQ(codeOf(strayInput.desc), ErrorCode::InvalidArgument);

    Expr unknownCast;
    unknownCast.cast(unknownCast.input(DType::F32), static_cast<DType>(99));
    EXPECT_EQ(codeOf(unknownCast.desc), ErrorCode::InvalidArgument);
}

TEST(ElementwiseDesc, RefusesInputsOfAnotherShape)
{
    Expr bad(Shape{4, 5});
    const int lhs = bad.input(DType::F32);
    const int rhs = bad.input(DType::F32, Shape{5});
    bad.binary(ElemOp::Add, lhs, rhs);
    std::string message;
    EXPECT_EQ(codeOf(bad.desc, &message), ErrorCode::ShapeMismatch);
    EXPECT_NE(message.find("(5,)"), std::string::npos) << message;
    EXPECT_NE(message.find("(4, 5)"), std::string::npos) << message;

    Expr empty(Shape{0, 3}); // an empty output takes empty inputs of its shape, or one-element ones
    const int full = empty.input(DType::F32);
    const int one = empty.input(DType::F32, Shape{1});
    empty.binary(ElemOp::Add, full, one);
    EXPECT_EQ(empty.type(), DType::F32);
}

TEST(ElementwiseDesc, RefusesOpsTheDTypeDoesNotSupport)
{
    std::string message;
    Expr sin;
    sin.unary(ElemOp::Sin, sin.input(DType::C64));
    EXPECT_EQ(codeOf(sin.desc, &message), ErrorCode::DTypeMismatch);
    EXPECT_NE(message.find("sin"), std::string::npos) << message;
    EXPECT_NE(message.find("c64"), std::string::npos) << message;

    Expr less;
    const int lhs = less.input(DType::F32);
    const int rhs = less.input(DType::C128);
    less.binary(ElemOp::Less, lhs, rhs);
    EXPECT_EQ(codeOf(less.desc, &message), ErrorCode::DTypeMismatch);
    EXPECT_NE(message.find("less"), std::string::npos) << message;
    EXPECT_NE(message.find("c128"), std::string::npos) << message;

    Expr minimum;
    minimum.binary(ElemOp::Minimum, minimum.input(DType::C64), minimum.constant(1));
    EXPECT_EQ(codeOf(minimum.desc), ErrorCode::DTypeMismatch);

    Expr floor;
    floor.unary(ElemOp::Floor, floor.input(DType::C128));
    EXPECT_EQ(codeOf(floor.desc), ErrorCode::DTypeMismatch);

    Expr cast;
    cast.cast(cast.input(DType::C64), DType::F32);
    EXPECT_EQ(codeOf(cast.desc, &message), ErrorCode::DTypeMismatch);
    EXPECT_NE(message.find("imaginary"), std::string::npos) << message;
}

TEST(ElementwiseDesc, RefusesIntegerConstantsThatDoNotFit)
{
    struct Case {
        DType array;
        double value;
    };
    for (const Case c : {Case{DType::U8, 256}, Case{DType::U8, -1}, Case{DType::U16, 65536},
                         Case{DType::I32, 2147483648.0}, Case{DType::I32, 3e9}}) {
        Expr e;
        e.binary(ElemOp::Add, e.input(c.array), e.constant(c.value));
        std::string message;
        EXPECT_EQ(codeOf(e.desc, &message), ErrorCode::InvalidArgument) << c.value;
        EXPECT_NE(message.find(std::string(name(c.array))), std::string::npos) << message;
    }
    // Written as a float, the same value makes the node f32.
    Expr asFloat;
    asFloat.binary(ElemOp::Add, asFloat.input(DType::U8), asFloat.constant(256, true));
    EXPECT_EQ(asFloat.type(), DType::F32);
}

TEST(ElementwiseDesc, TextWithPrecedenceAndFewestParentheses)
{
    {
        Expr e;
        const int x0 = e.input(DType::F32);
        const int x1 = e.input(DType::F32);
        e.binary(ElemOp::Add, e.binary(ElemOp::Mul, e.unary(ElemOp::Sin, x0), e.constant(2)), x1);
        EXPECT_EQ(e.text(), "sin(x0) * 2 + x1");
    }
    struct Case {
        ElemOp outer;
        bool nestLeft; // the inner op is the left operand
        ElemOp inner;
        const char* text;
    };
    const Case cases[] = {
        {ElemOp::Mul, true, ElemOp::Add, "(x0 + x1) * x2"},     {ElemOp::Add, true, ElemOp::Mul, "x0 * x1 + x2"},
        {ElemOp::Sub, true, ElemOp::Sub, "x0 - x1 - x2"},       {ElemOp::Sub, false, ElemOp::Sub, "x2 - (x0 - x1)"},
        {ElemOp::Div, false, ElemOp::Mul, "x2 / (x0 * x1)"},    {ElemOp::Pow, false, ElemOp::Pow, "x2 ** x0 ** x1"},
        {ElemOp::Pow, true, ElemOp::Pow, "(x0 ** x1) ** x2"},   {ElemOp::Less, true, ElemOp::Add, "x0 + x1 < x2"},
        {ElemOp::Equal, true, ElemOp::Less, "(x0 < x1) == x2"}, {ElemOp::Mul, true, ElemOp::Pow, "x0 ** x1 * x2"},
    };
    for (const Case& c : cases) {
        Expr e;
        const int x0 = e.input(DType::F32);
        const int x1 = e.input(DType::F32);
        const int x2 = e.input(DType::F32);
        const int inner = e.binary(c.inner, x0, x1);
        if (c.nestLeft)
            e.binary(c.outer, inner, x2);
        else
            e.binary(c.outer, x2, inner);
        EXPECT_EQ(e.text(), c.text);
    }
    {
        Expr e; // unary minus against **: -(x0 ** 2), (-x0) ** 2, x0 ** -x0
        const int x = e.input(DType::F32);
        const int a = e.unary(ElemOp::Neg, e.binary(ElemOp::Pow, x, e.constant(2)));
        const int b = e.binary(ElemOp::Pow, e.unary(ElemOp::Neg, x), e.constant(2));
        const int c = e.binary(ElemOp::Pow, x, e.unary(ElemOp::Neg, x));
        e.where(a, b, c);
        EXPECT_EQ(e.text(), "where(-x0 ** 2, (-x0) ** 2, x0 ** -x0)");
    }
}

TEST(ElementwiseDesc, TextOfLeavesFunctionsAndConstants)
{
    Expr e(Shape{3, 4});
    const int x0 = e.input(DType::U8);
    const int x1 = e.input(DType::F32, Shape{});
    const int m = e.binary(ElemOp::Minimum, e.cast(x0, DType::F16), x1);
    e.where(e.binary(ElemOp::Greater, m, e.constant(0)), e.index(), e.unary(ElemOp::Log1p, m));
    EXPECT_EQ(e.text(), "t0 = minimum(astype(x0, f16), x1[0]); where(t0 > 0, index(), log1p(t0))");

    struct Case {
        double value;
        bool isFloat;
        const char* text;
    };
    const Case constants[] = {
        {2, false, "2"},
        {2, true, "2.0"},
        {0.1, false, "0.1"},
        {1e-7, false, "1e-07"},
        {1e300, true, "1e+300"},
        {1e20, false, "100000000000000000000"},
        {-0.0, false, "-0"},
        {-0.0, true, "-0.0"},
        {std::numeric_limits<double>::infinity(), false, "inf"},
        {std::numeric_limits<double>::quiet_NaN(), false, "nan"},
        {123456789.0, false, "123456789"},
        {0.30000000000000004, false, "0.30000000000000004"},
    };
    for (const Case& c : constants) {
        Expr k;
        k.binary(ElemOp::Add, k.input(DType::F64), k.constant(c.value, c.isFloat));
        EXPECT_EQ(k.text(), "x0 + " + std::string(c.text));
    }
    // A negative constant binds like a unary minus; the negation of a constant is marked.
    Expr negatives;
    const int x = negatives.input(DType::F64);
    negatives.binary(ElemOp::Add, negatives.binary(ElemOp::Pow, negatives.constant(-2), x),
                     negatives.binary(ElemOp::Mul, x, negatives.unary(ElemOp::Neg, negatives.constant(2))));
    EXPECT_EQ(negatives.text(), "(-2) ** x0 + x0 * -(2)");
}

TEST(ElementwiseDesc, TextIsOneKeyPerComputation)
{
    // Equal trees built in another node order print the same.
    Expr first;
    {
        const int x0 = first.input(DType::F32);
        const int x1 = first.input(DType::F32);
        const int s = first.unary(ElemOp::Sqrt, x0);
        const int t = first.unary(ElemOp::Exp, x1);
        first.binary(ElemOp::Mul, first.binary(ElemOp::Add, s, t), s);
    }
    Expr second;
    {
        const int x1 = second.input(DType::F32);
        const int t = second.unary(ElemOp::Exp, x1);
        const int x0 = second.input(DType::F32);
        const int s = second.unary(ElemOp::Sqrt, x0);
        second.unary(ElemOp::Cos, x0); // dead: not part of the text
        second.binary(ElemOp::Mul, second.binary(ElemOp::Add, s, t), s);
        std::swap(second.desc.inputs[0], second.desc.inputs[1]);
        second.desc.nodes[0].input = 1; // x1 is input 1 here too
        second.desc.nodes[2].input = 0;
    }
    EXPECT_EQ(first.text(), "t0 = sqrt(x0); (t0 + exp(x1)) * t0");
    EXPECT_EQ(second.text(), first.text());

    // What changes the computation changes the text.
    std::set<std::string> texts;
    const auto add = [&](const std::string& text) { EXPECT_TRUE(texts.insert(text).second) << text; };
    for (DType to : {DType::F16, DType::BF16, DType::F32}) {
        Expr e;
        e.cast(e.input(DType::F64), to);
        add(e.text());
    }
    for (bool broadcast : {false, true}) {
        Expr e(Shape{6});
        const int lhs = e.input(DType::F32);
        const int rhs = e.input(DType::F32, broadcast ? Shape{1} : Shape{6});
        e.binary(ElemOp::Add, lhs, rhs);
        add(e.text());
    }
    for (bool isFloat : {false, true}) {
        Expr e;
        e.binary(ElemOp::Mul, e.input(DType::U8), e.constant(2, isFloat));
        add(e.text());
    }
    {
        Expr e; // x * -2 and x * neg(2) give different dtypes
        const int x = e.input(DType::F32);
        e.binary(ElemOp::Mul, x, e.unary(ElemOp::Neg, e.constant(2)));
        add(e.text());
        Expr f;
        f.binary(ElemOp::Mul, f.input(DType::F32), f.constant(-2));
        add(f.text());
    }
    {
        Expr e; // x0 and a second Input node reading the same array
        const int a = e.input(DType::F32);
        e.binary(ElemOp::Sub, a, e.inputAgain(0));
        add(e.text());
    }
}

TEST(ElementwiseDesc, TextOfSharedNodesGrowsLinearly)
{
    Expr e;
    int x = e.input(DType::F64);
    for (int i = 0; i < 60; ++i)
        x = e.binary(ElemOp::Mul, x, x); // 2^60 leaves as a tree
    const std::string text = e.text();
    EXPECT_LT(text.size(), 2000u);
    EXPECT_EQ(text.substr(0, 22), "t0 = x0 * x0; t1 = t0 ");
    EXPECT_EQ(text.substr(text.size() - 9), "t58 * t58");
}

TEST(ElementwiseDesc, CostCountsFloatingWorkAndBytes)
{
    const double n = 1000;
    Expr add(Shape{10, 100});
    const int x0 = add.input(DType::F32);
    const int x1 = add.input(DType::F32);
    add.binary(ElemOp::Add, x0, x1);
    add.type();
    EXPECT_DOUBLE_EQ(add.desc.cost().flops, n);
    EXPECT_DOUBLE_EQ(add.desc.cost().bytes, 3 * 4 * n);

    struct Case {
        ElemOp op;
        DType dtype;
        double flopsPerElement;
    };
    for (const Case c :
         {Case{ElemOp::Mul, DType::C64, 6}, Case{ElemOp::Div, DType::C128, 11}, Case{ElemOp::Add, DType::C64, 2},
          Case{ElemOp::Equal, DType::C64, 2}, Case{ElemOp::Add, DType::I32, 0}, Case{ElemOp::Div, DType::U8, 1},
          Case{ElemOp::Less, DType::U16, 0}, Case{ElemOp::Pow, DType::F16, 1}}) {
        Expr e(Shape{1000});
        const int lhs = e.input(c.dtype);
        const int rhs = e.input(c.dtype);
        e.binary(c.op, lhs, rhs);
        e.type();
        EXPECT_DOUBLE_EQ(e.desc.cost().flops, c.flopsPerElement * n) << name(c.op) << " " << name(c.dtype);
        EXPECT_DOUBLE_EQ(e.desc.cost().bytes, n * (2.0 * static_cast<double>(sizeOf(c.dtype)) +
                                                   static_cast<double>(sizeOf(e.desc.outputDType()))));
    }
    struct UnaryCase {
        ElemOp op;
        DType dtype;
        double flopsPerElement;
    };
    for (const UnaryCase c : {UnaryCase{ElemOp::Abs, DType::C64, 1}, UnaryCase{ElemOp::Sin, DType::U8, 1},
                              UnaryCase{ElemOp::Abs, DType::I32, 0}, UnaryCase{ElemOp::Floor, DType::U8, 0},
                              UnaryCase{ElemOp::Real, DType::C128, 0}, UnaryCase{ElemOp::Neg, DType::C64, 2},
                              UnaryCase{ElemOp::Exp, DType::F64, 1}}) {
        Expr e(Shape{1000});
        e.unary(c.op, e.input(c.dtype));
        e.type();
        EXPECT_DOUBLE_EQ(e.desc.cost().flops, c.flopsPerElement * n) << name(c.op) << " " << name(c.dtype);
    }
    Expr cast(Shape{1000});
    cast.cast(cast.input(DType::F32), DType::U8);
    cast.type();
    EXPECT_DOUBLE_EQ(cast.desc.cost().flops, 0);
    EXPECT_DOUBLE_EQ(cast.desc.cost().bytes, 5 * n);
}

TEST(ElementwiseDesc, CostOfBroadcastsConstantsAndDeadNodes)
{
    const double n = 500;
    Expr e(Shape{5, 100});
    const int x0 = e.input(DType::F64);
    const int x1 = e.input(DType::F32, Shape{});                 // broadcast: one element read
    e.input(DType::F64);                                         // never used: not read
    e.unary(ElemOp::Sin, x0);                                    // dead: not computed
    const int scaled = e.binary(ElemOp::Mul, x1, e.constant(2)); // once, not per element
    e.binary(ElemOp::Add, x0, scaled);
    e.type();
    EXPECT_DOUBLE_EQ(e.desc.cost().flops, n + 1);
    EXPECT_DOUBLE_EQ(e.desc.cost().bytes, 8 * n + 4 + 8 * n);

    Expr zeros(Shape{7, 7}); // creation: only the output is written
    zeros.cast(zeros.constant(0), DType::U16);
    zeros.type();
    EXPECT_DOUBLE_EQ(zeros.desc.cost().flops, 0);
    EXPECT_DOUBLE_EQ(zeros.desc.cost().bytes, 2 * 49);

    Expr arange(Shape{100}); // Index varies per element
    arange.binary(ElemOp::Mul, arange.index(), arange.constant(0.5));
    arange.type();
    EXPECT_DOUBLE_EQ(arange.desc.cost().flops, 100);
}

} // namespace
