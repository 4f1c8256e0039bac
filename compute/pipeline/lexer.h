#pragma once
// Splits .wbp source into tokens. Lexical errors become Invalid tokens and diagnostics, so
// the parser sees every error at its place and the lexer never stops early.

#include <wb/pipeline.h>

#include <string>
#include <string_view>
#include <vector>

namespace wb::pipeline {

enum class TokenKind {
    Identifier,
    Integer,
    Float,
    String,
    LeftParen,
    RightParen,
    Comma,
    Assign, // =
    Plus,
    Minus,
    Star,
    Slash,
    StarStar,
    At,
    Equal, // ==
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Newline,
    End,
    Invalid, // already reported by the lexer
};

struct Token {
    TokenKind kind = TokenKind::End;
    SourceLocation location;
    int length = 1;
    std::string_view text; // as spelled; empty for End
    std::string string;    // the decoded value of a String token
    double number = 0;     // the value of an Integer or Float token
    std::int64_t integer = 0;
    bool startsLine = false; // the first token on its line (Newline tokens never are)
};

// The tokens of `source`, always ending with one End token. Comments and blank space are
// dropped; every '\n' gives a Newline token (the parser decides when a line continues).
std::vector<Token> tokenize(std::string_view source, std::vector<Diagnostic>& diagnostics);

// How a token reads in a message: "')'", "'sigma'", "end of line", "end of file".
std::string describe(const Token& token);

} // namespace wb::pipeline
