#include "wbp_lexer.h"

#include <Qsci/qsciscintilla.h>

#include <QColor>
#include <QFont>

#include <algorithm>

namespace wb::widgets {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }
bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The length of the UTF-8 sequence starting at `pos` (1 for a byte that starts none), so
// that an unexpected character is styled whole.
qsizetype utf8Length(QByteArrayView text, qsizetype pos)
{
    const auto lead = static_cast<unsigned char>(text[pos]);
    qsizetype length = 1;
    if ((lead & 0xE0) == 0xC0)
        length = 2;
    else if ((lead & 0xF0) == 0xE0)
        length = 3;
    else if ((lead & 0xF8) == 0xF0)
        length = 4;
    if (pos + length > text.size())
        return 1;
    for (qsizetype i = 1; i < length; ++i) {
        if ((static_cast<unsigned char>(text[pos + i]) & 0xC0) != 0x80)
            return 1;
    }
    return length;
}

// A number as the engine's lexer reads it: [0-9]+ or a float; digits running into letters,
// a missing exponent or a second '.' make one invalid token. Returns its end; *malformed.
qsizetype scanNumber(QByteArrayView text, qsizetype pos, bool* malformed)
{
    const qsizetype n = text.size();
    qsizetype end = pos;
    *malformed = false;
    while (end < n && isDigit(text[end]))
        ++end;
    if (end < n && text[end] == '.') {
        ++end;
        while (end < n && isDigit(text[end]))
            ++end;
    }
    if (end < n && (text[end] == 'e' || text[end] == 'E')) {
        ++end;
        if (end < n && (text[end] == '+' || text[end] == '-'))
            ++end;
        *malformed = end >= n || !isDigit(text[end]);
        while (end < n && isDigit(text[end]))
            ++end;
    }
    while (end < n && (isNameChar(text[end]) || text[end] == '.')) {
        *malformed = true;
        ++end;
    }
    return end;
}

// A string from its opening quote: returns its end (after the closing quote), or, for an
// unterminated one, where the engine's lexer stops (the line end); *closed.
qsizetype scanString(QByteArrayView text, qsizetype pos, bool* closed)
{
    const qsizetype n = text.size();
    qsizetype end = pos + 1;
    while (end < n && text[end] != '"' && text[end] != '\n') {
        if (text[end] != '\\') {
            ++end;
            continue;
        }
        const char escaped = end + 1 < n ? text[end + 1] : '\n';
        if (escaped == '\n' || escaped == '\r') {
            ++end; // a backslash at the end of the line leaves the string open
            break;
        }
        end += 2;
    }
    *closed = end < n && text[end] == '"';
    return *closed ? end + 1 : end;
}

const QStringList kDirectives = {
    QStringLiteral("backends"), QStringLiteral("device"),  QStringLiteral("repeat"),
    QStringLiteral("seed"),     QStringLiteral("threads"), QStringLiteral("warmup"),
};

} // namespace

WbpLexer::WbpLexer(QObject* parent)
    : QsciLexerCustom(parent)
{
}

const char* WbpLexer::language() const { return "Warpbench pipeline"; }

const char* WbpLexer::wordCharacters() const
{
    return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
}

const QStringList& WbpLexer::directiveNames() { return kDirectives; }

QString WbpLexer::description(int style) const
{
    switch (style) {
    case Default: return tr("Default");
    case Comment: return tr("Comment");
    case Number: return tr("Number");
    case String: return tr("String");
    case Directive: return tr("Directive");
    case OpName: return tr("Function");
    case KeywordArgument: return tr("Keyword argument");
    case Operator: return tr("Operator");
    case Identifier: return tr("Name");
    case UnknownName: return tr("Unknown function or directive");
    case Invalid: return tr("Invalid token");
    default: return {};
    }
}

// Colours for the default light background, each with a contrast of at least 4.5:1 on white.
QColor WbpLexer::defaultColor(int style) const
{
    switch (style) {
    case Comment: return QColor(0x5c, 0x6b, 0x77);
    case Number: return QColor(0x09, 0x69, 0x5a);
    case String: return QColor(0xa3, 0x15, 0x15);
    case Directive: return QColor(0x8a, 0x2b, 0xb0);
    case OpName: return QColor(0x00, 0x4f, 0xb0);
    case KeywordArgument: return QColor(0x95, 0x4a, 0x00);
    case Operator: return QColor(0x4a, 0x4a, 0x4a);
    case UnknownName: return QColor(0xc4, 0x00, 0x00);
    case Invalid: return QColor(0xa0, 0x00, 0x00);
    default: return QColor(0x1f, 0x23, 0x28);
    }
}

QColor WbpLexer::defaultPaper(int style) const
{
    if (style == Invalid)
        return QColor(0xfd, 0xe2, 0xe2);
    return QColor(Qt::white);
}

QFont WbpLexer::defaultFont(int style) const
{
    QFont font = QsciLexerCustom::defaultFont(style);
    font.setItalic(style == Comment);
    font.setBold(style == Directive);
    return font;
}

void WbpLexer::setOpNames(const QStringList& names)
{
    m_opNames.clear();
    for (const QString& name : names)
        m_opNames.insert(name.toUtf8());
    if (editor())
        editor()->recolor();
}

int WbpLexer::styleLine(QByteArrayView line, int depth, QByteArray& styles) const
{
    const qsizetype n = line.size();
    styles.fill(static_cast<char>(Default), n);
    auto mark = [&](qsizetype from, qsizetype to, Style style) {
        std::fill(styles.begin() + from, styles.begin() + to, static_cast<char>(style));
    };
    bool firstToken = true;
    qsizetype pos = 0;
    while (pos < n) {
        const char c = line[pos];
        if (isBlank(c) || c == '\n') {
            ++pos;
            continue;
        }
        const bool statementStart = firstToken && depth == 0;
        firstToken = false;
        if (c == '#') {
            qsizetype end = pos;
            while (end < n && line[end] != '\n')
                ++end;
            mark(pos, end, Comment);
            pos = end;
        } else if (isNameStart(c)) {
            qsizetype end = pos + 1;
            while (end < n && isNameChar(line[end]))
                ++end;
            qsizetype next = end;
            while (next < n && isBlank(line[next]))
                ++next;
            const char after = next < n ? line[next] : '\0';
            const bool assigns = after == '=' && (next + 1 >= n || line[next + 1] != '=');
            Style style = Identifier;
            if (assigns)
                style = depth > 0 ? KeywordArgument : Identifier;
            else if (isOpName(line.sliced(pos, end - pos)))
                style = OpName;
            else if (after == '(')
                style = m_opNames.isEmpty() ? OpName : UnknownName;
            mark(pos, end, style);
            pos = end;
        } else if (isDigit(c) || (c == '.' && pos + 1 < n && isDigit(line[pos + 1]))) {
            bool malformed = false;
            const qsizetype end = scanNumber(line, pos, &malformed);
            mark(pos, end, malformed ? Invalid : Number);
            pos = end;
        } else if (c == '"') {
            bool closed = false;
            const qsizetype end = scanString(line, pos, &closed);
            mark(pos, end, closed ? String : Invalid);
            pos = end;
        } else if (c == '@' && statementStart && pos + 1 < n && isNameStart(line[pos + 1])) {
            qsizetype end = pos + 2;
            while (end < n && isNameChar(line[end]))
                ++end;
            const QString name = QString::fromLatin1(line.sliced(pos + 1, end - pos - 1));
            mark(pos, end, kDirectives.contains(name) ? Directive : UnknownName);
            pos = end;
        } else {
            const char next = pos + 1 < n ? line[pos + 1] : '\0';
            qsizetype length = 1;
            Style style = Operator;
            switch (c) {
            case '(': ++depth; break;
            case ')': depth = std::max(0, depth - 1); break;
            case ',':
            case '+':
            case '-':
            case '/':
            case '@': break;
            case '*':
            case '=':
            case '<':
            case '>': length = next == (c == '*' ? '*' : '=') ? 2 : 1; break;
            case '!':
                length = next == '=' ? 2 : 1;
                style = next == '=' ? Operator : Invalid;
                break;
            default:
                length = utf8Length(line, pos);
                style = Invalid;
                break;
            }
            mark(pos, pos + length, style);
            pos += length;
        }
    }
    return depth;
}

void WbpLexer::styleText(int start, int end)
{
    QsciScintilla* scintilla = editor();
    if (!scintilla || end <= start)
        return;
    const int firstLine = static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_LINEFROMPOSITION, start));
    const int lastLine = static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_LINEFROMPOSITION, end - 1));
    const int from = static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_POSITIONFROMLINE, firstLine));
    // Whole lines: a token never crosses a line end, and the depth is known at line starts.
    const int lineCount = static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_GETLINECOUNT));
    const int to = lastLine + 1 < lineCount
                       ? static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_POSITIONFROMLINE, lastLine + 1))
                       : static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_GETLENGTH));
    QByteArray text = scintilla->bytes(from, to);
    text.chop(1); // bytes() adds the terminating NUL
    int depth =
        firstLine > 0 ? static_cast<int>(scintilla->SendScintilla(QsciScintilla::SCI_GETLINESTATE, firstLine - 1)) : 0;

    startStyling(from);
    QByteArray styles;
    qsizetype lineBegin = 0;
    for (int line = firstLine; line <= lastLine; ++line) {
        qsizetype lineEnd = text.indexOf('\n', lineBegin);
        lineEnd = lineEnd < 0 ? text.size() : lineEnd + 1;
        depth = styleLine(QByteArrayView(text).sliced(lineBegin, lineEnd - lineBegin), depth, styles);
        scintilla->SendScintilla(QsciScintilla::SCI_SETLINESTATE, line, depth);
        // One run per style change.
        qsizetype run = 0;
        for (qsizetype i = 1; i <= styles.size(); ++i) {
            if (i == styles.size() || styles[i] != styles[run]) {
                setStyling(static_cast<int>(i - run), styles[run]);
                run = i;
            }
        }
        lineBegin = lineEnd;
    }
}

} // namespace wb::widgets
