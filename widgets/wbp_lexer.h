#pragma once
// Syntax highlighting of the pipeline language (`.wbp`, docs/pipeline-language.md) for
// QScintilla. It follows the language's lexical rules byte for byte (the engine's
// compute/pipeline/lexer.cpp): `#` comments, numbers (and "3x", "1e", "1.2.3" as one invalid
// number), one-line strings with their three escapes, the operators, and names. On top of
// the tokens it tells apart what the parser would: `@name` at the start of a statement is a
// directive, `name=` inside parentheses a keyword argument, `name=` outside them an
// assignment target, a name from the engine's op list an op, and any other called name an
// unknown function.
//
// Styling is incremental. Scintilla asks for text from the first line whose styles an edit
// invalidated; the one state that crosses lines, the depth of open parentheses (a call may
// span lines), is kept per line in Scintilla's line state, so styling can restart at any
// line. Known limit: while a `(` is still unclosed, the lines after it are styled as inside
// it (the parser decides that only after reading the whole file).

#include <Qsci/qscilexercustom.h>

#include <QByteArray>
#include <QByteArrayView>
#include <QSet>
#include <QStringList>

namespace wb::widgets {

class WbpLexer : public QsciLexerCustom {
    Q_OBJECT

public:
    enum Style {
        Default = 0,     // blanks and line ends
        Comment,         // `# ...`
        Number,          // `5`, `1.5`, `.5`, `1e-3`
        String,          // `"samples/street.png"`
        Directive,       // `@repeat` (a known directive)
        OpName,          // a function of the op list, called or not
        KeywordArgument, // `sigma` in `gaussian(img, sigma=3)`
        Operator,        // `( ) , = + - * / ** @ == != < <= > >=`
        Identifier,      // other names: variables, dtype and choice words
        UnknownName,     // a called name not in the op list; an unknown `@directive`
        Invalid,         // a token the engine's lexer rejects: `3x`, an unterminated string, `$`
    };
    static constexpr int StyleCount = Invalid + 1;

    explicit WbpLexer(QObject* parent = nullptr);

    const char* language() const override;
    const char* wordCharacters() const override;
    QString description(int style) const override;
    QColor defaultColor(int style) const override;
    QColor defaultPaper(int style) const override;
    QFont defaultFont(int style) const override;
    void styleText(int start, int end) override;

    // The op names (from OpCatalog); the attached editor's text is styled again. While the
    // list is empty (no engine has answered yet) no call is styled as unknown.
    void setOpNames(const QStringList& names);
    bool isOpName(QByteArrayView name) const { return m_opNames.contains(name.toByteArray()); }

    // The directives of docs/pipeline-language.md, "Directives" (the engine's op list does
    // not carry them), sorted.
    static const QStringList& directiveNames();

    // Styles one line (its bytes including the line end), entering it at paren depth
    // `depth`; writes one style per byte to `styles` and returns the depth at its end.
    int styleLine(QByteArrayView line, int depth, QByteArray& styles) const;

private:
    QSet<QByteArray> m_opNames;
};

} // namespace wb::widgets
