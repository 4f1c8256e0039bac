#include "plan.h"

#include <wb/error.h>
#include <wb/op_registry.h>

#include <filesystem>
#include <map>
#include <optional>
#include <type_traits>

namespace wb::pipeline {

namespace {

// A diagnostic that ends lowering of the current statement.
struct Refusal {
    SourceLocation location;
    std::string message;
};

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
        }
        m_plan.sinks.push_back(sink);
    }

    int lowerNamed(const Expression& expression) { return lower(expression, toString(expression)); }

    int lower(const Expression& expression, const std::string& label)
    {
        if (const auto* name = std::get_if<Name>(&expression.node))
            return m_names.at(name->name);
        if (const auto* binary = std::get_if<Binary>(&expression.node)) {
            if (binary->op != BinaryOperator::MatMul)
                throw Refusal{binary->operatorLocation, "operator '" + std::string(symbol(binary->op)) +
                                                            "' is not supported by the executor yet"};
            const int a = lowerNamed(*binary->left);
            const int b = lowerNamed(*binary->right);
            return addStep(label, matmul(a, b, Precision::Default), {a, b});
        }
        const auto* call = std::get_if<Call>(&expression.node);
        if (!call)
            throw Refusal{expression.location, "'" + toString(expression) + "' is not supported by the executor yet"};
        const OpInfo& op = *findOp(call->function);
        const BoundArguments args = bind(*call, op);
        const std::string& f = call->function;
        if (f == "rand" || f == "randn")
            return addStep(label, random(f == "randn", args), {});
        if (f == "load")
            return addStep(label, load(args), {});
        const int x = lowerNamed(*args.find(op.params[0].name));
        const PlanValue& in = m_plan.values[static_cast<std::size_t>(x)];
        if (f == "matmul") {
            const int b = lowerNamed(*args.find("b"));
            const Expression* precision = args.find("precision");
            return addStep(label, matmul(x, b, precision ? parsePrecision(wordOf(*precision)) : Precision::Default),
                           {x, b});
        }
        if (f == "fftshift" || f == "ifftshift")
            return addStep(label, FftShiftDesc{in.shape, in.dtype, f == "ifftshift"}, {x});
        if (f.find("fft") != std::string::npos)
            return addStep(label, fft(f, in, args), {x});
        if (f == "gaussian") {
            const Expression* ksize = args.find("ksize");
            const Expression* border = args.find("border");
            GaussianDesc desc{.shape = in.shape, .dtype = in.dtype, .sigmaX = numberOf(*args.find("sigma"))};
            desc.ksizeX = desc.ksizeY = ksize ? static_cast<int>(numberOf(*ksize)) : 0;
            desc.border = border ? parseBorderMode(wordOf(*border)) : BorderMode::Reflect101;
            return addStep(label, desc, {x});
        }
        if (f == "grayscale")
            return addStep(label, GrayscaleDesc{in.shape, in.dtype}, {x});
        // astype, the last op the registry has.
        const Expression* scale = args.find("scale");
        const Expression* offset = args.find("offset");
        return addStep(label,
                       ConvertDesc{in.shape, in.dtype, *parseDType(wordOf(*args.find("dtype"))),
                                   scale ? numberOf(*scale) : 1.0, offset ? numberOf(*offset) : 0.0},
                       {x});
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

    template <typename Desc> int addStep(const std::string& label, const Desc& desc, std::vector<int> inputs)
    {
        Shape shape;
        DType dtype;
        if constexpr (std::is_same_v<Desc, LoadStep>) {
            shape = desc.hostValue.shape();
            dtype = desc.hostValue.dtype();
        } else {
            desc.validate();
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

Plan makePlan(const Program& program, const RunOptions& options) { return Planner(options).take(program); }

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
