// Elementwise expressions: the DAG checks, the dtype of every node by the rules in wb/ops.h,
// the cost, and the canonical text that the GPU's kernel cache is keyed on.

#include <wb/error.h>
#include <wb/ops.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace wb {

namespace {

constexpr int kOpCount = static_cast<int>(ElemOp::Where) + 1;

bool knownOp(ElemOp op) { return static_cast<int>(op) < kOpCount; }
bool knownDType(DType dtype) { return static_cast<int>(dtype) <= static_cast<int>(DType::C128); }

std::string str(DType dtype) { return std::string(name(dtype)); }

bool isComparison(ElemOp op) { return op >= ElemOp::Equal && op <= ElemOp::GreaterEqual; }
bool isOrdering(ElemOp op) { return op >= ElemOp::Less && op <= ElemOp::GreaterEqual; }

// An integer constant is a finite integer value not marked as written with a point.
bool isFloatConstant(const ElemNode& node)
{
    return node.floatConstant || !std::isfinite(node.constant) || node.constant != std::trunc(node.constant);
}

bool fitsInteger(double value, DType dtype)
{
    switch (dtype) {
    case DType::U8: return value >= 0 && value <= 255;
    case DType::U16: return value >= 0 && value <= 65535;
    case DType::I32: return value >= -2147483648.0 && value <= 2147483647.0;
    default: return false;
    }
}

// Integers print exactly (|v| >= 2^63 with every digit); floats shortest round-trip, with
// ".0" where that alone would read as an integer.
std::string constantText(const ElemNode& node)
{
    const double value = node.constant;
    char buffer[512];
    if (!isFloatConstant(node)) {
        if (value == 0)
            return std::signbit(value) ? "-0" : "0";
        if (std::fabs(value) < 0x1p63) {
            const auto end = std::to_chars(buffer, buffer + sizeof buffer, static_cast<long long>(value)).ptr;
            return std::string(buffer, end);
        }
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
        return buffer;
    }
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    std::string text(buffer, end);
    if (text.find_first_of(".en") == std::string::npos) // "2" -> "2.0"; "1e+20", "inf", "nan" stay
        text += ".0";
    return text;
}

// Sets node dtypes in order. Constants are typed by their users (meet()), so a Constant's
// dtype is final only once every node is typed.
class Typer {
public:
    explicit Typer(ElementwiseDesc& desc)
        : m_desc(desc)
        , m_nodes(desc.nodes)
        , m_takenBy(desc.nodes.size(), -1)
    {
    }

    DType infer(int i)
    {
        const ElemNode& node = m_nodes[static_cast<std::size_t>(i)];
        switch (node.op) {
        case ElemOp::Input: return m_desc.inputs[static_cast<std::size_t>(node.input)];
        case ElemOp::Constant: return DType::F64; // until a user decides (take())
        case ElemOp::Index: return DType::F64;
        case ElemOp::Cast: {
            const DType from = alone(node.a, i);
            if (!knownDType(node.castTo))
                fail(ErrorCode::InvalidArgument,
                     label(i) + " casts to an unknown dtype (" + std::to_string(static_cast<int>(node.castTo)) + ")",
                     context());
            if (isComplex(from) && !isComplex(node.castTo))
                fail(ErrorCode::DTypeMismatch,
                     label(i) + ": converting " + str(from) + " to " + str(node.castTo) +
                         " would drop the imaginary part; use abs(), real() or angle() first",
                     context());
            return node.castTo;
        }
        case ElemOp::Where: alone(node.a, i); return meet(node.b, node.c, i);
        default: break;
        }
        if (arity(node.op) == 1)
            return unary(i, alone(node.a, i));
        const DType common = meet(node.a, node.b, i);
        if (isComplex(common) &&
            (node.op == ElemOp::Pow || node.op == ElemOp::Minimum || node.op == ElemOp::Maximum || isOrdering(node.op)))
            refuse(i, common, "integer and real operands (complex numbers have no order)");
        if (isComparison(node.op))
            return DType::U8;
        if ((node.op == ElemOp::Div || node.op == ElemOp::Pow) && isInteger(common))
            return DType::F32;
        return common;
    }

    // Constants no node used keep f64.
    void finish()
    {
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].op == ElemOp::Constant && m_takenBy[i] < 0)
                m_nodes[i].dtype = DType::F64;
        }
    }

    static ErrorContext context() { return {.op = "elementwise"}; }

    std::string label(int i) const
    {
        return "node " + std::to_string(i) + " (" + std::string(name(m_nodes[static_cast<std::size_t>(i)].op)) + ")";
    }

private:
    DType unary(int i, DType t) const
    {
        const ElemOp op = m_nodes[static_cast<std::size_t>(i)].op;
        switch (op) {
        case ElemOp::Neg:
        case ElemOp::Conj: return t;
        case ElemOp::Abs:
        case ElemOp::Real:
        case ElemOp::Imag: return realPart(t);
        case ElemOp::Angle: return isInteger(t) ? DType::F32 : realPart(t);
        case ElemOp::Floor:
        case ElemOp::Ceil:
        case ElemOp::Round:
            if (isComplex(t))
                refuse(i, t, "integer and real operands");
            return t;
        default: break; // the math functions
        }
        if (isComplex(t))
            refuse(i, t, "integer and real operands");
        return isInteger(t) ? DType::F32 : t;
    }

    [[noreturn]] void refuse(int i, DType t, const char* takes) const
    {
        fail(ErrorCode::DTypeMismatch,
             std::string(name(m_nodes[static_cast<std::size_t>(i)].op)) + " does not take " + str(t) + " (node " +
                 std::to_string(i) + "); it takes " + takes,
             context());
    }

    bool weak(int j) const { return m_nodes[static_cast<std::size_t>(j)].op == ElemOp::Constant; }

    // Operand j of node `user` that meets no other operand: a Constant is f64 there.
    DType alone(int j, int user)
    {
        if (weak(j))
            take(j, DType::F64, user);
        return m_nodes[static_cast<std::size_t>(j)].dtype;
    }

    // The dtype operands x and y of node `user` meet in; weak constants take a dtype here.
    DType meet(int x, int y, int user)
    {
        const bool weakX = weak(x);
        const bool weakY = weak(y);
        if (!weakX && !weakY)
            return promoteTypes(m_nodes[static_cast<std::size_t>(x)].dtype, m_nodes[static_cast<std::size_t>(y)].dtype);
        if (weakX && weakY) {
            take(x, DType::F64, user);
            take(y, DType::F64, user);
            return DType::F64;
        }
        const int constant = weakX ? x : y;
        const DType strong = m_nodes[static_cast<std::size_t>(weakX ? y : x)].dtype;
        const ElemNode& node = m_nodes[static_cast<std::size_t>(constant)];
        DType taken = strong;
        if (isInteger(strong)) {
            if (isFloatConstant(node))
                taken = DType::F32;
            else if (!fitsInteger(node.constant, strong))
                fail(ErrorCode::InvalidArgument,
                     label(user) + ": the integer constant " + constantText(node) + " does not fit " + str(strong) +
                         "; write it as a float or convert the " + str(strong) + " operand first",
                     context());
        }
        take(constant, taken, user);
        return promoteTypes(strong, taken);
    }

    void take(int constant, DType dtype, int user)
    {
        ElemNode& node = m_nodes[static_cast<std::size_t>(constant)];
        int& takenBy = m_takenBy[static_cast<std::size_t>(constant)];
        if (takenBy >= 0 && node.dtype != dtype)
            fail(ErrorCode::InvalidArgument,
                 "constant node " + std::to_string(constant) + " is used as " + str(node.dtype) + " by node " +
                     std::to_string(takenBy) + " and as " + str(dtype) + " by node " + std::to_string(user) +
                     "; give each use its own Constant node",
                 context());
        node.dtype = dtype;
        if (takenBy < 0)
            takenBy = user;
    }

    ElementwiseDesc& m_desc;
    std::vector<ElemNode>& m_nodes;
    std::vector<int> m_takenBy; // per Constant: the first node that decided its dtype
};

// Nodes the result depends on, and how many times each is an operand among them.
struct Reach {
    std::vector<char> reached;
    std::vector<int> uses;
};

Reach reachFrom(const std::vector<ElemNode>& nodes)
{
    Reach reach{std::vector<char>(nodes.size(), 0), std::vector<int>(nodes.size(), 0)};
    if (nodes.empty())
        return reach;
    reach.reached.back() = 1;
    for (std::size_t i = nodes.size(); i-- > 0;) {
        if (!reach.reached[i])
            continue;
        const ElemNode& node = nodes[i];
        const int operands[] = {node.a, node.b, node.c};
        for (int k = 0; k < arity(node.op); ++k) {
            const int j = operands[k];
            if (j >= 0 && static_cast<std::size_t>(j) < i) {
                reach.reached[static_cast<std::size_t>(j)] = 1;
                ++reach.uses[static_cast<std::size_t>(j)];
            }
        }
    }
    return reach;
}

bool isBroadcast(const ElementwiseDesc& desc, int input)
{
    return static_cast<std::size_t>(input) < desc.inputShapes.size() &&
           desc.inputShapes[static_cast<std::size_t>(input)].numel() == 1 && desc.shape.numel() != 1;
}

// Precedence as in the pipeline language (and Python), loosest first.
enum Level : int { kCompare = 1, kAdditive, kMultiplicative, kUnary, kPower, kAtom };

struct Printed {
    std::string text;
    int level = kAtom;
};

const char* infixSymbol(ElemOp op)
{
    switch (op) {
    case ElemOp::Add: return "+";
    case ElemOp::Sub: return "-";
    case ElemOp::Mul: return "*";
    case ElemOp::Div: return "/";
    case ElemOp::Pow: return "**";
    case ElemOp::Equal: return "==";
    case ElemOp::NotEqual: return "!=";
    case ElemOp::Less: return "<";
    case ElemOp::LessEqual: return "<=";
    case ElemOp::Greater: return ">";
    case ElemOp::GreaterEqual: return ">=";
    default: return nullptr;
    }
}

int infixLevel(ElemOp op)
{
    switch (op) {
    case ElemOp::Add:
    case ElemOp::Sub: return kAdditive;
    case ElemOp::Mul:
    case ElemOp::Div: return kMultiplicative;
    case ElemOp::Pow: return kPower;
    default: return kCompare;
    }
}

class Printer {
public:
    explicit Printer(const ElementwiseDesc& desc)
        : m_desc(desc)
        , m_reach(reachFrom(desc.nodes))
        , m_printed(desc.nodes.size())
        , m_done(desc.nodes.size(), 0)
    {
    }

    std::string print()
    {
        if (m_desc.nodes.empty())
            return {};
        // Post-order from the result without recursion: names follow the order in which
        // the text reads, not the node numbering, so reordered equal DAGs print the same.
        std::vector<std::pair<int, bool>> stack{{static_cast<int>(m_desc.nodes.size()) - 1, false}};
        while (!stack.empty()) {
            const auto [i, expanded] = stack.back();
            stack.pop_back();
            if (m_done[static_cast<std::size_t>(i)])
                continue;
            if (!expanded) {
                stack.push_back({i, true});
                const std::vector<int> operands = operandsOf(i);
                for (auto it = operands.rbegin(); it != operands.rend(); ++it) {
                    if (!m_done[static_cast<std::size_t>(*it)])
                        stack.push_back({*it, false});
                }
                continue;
            }
            finishNode(i);
        }
        std::string text;
        for (const std::string& binding : m_bindings)
            text += binding + "; ";
        return text + m_printed.back().text;
    }

private:
    std::vector<int> operandsOf(int i) const
    {
        const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(i)];
        const int all[] = {node.a, node.b, node.c};
        std::vector<int> operands;
        for (int k = 0; k < arity(node.op); ++k) {
            if (all[k] >= 0 && all[k] < i)
                operands.push_back(all[k]);
        }
        return operands;
    }

    // Operand k of node i, in parentheses when it binds looser than `level`.
    std::string operand(int i, int k, int level) const
    {
        const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(i)];
        const int j = k == 0 ? node.a : k == 1 ? node.b : node.c;
        if (j < 0 || j >= i)
            return "?";
        const Printed& printed = m_printed[static_cast<std::size_t>(j)];
        return printed.level < level ? "(" + printed.text + ")" : printed.text;
    }

    void finishNode(int i)
    {
        const auto index = static_cast<std::size_t>(i);
        Printed printed = expression(i);
        const ElemNode& node = m_desc.nodes[index];
        const bool leaf = arity(node.op) == 0;
        if (!leaf && m_reach.uses[index] > 1) {
            const std::string bound = "t" + std::to_string(m_bindings.size());
            m_bindings.push_back(bound + " = " + printed.text);
            printed = {bound, kAtom};
        }
        m_printed[index] = std::move(printed);
        m_done[index] = 1;
    }

    Printed expression(int i) const
    {
        const ElemNode& node = m_desc.nodes[static_cast<std::size_t>(i)];
        switch (node.op) {
        case ElemOp::Input: {
            const std::string x = "x" + std::to_string(node.input);
            return {isBroadcast(m_desc, node.input) ? x + "[0]" : x, kAtom};
        }
        case ElemOp::Constant: {
            const std::string text = constantText(node);
            return {text, text[0] == '-' ? kUnary : kAtom};
        }
        case ElemOp::Index: return {"index()", kAtom};
        case ElemOp::Neg: {
            // "-(2)" keeps neg(2), a strong f64, apart from the weak constant -2.
            const bool ofConstant =
                node.a >= 0 && node.a < i && m_desc.nodes[static_cast<std::size_t>(node.a)].op == ElemOp::Constant;
            if (ofConstant)
                return {"-(" + m_printed[static_cast<std::size_t>(node.a)].text + ")", kUnary};
            return {"-" + operand(i, 0, kUnary), kUnary};
        }
        case ElemOp::Cast: return {"astype(" + operand(i, 0, 0) + ", " + str(node.castTo) + ")", kAtom};
        case ElemOp::Minimum:
        case ElemOp::Maximum:
            return {std::string(name(node.op)) + "(" + operand(i, 0, 0) + ", " + operand(i, 1, 0) + ")", kAtom};
        case ElemOp::Where:
            return {"where(" + operand(i, 0, 0) + ", " + operand(i, 1, 0) + ", " + operand(i, 2, 0) + ")", kAtom};
        default: break;
        }
        if (arity(node.op) == 1)
            return {std::string(name(node.op)) + "(" + operand(i, 0, 0) + ")", kAtom};
        const char* symbol = infixSymbol(node.op);
        if (!symbol)
            return {"?", kAtom};
        const int level = infixLevel(node.op);
        std::string left, right;
        if (level == kCompare) { // comparisons do not chain
            left = operand(i, 0, kAdditive);
            right = operand(i, 1, kAdditive);
        } else if (level == kPower) { // right-associative; a unary minus may follow
            left = operand(i, 0, kAtom);
            right = operand(i, 1, kUnary);
        } else {
            left = operand(i, 0, level);
            right = operand(i, 1, level + 1);
        }
        return {left + " " + symbol + " " + right, level};
    }

    const ElementwiseDesc& m_desc;
    Reach m_reach;
    std::vector<Printed> m_printed;
    std::vector<char> m_done;
    std::vector<std::string> m_bindings;
};

// Floating-point operations of one evaluation of node i (validate() first).
double flopsOf(const ElementwiseDesc& desc, int i)
{
    const ElemNode& node = desc.nodes[static_cast<std::size_t>(i)];
    switch (node.op) {
    case ElemOp::Input:
    case ElemOp::Constant:
    case ElemOp::Index:
    case ElemOp::Cast:
    case ElemOp::Real:
    case ElemOp::Imag:
    case ElemOp::Conj:
    case ElemOp::Where: return 0;
    default: break;
    }
    const DType a = desc.nodes[static_cast<std::size_t>(node.a)].dtype;
    DType compute = node.dtype;
    if (isComparison(node.op))
        compute = promoteTypes(a, desc.nodes[static_cast<std::size_t>(node.b)].dtype);
    else if (node.op == ElemOp::Abs || node.op == ElemOp::Angle)
        compute = isInteger(a) ? node.dtype : a;
    if (isInteger(compute))
        return 0; // integer arithmetic, and Floor/Ceil/Round of integers, are no flops
    if (!isComplex(compute))
        return 1;
    switch (node.op) {
    case ElemOp::Mul: return 6;
    case ElemOp::Div: return 11;
    case ElemOp::Neg:
    case ElemOp::Add:
    case ElemOp::Sub:
    case ElemOp::Equal:
    case ElemOp::NotEqual: return 2;
    default: return 1; // abs, angle
    }
}

} // namespace

std::string_view name(ElemOp op)
{
    switch (op) {
    case ElemOp::Input: return "input";
    case ElemOp::Constant: return "constant";
    case ElemOp::Index: return "index";
    case ElemOp::Neg: return "neg";
    case ElemOp::Abs: return "abs";
    case ElemOp::Sqrt: return "sqrt";
    case ElemOp::Exp: return "exp";
    case ElemOp::Log: return "log";
    case ElemOp::Log1p: return "log1p";
    case ElemOp::Sin: return "sin";
    case ElemOp::Cos: return "cos";
    case ElemOp::Tan: return "tan";
    case ElemOp::Tanh: return "tanh";
    case ElemOp::Floor: return "floor";
    case ElemOp::Ceil: return "ceil";
    case ElemOp::Round: return "round";
    case ElemOp::Real: return "real";
    case ElemOp::Imag: return "imag";
    case ElemOp::Conj: return "conj";
    case ElemOp::Angle: return "angle";
    case ElemOp::Cast: return "astype";
    case ElemOp::Add: return "add";
    case ElemOp::Sub: return "sub";
    case ElemOp::Mul: return "mul";
    case ElemOp::Div: return "div";
    case ElemOp::Pow: return "pow";
    case ElemOp::Minimum: return "minimum";
    case ElemOp::Maximum: return "maximum";
    case ElemOp::Equal: return "equal";
    case ElemOp::NotEqual: return "not_equal";
    case ElemOp::Less: return "less";
    case ElemOp::LessEqual: return "less_equal";
    case ElemOp::Greater: return "greater";
    case ElemOp::GreaterEqual: return "greater_equal";
    case ElemOp::Where: return "where";
    }
    return "?";
}

int arity(ElemOp op)
{
    if (op <= ElemOp::Index)
        return 0;
    if (op <= ElemOp::Cast)
        return 1;
    if (op <= ElemOp::GreaterEqual)
        return 2;
    return op == ElemOp::Where ? 3 : 0;
}

DType promoteTypes(DType a, DType b)
{
    if (a == b)
        return a;
    if (isComplex(a) || isComplex(b)) {
        const bool wide = a == DType::C128 || b == DType::C128 || a == DType::F64 || b == DType::F64;
        return wide ? DType::C128 : DType::C64;
    }
    if (isInteger(a) && isInteger(b)) {
        if (a == DType::I32 || b == DType::I32)
            return DType::I32;
        return DType::U16; // u8 with u16
    }
    if (isInteger(a))
        return b;
    if (isInteger(b))
        return a;
    if (a == DType::F64 || b == DType::F64)
        return DType::F64;
    return DType::F32; // two of f16, bf16, f32
}

void ElementwiseDesc::validate()
{
    const ErrorContext context = Typer::context();
    if (nodes.empty())
        fail(ErrorCode::InvalidArgument, "an elementwise expression needs at least one node", context);
    if (inputShapes.size() != inputs.size())
        fail(ErrorCode::InvalidArgument,
             std::to_string(inputs.size()) + " input dtypes but " + std::to_string(inputShapes.size()) +
                 " input shapes",
             context);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (!knownDType(inputs[k]))
            fail(ErrorCode::InvalidArgument,
                 "input x" + std::to_string(k) + " has an unknown dtype (" +
                     std::to_string(static_cast<int>(inputs[k])) + ")",
                 context);
        if (inputShapes[k] != shape && inputShapes[k].numel() != 1)
            fail(ErrorCode::ShapeMismatch,
                 "input x" + std::to_string(k) + " has shape " + inputShapes[k].toString() + " but the output has " +
                     shape.toString() + "; an input must have the output's shape or hold one element",
                 context);
    }
    Typer typer(*this);
    for (std::size_t index = 0; index < nodes.size(); ++index) {
        const int i = static_cast<int>(index);
        ElemNode& node = nodes[index];
        if (!knownOp(node.op))
            fail(ErrorCode::InvalidArgument,
                 "node " + std::to_string(i) + " has an unknown op (" + std::to_string(static_cast<int>(node.op)) + ")",
                 context);
        const int count = arity(node.op);
        const int operands[] = {node.a, node.b, node.c};
        for (int k = 0; k < 3; ++k) {
            const char field = static_cast<char>('a' + k);
            if (k < count && (operands[k] < 0 || operands[k] >= i))
                fail(ErrorCode::InvalidArgument,
                     typer.label(i) + ": operand " + field + " = " + std::to_string(operands[k]) +
                         " is not an earlier node",
                     context);
            if (k >= count && operands[k] != -1)
                fail(ErrorCode::InvalidArgument,
                     typer.label(i) + " takes " + std::to_string(count) + " operand" + (count == 1 ? "" : "s") +
                         ", but " + field + " is " + std::to_string(operands[k]) + " (unused operands are -1)",
                     context);
        }
        if (node.op == ElemOp::Input) {
            if (node.input < 0 || static_cast<std::size_t>(node.input) >= inputs.size())
                fail(ErrorCode::InvalidArgument,
                     typer.label(i) + " reads input " + std::to_string(node.input) + " of " +
                         std::to_string(inputs.size()),
                     context);
        } else if (node.input != -1) {
            fail(ErrorCode::InvalidArgument,
                 typer.label(i) + " is not an Input node but has input = " + std::to_string(node.input), context);
        }
        node.dtype = typer.infer(i);
    }
    typer.finish();
}

DType ElementwiseDesc::outputDType() const { return nodes.empty() ? DType::F32 : nodes.back().dtype; }

Cost ElementwiseDesc::cost() const
{
    if (nodes.empty())
        return {};
    const double n = static_cast<double>(shape.numel());
    const Reach reach = reachFrom(nodes);
    // A node varies per element when it depends on Index or on an input that is not broadcast.
    std::vector<char> varies(nodes.size(), 0);
    std::vector<char> inputUsed(inputs.size(), 0);
    double flops = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (!reach.reached[i])
            continue;
        const ElemNode& node = nodes[i];
        if (node.op == ElemOp::Input) {
            varies[i] = !isBroadcast(*this, node.input) && shape.numel() != 1;
            inputUsed[static_cast<std::size_t>(node.input)] = 1;
        } else if (node.op == ElemOp::Index) {
            varies[i] = 1;
        }
        const int operands[] = {node.a, node.b, node.c};
        for (int k = 0; k < arity(node.op); ++k)
            varies[i] = varies[i] || varies[static_cast<std::size_t>(operands[k])];
        flops += flopsOf(*this, static_cast<int>(i)) * (varies[i] ? n : std::min(n, 1.0));
    }
    double bytes = n * static_cast<double>(sizeOf(outputDType()));
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        if (inputUsed[k])
            bytes += static_cast<double>(inputShapes[k].numel()) * static_cast<double>(sizeOf(inputs[k]));
    }
    return {flops, bytes};
}

std::string ElementwiseDesc::text() const { return Printer(*this).print(); }

} // namespace wb
