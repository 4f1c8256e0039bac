#include "pipeline/parser.h"

#include <algorithm>
#include <array>

namespace wb::pipeline {

namespace {

enum class DirectiveKind { Backends, PositiveInteger, NonNegativeInteger, Tune };

struct DirectiveSpec {
    std::string_view name;
    DirectiveKind kind;
};

// Sorted by name: the "known:" list of a diagnostic is printed in this order.
constexpr std::array kDirectives = {
    DirectiveSpec{"backends", DirectiveKind::Backends},
    DirectiveSpec{"device", DirectiveKind::NonNegativeInteger},
    DirectiveSpec{"repeat", DirectiveKind::PositiveInteger},
    DirectiveSpec{"seed", DirectiveKind::NonNegativeInteger},
    DirectiveSpec{"threads", DirectiveKind::PositiveInteger},
    DirectiveSpec{"tune", DirectiveKind::Tune},
    DirectiveSpec{"warmup", DirectiveKind::NonNegativeInteger},
};

constexpr std::array<std::string_view, 2> kBackends = {"cpu", "gpu"};

const DirectiveSpec* findDirective(std::string_view name)
{
    const auto it = std::find_if(kDirectives.begin(), kDirectives.end(),
                                 [&](const DirectiveSpec& spec) { return spec.name == name; });
    return it == kDirectives.end() ? nullptr : &*it;
}

std::string requirement(const DirectiveSpec& spec)
{
    const std::string name = "@" + std::string(spec.name);
    switch (spec.kind) {
    case DirectiveKind::Backends: return name + " needs a comma-separated list of backends (cpu, gpu)";
    case DirectiveKind::PositiveInteger: return name + " needs a positive integer";
    case DirectiveKind::NonNegativeInteger: return name + " needs a non-negative integer";
    case DirectiveKind::Tune:
        return name + " needs a parameter and a comma-separated list of positive integers (@tune block 64, 128, 256)";
    }
    return name;
}

bool isComparison(TokenKind kind)
{
    return kind == TokenKind::Equal || kind == TokenKind::NotEqual || kind == TokenKind::Less ||
           kind == TokenKind::LessEqual || kind == TokenKind::Greater || kind == TokenKind::GreaterEqual;
}

BinaryOperator binaryOperator(TokenKind kind)
{
    switch (kind) {
    case TokenKind::Plus: return BinaryOperator::Add;
    case TokenKind::Minus: return BinaryOperator::Subtract;
    case TokenKind::Star: return BinaryOperator::Multiply;
    case TokenKind::Slash: return BinaryOperator::Divide;
    case TokenKind::At: return BinaryOperator::MatMul;
    case TokenKind::StarStar: return BinaryOperator::Power;
    case TokenKind::Equal: return BinaryOperator::Equal;
    case TokenKind::NotEqual: return BinaryOperator::NotEqual;
    case TokenKind::Less: return BinaryOperator::Less;
    case TokenKind::LessEqual: return BinaryOperator::LessEqual;
    case TokenKind::Greater: return BinaryOperator::Greater;
    default: return BinaryOperator::GreaterEqual;
    }
}

ExpressionPtr makeBinary(const Token& op, ExpressionPtr left, ExpressionPtr right)
{
    const SourceLocation location = left->location;
    return std::make_unique<Expression>(
        Expression{location, Binary{binaryOperator(op.kind), op.location, std::move(left), std::move(right)}});
}

// What a statement's left side is, for "cannot assign to ...".
std::string_view assignee(const Expression& expression)
{
    const auto& node = expression.node;
    if (std::holds_alternative<Number>(node))
        return "a number";
    if (std::holds_alternative<String>(node))
        return "a string";
    if (std::holds_alternative<Name>(node))
        return "a name in parentheses"; // a bare name is an assignment, so it had parentheses
    if (std::holds_alternative<Tuple>(node))
        return "a tuple";
    if (std::holds_alternative<Call>(node))
        return "a call";
    return "an expression";
}

} // namespace

Parser::Parser(std::string_view source)
    : m_tokens(tokenize(source, m_diagnostics))
{
}

ParseResult Parser::run()
{
    while (true) {
        m_parenDepth = 0;
        while (at(TokenKind::Newline))
            advance();
        if (at(TokenKind::End))
            break;
        try {
            parseStatement();
        } catch (const Abort&) {
            synchronize();
        }
    }
    std::stable_sort(m_diagnostics.begin(), m_diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return a.location.line != b.location.line ? a.location.line < b.location.line
                                                  : a.location.column < b.location.column;
    });
    return {std::move(m_program), std::move(m_diagnostics)};
}

const Token& Parser::peek(int ahead)
{
    std::size_t pos = m_pos;
    while (true) {
        // Inside parentheses a line goes on: newlines there are not tokens of the grammar.
        while (m_parenDepth > 0 && m_tokens[pos].kind == TokenKind::Newline)
            ++pos;
        if (ahead == 0 || m_tokens[pos].kind == TokenKind::End)
            return m_tokens[pos];
        --ahead;
        ++pos;
    }
}

const Token& Parser::advance()
{
    const Token& token = peek();
    m_pos = static_cast<std::size_t>(&token - m_tokens.data());
    if (token.kind != TokenKind::End)
        ++m_pos;
    return token;
}

bool Parser::atEndOfStatement() { return at(TokenKind::Newline) || at(TokenKind::End); }

void Parser::deepen(const Token& at)
{
    if (++m_nesting > kMaxNesting)
        fail(at, "expression nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
}

void Parser::fail(const Token& token, std::string message)
{
    m_errorPos = static_cast<std::size_t>(&token - m_tokens.data());
    // The lexer has already said what is wrong with an invalid token.
    if (token.kind != TokenKind::Invalid)
        m_diagnostics.push_back({Severity::Error, token.location, std::max(1, token.length), std::move(message)});
    throw Abort{};
}

void Parser::fail(SourceLocation location, int length, std::string message)
{
    m_errorPos = m_pos;
    m_diagnostics.push_back({Severity::Error, location, std::max(1, length), std::move(message)});
    throw Abort{};
}

void Parser::warn(SourceLocation location, int length, std::string message)
{
    m_diagnostics.push_back({Severity::Warning, location, std::max(1, length), std::move(message)});
}

void Parser::synchronize()
{
    int depth = m_parenDepth;
    std::size_t pos = m_pos;
    while (m_tokens[pos].kind != TokenKind::End) {
        const TokenKind kind = m_tokens[pos++].kind;
        if (kind == TokenKind::Newline && depth <= 0) {
            m_pos = pos;
            return;
        }
        if (kind == TokenKind::LeftParen)
            ++depth;
        else if (kind == TokenKind::RightParen)
            --depth;
    }
    if (depth <= 0) {
        m_pos = pos;
        return;
    }
    // A '(' that no later ')' closes would swallow the rest of the file as one statement:
    // take the next line (or the line the error stands at the start of) as a new statement.
    // Never the statement's own first token again, or this would not move on.
    pos = std::max(m_errorPos, m_statementStart + 1);
    while (m_tokens[pos].kind != TokenKind::End && !m_tokens[pos].startsLine)
        ++pos;
    m_pos = pos;
}

void Parser::parseStatement()
{
    m_parenDepth = 0;
    m_nesting = 0;
    m_statementStart = m_pos;
    const Token& first = peek();
    if (first.kind == TokenKind::At) {
        parseDirective();
        return;
    }
    Statement statement;
    statement.location = first.location;
    if (first.kind == TokenKind::Identifier && peek(1).kind == TokenKind::Assign) {
        advance();
        advance();
        statement.target = std::string(first.text);
        statement.targetLocation = first.location;
    }
    statement.value = parseExpression();
    if (!statement.target && at(TokenKind::Assign)) {
        const Token& assign = peek();
        const int length =
            assign.location.line == first.location.line ? assign.location.column - first.location.column : first.length;
        fail(first.location, length, "cannot assign to " + std::string(assignee(*statement.value)));
    }
    expectEndOfStatement();
    m_program.statements.push_back(std::move(statement));
}

void Parser::parseDirective()
{
    const Token& atSign = advance();
    const Token& name = peek();
    if (name.kind != TokenKind::Identifier || name.location.line != atSign.location.line ||
        name.location.column != atSign.location.column + 1)
        fail(atSign, "expected a directive name right after '@'");
    advance();
    const DirectiveSpec* spec = findDirective(name.text);
    if (!spec) {
        std::string known;
        for (const DirectiveSpec& candidate : kDirectives)
            known += (known.empty() ? "@" : ", @") + std::string(candidate.name);
        fail(atSign.location, name.length + 1,
             "unknown directive '@" + std::string(name.text) + "' (known: " + known + ")");
    }
    Directive directive{atSign.location, std::string(name.text), {}};
    while (!atEndOfStatement()) {
        const Token& value = peek();
        if (value.kind != TokenKind::Identifier && value.kind != TokenKind::Integer)
            fail(value, requirement(*spec));
        advance();
        directive.values.push_back({value.location, std::string(value.text),
                                    value.kind == TokenKind::Integer ? std::optional(value.integer) : std::nullopt});
        // @tune's parameter is followed by its values without a comma: `@tune TILE 8, 16`.
        if (spec->kind == DirectiveKind::Tune && directive.values.size() == 1) {
            if (value.kind != TokenKind::Identifier)
                fail(value, requirement(*spec));
            continue;
        }
        if (at(TokenKind::Comma)) {
            advance();
            if (atEndOfStatement())
                fail(peek(), requirement(*spec));
        } else if (!atEndOfStatement()) {
            fail(peek(), requirement(*spec));
        }
    }
    checkDirective(atSign, directive);
    expectEndOfStatement();
    // Each tuned parameter has a @tune of its own; the same parameter twice is an error.
    const bool tune = spec->kind == DirectiveKind::Tune;
    const std::string seenKey = tune ? "tune " + directive.values.front().text : directive.name;
    const auto [first, inserted] = m_directiveSeen.emplace(seenKey, directive.location);
    if (!inserted && tune)
        fail(directive.values.front().location, static_cast<int>(directive.values.front().text.size()),
             "@tune " + directive.values.front().text + " is given twice (first at " + toString(first->second) + ")");
    if (!inserted) {
        warn(directive.location, name.length + 1,
             "@" + directive.name + " is given again; this one replaces the one at " + toString(first->second));
        first->second = directive.location;
    }
    m_program.directives.push_back(std::move(directive));
}

void Parser::checkDirective(const Token& atSign, const Directive& directive)
{
    const DirectiveSpec& spec = *findDirective(directive.name);
    const int nameLength = static_cast<int>(directive.name.size()) + 1;
    if (directive.values.empty())
        fail(atSign.location, nameLength, requirement(spec));
    if (spec.kind == DirectiveKind::Backends) {
        for (auto it = directive.values.begin(); it != directive.values.end(); ++it) {
            const int length = static_cast<int>(it->text.size());
            if (std::find(kBackends.begin(), kBackends.end(), it->text) == kBackends.end())
                fail(it->location, length, "unknown backend '" + it->text + "' (known: cpu, gpu)");
            if (std::any_of(directive.values.begin(), it, [&](const DirectiveValue& v) { return v.text == it->text; }))
                fail(it->location, length, "backend '" + it->text + "' is listed twice");
        }
        return;
    }
    if (spec.kind == DirectiveKind::Tune) {
        checkTuneDirective(directive, requirement(spec));
        return;
    }
    const DirectiveValue& value = directive.values.size() > 1 ? directive.values[1] : directive.values[0];
    const bool positive = spec.kind == DirectiveKind::PositiveInteger;
    if (directive.values.size() > 1 || !value.integer || (positive && *value.integer == 0))
        fail(value.location, static_cast<int>(value.text.size()), requirement(spec));
}

void Parser::checkTuneDirective(const Directive& directive, const std::string& requirement)
{
    const DirectiveValue& parameter = directive.values.front();
    if (parameter.integer || directive.values.size() < 2)
        fail(parameter.location, static_cast<int>(parameter.text.size()), requirement);
    for (auto it = directive.values.begin() + 1; it != directive.values.end(); ++it) {
        const int length = static_cast<int>(it->text.size());
        if (!it->integer || *it->integer == 0)
            fail(it->location, length, requirement);
        if (std::any_of(directive.values.begin() + 1, it,
                        [&](const DirectiveValue& v) { return v.integer == it->integer; }))
            fail(it->location, length, "@tune " + parameter.text + ": " + it->text + " is listed twice");
    }
}

void Parser::expectEndOfStatement()
{
    if (at(TokenKind::Newline)) {
        advance();
        return;
    }
    if (at(TokenKind::End))
        return;
    if (at(TokenKind::RightParen))
        fail(peek(), "unmatched ')'");
    fail(peek(), "expected end of line, found " + describe(peek()));
}

ExpressionPtr Parser::parseExpression() { return parseComparison(); }

ExpressionPtr Parser::parseComparison()
{
    ExpressionPtr left = parseAdditive();
    if (!isComparison(peek().kind))
        return left;
    const Token& op = advance();
    ExpressionPtr right = parseAdditive();
    // Python reads a < b < c as (a < b) and (b < c); arrays have no such reading, so a
    // chain is refused rather than given a meaning that surprises.
    if (isComparison(peek().kind))
        fail(peek(), "comparisons cannot be chained; add parentheses");
    return makeBinary(op, std::move(left), std::move(right));
}

ExpressionPtr Parser::parseAdditive()
{
    return parseLeftAssociative(&Parser::parseMultiplicative, {TokenKind::Plus, TokenKind::Minus});
}

ExpressionPtr Parser::parseMultiplicative()
{
    return parseLeftAssociative(&Parser::parseUnary, {TokenKind::Star, TokenKind::Slash, TokenKind::At});
}

ExpressionPtr Parser::parseLeftAssociative(ExpressionPtr (Parser::*operand)(),
                                           std::initializer_list<TokenKind> operators)
{
    const int saved = m_nesting;
    ExpressionPtr left = (this->*operand)();
    while (std::find(operators.begin(), operators.end(), peek().kind) != operators.end()) {
        // A long chain nests to the left without recursion; counting it keeps the tree (and
        // the recursion of whoever walks it) as shallow as kMaxNesting promises.
        const Token& op = advance();
        deepen(op);
        left = makeBinary(op, std::move(left), (this->*operand)());
    }
    m_nesting = saved;
    return left;
}

ExpressionPtr Parser::parseUnary()
{
    const int saved = m_nesting;
    deepen(peek());
    ExpressionPtr result;
    if (at(TokenKind::Minus)) {
        const Token& minus = advance();
        result = std::make_unique<Expression>(Expression{minus.location, Negation{parseUnary()}});
    } else {
        result = parsePower();
    }
    m_nesting = saved;
    return result;
}

ExpressionPtr Parser::parsePower()
{
    ExpressionPtr base = parsePrimary();
    if (!at(TokenKind::StarStar))
        return base;
    // Right-associative, and the exponent may carry its own sign: 2 ** -1, as in Python.
    const Token& op = advance();
    return makeBinary(op, std::move(base), parseUnary());
}

ExpressionPtr Parser::parsePrimary()
{
    const Token& token = peek();
    switch (token.kind) {
    case TokenKind::Integer:
    case TokenKind::Float:
        advance();
        return std::make_unique<Expression>(
            Expression{token.location, Number{token.number, token.kind == TokenKind::Integer, token.integer}});
    case TokenKind::String:
        advance();
        return std::make_unique<Expression>(Expression{token.location, String{token.string}});
    case TokenKind::Identifier:
        if (peek(1).kind == TokenKind::LeftParen)
            return parseCall();
        advance();
        return std::make_unique<Expression>(Expression{token.location, Name{std::string(token.text)}});
    case TokenKind::LeftParen: return parseParenthesized();
    default: break;
    }
    if (token.kind != TokenKind::Newline && token.kind != TokenKind::End)
        fail(token, "expected an expression, found " + describe(token));
    auto previous = static_cast<std::ptrdiff_t>(&token - m_tokens.data()) - 1;
    while (previous >= 0 && m_tokens[previous].kind == TokenKind::Newline)
        --previous;
    fail(token, previous < 0 ? std::string("expected an expression")
                             : "expected an expression after " + describe(m_tokens[previous]));
}

ExpressionPtr Parser::parseParenthesized()
{
    const Token& open = advance();
    bool trailingComma = false;
    std::vector<Argument> elements = parseArguments(open, trailingComma);
    if (elements.size() == 1 && elements[0].keyword.empty() && !trailingComma)
        return std::move(elements[0].value);
    return std::make_unique<Expression>(Expression{open.location, Tuple{std::move(elements)}});
}

ExpressionPtr Parser::parseCall()
{
    const Token& name = advance();
    const Token& open = advance();
    bool trailingComma = false;
    std::vector<Argument> arguments = parseArguments(open, trailingComma);
    return std::make_unique<Expression>(Expression{name.location, Call{std::string(name.text), std::move(arguments)}});
}

std::vector<Argument> Parser::parseArguments(const Token& open, bool& trailingComma)
{
    ++m_parenDepth;
    std::vector<Argument> arguments;
    bool sawKeyword = false;
    trailingComma = false;
    while (!at(TokenKind::RightParen)) {
        Argument argument;
        if (at(TokenKind::Identifier) && peek(1).kind == TokenKind::Assign) {
            const Token& keyword = advance();
            advance();
            for (const Argument& earlier : arguments) {
                if (earlier.keyword == keyword.text)
                    fail(keyword, "keyword argument '" + earlier.keyword + "' is given twice (first at " +
                                      toString(earlier.keywordLocation) + ")");
            }
            argument.keyword = std::string(keyword.text);
            argument.keywordLocation = keyword.location;
            sawKeyword = true;
        } else if (sawKeyword && !at(TokenKind::End)) {
            fail(peek(), "positional argument after keyword argument");
        }
        argument.value = parseExpression();
        arguments.push_back(std::move(argument));
        trailingComma = at(TokenKind::Comma);
        if (trailingComma)
            advance();
        else if (!at(TokenKind::RightParen))
            fail(peek(), "expected ')' to close '(' at " + toString(open.location));
    }
    advance();
    --m_parenDepth;
    return arguments;
}

ParseResult parse(std::string_view source) { return Parser(source).run(); }

} // namespace wb::pipeline
