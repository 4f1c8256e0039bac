// The generated elementwise kernels compile cleanly (no error, no warning) with NVRTC for
// sm_90: every op on every dtype ElementwiseDesc::validate() accepts, mixed operand dtypes,
// every cast, broadcast inputs, expressions without inputs and a long chain. No GPU needed.

#include "cuda/elementwise_codegen.h"
#include "cuda/nvrtc_compiler.h"

#include <wb/error.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace wb {
inline void PrintTo(ElemOp op, std::ostream* out) { *out << name(op); }
} // namespace wb

namespace wb::cuda {
namespace {

constexpr const char* kArch = "sm_90";

ElemNode input(int index) { return ElemNode{.op = ElemOp::Input, .input = index}; }
ElemNode constant(double value, bool isFloat = true)
{
    return ElemNode{.op = ElemOp::Constant, .constant = value, .floatConstant = isFloat};
}
ElemNode unary(ElemOp op, int a) { return ElemNode{.op = op, .a = a}; }
ElemNode binary(ElemOp op, int a, int b) { return ElemNode{.op = op, .a = a, .b = b}; }
ElemNode cast(int a, DType to) { return ElemNode{.op = ElemOp::Cast, .a = a, .castTo = to}; }

ElementwiseDesc makeDesc(std::vector<DType> inputs, std::vector<ElemNode> nodes, Shape shape = Shape{37, 5})
{
    ElementwiseDesc desc;
    desc.shape = shape;
    desc.inputShapes.assign(inputs.size(), shape);
    desc.inputs = std::move(inputs);
    desc.nodes = std::move(nodes);
    return desc;
}

std::string describe(const ElementwiseDesc& desc)
{
    std::string text;
    for (DType dtype : desc.inputs)
        text += std::string(name(dtype)) + " ";
    return text + "-> " + desc.text();
}

CompileResult compileKernel(const ElementwiseDesc& desc, std::string* source = nullptr)
{
    CompileRequest request;
    request.source = generateElementwiseKernel(desc).source;
    request.programName = "wb_elementwise.cu";
    request.options = elementwiseCompileOptions();
    request.arch = kArch;
    if (source)
        *source = request.source;
    return compile(request);
}

// Compiles with success and an empty log (NVRTC prints nothing for a clean compile).
::testing::AssertionResult compilesCleanly(const ElementwiseDesc& desc)
{
    std::string source;
    CompileResult result;
    try {
        result = compileKernel(desc, &source);
    } catch (const Error& error) {
        return ::testing::AssertionFailure() << describe(desc) << ": " << error.what();
    }
    if (result.success && result.diagnostics.empty() && result.log.empty() && !result.cubin.empty())
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << describe(desc) << (result.success ? " compiled with messages" : " failed")
                                         << ":\n"
                                         << result.log << "\n--- source ---\n"
                                         << source;
}

// validate() decides what an op accepts; DTypeMismatch means "not accepted", anything
// else thrown is a failure of the test.
bool accepted(ElementwiseDesc& desc)
{
    try {
        desc.validate();
        return true;
    } catch (const Error& error) {
        if (error.code() == ErrorCode::DTypeMismatch)
            return false;
        ADD_FAILURE() << describe(desc) << ": validate() threw " << error.what();
        return false;
    }
}

std::string opName(const ::testing::TestParamInfo<ElemOp>& param) { return std::string(name(param.param)); }

const ElemOp kUnaryOps[] = {ElemOp::Neg,   ElemOp::Abs,  ElemOp::Sqrt, ElemOp::Exp,  ElemOp::Log,   ElemOp::Log1p,
                            ElemOp::Sin,   ElemOp::Cos,  ElemOp::Tan,  ElemOp::Tanh, ElemOp::Floor, ElemOp::Ceil,
                            ElemOp::Round, ElemOp::Real, ElemOp::Imag, ElemOp::Conj, ElemOp::Angle};
const ElemOp kBinaryOps[] = {ElemOp::Add,       ElemOp::Sub,     ElemOp::Mul,         ElemOp::Div,      ElemOp::Pow,
                             ElemOp::Minimum,   ElemOp::Maximum, ElemOp::Equal,       ElemOp::NotEqual, ElemOp::Less,
                             ElemOp::LessEqual, ElemOp::Greater, ElemOp::GreaterEqual};

class UnaryOpTest : public ::testing::TestWithParam<ElemOp> {};

TEST_P(UnaryOpTest, CompilesForEveryAcceptedDType)
{
    std::set<DType> taken;
    for (DType dtype : kAllDTypes) {
        ElementwiseDesc desc = makeDesc({dtype}, {input(0), unary(GetParam(), 0)});
        if (!accepted(desc))
            continue;
        taken.insert(dtype);
        EXPECT_TRUE(compilesCleanly(desc));
    }
    // Every op takes the real dtypes and integers, so the loop above compiled something.
    for (DType dtype : {DType::U8, DType::I32, DType::F16, DType::BF16, DType::F32, DType::F64})
        EXPECT_TRUE(taken.count(dtype)) << name(dtype) << " was refused";
}

INSTANTIATE_TEST_SUITE_P(Ops, UnaryOpTest, ::testing::ValuesIn(kUnaryOps), opName);

// Both operands of every dtype pair: the promotions between them are generated code too.
class BinaryOpTest : public ::testing::TestWithParam<ElemOp> {};

TEST_P(BinaryOpTest, CompilesForEveryAcceptedPairOfDTypes)
{
    int compiled = 0;
    for (DType a : kAllDTypes) {
        for (DType b : kAllDTypes) {
            ElementwiseDesc desc = makeDesc({a, b}, {input(0), input(1), binary(GetParam(), 0, 1)});
            if (!accepted(desc))
                continue;
            ++compiled;
            EXPECT_TRUE(compilesCleanly(desc));
        }
    }
    // Integer and real pairs are taken by every binary op: at least the 7 x 7 of them.
    EXPECT_GE(compiled, 49);
}

// A weak constant on either side, integer and float.
TEST_P(BinaryOpTest, CompilesWithConstantOperands)
{
    for (DType dtype : kAllDTypes) {
        for (const ElemNode& c : {constant(3.0, false), constant(0.25)}) {
            for (bool constantFirst : {false, true}) {
                ElementwiseDesc desc =
                    makeDesc({dtype}, {input(0), c, binary(GetParam(), constantFirst ? 1 : 0, constantFirst ? 0 : 1)});
                if (accepted(desc)) {
                    EXPECT_TRUE(compilesCleanly(desc));
                }
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Ops, BinaryOpTest, ::testing::ValuesIn(kBinaryOps), opName);

TEST(ElementwiseCodegen, WhereCompilesForEveryConditionAndValueDType)
{
    int compiled = 0;
    for (DType condition : kAllDTypes) {
        for (DType value : kAllDTypes) {
            ElementwiseDesc desc =
                makeDesc({condition, value, DType::U8},
                         {input(0), input(1), input(2), ElemNode{.op = ElemOp::Where, .a = 0, .b = 1, .c = 2}});
            if (!accepted(desc))
                continue;
            ++compiled;
            EXPECT_TRUE(compilesCleanly(desc));
        }
    }
    EXPECT_EQ(compiled, 81);
}

TEST(ElementwiseCodegen, CastCompilesForEveryAcceptedPair)
{
    int compiled = 0;
    for (DType from : kAllDTypes) {
        for (DType to : kAllDTypes) {
            ElementwiseDesc desc = makeDesc({from}, {input(0), cast(0, to)});
            if (!accepted(desc))
                continue;
            ++compiled;
            EXPECT_TRUE(compilesCleanly(desc));
        }
    }
    EXPECT_EQ(compiled, 81 - 2 * 7); // all but complex -> real
}

TEST(ElementwiseCodegen, BroadcastInputsAreReadOnceBeforeTheLoop)
{
    for (DType dtype : {DType::U8, DType::F16, DType::F32, DType::C128}) {
        ElementwiseDesc desc = makeDesc({dtype, dtype}, {input(0), input(1), binary(ElemOp::Add, 0, 1)});
        desc.inputShapes[1] = Shape{1, 1};
        ASSERT_TRUE(accepted(desc));
        const ElementwiseKernelSource kernel = generateElementwiseKernel(desc);
        EXPECT_EQ(kernel.broadcast, (std::vector<bool>{false, true}));
        EXPECT_NE(kernel.source.find("in1[0]"), std::string::npos);
        EXPECT_EQ(kernel.source.find("in1[i]"), std::string::npos);
        EXPECT_LT(kernel.source.find("in1[0]"), kernel.source.find("for (long long i"));
        EXPECT_TRUE(compilesCleanly(desc));
    }
}

TEST(ElementwiseCodegen, OneElementOutputReadsItsOneElementInputsInTheLoop)
{
    ElementwiseDesc desc = makeDesc({DType::F32, DType::F32}, {input(0), input(1), binary(ElemOp::Mul, 0, 1)}, Shape{});
    desc.inputShapes[1] = Shape{1};
    ASSERT_TRUE(accepted(desc));
    const ElementwiseKernelSource kernel = generateElementwiseKernel(desc);
    EXPECT_EQ(kernel.broadcast, (std::vector<bool>{false, false}));
    EXPECT_TRUE(compilesCleanly(desc));
}

TEST(ElementwiseCodegen, ExpressionsWithoutInputsCompile)
{
    // zeros(), ones() as u8, arange(), a linspace-like ramp in f16, an impulse.
    std::vector<ElementwiseDesc> descs;
    descs.push_back(makeDesc({}, {constant(0.0, false)}));
    descs.push_back(makeDesc({}, {constant(1.0, false), cast(0, DType::U8)}));
    descs.push_back(makeDesc({}, {ElemNode{.op = ElemOp::Index}}));
    descs.push_back(makeDesc({}, {ElemNode{.op = ElemOp::Index}, constant(0.5), binary(ElemOp::Mul, 0, 1),
                                  constant(-3.0), binary(ElemOp::Add, 2, 3), cast(4, DType::F16)}));
    descs.push_back(
        makeDesc({}, {ElemNode{.op = ElemOp::Index}, constant(0.0), binary(ElemOp::Equal, 0, 1), cast(2, DType::C64)}));
    for (ElementwiseDesc& desc : descs) {
        ASSERT_TRUE(accepted(desc)) << describe(desc);
        EXPECT_TRUE(compilesCleanly(desc));
    }
}

TEST(ElementwiseCodegen, ConstantsAreWrittenExactly)
{
    ElementwiseDesc f64 = makeDesc({DType::F64}, {input(0), constant(0.1), binary(ElemOp::Mul, 0, 1)});
    ASSERT_TRUE(accepted(f64));
    EXPECT_NE(generateElementwiseKernel(f64).source.find("(0x1.999999999999ap-4)"), std::string::npos);
    // An f16 node's constant is the f32 nearest the double, not rounded to 16 bits.
    ElementwiseDesc f16 = makeDesc({DType::F16}, {input(0), constant(0.1), binary(ElemOp::Mul, 0, 1)});
    ASSERT_TRUE(accepted(f16));
    EXPECT_NE(generateElementwiseKernel(f16).source.find("(0x1.99999ap-4f)"), std::string::npos);
    ElementwiseDesc i32 = makeDesc({DType::I32}, {input(0), constant(-7.0, false), binary(ElemOp::Add, 0, 1)});
    ASSERT_TRUE(accepted(i32));
    EXPECT_NE(generateElementwiseKernel(i32).source.find("((int)4294967289u)"), std::string::npos);
}

TEST(ElementwiseCodegen, SpecialConstantsCompile)
{
    const double kInf = std::numeric_limits<double>::infinity();
    for (DType dtype : {DType::F16, DType::F32, DType::F64, DType::C64}) {
        for (double value : {kInf, -kInf, std::nan(""), -0.0, 5e-324, 1e300, -3.5e38, 0x1.fffffep127}) {
            ElementwiseDesc desc = makeDesc({dtype}, {input(0), constant(value), binary(ElemOp::Add, 0, 1)});
            ASSERT_TRUE(accepted(desc)) << value;
            EXPECT_TRUE(compilesCleanly(desc)) << value;
        }
    }
}

// 2 * sin(x0) + x1 * x1 - abs(x0 / 3), then maximum with 0, as f16, with a broadcast x2.
TEST(ElementwiseCodegen, TenOpChainCompiles)
{
    ElementwiseDesc desc =
        makeDesc({DType::F32, DType::F16, DType::F32},
                 {input(0), input(1), input(2), unary(ElemOp::Sin, 0), constant(2.0), binary(ElemOp::Mul, 4, 3),
                  binary(ElemOp::Mul, 1, 1), binary(ElemOp::Add, 5, 6), constant(3.0), binary(ElemOp::Div, 0, 8),
                  unary(ElemOp::Abs, 9), binary(ElemOp::Sub, 7, 10), binary(ElemOp::Maximum, 11, 2),
                  cast(12, DType::F16), unary(ElemOp::Tanh, 13)});
    desc.inputShapes[2] = Shape{};
    ASSERT_TRUE(accepted(desc));
    EXPECT_TRUE(compilesCleanly(desc));
}

TEST(ElementwiseCodegen, NodesTheResultDoesNotUseAreLeftOut)
{
    ElementwiseDesc desc = makeDesc({DType::F32}, {input(0), unary(ElemOp::Exp, 0), unary(ElemOp::Sin, 0)});
    ASSERT_TRUE(accepted(desc));
    const std::string source = generateElementwiseKernel(desc).source;
    EXPECT_EQ(source.find("wb_exp(v0)"), std::string::npos);
    EXPECT_NE(source.find("wb_sin(v0)"), std::string::npos);
    EXPECT_TRUE(compilesCleanly(desc)); // no "never referenced" warning
}

TEST(ElementwiseCodegen, RefusesMoreInputsThanAKernelTakes)
{
    std::vector<DType> inputs(kMaxElementwiseInputs + 1, DType::F32);
    std::vector<ElemNode> nodes;
    for (int i = 0; i <= kMaxElementwiseInputs; ++i)
        nodes.push_back(input(i));
    nodes.push_back(binary(ElemOp::Add, 0, kMaxElementwiseInputs));
    ElementwiseDesc desc = makeDesc(inputs, nodes);
    ASSERT_TRUE(accepted(desc));
    try {
        generateElementwiseKernel(desc);
        ADD_FAILURE() << "no error";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::Unsupported) << error.what();
    }
}

TEST(ElementwiseCodegen, ManyInputsCompile)
{
    std::vector<DType> inputs;
    std::vector<ElemNode> nodes;
    for (int i = 0; i < 40; ++i) {
        inputs.push_back(kAllDTypes[i % 7]); // integers and reals
        nodes.push_back(input(i));
    }
    int sum = 0;
    for (int i = 1; i < 40; ++i) {
        nodes.push_back(binary(ElemOp::Add, sum, i));
        sum = static_cast<int>(nodes.size()) - 1;
    }
    ElementwiseDesc desc = makeDesc(inputs, nodes);
    ASSERT_TRUE(accepted(desc));
    EXPECT_TRUE(compilesCleanly(desc));
}

} // namespace
} // namespace wb::cuda
