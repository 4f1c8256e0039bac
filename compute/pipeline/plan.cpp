#include "plan.h"

#include "launch_plan.h"

#include <wb/error.h>
#include <wb/op_registry.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace wb::pipeline {

namespace {

// A diagnostic that ends lowering of the current statement.
struct Refusal {
    SourceLocation location;
    std::string message;
};

// A statement that uses the name of an earlier statement that could not be lowered: the
// earlier diagnostic says it all.
struct Skipped {};

// Arguments of a call by parameter name; the variadic first parameter keeps all of its
// positional arguments. The checker has already refused every mismatch.
struct BoundArguments {
    std::vector<const Expression*> variadic;
    std::map<std::string, const Expression*> byName;

    const Expression* find(const std::string& name) const
    {
        const auto it = byName.find(name);
        return it == byName.end() ? nullptr : it->second;
    }
};

BoundArguments bind(const Call& call, const OpInfo& op)
{
    BoundArguments bound;
    std::size_t param = 0;
    for (const Argument& argument : call.arguments) {
        if (!argument.keyword.empty()) {
            bound.byName[argument.keyword] = argument.value.get();
            continue;
        }
        const bool intNext = op.params.size() > 1 && op.params[0].type == ParamType::Int;
        const bool isNumber = std::holds_alternative<Number>(argument.value->node);
        if (op.variadic && param == 0 && (!intNext || isNumber)) {
            bound.variadic.push_back(argument.value.get());
            continue;
        }
        if (op.variadic && param == 0)
            param = 1;
        bound.byName[op.params[param++].name] = argument.value.get();
    }
    if (!op.variadic || bound.variadic.empty())
        return bound;
    bound.byName[op.params[0].name] = bound.variadic.front();
    return bound;
}

double numberOf(const Expression& expression)
{
    if (const auto* negation = std::get_if<Negation>(&expression.node))
        return -numberOf(*negation->operand);
    return std::get<Number>(expression.node).value;
}

// A Size argument: n for n x n, or (w, h); `fallback` when it is not given.
std::pair<int, int> sizeOf(const Expression* expression, int fallback)
{
    if (!expression)
        return {fallback, fallback};
    if (const auto* tuple = std::get_if<Tuple>(&expression->node))
        return {static_cast<int>(numberOf(*tuple->elements.at(0).value)),
                static_cast<int>(numberOf(*tuple->elements.at(1).value))};
    const int n = static_cast<int>(numberOf(*expression));
    return {n, n};
}

// A Matrix argument (checked: rectangular, numbers only) into desc's kernel and its sizes:
// a tuple of rows, or one row.
void matrixOf(const Expression& expression, Conv2dDesc& desc)
{
    const auto& rows = std::get<Tuple>(expression.node).elements;
    const bool oneRow = !std::holds_alternative<Tuple>(rows.front().value->node);
    desc.kernel.clear();
    desc.kernelHeight = oneRow ? 1 : static_cast<int>(rows.size());
    for (const Argument& row : rows) {
        if (oneRow) {
            desc.kernel.push_back(numberOf(*row.value));
            continue;
        }
        for (const Argument& entry : std::get<Tuple>(row.value->node).elements)
            desc.kernel.push_back(numberOf(*entry.value));
    }
    desc.kernelWidth = static_cast<int>(desc.kernel.size()) / desc.kernelHeight;
}

std::string wordOf(const Expression& expression)
{
    if (const auto* name = std::get_if<Name>(&expression.node))
        return name->name;
    return std::get<String>(expression.node).value;
}

class Planner {
public:
    Planner(const RunOptions& options)
        : m_options(options)
    {
    }

    Plan take(const Program& program)
    {
        for (const Statement& statement : program.statements) {
            try {
                lowerStatement(statement);
            } catch (const Skipped&) {
            } catch (const Refusal& refusal) {
                m_plan.diagnostics.push_back({Severity::Error, refusal.location, 1, refusal.message});
            } catch (const Error& error) {
                m_plan.diagnostics.push_back({Severity::Error, statement.location, 1, error.message()});
            }
        }
        return std::move(m_plan);
    }

private:
    void lowerStatement(const Statement& statement)
    {
        m_statement = &statement;
        if (const auto* call = std::get_if<Call>(&statement.value->node); call && findOp(call->function)->isSink()) {
            lowerSink(*call, *statement.value);
            return;
        }
        const int value = lower(*statement.value, statement.target.value_or(toString(*statement.value)));
        if (!statement.target)
            return;
        m_names[*statement.target] = value;
        const PlanValue& planned = m_plan.values[static_cast<std::size_t>(value)];
        m_plan.names.push_back({*statement.target, statement.targetLocation, planned.shape, planned.dtype});
    }

    void lowerSink(const Call& call, const Expression& expression)
    {
        const OpInfo& op = *findOp(call.function);
        const BoundArguments args = bind(call, op);
        if (call.function == "show") {
            for (const Expression* shown : args.variadic)
                m_plan.sinks.push_back({Sink::Kind::Show, toString(*shown), shown->location, lowerNamed(*shown)});
            return;
        }
        const Expression& x = *args.find("x");
        Sink sink{call.function == "save" ? Sink::Kind::Save : Sink::Kind::Check, toString(x), expression.location,
                  lowerNamed(x)};
        if (sink.kind == Sink::Kind::Save) {
            sink.path = resolve(wordOf(*args.find("path")));
        } else {
            const Expression* rtol = args.find("rtol");
            const Expression* atol = args.find("atol");
            sink.rtol = rtol ? numberOf(*rtol) : 1e-3;
            sink.atol = atol ? numberOf(*atol) : 0.0;
            if (const Expression* reference = args.find("ref")) {
                sink.reference = lowerNamed(*reference);
                const PlanValue& of = m_plan.values[static_cast<std::size_t>(sink.value)];
                const PlanValue& ref = m_plan.values[static_cast<std::size_t>(sink.reference)];
                if (of.shape != ref.shape)
                    throw Refusal{reference->location, "check() compares arrays of one shape: " + of.shape.toString() +
                                                           " against ref " + ref.shape.toString()};
            }
        }
        m_plan.sinks.push_back(sink);
    }

    int lowerNamed(const Expression& expression) { return lower(expression, toString(expression)); }

    // Errors of an op (a dtype it does not take, a bad size) point at its call.
    int lower(const Expression& expression, const std::string& label)
    {
        try {
            return lowerExpression(expression, label);
        } catch (const Error& error) {
            throw Refusal{expression.location, error.message()};
        }
    }

    int lowerExpression(const Expression& expression, const std::string& label)
    {
        if (const auto* name = std::get_if<Name>(&expression.node)) {
            const auto found = m_names.find(name->name);
            if (found == m_names.end())
                throw Skipped{}; // its statement failed and has its own diagnostic
            return found->second;
        }
        if (const auto* binary = std::get_if<Binary>(&expression.node)) {
            if (binary->op == BinaryOperator::MatMul) {
                const int a = lowerNamed(*binary->left);
                const int b = lowerNamed(*binary->right);
                return addStep(label, matmul(a, b, Precision::Default), {a, b}, binary->operatorLocation);
            }
            const Operand left = operand(*binary->left);
            const Operand right = operand(*binary->right);
            if (std::holds_alternative<Literal>(left) && std::holds_alternative<Literal>(right))
                return constantStep(label, fold(binary->op, std::get<Literal>(left), std::get<Literal>(right)),
                                    expression.location);
            return lowerElementwise(label, binaryOp(binary->op), {left, right}, binary->operatorLocation);
        }
        if (const auto* number = std::get_if<Number>(&expression.node))
            return constantStep(label, Literal{number->value, !number->isInteger}, expression.location);
        if (const auto* negation = std::get_if<Negation>(&expression.node)) {
            const Operand inner = operand(*negation->operand);
            if (const Literal* number = std::get_if<Literal>(&inner))
                return constantStep(label, Literal{-number->value, number->isFloat}, expression.location);
            return lowerElementwise(label, ElemOp::Neg, {inner}, expression.location);
        }
        const auto* call = std::get_if<Call>(&expression.node);
        if (!call)
            throw Refusal{expression.location, "'" + toString(expression) + "' is not an array"};
        const OpInfo& op = *findOp(call->function);
        const BoundArguments args = bind(*call, op);
        const std::string& f = call->function;
        const SourceLocation at = expression.location;
        if (f == "rand" || f == "randn")
            return addStep(label, random(f == "randn", args), {}, at);
        if (f == "load")
            return addStep(label, load(args), {}, at);
        if (f == "test_hang" || f == "test_gpu_fault" || f == "test_gpu_hang")
            return addStep(label, testStep(f, args), {}, at);
        if (f == "launch")
            return launch(label, *call, at);
        if (const auto creation = creationOp(f, args))
            return addStep(label, *creation, {}, at);
        if (const auto unaryCode = unaryElemOp(f))
            return elementwise(label, *unaryCode, {args.find("x")}, at);
        if (f == "minimum" || f == "maximum")
            return elementwise(label, f == "minimum" ? ElemOp::Minimum : ElemOp::Maximum,
                               {args.find("a"), args.find("b")}, at);
        if (f == "where")
            return elementwise(label, ElemOp::Where, {args.find("cond"), args.find("a"), args.find("b")}, at);
        const int x = lowerNamed(*args.find(op.params[0].name));
        const PlanValue& in = m_plan.values[static_cast<std::size_t>(x)];
        if (f == "zeros_like" || f == "ones_like" || f == "full_like") {
            const double value = f == "zeros_like" ? 0.0 : f == "ones_like" ? 1.0 : numberOf(*args.find("value"));
            return addStep(label, filled(in.shape, value, in.dtype), {}, at);
        }
        if (f == "clip") {
            ElementwiseDesc desc = oneInput(in);
            desc.nodes.push_back(literalNode(*args.find("low")));
            desc.nodes.push_back({.op = ElemOp::Maximum, .a = 0, .b = 1});
            desc.nodes.push_back(literalNode(*args.find("high")));
            desc.nodes.push_back({.op = ElemOp::Minimum, .a = 2, .b = 3});
            return addStep(label, desc, {x}, at);
        }
        if (f == "sum" || f == "mean" || f == "min" || f == "max" || f == "norm") {
            const ReduceOp reduce = f == "sum"    ? ReduceOp::Sum
                                    : f == "mean" ? ReduceOp::Mean
                                    : f == "min"  ? ReduceOp::Min
                                    : f == "max"  ? ReduceOp::Max
                                                  : ReduceOp::Norm;
            return addStep(label, ReduceDesc{in.shape, in.dtype, reduce}, {x}, at);
        }
        if (f == "matmul") {
            const int b = lowerNamed(*args.find("b"));
            const Expression* precision = args.find("precision");
            return addStep(label, matmul(x, b, precision ? parsePrecision(wordOf(*precision)) : Precision::Default),
                           {x, b}, at);
        }
        if (f == "fftshift" || f == "ifftshift")
            return addStep(label, FftShiftDesc{in.shape, in.dtype, f == "ifftshift"}, {x}, at);
        if (f.find("fft") != std::string::npos)
            return addStep(label, fft(f, in, args), {x}, at);
        if (f == "gaussian") {
            const Expression* ksize = args.find("ksize");
            const Expression* border = args.find("border");
            GaussianDesc desc{.shape = in.shape, .dtype = in.dtype, .sigmaX = numberOf(*args.find("sigma"))};
            desc.ksizeX = desc.ksizeY = ksize ? static_cast<int>(numberOf(*ksize)) : 0;
            desc.border = border ? parseBorderMode(wordOf(*border)) : BorderMode::Reflect101;
            return addStep(label, desc, {x}, at);
        }
        if (f == "box") {
            const Expression* normalize = args.find("normalize");
            const Expression* border = args.find("border");
            BoxDesc desc{.shape = in.shape, .dtype = in.dtype};
            std::tie(desc.ksizeX, desc.ksizeY) = sizeOf(args.find("ksize"), 3);
            desc.normalize = !normalize || wordOf(*normalize) == "true";
            desc.border = border ? parseBorderMode(wordOf(*border)) : BorderMode::Reflect101;
            return addStep(label, desc, {x}, at);
        }
        if (f == "erode" || f == "dilate" || f == "morph_open" || f == "morph_close")
            return addStep(label, morphology(f, in, args), {x}, at);
        if (f == "median") {
            MedianDesc desc{.shape = in.shape, .dtype = in.dtype};
            if (const Expression* ksize = args.find("ksize"))
                desc.ksize = static_cast<int>(numberOf(*ksize));
            if (const Expression* border = args.find("border"))
                desc.border = parseBorderMode(wordOf(*border));
            return addStep(label, desc, {x}, at);
        }
        if (f == "bilateral") {
            BilateralDesc desc{.shape = in.shape, .dtype = in.dtype};
            if (const Expression* d = args.find("d"))
                desc.diameter = static_cast<int>(numberOf(*d));
            if (const Expression* sigma = args.find("sigma_color"))
                desc.sigmaColor = numberOf(*sigma);
            if (const Expression* sigma = args.find("sigma_space"))
                desc.sigmaSpace = numberOf(*sigma);
            if (const Expression* border = args.find("border"))
                desc.border = parseBorderMode(wordOf(*border));
            return addStep(label, desc, {x}, at);
        }
        if (f == "sobel" || f == "scharr" || f == "sobel_magnitude" || f == "scharr_magnitude")
            return addStep(label, derivative(f, in, args), {x}, at);
        if (f == "laplacian") {
            LaplacianDesc desc{.shape = in.shape, .dtype = in.dtype};
            desc.ksize = intArgument(args, "ksize", 1);
            desc.scale = numberArgument(args, "scale", 1.0);
            desc.delta = numberArgument(args, "delta", 0.0);
            desc.border = borderArgument(args);
            return addStep(label, desc, {x}, at);
        }
        if (f == "conv2d") {
            Conv2dDesc desc{.shape = in.shape, .dtype = in.dtype, .outDType = in.dtype};
            if (const Expression* kernel = args.find("kernel"))
                matrixOf(*kernel, desc);
            if (const Expression* normalize = args.find("normalize"))
                desc.normalize = wordOf(*normalize) == "true";
            if (const Expression* scale = args.find("scale"))
                desc.scale = numberOf(*scale);
            if (const Expression* delta = args.find("delta"))
                desc.delta = numberOf(*delta);
            if (const Expression* border = args.find("border"))
                desc.border = parseBorderMode(wordOf(*border));
            if (const Expression* dtype = args.find("dtype"); dtype && wordOf(*dtype) == "f32")
                desc.outDType = DType::F32;
            return addStep(label, desc, {x}, at);
        }
        if (f == "grayscale")
            return addStep(label, GrayscaleDesc{in.shape, in.dtype}, {x}, at);
        if (f == "threshold") {
            ThresholdDesc desc{.shape = in.shape, .dtype = in.dtype};
            auto number = [&](const char* key, double fallback) {
                const Expression* e = args.find(key);
                return e ? numberOf(*e) : fallback;
            };
            desc.thresh = number("thresh", 128.0);
            desc.maxval = number("maxval", 255.0);
            if (const Expression* type = args.find("type"))
                desc.type = parseThresholdType(wordOf(*type));
            if (const Expression* otsu = args.find("otsu"))
                desc.otsu = wordOf(*otsu) == "true";
            return addStep(label, desc, {x}, at);
        }
        if (f == "normalize") {
            NormalizeDesc desc{.shape = in.shape, .dtype = in.dtype};
            auto number = [&](const char* key, double fallback) {
                const Expression* e = args.find(key);
                return e ? numberOf(*e) : fallback;
            };
            desc.alpha = number("alpha", 0.0);
            desc.beta = number("beta", 1.0);
            if (const Expression* norm = args.find("norm"))
                desc.norm = parseNormType(wordOf(*norm));
            if (const Expression* dtype = args.find("dtype"); dtype && wordOf(*dtype) != "same")
                desc.outDType = parseDType(wordOf(*dtype));
            return addStep(label, desc, {x}, at);
        }
        if (f == "resize") {
            ResizeDesc desc{.shape = in.shape, .dtype = in.dtype};
            auto number = [&](const char* key, double fallback) {
                const Expression* e = args.find(key);
                return e ? numberOf(*e) : fallback;
            };
            const auto [w, h] = sizeOf(args.find("size"), 0);
            desc.width = w;
            desc.height = h;
            const double scale = number("scale", 0.0);
            desc.fx = number("fx", scale);
            desc.fy = number("fy", scale);
            if (const Expression* interpolation = args.find("interpolation"))
                desc.interpolation = parseInterpolation(wordOf(*interpolation));
            return addStep(label, desc, {x}, at);
        }
        if (f != "astype")
            throw Refusal{at, f + "() cannot be run yet"};
        const Expression* scale = args.find("scale");
        const Expression* offset = args.find("offset");
        const DType to = *parseDType(wordOf(*args.find("dtype")));
        if (!scale && !offset) {
            // A plain conversion is elementwise, so it fuses with its neighbours.
            ElementwiseDesc desc = oneInput(in);
            desc.nodes.push_back({.op = ElemOp::Cast, .a = 0, .castTo = to});
            return addStep(label, desc, {x}, at);
        }
        return addStep(
            label,
            ConvertDesc{in.shape, in.dtype, to, scale ? numberOf(*scale) : 1.0, offset ? numberOf(*offset) : 0.0}, {x},
            at);
    }

    // ---- Elementwise ----------------------------------------------------------------

    // A number as written: 2 is an integer, 2.0 a float (they type differently against
    // integer arrays, as Python scalars do in NumPy).
    struct Literal {
        double value = 0;
        bool isFloat = false;
    };
    // A number literal (folded at plan time) or a value.
    using Operand = std::variant<int, Literal>;

    Operand operand(const Expression& expression)
    {
        if (const auto* number = std::get_if<Number>(&expression.node))
            return Literal{number->value, !number->isInteger};
        if (const auto* negation = std::get_if<Negation>(&expression.node)) {
            const Operand inner = operand(*negation->operand);
            if (const Literal* number = std::get_if<Literal>(&inner))
                return Literal{-number->value, number->isFloat};
            return lowerElementwise(toString(expression), ElemOp::Neg, {inner}, expression.location);
        }
        if (const auto* binary = std::get_if<Binary>(&expression.node);
            binary && binary->op != BinaryOperator::MatMul) {
            const Operand left = operand(*binary->left);
            const Operand right = operand(*binary->right);
            if (std::holds_alternative<Literal>(left) && std::holds_alternative<Literal>(right))
                return fold(binary->op, std::get<Literal>(left), std::get<Literal>(right));
            return lowerElementwise(toString(expression), binaryOp(binary->op), {left, right},
                                    binary->operatorLocation);
        }
        return lowerNamed(expression);
    }

    // Python's arithmetic on numbers: integers stay integers except under '/' and a
    // negative power; comparisons give integers (0, 1).
    static Literal fold(BinaryOperator op, Literal left, Literal right)
    {
        const double a = left.value, b = right.value;
        const bool isFloat = left.isFloat || right.isFloat;
        switch (op) {
        case BinaryOperator::Add: return {a + b, isFloat};
        case BinaryOperator::Subtract: return {a - b, isFloat};
        case BinaryOperator::Multiply: return {a * b, isFloat};
        case BinaryOperator::Divide: return {a / b, true};
        case BinaryOperator::Power: return {std::pow(a, b), isFloat || b < 0};
        case BinaryOperator::Equal: return {a == b ? 1.0 : 0.0, false};
        case BinaryOperator::NotEqual: return {a != b ? 1.0 : 0.0, false};
        case BinaryOperator::Less: return {a < b ? 1.0 : 0.0, false};
        case BinaryOperator::LessEqual: return {a <= b ? 1.0 : 0.0, false};
        case BinaryOperator::Greater: return {a > b ? 1.0 : 0.0, false};
        case BinaryOperator::GreaterEqual: return {a >= b ? 1.0 : 0.0, false};
        case BinaryOperator::MatMul: break;
        }
        fail(ErrorCode::Internal, "fold of '@'");
    }

    static ElemOp binaryOp(BinaryOperator op)
    {
        switch (op) {
        case BinaryOperator::Add: return ElemOp::Add;
        case BinaryOperator::Subtract: return ElemOp::Sub;
        case BinaryOperator::Multiply: return ElemOp::Mul;
        case BinaryOperator::Divide: return ElemOp::Div;
        case BinaryOperator::Power: return ElemOp::Pow;
        case BinaryOperator::Equal: return ElemOp::Equal;
        case BinaryOperator::NotEqual: return ElemOp::NotEqual;
        case BinaryOperator::Less: return ElemOp::Less;
        case BinaryOperator::LessEqual: return ElemOp::LessEqual;
        case BinaryOperator::Greater: return ElemOp::Greater;
        case BinaryOperator::GreaterEqual: return ElemOp::GreaterEqual;
        case BinaryOperator::MatMul: break;
        }
        fail(ErrorCode::Internal, "'@' is not elementwise");
    }

    static std::optional<ElemOp> unaryElemOp(const std::string& f)
    {
        static const std::map<std::string, ElemOp> table{
            {"abs", ElemOp::Abs},     {"sqrt", ElemOp::Sqrt},   {"exp", ElemOp::Exp},   {"log", ElemOp::Log},
            {"log1p", ElemOp::Log1p}, {"sin", ElemOp::Sin},     {"cos", ElemOp::Cos},   {"tan", ElemOp::Tan},
            {"tanh", ElemOp::Tanh},   {"floor", ElemOp::Floor}, {"ceil", ElemOp::Ceil}, {"round", ElemOp::Round},
            {"real", ElemOp::Real},   {"imag", ElemOp::Imag},   {"conj", ElemOp::Conj}, {"angle", ElemOp::Angle},
        };
        const auto it = table.find(f);
        return it == table.end() ? std::nullopt : std::optional<ElemOp>(it->second);
    }

    static ElemNode constantNode(double value, bool isFloat = true)
    {
        return {.op = ElemOp::Constant, .constant = value, .floatConstant = isFloat};
    }

    static ElemNode literalNode(const Expression& expression)
    {
        const Number* number = std::get_if<Number>(&expression.node);
        if (!number)
            number = &std::get<Number>(std::get<Negation>(expression.node).operand->node);
        return constantNode(numberOf(expression), !number->isInteger);
    }

    static ElementwiseDesc oneInput(const PlanValue& in)
    {
        ElementwiseDesc desc{.shape = in.shape, .inputShapes = {in.shape}, .inputs = {in.dtype}};
        desc.nodes.push_back({.op = ElemOp::Input, .input = 0});
        return desc;
    }

    // value in every element, converted to dtype: zeros, ones, full and their _like forms.
    static ElementwiseDesc filled(const Shape& shape, double value, DType dtype)
    {
        ElementwiseDesc desc{.shape = shape};
        desc.nodes.push_back(constantNode(value));
        desc.nodes.push_back({.op = ElemOp::Cast, .a = 0, .castTo = dtype});
        return desc;
    }

    std::optional<ElementwiseDesc> creationOp(const std::string& f, const BoundArguments& args) const
    {
        const Expression* dtypeArgument = args.find("dtype");
        const DType dtype = dtypeArgument ? *parseDType(wordOf(*dtypeArgument)) : DType::F32;
        Shape shape;
        for (const Expression* size : args.variadic)
            shape.append(std::get<Number>(size->node).integer);
        if (f == "zeros" || f == "ones")
            return filled(shape, f == "ones" ? 1.0 : 0.0, dtype);
        if (f == "full")
            return filled(shape, numberOf(*args.find("value")), dtype);
        if (f == "unit_impulse") {
            double centre = 0;
            const auto strides = contiguousStrides(shape);
            for (int axis = 0; axis < shape.ndim(); ++axis)
                centre += static_cast<double>(shape[axis] / 2 * strides[static_cast<std::size_t>(axis)]);
            ElementwiseDesc desc{.shape = shape};
            desc.nodes = {{.op = ElemOp::Index},
                          constantNode(centre),
                          {.op = ElemOp::Equal, .a = 0, .b = 1},
                          {.op = ElemOp::Cast, .a = 2, .castTo = dtype}};
            return desc;
        }
        if (f != "arange" && f != "linspace")
            return std::nullopt;
        double start = 0, step = 1;
        std::int64_t count = 0;
        if (f == "arange") {
            const Expression* startArgument = args.find("start");
            const Expression* stepArgument = args.find("step");
            start = startArgument ? numberOf(*startArgument) : 0.0;
            step = stepArgument ? numberOf(*stepArgument) : 1.0;
            if (step == 0)
                fail(ErrorCode::InvalidArgument, "arange() needs a step other than 0");
            count = std::max<std::int64_t>(
                0, static_cast<std::int64_t>(std::ceil((numberOf(*args.find("stop")) - start) / step)));
        } else {
            const Expression* num = args.find("num");
            count = num ? static_cast<std::int64_t>(numberOf(*num)) : 50;
            start = numberOf(*args.find("start"));
            step = count > 1 ? (numberOf(*args.find("stop")) - start) / static_cast<double>(count - 1) : 0.0;
        }
        if (isComplex(dtype))
            fail(ErrorCode::DTypeMismatch, f + "() makes real arrays, not " + std::string(name(dtype)));
        ElementwiseDesc desc{.shape = Shape{count}};
        desc.nodes = {{.op = ElemOp::Index},
                      constantNode(step),
                      {.op = ElemOp::Mul, .a = 0, .b = 1},
                      constantNode(start),
                      {.op = ElemOp::Add, .a = 2, .b = 3},
                      {.op = ElemOp::Cast, .a = 4, .castTo = dtype}};
        return desc;
    }

    // A 0-D array holding a number: `x = 2 * 3`, or a number given where an array is needed.
    int constantStep(const std::string& label, Literal value, SourceLocation at)
    {
        ElementwiseDesc desc{.shape = Shape{}};
        desc.nodes.push_back(constantNode(value.value, value.isFloat));
        return addStep(label, desc, {}, at);
    }

    int elementwise(const std::string& label, ElemOp op, const std::vector<const Expression*>& operands,
                    SourceLocation at)
    {
        std::vector<Operand> lowered;
        for (const Expression* expression : operands)
            lowered.push_back(operand(*expression));
        return lowerElementwise(label, op, lowered, at);
    }

    // One step of one node over its operands; fuseElementwise() merges chains afterwards.
    int lowerElementwise(const std::string& label, ElemOp op, const std::vector<Operand>& operands, SourceLocation at)
    {
        ElementwiseDesc desc;
        std::vector<int> inputs;
        std::vector<int> operandNodes;
        for (const Operand& value : operands) {
            if (const Literal* number = std::get_if<Literal>(&value)) {
                operandNodes.push_back(static_cast<int>(desc.nodes.size()));
                desc.nodes.push_back(constantNode(number->value, number->isFloat));
                continue;
            }
            const int index = std::get<int>(value);
            auto slot = std::find(inputs.begin(), inputs.end(), index);
            if (slot == inputs.end()) {
                const PlanValue& planned = m_plan.values[static_cast<std::size_t>(index)];
                inputs.push_back(index);
                desc.inputs.push_back(planned.dtype);
                desc.inputShapes.push_back(planned.shape);
                slot = inputs.end() - 1;
            }
            operandNodes.push_back(static_cast<int>(desc.nodes.size()));
            desc.nodes.push_back({.op = ElemOp::Input, .input = static_cast<int>(slot - inputs.begin())});
        }
        ElemNode node{.op = op};
        node.a = operandNodes.size() > 0 ? operandNodes[0] : -1;
        node.b = operandNodes.size() > 1 ? operandNodes[1] : -1;
        node.c = operandNodes.size() > 2 ? operandNodes[2] : -1;
        desc.nodes.push_back(node);
        desc.shape = broadcastShape(desc.inputShapes, op, at);
        return addStep(label, desc, std::move(inputs), at);
    }

    // The shape all operands share; one-element operands are used for every element.
    static Shape broadcastShape(const std::vector<Shape>& shapes, ElemOp op, SourceLocation at)
    {
        Shape result;
        bool any = false;
        for (const Shape& shape : shapes) {
            if (!any || (result.numel() == 1 && shape.numel() != 1)) {
                result = shape;
                any = true;
            } else if (shape != result && shape.numel() != 1) {
                throw Refusal{at, "shapes " + result.toString() + " and " + shape.toString() + " do not match in '" +
                                      std::string(name(op)) +
                                      "': operands need the same shape, or one of them a single element"};
            }
        }
        return result;
    }

    MatmulDesc matmul(int a, int b, Precision precision) const
    {
        const PlanValue& left = m_plan.values[static_cast<std::size_t>(a)];
        const PlanValue& right = m_plan.values[static_cast<std::size_t>(b)];
        if (left.dtype != right.dtype)
            fail(ErrorCode::DTypeMismatch, "matmul of " + std::string(name(left.dtype)) + " and " +
                                               std::string(name(right.dtype)) + ": convert one with astype()");
        return {left.shape, right.shape, left.dtype, precision};
    }

    RandomDesc random(bool normal, const BoundArguments& args) const
    {
        RandomDesc desc;
        for (const Expression* size : args.variadic)
            desc.shape.append(std::get<Number>(size->node).integer);
        const Expression* dtype = args.find("dtype");
        desc.dtype = dtype ? *parseDType(wordOf(*dtype)) : DType::F32;
        desc.distribution = normal ? Distribution::Normal : Distribution::Uniform;
        const Expression* seed = args.find("seed");
        desc.seed = seed ? static_cast<std::uint64_t>(numberOf(*seed)) : m_options.seed;
        const Expression* a = args.find(normal ? "mean" : "low");
        const Expression* b = args.find(normal ? "std" : "high");
        desc.a = a ? numberOf(*a) : 0.0;
        desc.b = b ? numberOf(*b) : 1.0;
        return desc;
    }

    static TestStep testStep(const std::string& f, const BoundArguments& args)
    {
        using Kind = TestMisbehaviour::Kind;
        const Expression* seconds = args.find("seconds");
        return {{f == "test_hang"        ? Kind::Hang
                 : f == "test_gpu_fault" ? Kind::DeviceFault
                                         : Kind::DeviceHang,
                 seconds ? numberOf(*seconds) : 0.0}};
    }

    // The launch's problems are diagnostics of their own, one per argument (launch_plan.h).
    int launch(const std::string& label, const Call& call, SourceLocation at)
    {
        const LaunchLowering lowering{
            [this](const Expression& argument) { return lowerNamed(argument); },
            [this](int value) -> const PlanValue& { return m_plan.values[static_cast<std::size_t>(value)]; },
            [this](const std::string& path) { return resolve(path); }};
        std::optional<LoweredLaunch> lowered = lowerLaunch(call, at, lowering, m_plan.diagnostics);
        if (!lowered)
            throw Skipped{};
        return addStep(label, std::move(lowered->desc), std::move(lowered->inputs), at);
    }

    LoadStep load(const BoundArguments& args) const
    {
        const Expression& pathArgument = *args.find("path");
        const std::string path = resolve(wordOf(pathArgument));
        if (!std::filesystem::is_regular_file(path))
            throw Refusal{pathArgument.location,
                          "file '" + wordOf(pathArgument) + "' does not exist (looked for " + path + ")"};
        try {
            if (std::filesystem::path(path).extension() == ".npy")
                return {loadNpy(path)};
            const Expression* mode = args.find("mode");
            const std::string word = mode ? wordOf(*mode) : "unchanged";
            return {loadImage(path, word == "gray"    ? ImageMode::Gray
                                    : word == "color" ? ImageMode::Color
                                                      : ImageMode::Unchanged)};
        } catch (const Error& error) {
            throw Refusal{pathArgument.location, error.message()};
        }
    }

    static double numberArgument(const BoundArguments& args, const char* name, double fallback)
    {
        const Expression* value = args.find(name);
        return value ? numberOf(*value) : fallback;
    }

    static int intArgument(const BoundArguments& args, const char* name, int fallback)
    {
        return static_cast<int>(numberArgument(args, name, fallback));
    }

    static BorderMode borderArgument(const BoundArguments& args)
    {
        const Expression* border = args.find("border");
        return border ? parseBorderMode(wordOf(*border)) : BorderMode::Reflect101;
    }

    static DerivativeDesc derivative(const std::string& f, const PlanValue& in, const BoundArguments& args)
    {
        DerivativeDesc desc{.shape = in.shape, .dtype = in.dtype};
        desc.kind = f.starts_with("scharr") ? DerivativeKind::Scharr : DerivativeKind::Sobel;
        desc.magnitude = f.ends_with("_magnitude");
        desc.dx = intArgument(args, "dx", 1);
        desc.dy = intArgument(args, "dy", 0);
        desc.ksize = intArgument(args, "ksize", 3);
        desc.scale = numberArgument(args, "scale", 1.0);
        desc.delta = numberArgument(args, "delta", 0.0);
        desc.border = borderArgument(args);
        return desc;
    }

    static MorphDesc morphology(const std::string& f, const PlanValue& in, const BoundArguments& args)
    {
        MorphDesc desc{.shape = in.shape, .dtype = in.dtype};
        desc.op = f == "erode"        ? MorphOp::Erode
                  : f == "dilate"     ? MorphOp::Dilate
                  : f == "morph_open" ? MorphOp::Open
                                      : MorphOp::Close;
        std::tie(desc.ksizeX, desc.ksizeY) = sizeOf(args.find("ksize"), 3);
        if (const Expression* shape = args.find("shape"))
            desc.element = parseMorphShape(wordOf(*shape));
        if (const Expression* iterations = args.find("iterations"))
            desc.iterations = static_cast<int>(numberOf(*iterations));
        if (const Expression* border = args.find("border"))
            desc.border = parseBorderMode(wordOf(*border));
        return desc;
    }

    static FftDesc fft(const std::string& f, const PlanValue& in, const BoundArguments& args)
    {
        FftDesc desc{.input = in.shape, .dtype = in.dtype};
        desc.rank = f.back() == '2' ? 2 : 1;
        desc.kind = f.find("irfft") == 0 ? FftKind::C2R : f.find("rfft") == 0 ? FftKind::R2C : FftKind::C2C;
        desc.direction = f.front() == 'i' ? FftDirection::Inverse : FftDirection::Forward;
        if (const Expression* n = args.find("n"))
            desc.lastAxisOut = static_cast<std::int64_t>(numberOf(*n));
        return desc;
    }

    // Validates the desc; its errors point at `at`, the call or the operator.
    template <typename Desc>
    int addStep(const std::string& label, Desc desc, std::vector<int> inputs, SourceLocation at)
    {
        Shape shape;
        DType dtype;
        if constexpr (std::is_same_v<Desc, LoadStep>) {
            shape = desc.hostValue.shape();
            dtype = desc.hostValue.dtype();
        } else {
            try {
                desc.validate();
            } catch (const Error& error) {
                throw Refusal{at, error.message()};
            }
            shape = desc.outputShape();
            dtype = desc.outputDType();
        }
        const int value = static_cast<int>(m_plan.values.size());
        m_plan.values.push_back({label, shape, dtype, static_cast<int>(m_plan.steps.size())});
        m_plan.steps.push_back({label, m_statement->location, desc, std::move(inputs), value});
        return value;
    }

    std::string resolve(const std::string& path) const
    {
        const std::filesystem::path p(path);
        return p.is_absolute() ? path : (std::filesystem::path(m_options.baseDirectory) / p).string();
    }

    const RunOptions& m_options;
    const Statement* m_statement = nullptr;
    std::map<std::string, int> m_names;
    Plan m_plan;
};

} // namespace

namespace {

// Consumer `into` takes the nodes of `from`, whose output is its input `value`: that input's
// Input nodes are replaced by `from`'s expression, whose inputs join `into`'s. False (and
// nothing changed) where the merged expression would not validate, e.g. one constant
// needed in two dtypes.
bool inlineProducer(PlanStep& into, const PlanStep& from, int value, const Plan& plan)
{
    auto& consumer = std::get<ElementwiseDesc>(into.op);
    const auto& producer = std::get<ElementwiseDesc>(from.op);
    std::vector<int> inputs;
    ElementwiseDesc merged{.shape = consumer.shape};
    auto slotOf = [&](int input) {
        const auto it = std::find(inputs.begin(), inputs.end(), input);
        if (it != inputs.end())
            return static_cast<int>(it - inputs.begin());
        const PlanValue& planned = plan.values[static_cast<std::size_t>(input)];
        inputs.push_back(input);
        merged.inputs.push_back(planned.dtype);
        merged.inputShapes.push_back(planned.shape);
        return static_cast<int>(inputs.size()) - 1;
    };
    auto copyNodes = [&](const ElementwiseDesc& desc, const std::vector<int>& slots, auto&& replaceInput) {
        std::vector<int> map(desc.nodes.size());
        for (std::size_t i = 0; i < desc.nodes.size(); ++i) {
            ElemNode node = desc.nodes[i];
            if (node.op == ElemOp::Input) {
                const int input = slots[static_cast<std::size_t>(node.input)];
                if (const std::optional<int> replaced = replaceInput(input)) {
                    map[i] = *replaced;
                    continue;
                }
                node.input = slotOf(input);
            }
            for (int* operand : {&node.a, &node.b, &node.c})
                if (*operand >= 0)
                    *operand = map[static_cast<std::size_t>(*operand)];
            map[i] = static_cast<int>(merged.nodes.size());
            merged.nodes.push_back(node);
        }
        return map;
    };
    std::optional<int> producerResult;
    copyNodes(consumer, into.inputs, [&](int input) -> std::optional<int> {
        if (input != value)
            return std::nullopt;
        if (!producerResult) {
            producerResult =
                copyNodes(producer, from.inputs, [](int) -> std::optional<int> { return std::nullopt; }).back();
            // Without inputs, the producer's constants would become "weak" beside the
            // consumer's arrays (NumPy's rule for Python scalars) and could change dtype:
            // keep the dtype its array had.
            if (producer.inputs.empty()) {
                merged.nodes.push_back({.op = ElemOp::Cast, .a = *producerResult, .castTo = producer.outputDType()});
                producerResult = static_cast<int>(merged.nodes.size()) - 1;
            }
        }
        return producerResult;
    });
    try {
        merged.validate();
    } catch (const Error&) {
        return false;
    }
    if (merged.outputDType() != consumer.outputDType())
        return false;
    into.op = std::move(merged);
    into.inputs = std::move(inputs);
    return true;
}

} // namespace

void fuseElementwise(Plan& plan)
{
    std::vector<int> uses(plan.values.size(), 0);
    for (const PlanStep& step : plan.steps) {
        std::vector<int> distinct = step.inputs;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        for (int input : distinct)
            ++uses[static_cast<std::size_t>(input)];
    }
    for (const Sink& sink : plan.sinks) {
        ++uses[static_cast<std::size_t>(sink.value)];
        if (sink.reference >= 0)
            ++uses[static_cast<std::size_t>(sink.reference)];
    }
    std::vector<bool> absorbed(plan.steps.size(), false);
    std::vector<std::vector<int>> fusedSteps(plan.steps.size()); // step indices, for the labels
    for (std::size_t s = 0; s < plan.steps.size(); ++s) {
        PlanStep& step = plan.steps[s];
        if (!std::holds_alternative<ElementwiseDesc>(step.op))
            continue;
        std::vector<int> refused;
        for (bool merged = true; merged;) {
            merged = false;
            for (const int input : step.inputs) {
                const int producer = plan.values[static_cast<std::size_t>(input)].step;
                if (producer < 0 || uses[static_cast<std::size_t>(input)] != 1 ||
                    std::find(refused.begin(), refused.end(), producer) != refused.end() ||
                    !std::holds_alternative<ElementwiseDesc>(plan.steps[static_cast<std::size_t>(producer)].op))
                    continue;
                if (!inlineProducer(step, plan.steps[static_cast<std::size_t>(producer)], input, plan)) {
                    refused.push_back(producer);
                    continue;
                }
                absorbed[static_cast<std::size_t>(producer)] = true;
                std::vector<int>& into = fusedSteps[s];
                const std::vector<int>& from = fusedSteps[static_cast<std::size_t>(producer)];
                into.insert(into.end(), from.begin(), from.end());
                into.push_back(producer);
                merged = true;
                break;
            }
        }
        std::sort(fusedSteps[s].begin(), fusedSteps[s].end());
        for (const int fused : fusedSteps[s])
            step.fused.push_back(plan.steps[static_cast<std::size_t>(fused)].label);
    }
    std::vector<PlanStep> kept;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        if (absorbed[i]) {
            plan.values[static_cast<std::size_t>(plan.steps[i].output)].step = -1;
            continue;
        }
        plan.values[static_cast<std::size_t>(plan.steps[i].output)].step = static_cast<int>(kept.size());
        kept.push_back(std::move(plan.steps[i]));
    }
    plan.steps = std::move(kept);
}

Plan makePlan(const Program& program, const RunOptions& options)
{
    Plan plan = Planner(options).take(program);
    if (options.fuse && plan.diagnostics.empty())
        fuseElementwise(plan);
    return plan;
}

Cost costOf(const StepOp& op)
{
    return std::visit(
        [](const auto& desc) -> Cost {
            if constexpr (std::is_same_v<std::decay_t<decltype(desc)>, LoadStep>)
                return {0, static_cast<double>(desc.hostValue.nbytes())};
            else
                return desc.cost();
        },
        op);
}

} // namespace wb::pipeline
