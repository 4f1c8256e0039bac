#pragma once
// What the pipeline editor and the kernel editor share, on top of QsciScintilla: UTF-8 text,
// line numbers, the unsaved-changes state, one monospace font for every style and zoom,
// going to a line and column, and diagnostics shown as squiggles, margin markers and
// tooltips.
//
// Lines and columns count from 1, and columns count bytes of the line's UTF-8 text, as the
// engine's diagnostics (docs/pipeline-language.md, "Locations") and compilers do: a tab is
// one column, `é` two.
//
// The editor checks nothing itself: whoever owns it (the main window) listens to
// textEditedForCheck(), asks the engine, and hands the answer to setDiagnostics().

#include <Qsci/qsciscintilla.h>

#include <QFont>
#include <QJsonArray>
#include <QList>
#include <QString>

#include <utility>

class QTimer;

namespace wb::widgets {

struct EditorDiagnostic {
    enum class Severity { Error, Warning };

    int line = 1;   // from 1
    int column = 1; // from 1, in bytes
    int length = 1; // bytes to mark on that line
    Severity severity = Severity::Error;
    QString message;
};

// The `diagnostics` of the engine's check reply (docs/protocol.md): objects with line,
// column, length, severity ("error" or "warning") and message. A severity other than
// "warning" counts as an error; a missing or non-positive line, column or length as 1.
QList<EditorDiagnostic> diagnosticsFromJson(const QJsonArray& diagnostics);

class CodeEditor : public QsciScintilla {
    Q_OBJECT

public:
    // Margins, left to right.
    enum Margin { LineNumberMargin = 0, DiagnosticMargin = 1, FoldMargin = 2 };

    explicit CodeEditor(QWidget* parent = nullptr);

    // Replaces the text as a file's contents: no undo history, not modified.
    void setDocumentText(const QString& text);
    // The text as it now stands has been saved: isModified() is false and
    // modificationChanged(false) is emitted. Undoing past this point modifies again.
    void markSaved() { setModified(false); }

    // The font of every style (bold and italic stay as each style has them) and of the
    // line numbers. Zoom adds points on top of it.
    void setEditorFont(const QFont& font);
    QFont editorFont() const { return m_font; }
    // Points added to every font size, -10 to 20 (zoomIn(), zoomOut(), zoomTo(), Ctrl+wheel).
    int zoom() const;

    // Document position (bytes from the start) of a line and column, each clamped to the
    // document: a column past the line's end gives the line's end.
    int positionAt(int line, int column) const;
    // The cursor's line and column.
    std::pair<int, int> cursorLineColumn() const;
    // Moves the cursor to a line and column (clamped as positionAt()), unfolds and scrolls
    // it into view, and gives the editor the focus: for jumping from a problem.
    void goTo(int line, int column);

    // Replaces the diagnostics shown: a squiggle under each one's range (red for errors,
    // amber for warnings), a marker in the margin of each line with any (an error's when
    // there are both), and a tooltip over the range and over the marker. Squiggles and
    // markers move with the text when it is edited, until the next call. A range that lies
    // beyond the line's end (an error at the end of a line) underlines the line's last
    // character; a line beyond the document counts as its last line.
    void setDiagnostics(const QList<EditorDiagnostic>& diagnostics);
    void clearDiagnostics() { setDiagnostics({}); }
    const QList<EditorDiagnostic>& diagnostics() const { return m_diagnostics; }
    // The tooltip's text at a document position: "error: message" for each diagnostic whose
    // squiggle covers it (of overlapping ones of one severity, the later), one a line;
    // empty for none.
    QString diagnosticTextAt(int position) const;
    // The margin tooltip's text for a line: every diagnostic whose marker is on it now.
    QString diagnosticTextForLine(int line) const;
    // The indicator and marker numbers in use, for tests and for callers that query
    // Scintilla directly.
    int errorIndicator() const { return m_errorIndicator; }
    int warningIndicator() const { return m_warningIndicator; }
    int errorMarker() const { return m_errorMarker; }
    int warningMarker() const { return m_warningMarker; }

    // How long textEditedForCheck() waits after the last change (default 300 ms).
    void setCheckDelay(int milliseconds);
    int checkDelay() const;

    void setLexer(QsciLexer* lexer = nullptr) override;

signals:
    // The text changed and then stayed the same for checkDelay(): typed, pasted, undone or
    // set with setDocumentText(). One signal for a burst of changes.
    void textEditedForCheck();
    void zoomChanged(int zoom);

protected:
    // Applies the editor font to every style the lexer describes and to the margins, and
    // the margins' colours (setting a lexer resets them).
    void applyFont();
    // Fits the line-number margin to the line count and the marker margin and its icons to
    // the line height, at the current font and zoom.
    void updateMarginWidths();

private:
    void showToolTip(int position, int x, int y);
    QString describe(qsizetype index) const;

    QFont m_font;
    QList<EditorDiagnostic> m_diagnostics;
    // The margin marker of each line with diagnostics, and the diagnostics it stands for.
    struct LineMarker {
        int handle = -1;
        QList<qsizetype> diagnostics;
    };
    QList<LineMarker> m_lineMarkers;
    int m_errorIndicator = -1;
    int m_warningIndicator = -1;
    int m_errorMarker = -1;
    int m_warningMarker = -1;
    QTimer* m_checkTimer = nullptr;
};

} // namespace wb::widgets
