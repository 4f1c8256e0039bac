// The generated elementwise programs compile cleanly (no error, no warning) with NVRTC for
// sm_90, each with its vector and scalar kernels at both index widths: every op on every
// dtype ElementwiseDesc::validate() accepts, mixed operand dtypes, every cast, broadcast
// inputs, expressions without inputs and a long chain. Also the layout the host relies on
// (vector width and alignment per array, mixed widths, the vector path's address check),
// one program for every element count, and the measured f32 chain's registers and vector
// loads. No GPU needed.

#include "cuda/elementwise_codegen.h"
#include "cuda/nvrtc_compiler.h"

#include <wb/error.h>
#include <wb/ops.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

CompileResult compileKernel(const ElementwiseDesc& desc, std::string* source = nullptr, bool wantPtx = false,
                            const std::vector<std::string>& moreOptions = {})
{
    CompileRequest request;
    request.source = generateElementwiseKernel(desc).source;
    request.programName = "wb_elementwise.cu";
    request.options = elementwiseCompileOptions();
    request.options.insert(request.options.end(), moreOptions.begin(), moreOptions.end());
    request.arch = kArch;
    request.wantPtx = wantPtx;
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

// The PTX of one kernel of a program: from its .entry to the next one.
std::string entryPtx(const std::string& ptx, const std::string& kernel)
{
    const std::size_t begin = ptx.find(".entry " + kernel + "(");
    if (begin == std::string::npos)
        return {};
    return ptx.substr(begin, ptx.find(".entry ", begin + 1) - begin);
}

int occurrences(const std::string& text, const std::string& what)
{
    int count = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++count;
    return count;
}

const std::string kAllKernels[] = {"wb_elementwise_scalar32", "wb_elementwise_scalar64", "wb_elementwise_vector32",
                                   "wb_elementwise_vector64"};

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
        EXPECT_EQ(kernel.layout.broadcast, (std::vector<bool>{false, true}));
        EXPECT_EQ(kernel.layout.inputAlignment[1], 0u) << "a broadcast input needs no alignment";
        EXPECT_NE(kernel.source.find("in1[0]"), std::string::npos);
        EXPECT_EQ(kernel.source.find("in1[i]"), std::string::npos);
        EXPECT_EQ(kernel.source.find("a1["), std::string::npos) << "a broadcast input is not loaded as vectors";
        EXPECT_LT(kernel.source.find("in1[0]"), kernel.source.find("for (Index tile"));
        EXPECT_TRUE(compilesCleanly(desc));
    }
}

TEST(ElementwiseCodegen, OneElementOutputReadsItsOneElementInputsInTheLoop)
{
    ElementwiseDesc desc = makeDesc({DType::F32, DType::F32}, {input(0), input(1), binary(ElemOp::Mul, 0, 1)}, Shape{});
    desc.inputShapes[1] = Shape{1};
    ASSERT_TRUE(accepted(desc));
    const ElementwiseKernelSource kernel = generateElementwiseKernel(desc);
    EXPECT_EQ(kernel.layout.broadcast, (std::vector<bool>{false, false}));
    EXPECT_EQ(kernel.layout.inputAlignment, (std::vector<std::size_t>{16, 16}));
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

// ((((x * 1.5 + 0.5) * x - 0.25) / (x + 2)) * 3 - x) * 0.5 + 1: ten ops, one division.
ElementwiseDesc roundedChain(DType dtype, Shape shape = Shape{37, 5})
{
    return makeDesc({dtype},
                    {input(0), constant(1.5), binary(ElemOp::Mul, 0, 1), constant(0.5), binary(ElemOp::Add, 2, 3),
                     binary(ElemOp::Mul, 4, 0), constant(0.25), binary(ElemOp::Sub, 5, 6), constant(2.0),
                     binary(ElemOp::Add, 0, 8), binary(ElemOp::Div, 7, 9), constant(3.0), binary(ElemOp::Mul, 10, 11),
                     binary(ElemOp::Sub, 12, 0), constant(0.5), binary(ElemOp::Mul, 13, 14), constant(1.0),
                     binary(ElemOp::Add, 15, 16)},
                    shape);
}

::testing::AssertionResult sameLayout(const ElementwiseLayout& a, const ElementwiseLayout& b)
{
    if (a.broadcast == b.broadcast && a.vectorWidth == b.vectorWidth && a.inputAlignment == b.inputAlignment &&
        a.outputAlignment == b.outputAlignment)
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "widths " << a.vectorWidth << " and " << b.vectorWidth;
}

// One dtype throughout: a vector is 16 bytes of it, and the program has the vector kernels
// (with vector loads and stores) unless an element is 16 bytes itself.
TEST(ElementwiseCodegen, VectorsAreSixteenBytesOfEveryDType)
{
    for (DType dtype : kAllDTypes) {
        SCOPED_TRACE(std::string(name(dtype)));
        ElementwiseDesc desc = makeDesc({dtype, dtype}, {input(0), input(1), binary(ElemOp::Add, 0, 1)});
        ASSERT_TRUE(accepted(desc));
        const ElementwiseKernelSource kernel = generateElementwiseKernel(desc);
        const int width = static_cast<int>(16 / sizeOf(dtype));
        EXPECT_EQ(kernel.layout.vectorWidth, width);
        EXPECT_EQ(kernel.layout.inputAlignment, (std::vector<std::size_t>{16, 16}));
        EXPECT_EQ(kernel.layout.outputAlignment, 16u);
        EXPECT_TRUE(sameLayout(elementwiseLayout(desc), kernel.layout));
        const std::vector<std::string> names = elementwiseKernelNames(kernel.layout);
        EXPECT_EQ(names.size(), width > 1 ? 4u : 2u);

        std::string source;
        const CompileResult result = compileKernel(desc, &source, true);
        ASSERT_TRUE(result.success && result.log.empty()) << result.log << "\n--- source ---\n" << source;
        for (const std::string& kernelName : kAllKernels) {
            const bool listed = std::find(names.begin(), names.end(), kernelName) != names.end();
            EXPECT_EQ(!entryPtx(result.ptx, kernelName).empty(), listed) << kernelName;
        }
        if (width > 1) {
            const std::string vector = entryPtx(result.ptx, "wb_elementwise_vector32");
            EXPECT_NE(vector.find("ld.global.v"), std::string::npos) << vector;
            EXPECT_NE(vector.find("st.global.v"), std::string::npos) << vector;
        }
        if (!isComplex(dtype)) { // a complex element is a float2 or double2 even one at a time
            const std::string scalar = entryPtx(result.ptx, "wb_elementwise_scalar32");
            EXPECT_EQ(scalar.find("ld.global.v"), std::string::npos) << scalar;
            EXPECT_EQ(scalar.find("st.global.v"), std::string::npos) << scalar;
        }
    }
}

// The widest array the kernel streams sets the width; each array moves that many of its own
// elements, so it needs that many of its own elements' alignment. Broadcast and unused
// inputs are not streamed.
TEST(ElementwiseCodegen, MixedWidthsMoveEachArrayInItsOwnElements)
{
    struct Case {
        const char* what;
        ElementwiseDesc desc;
        int width;
        std::vector<std::size_t> inputAlignment;
        std::size_t outputAlignment;
    };
    ElementwiseDesc broadcast = makeDesc({DType::U8, DType::F64}, {input(0), input(1), binary(ElemOp::Less, 0, 1)});
    broadcast.inputShapes[1] = Shape{};
    std::vector<Case> cases;
    cases.push_back({"u8 + f32",
                     makeDesc({DType::U8, DType::F32}, {input(0), input(1), binary(ElemOp::Add, 0, 1)}),
                     4,
                     {4, 16},
                     16});
    cases.push_back({"f64 as u8", makeDesc({DType::F64}, {input(0), cast(0, DType::U8)}), 2, {16}, 2});
    cases.push_back({"u8 as f64", makeDesc({DType::U8}, {input(0), cast(0, DType::F64)}), 2, {2}, 16});
    cases.push_back({"f16 as c128", makeDesc({DType::F16}, {input(0), cast(0, DType::C128)}), 1, {2}, 16});
    cases.push_back({"u8 < f64[0]", broadcast, 16, {16, 0}, 16});
    cases.push_back({"-x1, x0 unused",
                     makeDesc({DType::F64, DType::U8}, {input(0), input(1), unary(ElemOp::Neg, 1)}),
                     16,
                     {0, 16},
                     16});
    cases.push_back({"index() + i32",
                     makeDesc({DType::I32}, {ElemNode{.op = ElemOp::Index}, input(0), binary(ElemOp::Add, 0, 1)}),
                     2,
                     {8},
                     16});
    for (Case& c : cases) {
        SCOPED_TRACE(c.what);
        ASSERT_TRUE(accepted(c.desc));
        const ElementwiseKernelSource kernel = generateElementwiseKernel(c.desc);
        EXPECT_EQ(kernel.layout.vectorWidth, c.width);
        EXPECT_EQ(kernel.layout.inputAlignment, c.inputAlignment);
        EXPECT_EQ(kernel.layout.outputAlignment, c.outputAlignment);
        EXPECT_TRUE(sameLayout(elementwiseLayout(c.desc), kernel.layout));
        for (std::size_t k = 0; k < c.inputAlignment.size(); ++k) {
            const bool loaded = kernel.source.find("a" + std::to_string(k) + "[u] = wb_load") != std::string::npos;
            EXPECT_EQ(loaded, c.inputAlignment[k] != 0) << "input " << k;
        }
        std::string source;
        const CompileResult result = compileKernel(c.desc, &source, true);
        ASSERT_TRUE(result.success && result.log.empty()) << result.log << "\n--- source ---\n" << source;
        if (c.width > 1) {
            const std::string vector = entryPtx(result.ptx, "wb_elementwise_vector32");
            EXPECT_NE(vector.find("ld.global.v"), std::string::npos) << vector;
            EXPECT_NE(vector.find("st.global.v"), std::string::npos) << vector;
        }
    }
}

// The count only picks a kernel and a grid: one program (one compile) for every size.
TEST(ElementwiseCodegen, TheProgramIsTheSameForEveryElementCount)
{
    ElementwiseDesc first = roundedChain(DType::F32, Shape{4001});
    ASSERT_TRUE(accepted(first));
    const std::string source = generateElementwiseKernel(first).source;
    for (const Shape& shape :
         {Shape{1}, Shape{3}, Shape{4}, Shape{4002}, Shape{4003}, Shape{33, 65}, Shape{std::int64_t{1} << 20, 2049}}) {
        ElementwiseDesc desc = roundedChain(DType::F32, shape);
        ASSERT_TRUE(accepted(desc));
        EXPECT_EQ(generateElementwiseKernel(desc).source, source) << shape.toString();
    }
}

// The f32 chain that was measured: each kernel fits 8 blocks of 256 threads per SM (at most
// 32 registers) and spills nothing, and the vector kernel moves two 16-byte vectors in and
// out per tile.
TEST(ElementwiseCodegen, TheMeasuredChainKeepsFullOccupancyWithoutSpills)
{
    ElementwiseDesc desc = roundedChain(DType::F32);
    ASSERT_TRUE(accepted(desc));
    const CompileResult result = compileKernel(desc, nullptr, true, {"--ptxas-options=-v"});
    ASSERT_TRUE(result.success) << result.log;
    for (const std::string& kernelName : kAllKernels) {
        SCOPED_TRACE(kernelName);
        const std::size_t at = result.log.find("Compiling entry function '" + kernelName + "'");
        ASSERT_NE(at, std::string::npos) << result.log;
        const std::size_t end = result.log.find("Compiling entry function", at + 1);
        const std::string report = result.log.substr(at, end == std::string::npos ? end : end - at);
        EXPECT_NE(report.find("0 bytes spill stores, 0 bytes spill loads"), std::string::npos) << report;
        const std::size_t used = report.find("Used ");
        ASSERT_NE(used, std::string::npos) << report;
        EXPECT_LE(std::stoi(report.substr(used + 5)), 32) << report;
    }
    const std::string vector = entryPtx(result.ptx, "wb_elementwise_vector32");
    EXPECT_EQ(occurrences(vector, "ld.global.v4."), 2) << vector;
    EXPECT_EQ(occurrences(vector, "st.global.v4."), 2) << vector;
}

TEST(ElementwiseCodegen, KernelNamesAndIndexWidths)
{
    EXPECT_EQ(elementwiseKernelName(true, false), "wb_elementwise_vector32");
    EXPECT_EQ(elementwiseKernelName(false, true), "wb_elementwise_scalar64");
    ElementwiseLayout layout;
    EXPECT_EQ(elementwiseKernelNames(layout), (std::vector<std::string>{kAllKernels[0], kAllKernels[1]}));
    layout.vectorWidth = 4;
    EXPECT_EQ(elementwiseKernelNames(layout),
              (std::vector<std::string>(std::begin(kAllKernels), std::end(kAllKernels))));
    EXPECT_FALSE(elementwiseWideIndex(0));
    EXPECT_FALSE(elementwiseWideIndex(std::int64_t{1} << 28));
    EXPECT_FALSE(elementwiseWideIndex((std::int64_t{1} << 31) - 1));
    EXPECT_TRUE(elementwiseWideIndex(std::int64_t{1} << 31));
    EXPECT_TRUE(elementwiseWideIndex(std::int64_t{1} << 40));
}

const void* address(std::uintptr_t value) { return reinterpret_cast<const void*>(value); }

// u8 + f32 with a broadcast f64: the u8 input needs 4-byte alignment, the f32 input and the
// output 16, the broadcast input none.
TEST(ElementwiseCodegen, TheVectorPathNeedsEveryStreamedArrayAligned)
{
    ElementwiseDesc desc = makeDesc({DType::U8, DType::F32, DType::F64}, {input(0), input(1), binary(ElemOp::Add, 0, 1),
                                                                          input(2), binary(ElemOp::Mul, 2, 3)});
    desc.inputShapes[2] = Shape{1};
    ASSERT_TRUE(accepted(desc));
    const ElementwiseLayout layout = elementwiseLayout(desc);
    ASSERT_EQ(layout.vectorWidth, 2); // the f64 result
    ASSERT_EQ(layout.inputAlignment, (std::vector<std::size_t>{2, 8, 0}));
    ASSERT_EQ(layout.outputAlignment, 16u);
    auto fits = [&](std::uintptr_t a, std::uintptr_t b, std::uintptr_t c, std::uintptr_t out) {
        const void* inputs[] = {address(a), address(b), address(c)};
        return fitsVectorPath(layout, inputs, address(out));
    };
    EXPECT_TRUE(fits(0x1000, 0x2000, 0x3000, 0x4000));
    EXPECT_TRUE(fits(0x1002, 0x2008, 0x3001, 0x4010)); // each on a multiple of its vector
    EXPECT_FALSE(fits(0x1001, 0x2000, 0x3000, 0x4000));
    EXPECT_FALSE(fits(0x1000, 0x2004, 0x3000, 0x4000));
    EXPECT_FALSE(fits(0x1000, 0x2000, 0x3000, 0x4008));
    const void* two[] = {address(0x1000), address(0x2000)};
    EXPECT_FALSE(fitsVectorPath(layout, two, address(0x4000))); // not the prepared inputs

    // f32 throughout: 16 bytes each; and c128, which has no vector kernels at all.
    ElementwiseDesc f32 = makeDesc({DType::F32}, {input(0), unary(ElemOp::Neg, 0)});
    ElementwiseDesc c128 = makeDesc({DType::C128}, {input(0), unary(ElemOp::Neg, 0)});
    ASSERT_TRUE(accepted(f32) && accepted(c128));
    const void* aligned[] = {address(0x1000)};
    const void* offByOne[] = {address(0x1004)};
    EXPECT_TRUE(fitsVectorPath(elementwiseLayout(f32), aligned, address(0x2000)));
    EXPECT_FALSE(fitsVectorPath(elementwiseLayout(f32), offByOne, address(0x2000)));
    EXPECT_FALSE(fitsVectorPath(elementwiseLayout(f32), aligned, address(0x200c)));
    EXPECT_FALSE(fitsVectorPath(elementwiseLayout(c128), aligned, address(0x2000)));
}

} // namespace
} // namespace wb::cuda
