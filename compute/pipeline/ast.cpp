// The canonical printer. It adds parentheses exactly where the parser needs them to read
// the same tree back, which tests check on every construct and on random programs.

#include <wb/pipeline.h>

#include <charconv>
#include <type_traits>

namespace wb::pipeline {

namespace {

// Binding strength, loosest first, as the parser's levels.
enum Precedence { Comparison, Additive, Multiplicative, Unary, Power, Atom };

Precedence precedence(BinaryOperator op)
{
    switch (op) {
    case BinaryOperator::Add:
    case BinaryOperator::Subtract: return Additive;
    case BinaryOperator::Multiply:
    case BinaryOperator::Divide:
    case BinaryOperator::MatMul: return Multiplicative;
    case BinaryOperator::Power: return Power;
    default: return Comparison;
    }
}

Precedence precedence(const Expression& expression)
{
    if (const auto* binary = std::get_if<Binary>(&expression.node))
        return precedence(binary->op);
    return std::holds_alternative<Negation>(expression.node) ? Unary : Atom;
}

void print(const Expression& expression, std::string& out);

void printOperand(const Expression& operand, bool parenthesize, std::string& out)
{
    if (parenthesize)
        out += '(';
    print(operand, out);
    if (parenthesize)
        out += ')';
}

void printNumber(const Number& number, std::string& out)
{
    char buffer[32];
    if (number.isInteger) {
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, number.integer).ptr);
        return;
    }
    const std::string_view text(buffer, std::to_chars(buffer, buffer + sizeof buffer, number.value).ptr);
    out += text;
    // Keep a float a float when read back: 2.0 prints as "2" otherwise.
    if (text.find_first_of(".e") == std::string_view::npos)
        out += ".0";
}

void printString(const std::string& value, std::string& out)
{
    out += '"';
    for (const char c : value) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    out += '"';
}

void printArguments(const std::vector<Argument>& arguments, std::string& out)
{
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        if (i > 0)
            out += ", ";
        if (!arguments[i].keyword.empty())
            out += arguments[i].keyword + "=";
        print(*arguments[i].value, out);
    }
}

void print(const Expression& expression, std::string& out)
{
    std::visit(
        [&](const auto& node) {
            using Node = std::decay_t<decltype(node)>;
            if constexpr (std::is_same_v<Node, Number>) {
                printNumber(node, out);
            } else if constexpr (std::is_same_v<Node, String>) {
                printString(node.value, out);
            } else if constexpr (std::is_same_v<Node, Name>) {
                out += node.name;
            } else if constexpr (std::is_same_v<Node, Tuple>) {
                out += '(';
                printArguments(node.elements, out);
                // "(a)" would read back as a plain a; a keyword element already makes a tuple.
                if (node.elements.size() == 1 && node.elements[0].keyword.empty())
                    out += ',';
                out += ')';
            } else if constexpr (std::is_same_v<Node, Call>) {
                out += node.function + "(";
                printArguments(node.arguments, out);
                out += ')';
            } else if constexpr (std::is_same_v<Node, Negation>) {
                out += '-';
                printOperand(*node.operand, precedence(*node.operand) < Unary, out);
            } else {
                const Precedence own = precedence(node.op);
                const Precedence left = precedence(*node.left);
                const Precedence right = precedence(*node.right);
                // The parser reads the left operand of ** as a primary, its right operand as
                // a unary expression; comparisons do not chain; the rest associate left.
                const bool leftParens = own == Power ? left < Atom : own == Comparison ? left <= own : left < own;
                const bool rightParens = own == Power ? right < Unary : right <= own;
                printOperand(*node.left, leftParens, out);
                out += " ";
                out += symbol(node.op);
                out += " ";
                printOperand(*node.right, rightParens, out);
            }
        },
        expression.node);
}

} // namespace

std::string_view symbol(BinaryOperator op)
{
    switch (op) {
    case BinaryOperator::Add: return "+";
    case BinaryOperator::Subtract: return "-";
    case BinaryOperator::Multiply: return "*";
    case BinaryOperator::Divide: return "/";
    case BinaryOperator::MatMul: return "@";
    case BinaryOperator::Power: return "**";
    case BinaryOperator::Equal: return "==";
    case BinaryOperator::NotEqual: return "!=";
    case BinaryOperator::Less: return "<";
    case BinaryOperator::LessEqual: return "<=";
    case BinaryOperator::Greater: return ">";
    case BinaryOperator::GreaterEqual: return ">=";
    }
    return "?";
}

std::string toString(const Expression& expression)
{
    std::string out;
    print(expression, out);
    return out;
}

std::string toString(const Statement& statement)
{
    std::string out = statement.target ? *statement.target + " = " : std::string();
    print(*statement.value, out);
    return out;
}

std::string toString(const Directive& directive)
{
    std::string out = "@" + directive.name;
    // @tune's parameter stands before its values without a comma: `@tune TILE 8, 16`.
    const std::size_t firstListed = directive.name == "tune" ? 1 : 0;
    for (std::size_t i = 0; i < directive.values.size(); ++i)
        out += (i <= firstListed ? " " : ", ") + directive.values[i].text;
    return out;
}

std::string toString(const Program& program)
{
    std::string out;
    for (const Directive& directive : program.directives)
        out += toString(directive) + "\n";
    for (const Statement& statement : program.statements)
        out += toString(statement) + "\n";
    return out;
}

} // namespace wb::pipeline
