#include "pipeline/lexer.h"

#include <charconv>
#include <cstdio>
#include <limits>

namespace wb::pipeline {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isIdentifierStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentifierChar(char c) { return isIdentifierStart(c) || isDigit(c); }

// The byte length of the UTF-8 sequence starting at `pos`, or 0 when it is not one, so that
// "unexpected character 'é'" can show the character rather than its first byte.
int utf8Length(std::string_view source, std::size_t pos)
{
    const auto lead = static_cast<unsigned char>(source[pos]);
    int length = 0;
    if ((lead & 0xE0) == 0xC0)
        length = 2;
    else if ((lead & 0xF0) == 0xE0)
        length = 3;
    else if ((lead & 0xF8) == 0xF0)
        length = 4;
    else
        return 0;
    if (pos + length > source.size())
        return 0;
    for (int i = 1; i < length; ++i) {
        if ((static_cast<unsigned char>(source[pos + i]) & 0xC0) != 0x80)
            return 0;
    }
    return length;
}

class Lexer {
public:
    Lexer(std::string_view source, std::vector<Diagnostic>& diagnostics)
        : m_source(source)
        , m_diagnostics(diagnostics)
    {
    }

    std::vector<Token> run()
    {
        while (m_pos < m_source.size()) {
            const char c = m_source[m_pos];
            if (c == ' ' || c == '\t' || c == '\r') {
                ++m_pos;
            } else if (c == '#') {
                while (m_pos < m_source.size() && m_source[m_pos] != '\n')
                    ++m_pos;
            } else if (c == '\n') {
                add(TokenKind::Newline, 1);
                ++m_line;
                m_lineBegin = m_pos;
                m_lineHasToken = false;
            } else if (isIdentifierStart(c)) {
                std::size_t end = m_pos + 1;
                while (end < m_source.size() && isIdentifierChar(m_source[end]))
                    ++end;
                add(TokenKind::Identifier, end - m_pos);
            } else if (isDigit(c) || (c == '.' && m_pos + 1 < m_source.size() && isDigit(m_source[m_pos + 1]))) {
                lexNumber();
            } else if (c == '"') {
                lexString();
            } else {
                lexPunctuation(c);
            }
        }
        Token end;
        end.kind = TokenKind::End;
        // A final newline does not open a line of its own: errors at the end of the file are
        // reported at the end of its last line.
        end.location = m_source.ends_with('\n') ? m_tokens.back().location : location(m_pos);
        m_tokens.push_back(end);
        return std::move(m_tokens);
    }

private:
    SourceLocation location(std::size_t pos) const { return {m_line, static_cast<int>(pos - m_lineBegin) + 1}; }

    Token& add(TokenKind kind, std::size_t length)
    {
        Token token;
        token.kind = kind;
        token.location = location(m_pos);
        token.length = static_cast<int>(length);
        token.text = m_source.substr(m_pos, length);
        token.startsLine = kind != TokenKind::Newline && !m_lineHasToken;
        if (kind != TokenKind::Newline)
            m_lineHasToken = true;
        m_pos += length;
        m_tokens.push_back(token);
        return m_tokens.back();
    }

    void invalid(std::size_t length, std::string message)
    {
        const Token& token = add(TokenKind::Invalid, length);
        m_diagnostics.push_back({Severity::Error, token.location, token.length, std::move(message)});
    }

    void lexNumber()
    {
        std::size_t end = m_pos;
        bool isFloat = false;
        while (end < m_source.size() && isDigit(m_source[end]))
            ++end;
        if (end < m_source.size() && m_source[end] == '.') {
            isFloat = true;
            ++end;
            while (end < m_source.size() && isDigit(m_source[end]))
                ++end;
        }
        bool malformed = false;
        if (end < m_source.size() && (m_source[end] == 'e' || m_source[end] == 'E')) {
            isFloat = true;
            ++end;
            if (end < m_source.size() && (m_source[end] == '+' || m_source[end] == '-'))
                ++end;
            malformed = end >= m_source.size() || !isDigit(m_source[end]);
            while (end < m_source.size() && isDigit(m_source[end]))
                ++end;
        }
        // "3x" or "1e" is one mistake, not a number followed by a name.
        while (end < m_source.size() && (isIdentifierChar(m_source[end]) || m_source[end] == '.')) {
            malformed = true;
            ++end;
        }
        const std::string_view text = m_source.substr(m_pos, end - m_pos);
        if (malformed) {
            invalid(text.size(), "invalid number '" + std::string(text) + "'");
            return;
        }
        if (!isFloat) {
            std::int64_t value = 0;
            const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
            if (result.ec != std::errc()) {
                invalid(text.size(), "integer '" + std::string(text) + "' is too large (the largest is " +
                                         std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
                return;
            }
            Token& token = add(TokenKind::Integer, text.size());
            token.integer = value;
            token.number = static_cast<double>(value);
            return;
        }
        double value = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
        if (result.ec != std::errc()) {
            invalid(text.size(), "number '" + std::string(text) + "' is out of range");
            return;
        }
        add(TokenKind::Float, text.size()).number = value;
    }

    void lexString()
    {
        std::string value;
        std::size_t end = m_pos + 1;
        while (end < m_source.size() && m_source[end] != '"' && m_source[end] != '\n') {
            if (m_source[end] != '\\') {
                value += m_source[end++];
                continue;
            }
            const char escaped = end + 1 < m_source.size() ? m_source[end + 1] : '\n';
            if (escaped == '"' || escaped == '\\') {
                value += escaped;
            } else if (escaped == 'n') {
                value += '\n';
            } else if (escaped == '\n' || escaped == '\r') {
                ++end; // a backslash at the end of the line leaves the string open
                break;
            } else {
                m_diagnostics.push_back(
                    {Severity::Error, location(end), 2,
                     "unknown escape '\\" + std::string(1, escaped) + "' in string (known: \\\", \\\\, \\n)"});
            }
            end += 2;
        }
        if (end >= m_source.size() || m_source[end] != '"') {
            invalid(end - m_pos, "unterminated string");
            return;
        }
        add(TokenKind::String, end + 1 - m_pos).string = std::move(value);
    }

    void lexPunctuation(char c)
    {
        const char next = m_pos + 1 < m_source.size() ? m_source[m_pos + 1] : '\0';
        switch (c) {
        case '(': add(TokenKind::LeftParen, 1); return;
        case ')': add(TokenKind::RightParen, 1); return;
        case ',': add(TokenKind::Comma, 1); return;
        case '+': add(TokenKind::Plus, 1); return;
        case '-': add(TokenKind::Minus, 1); return;
        case '/': add(TokenKind::Slash, 1); return;
        case '@': add(TokenKind::At, 1); return;
        case '*': next == '*' ? add(TokenKind::StarStar, 2) : add(TokenKind::Star, 1); return;
        case '=': next == '=' ? add(TokenKind::Equal, 2) : add(TokenKind::Assign, 1); return;
        case '<': next == '=' ? add(TokenKind::LessEqual, 2) : add(TokenKind::Less, 1); return;
        case '>': next == '=' ? add(TokenKind::GreaterEqual, 2) : add(TokenKind::Greater, 1); return;
        case '!':
            if (next == '=') {
                add(TokenKind::NotEqual, 2);
                return;
            }
            break;
        default: break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x21 && byte < 0x7F) {
            invalid(1, "unexpected character '" + std::string(1, c) + "'");
        } else if (const int length = utf8Length(m_source, m_pos); length > 0) {
            invalid(length, "unexpected character '" + std::string(m_source.substr(m_pos, length)) + "'");
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "0x%02X", byte);
            invalid(1, std::string("unexpected byte ") + hex);
        }
    }

    std::string_view m_source;
    std::vector<Diagnostic>& m_diagnostics;
    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;
    int m_line = 1;
    std::size_t m_lineBegin = 0; // index of the line's first byte
    bool m_lineHasToken = false;
};

} // namespace

std::vector<Token> tokenize(std::string_view source, std::vector<Diagnostic>& diagnostics)
{
    return Lexer(source, diagnostics).run();
}

std::string describe(const Token& token)
{
    switch (token.kind) {
    case TokenKind::Newline: return "end of line";
    case TokenKind::End: return "end of file";
    default: return "'" + std::string(token.text) + "'";
    }
}

} // namespace wb::pipeline
