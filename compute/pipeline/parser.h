#pragma once
// Recursive descent over the tokens of lexer.h, one statement a line. An error records a
// diagnostic and unwinds (Abort) to the statement loop, which skips to the end of the
// statement and goes on, so that every broken line is reported in one pass.

#include "pipeline/lexer.h"

#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace wb::pipeline {

class Parser {
public:
    explicit Parser(std::string_view source);

    ParseResult run();

private:
    struct Abort {};

    const Token& peek(int ahead = 0);
    const Token& advance();
    bool at(TokenKind kind) { return peek().kind == kind; }
    bool atEndOfStatement();
    // Counts one more level of nesting; callers restore m_nesting when they return.
    void deepen(const Token& at);
    [[noreturn]] void fail(const Token& token, std::string message);
    [[noreturn]] void fail(SourceLocation location, int length, std::string message);
    void warn(SourceLocation location, int length, std::string message);
    void synchronize();

    void parseStatement();
    void parseDirective();
    void checkDirective(const Token& atSign, const Directive& directive);
    void checkTuneDirective(const Directive& directive, const std::string& requirement);
    void expectEndOfStatement();

    ExpressionPtr parseExpression();
    ExpressionPtr parseComparison();
    ExpressionPtr parseAdditive();
    ExpressionPtr parseMultiplicative();
    // operand (operator operand)*, grouped to the left.
    ExpressionPtr parseLeftAssociative(ExpressionPtr (Parser::*operand)(), std::initializer_list<TokenKind> operators);
    ExpressionPtr parseUnary();
    ExpressionPtr parsePower();
    ExpressionPtr parsePrimary();
    ExpressionPtr parseParenthesized();
    ExpressionPtr parseCall();
    // Arguments up to and including the ')' that closes `open`; `trailingComma` tells whether
    // the last argument had a comma after it (which makes "(a,)" a tuple).
    std::vector<Argument> parseArguments(const Token& open, bool& trailingComma);

    std::vector<Diagnostic> m_diagnostics;
    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;
    std::size_t m_statementStart = 0;
    std::size_t m_errorPos = 0; // the token the last error was reported at
    int m_parenDepth = 0;       // open parentheses in the current statement
    int m_nesting = 0;
    Program m_program;
    std::map<std::string, SourceLocation> m_directiveSeen;
};

} // namespace wb::pipeline
