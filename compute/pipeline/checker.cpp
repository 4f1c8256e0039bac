#include "expression_extent.h"

#include <wb/dtype.h>
#include <wb/op_registry.h>
#include <wb/pipeline_check.h>
#include <wb/pipeline_tune.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <type_traits>

namespace wb::pipeline {

namespace {

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'"
std::string quotedAlternatives(const std::vector<std::string>& names)
{
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0)
            text += i + 1 == names.size() ? " or " : ", ";
        text += "'" + names[i] + "'";
    }
    return text;
}

std::string didYouMean(const std::vector<std::string>& names)
{
    return names.empty() ? "" : " (did you mean " + quotedAlternatives(names) + "?)";
}

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const std::string& word : words)
        text += (text.empty() ? "" : ", ") + word;
    return text;
}

std::string paramNames(const OpInfo& op)
{
    std::vector<std::string> names;
    for (const ParamInfo& param : op.params)
        names.push_back(param.name);
    return joined(names);
}

const Number* numberLiteral(const Expression& expression)
{
    if (const auto* number = std::get_if<Number>(&expression.node))
        return number;
    if (const auto* negation = std::get_if<Negation>(&expression.node))
        return std::get_if<Number>(&negation->operand->node);
    return nullptr;
}

// A bare name or a string: how dtypes and choices are spelled.
const std::string* word(const Expression& expression)
{
    if (const auto* name = std::get_if<Name>(&expression.node))
        return &name->name;
    if (const auto* string = std::get_if<String>(&expression.node))
        return &string->value;
    return nullptr;
}

std::string describe(const Expression& expression)
{
    if (const Number* number = numberLiteral(expression))
        return number->isInteger ? "an integer" : "a float";
    if (std::holds_alternative<String>(expression.node))
        return "a string";
    if (std::holds_alternative<Tuple>(expression.node))
        return "a tuple";
    if (const auto* name = std::get_if<Name>(&expression.node))
        return "name '" + name->name + "'";
    if (const auto* call = std::get_if<Call>(&expression.node))
        return "a call to " + call->function + "()";
    return "an expression";
}

std::vector<std::string> dtypeNames()
{
    std::vector<std::string> names;
    for (DType dtype : kAllDTypes)
        names.emplace_back(name(dtype));
    return names;
}

bool bySourceOrder(const Diagnostic& a, const Diagnostic& b)
{
    return a.location.line != b.location.line ? a.location.line < b.location.line
                                              : a.location.column < b.location.column;
}

// How the value of a call is used, which decides what a sink or an unused result means.
enum class Use { Discarded, Assigned, Operand };

class Checker {
public:
    explicit Checker(const Program& program)
    {
        for (const Statement& statement : program.statements) {
            if (statement.target)
                m_firstAssignment.emplace(*statement.target, statement.targetLocation);
        }
    }

    std::vector<Diagnostic> run(const Program& program)
    {
        for (const Statement& statement : program.statements)
            checkStatement(statement);
        static_cast<void>(tuningSpec(program, &m_diagnostics)); // the @tune rules
        std::stable_sort(m_diagnostics.begin(), m_diagnostics.end(), bySourceOrder);
        return std::move(m_diagnostics);
    }

private:
    void error(SourceLocation location, int length, std::string message)
    {
        m_diagnostics.push_back({Severity::Error, location, std::max(1, length), std::move(message)});
    }

    void checkStatement(const Statement& statement)
    {
        m_currentTarget = statement.target ? statement.targetLocation : SourceLocation{0, 0};
        const Expression& value = *statement.value;
        if (const auto* call = std::get_if<Call>(&value.node)) {
            checkCall(value, *call, statement.target ? Use::Assigned : Use::Discarded);
            const OpInfo* op = findOp(call->function);
            if (statement.target && op && op->isSink()) {
                error(statement.targetLocation, static_cast<int>(statement.target->size()),
                      "cannot assign the result of " + op->name + "(): a sink gives no value");
            }
        } else {
            checkValue(value);
            if (!statement.target)
                unusedResult(statement.location);
        }
        if (statement.target)
            m_defined.insert(*statement.target);
    }

    void unusedResult(SourceLocation location)
    {
        m_diagnostics.push_back(
            {Severity::Warning, location, 1, "the result is not used; assign it to a name or pass it to show()"});
    }

    // An operand of arithmetic or the value of an assignment: an array or a number.
    void checkValue(const Expression& expression)
    {
        std::visit(
            [&](const auto& node) {
                using Node = std::decay_t<decltype(node)>;
                if constexpr (std::is_same_v<Node, String> || std::is_same_v<Node, Tuple>) {
                    error(expression.location, extentOf(expression),
                          "expected an array or a number, found " + describe(expression));
                } else if constexpr (std::is_same_v<Node, Name>) {
                    checkNameUse(expression, node.name);
                } else if constexpr (std::is_same_v<Node, Call>) {
                    checkCall(expression, node, Use::Operand);
                } else if constexpr (std::is_same_v<Node, Negation>) {
                    checkValue(*node.operand);
                } else if constexpr (std::is_same_v<Node, Binary>) {
                    if (node.op == BinaryOperator::MatMul) {
                        checkMatMulOperand(*node.left);
                        checkMatMulOperand(*node.right);
                    } else {
                        checkValue(*node.left);
                        checkValue(*node.right);
                    }
                }
            },
            expression.node);
    }

    void checkMatMulOperand(const Expression& operand)
    {
        if (numberLiteral(operand))
            error(operand.location, extentOf(operand), "'@' needs arrays on both sides, found " + describe(operand));
        else
            checkValue(operand);
    }

    void checkNameUse(const Expression& expression, const std::string& name)
    {
        if (m_defined.count(name))
            return;
        const int length = extentOf(expression);
        const auto later = m_firstAssignment.find(name);
        // `a = fft(a)` as the first assignment of `a` reads best as plain undefined.
        if (later != m_firstAssignment.end() && later->second != m_currentTarget) {
            error(expression.location, length,
                  "'" + name + "' is used before it is assigned (at " + toString(later->second) + ")");
        } else if (findOp(name)) {
            error(expression.location, length, "'" + name + "' is a function; call it as " + name + "(...)");
        } else {
            const std::vector<std::string> defined(m_defined.begin(), m_defined.end());
            error(expression.location, length,
                  "undefined name '" + name + "'" + didYouMean(nearestNames(name, defined, 3)));
        }
    }

    // The names inside an argument that cannot be bound to a parameter still get checked.
    void checkLoose(const Expression& expression)
    {
        if (!std::holds_alternative<Number>(expression.node) && !std::holds_alternative<String>(expression.node) &&
            !std::holds_alternative<Tuple>(expression.node))
            checkValue(expression);
    }

    void checkCall(const Expression& expression, const Call& call, Use use)
    {
        const int nameLength = static_cast<int>(call.function.size());
        const OpInfo* op = findOp(call.function);
        if (!op) {
            error(expression.location, nameLength,
                  "unknown function '" + call.function + "'" + didYouMean(nearestOps(call.function, 3)));
            for (const Argument& argument : call.arguments)
                checkLoose(*argument.value);
            return;
        }
        if (op->isSink() && use == Use::Operand)
            error(expression.location, nameLength, op->name + "() is a sink and gives no value to use here");
        if (!op->isSink() && use == Use::Discarded)
            unusedResult(expression.location);
        bindArguments(expression, *op, call);
    }

    void bindArguments(const Expression& expression, const OpInfo& op, const Call& call)
    {
        std::vector<const Argument*> positional;
        for (const Argument& argument : call.arguments) {
            if (argument.keyword.empty())
                positional.push_back(&argument);
        }
        // Per parameter, the expressions bound to it; more than one only for a variadic first.
        std::vector<std::vector<const Expression*>> bound(op.params.size());
        std::size_t next = 0, param = 0;
        if (op.variadic) {
            const bool sizes = op.params.front().type == ParamType::Int;
            while (next < positional.size() && !(sizes && word(*positional[next]->value)))
                bound[0].push_back(positional[next++]->value.get());
            param = 1;
            if (sizes && bound[0].size() > 4) {
                error(bound[0][4]->location, extentOf(*bound[0][4]),
                      "too many sizes for " + op.name + "(): arrays have at most 4 axes");
            }
        }
        for (; next < positional.size(); ++next, ++param) {
            const Expression& value = *positional[next]->value;
            if (param >= op.params.size()) {
                error(value.location, extentOf(value),
                      "too many positional arguments to " + op.name + "() (parameters: " + paramNames(op) + ")");
                for (; next < positional.size(); ++next)
                    checkLoose(*positional[next]->value);
                break;
            }
            bound[param].push_back(&value);
        }
        for (const Argument& argument : call.arguments) {
            if (argument.keyword.empty())
                continue;
            const int length = static_cast<int>(argument.keyword.size());
            const ParamInfo* info = op.findParam(argument.keyword);
            const std::size_t index = info ? static_cast<std::size_t>(info - op.params.data()) : 0;
            if (!info) {
                error(argument.keywordLocation, length,
                      "unknown keyword argument '" + argument.keyword + "' for " + op.name +
                          "() (parameters: " + paramNames(op) + ")");
            } else if (op.variadic && index == 0) {
                error(argument.keywordLocation, length,
                      "'" + argument.keyword + "' of " + op.name + "() is given by position only");
            } else if (!bound[index].empty()) {
                error(argument.keywordLocation, length,
                      "argument '" + argument.keyword + "' of " + op.name +
                          "() is given twice (by position and by keyword)");
            } else {
                bound[index].push_back(argument.value.get());
                continue;
            }
            checkLoose(*argument.value);
        }
        for (std::size_t i = 0; i < op.params.size(); ++i) {
            if (op.params[i].required && bound[i].empty()) {
                error(expression.location, static_cast<int>(op.name.size()),
                      "missing required argument '" + op.params[i].name + "' of " + signature(op));
            }
            for (const Expression* value : bound[i])
                checkArgument(op, op.params[i], *value);
        }
    }

    void wrongType(const OpInfo& op, const ParamInfo& param, const Expression& value, const std::string& expected)
    {
        error(value.location, extentOf(value),
              "argument '" + param.name + "' of " + op.name + "() must be " + expected + ", found " + describe(value));
    }

    void checkArgument(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        switch (param.type) {
        case ParamType::Array:
            if (numberLiteral(value) || std::holds_alternative<String>(value.node) ||
                std::holds_alternative<Tuple>(value.node))
                wrongType(op, param, value, "an array");
            else
                checkValue(value);
            return;
        case ParamType::Operand:
            if (std::holds_alternative<String>(value.node) || std::holds_alternative<Tuple>(value.node))
                wrongType(op, param, value, "an array or a number");
            else
                checkValue(value);
            return;
        case ParamType::Int:
        case ParamType::Float: checkNumber(op, param, value); return;
        case ParamType::String:
            if (!std::holds_alternative<String>(value.node))
                wrongType(op, param, value, "a string");
            return;
        case ParamType::DType:
        case ParamType::Choice: checkWord(op, param, value); return;
        case ParamType::Size: checkSize(op, param, value); return;
        case ParamType::Matrix: checkMatrix(op, param, value); return;
        case ParamType::Arguments: checkKernelArguments(op, param, value); return;
        case ParamType::Geometry: checkGeometry(op, param, value); return;
        case ParamType::Defines: checkDefines(op, param, value); return;
        }
    }

    // launch()'s args: arrays and numbers, one or a tuple of them (names after positions,
    // which the parser enforces). Which kernel parameter each binds to is the planner's
    // check, since it needs the kernel's source.
    void checkKernelArguments(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const auto* tuple = std::get_if<Tuple>(&value.node);
        if (!tuple) {
            checkKernelArgument(op, param, value);
            return;
        }
        for (const Argument& element : tuple->elements)
            checkKernelArgument(op, param, *element.value);
    }

    void checkKernelArgument(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        if (std::holds_alternative<String>(value.node) || std::holds_alternative<Tuple>(value.node))
            error(value.location, extentOf(value),
                  "an element of '" + param.name + "' of " + op.name + "() must be an array or a number, found " +
                      describe(value));
        else if (!numberLiteral(value))
            checkValue(value);
    }

    // launch()'s block and grid: n, or (x), (x, y), (x, y, z) of integers >= 1 or names of
    // the launch's defines (resolved by the planner).
    void checkGeometry(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const auto term = [&](const Expression& element) {
            if (std::holds_alternative<Name>(element.node))
                return;
            const Number* number = numberLiteral(element);
            if (!number || !number->isInteger || std::holds_alternative<Negation>(element.node) || number->value < 1)
                error(element.location, extentOf(element),
                      "'" + param.name + "' of " + op.name + "() takes integers >= 1 or define names, found " +
                          (number ? toString(element) : describe(element)));
        };
        const auto* tuple = std::get_if<Tuple>(&value.node);
        if (!tuple) {
            term(value);
            return;
        }
        const auto named = [](const Argument& element) { return !element.keyword.empty(); };
        if (tuple->elements.empty() || tuple->elements.size() > 3 ||
            std::any_of(tuple->elements.begin(), tuple->elements.end(), named)) {
            wrongType(op, param, value, "an integer or a tuple (x, y, z) of 1 to 3 of them");
            return;
        }
        for (const Argument& element : tuple->elements)
            term(*element.value);
    }

    // launch()'s defines: (NAME=integer, ...), the macros NVRTC gets as -DNAME=value.
    void checkDefines(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const auto* tuple = std::get_if<Tuple>(&value.node);
        if (!tuple) {
            wrongType(op, param, value, "a tuple of NAME=integer such as (TILE=16)");
            return;
        }
        for (const Argument& element : tuple->elements) {
            const Number* number = numberLiteral(*element.value);
            if (element.keyword.empty())
                error(element.value->location, extentOf(*element.value),
                      "each of '" + param.name + "' of " + op.name + "() is NAME=integer, found " +
                          describe(*element.value) + " without a name");
            else if (!number || !number->isInteger)
                error(element.value->location, extentOf(*element.value),
                      "define '" + element.keyword + "' of " + op.name + "() must be an integer, found " +
                          describe(*element.value));
        }
    }

    // A tuple of rows, each a tuple of number literals, all of one length; or one row, a
    // tuple of numbers. The counts of rows and columns lie within the parameter's range.
    void checkMatrix(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const std::string what = "argument '" + param.name + "' of " + op.name + "()";
        const auto* tuple = std::get_if<Tuple>(&value.node);
        const auto named = [](const Argument& element) { return !element.keyword.empty(); };
        if (!tuple || tuple->elements.empty() || std::any_of(tuple->elements.begin(), tuple->elements.end(), named)) {
            wrongType(op, param, value, "a matrix: a tuple of rows such as ((1, 2), (3, 4)), or one row (1, 2, 3)");
            return;
        }
        const bool oneRow = !std::holds_alternative<Tuple>(tuple->elements.front().value->node);
        std::vector<const Expression*> rows;
        if (oneRow)
            rows.push_back(&value);
        for (const Argument& element : tuple->elements) {
            if (!oneRow)
                rows.push_back(element.value.get());
        }
        const auto count = [&](std::size_t n, const std::string& of, const Expression& at) {
            if ((param.minimum && static_cast<double>(n) < *param.minimum) ||
                (param.maximum && static_cast<double>(n) > *param.maximum)) {
                error(at.location, extentOf(at),
                      what + " has " + std::to_string(n) + " " + of + "; the limits are " +
                          std::to_string(static_cast<long long>(param.minimum.value_or(1))) + " to " +
                          std::to_string(static_cast<long long>(param.maximum.value_or(1e9))));
                return false;
            }
            return true;
        };
        if (!count(rows.size(), "rows", value))
            return;
        std::size_t columns = 0;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const auto* row = std::get_if<Tuple>(&rows[r]->node);
            if (!row || row->elements.empty() || std::any_of(row->elements.begin(), row->elements.end(), named)) {
                error(rows[r]->location, extentOf(*rows[r]),
                      what + ": row " + std::to_string(r + 1) + " must be a tuple of numbers, found " +
                          describe(*rows[r]));
                return;
            }
            if (r == 0) {
                columns = row->elements.size();
                if (!count(columns, "columns", *rows[r]))
                    return;
            } else if (row->elements.size() != columns) {
                error(rows[r]->location, extentOf(*rows[r]),
                      what + ": row " + std::to_string(r + 1) + " has " + std::to_string(row->elements.size()) +
                          " entries, row 1 has " + std::to_string(columns) + " (the matrix must be rectangular)");
                return;
            }
            for (const Argument& entry : row->elements) {
                if (!numberLiteral(*entry.value)) {
                    error(entry.value->location, extentOf(*entry.value),
                          what + ": matrix entries must be numbers, found " + describe(*entry.value));
                    return;
                }
            }
        }
    }

    // An integer, or a tuple of two integers without names: (w, h).
    void checkSize(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const auto* tuple = std::get_if<Tuple>(&value.node);
        if (!tuple) {
            checkNumber(op, param, value);
            return;
        }
        const bool pair =
            tuple->elements.size() == 2 && std::all_of(tuple->elements.begin(), tuple->elements.end(),
                                                       [](const Argument& element) { return element.keyword.empty(); });
        if (!pair) {
            wrongType(op, param, value, "an integer or a pair (w, h) of integers");
            return;
        }
        for (const Argument& element : tuple->elements)
            checkNumber(op, param, *element.value);
    }

    void checkNumber(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const Number* number = numberLiteral(value);
        const bool integer = param.type == ParamType::Int || param.type == ParamType::Size;
        if (!number || (integer && !number->isInteger)) {
            wrongType(op, param, value, integer ? "an integer" : "a number");
            return;
        }
        const double x = std::holds_alternative<Negation>(value.node) ? -number->value : number->value;
        const auto bound = [](double limit) {
            return limit == std::floor(limit) ? std::to_string(static_cast<long long>(limit))
                                              : toString(Expression{{}, Number{limit}});
        };
        if (param.minimum && x < *param.minimum) {
            error(value.location, extentOf(value),
                  "argument '" + param.name + "' of " + op.name + "() must be >= " + bound(*param.minimum) +
                      ", found " + toString(value));
        } else if (param.maximum && x > *param.maximum) {
            error(value.location, extentOf(value),
                  "argument '" + param.name + "' of " + op.name + "() must be <= " + bound(*param.maximum) +
                      ", found " + toString(value));
        }
    }

    void checkWord(const OpInfo& op, const ParamInfo& param, const Expression& value)
    {
        const bool dtype = param.type == ParamType::DType;
        const std::vector<std::string> known = dtype ? dtypeNames() : param.choices;
        const std::string* text = word(value);
        if (!text) {
            wrongType(op, param, value, dtype ? "a dtype such as f32" : "one of " + joined(known));
            return;
        }
        const bool valid =
            dtype ? parseDType(*text).has_value() : std::find(known.begin(), known.end(), *text) != known.end();
        if (!valid) {
            error(value.location, extentOf(value),
                  "unknown " + param.name + " '" + *text + "' for " + op.name + "() (known: " + joined(known) + ")");
        }
    }

    std::vector<Diagnostic> m_diagnostics;
    std::map<std::string, SourceLocation> m_firstAssignment;
    std::set<std::string> m_defined;
    SourceLocation m_currentTarget; // of the statement being checked; 0:0 without one
};

} // namespace

std::vector<Diagnostic> checkNames(const Program& program) { return Checker(program).run(program); }

ParseResult parseAndCheck(std::string_view source)
{
    ParseResult result = parse(source);
    if (!result.ok())
        return result;
    std::vector<Diagnostic> checked = checkNames(result.program);
    result.diagnostics.insert(result.diagnostics.end(), checked.begin(), checked.end());
    std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(), bySourceOrder);
    return result;
}

} // namespace wb::pipeline
