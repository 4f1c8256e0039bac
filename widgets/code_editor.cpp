#include "code_editor.h"

#include <QFontDatabase>
#include <QImage>
#include <QJsonObject>
#include <QMap>
#include <QPainter>
#include <QPainterPath>
#include <QStringList>
#include <QTextDocument>
#include <QTimer>
#include <QToolTip>

#include <Qsci/qscilexer.h>

#include <algorithm>

namespace wb::widgets {

namespace {

constexpr int kDefaultCheckDelayMs = 300;
constexpr int kDwellMs = 500;
constexpr int kMinimumPointSize = 10;
constexpr int kMaxStyle = 255; // QsciScintillaBase::STYLE_MAX

const QColor kErrorColor(0xd3, 0x2f, 0x2f);
const QColor kWarningColor(0xc7, 0x8a, 0x00);
const QColor kMarginBackground(0xf3, 0xf4, 0xf6);
const QColor kMarginText(0x5f, 0x68, 0x73);
const QColor kCaretLine(0xf1, 0xf5, 0xfb);
const QColor kMatchedBrace(0xd7, 0xe6, 0xff);

int jsonInt(const QJsonObject& object, QLatin1String key)
{
    const int value = object.value(key).toInt(1);
    return value < 1 ? 1 : value;
}

// The margin marker of a line with an error (a white cross in a red disc) or with warnings
// only (a dark '!' in an amber triangle), `size` pixels square.
QImage markerImage(EditorDiagnostic::Severity severity, int size)
{
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    const double s = size;
    if (severity == EditorDiagnostic::Severity::Error) {
        painter.setPen(Qt::NoPen);
        painter.setBrush(kErrorColor);
        painter.drawEllipse(QRectF(0.5, 0.5, s - 1, s - 1));
        painter.setPen(QPen(Qt::white, std::max(1.5, s / 8), Qt::SolidLine, Qt::RoundCap));
        const double a = s * 0.32;
        const double b = s * 0.68;
        painter.drawLine(QPointF(a, a), QPointF(b, b));
        painter.drawLine(QPointF(a, b), QPointF(b, a));
    } else {
        QPainterPath triangle;
        triangle.moveTo(s / 2, 0.5);
        triangle.lineTo(s - 0.5, s - 1);
        triangle.lineTo(0.5, s - 1);
        triangle.closeSubpath();
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0xf0, 0xb4, 0x29));
        painter.drawPath(triangle);
        painter.setPen(QPen(QColor(0x3d, 0x2b, 0x00), std::max(1.5, s / 9), Qt::SolidLine, Qt::RoundCap));
        painter.drawLine(QPointF(s / 2, s * 0.36), QPointF(s / 2, s * 0.62));
        painter.drawPoint(QPointF(s / 2, s * 0.80));
    }
    return image;
}

} // namespace

QList<EditorDiagnostic> diagnosticsFromJson(const QJsonArray& diagnostics)
{
    QList<EditorDiagnostic> list;
    for (const QJsonValue& value : diagnostics) {
        const QJsonObject object = value.toObject();
        EditorDiagnostic diagnostic;
        diagnostic.line = jsonInt(object, QLatin1String("line"));
        diagnostic.column = jsonInt(object, QLatin1String("column"));
        diagnostic.length = jsonInt(object, QLatin1String("length"));
        diagnostic.severity = object.value(QLatin1String("severity")).toString() == QLatin1String("warning")
                                  ? EditorDiagnostic::Severity::Warning
                                  : EditorDiagnostic::Severity::Error;
        diagnostic.message = object.value(QLatin1String("message")).toString();
        list.append(diagnostic);
    }
    return list;
}

CodeEditor::CodeEditor(QWidget* parent)
    : QsciScintilla(parent)
    , m_checkTimer(new QTimer(this))
{
    setUtf8(true);
    setEolMode(EolUnix);
    setTabWidth(4);
    setIndentationsUseTabs(false);
    setAutoIndent(true);
    setBraceMatching(SloppyBraceMatch);
    setCaretLineVisible(true);
    setCaretLineBackgroundColor(kCaretLine);
    // A horizontal scroll bar only for lines that need one (Scintilla's default is a fixed
    // 2000 pixels), growing with the longest line shown.
    setScrollWidth(1);
    setScrollWidthTracking(true);
    // QScintilla's own completion and call tips work from QsciAPIs; the editors that
    // complete do it themselves (PipelineEditor).
    setAutoCompletionSource(AcsNone);
    setCallTipsStyle(CallTipsNone);

    setMarginLineNumbers(LineNumberMargin, true);
    setMarginType(DiagnosticMargin, SymbolMargin);
    setMarginWidth(FoldMargin, 0);

    m_errorIndicator = indicatorDefine(SquigglePixmapIndicator);
    setIndicatorForegroundColor(kErrorColor, m_errorIndicator);
    m_warningIndicator = indicatorDefine(SquigglePixmapIndicator);
    setIndicatorForegroundColor(kWarningColor, m_warningIndicator);
    m_errorMarker = markerDefine(markerImage(EditorDiagnostic::Severity::Error, 12));
    m_warningMarker = markerDefine(markerImage(EditorDiagnostic::Severity::Warning, 12));

    SendScintilla(SCI_SETMOUSEDWELLTIME, kDwellMs);
    connect(this, &QsciScintillaBase::SCN_DWELLSTART, this, &CodeEditor::showToolTip);
    connect(this, &QsciScintillaBase::SCN_DWELLEND, this, [] { QToolTip::hideText(); });
    connect(this, &QsciScintillaBase::SCN_ZOOM, this, [this] {
        updateMarginWidths();
        emit zoomChanged(zoom());
    });
    connect(this, &QsciScintilla::linesChanged, this, &CodeEditor::updateMarginWidths);

    m_checkTimer->setSingleShot(true);
    m_checkTimer->setInterval(kDefaultCheckDelayMs);
    connect(m_checkTimer, &QTimer::timeout, this, &CodeEditor::textEditedForCheck);
    connect(this, &QsciScintilla::textChanged, m_checkTimer, qOverload<>(&QTimer::start));

    m_font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    if (m_font.pointSizeF() < kMinimumPointSize)
        m_font.setPointSize(kMinimumPointSize);
    applyFont();
}

void CodeEditor::setLexer(QsciLexer* lexer)
{
    if (lexer) {
        lexer->setDefaultFont(m_font);
        lexer->setDefaultPaper(Qt::white);
    }
    QsciScintilla::setLexer(lexer);
    applyFont();
}

void CodeEditor::setDocumentText(const QString& text)
{
    setText(text); // empties the undo history
    setModified(false);
}

void CodeEditor::setEditorFont(const QFont& font)
{
    m_font = font;
    applyFont();
}

void CodeEditor::applyFont()
{
    if (QsciLexer* styles = lexer()) {
        styles->setDefaultFont(m_font);
        for (int style = 0; style <= kMaxStyle; ++style) {
            if (styles->description(style).isEmpty())
                continue;
            const QFont styleDefault = styles->defaultFont(style);
            QFont font = m_font;
            font.setBold(styleDefault.bold());
            font.setItalic(styleDefault.italic());
            styles->setFont(font, style);
        }
    } else {
        setFont(m_font);
    }
    // Setting a lexer resets the margins' style: set it after.
    setMarginsFont(m_font);
    setMarginsBackgroundColor(kMarginBackground);
    setMarginsForegroundColor(kMarginText);
    setFoldMarginColors(kMarginBackground, kMarginBackground);
    setMatchedBraceBackgroundColor(kMatchedBrace);
    setMatchedBraceForegroundColor(QColor(0x1f, 0x23, 0x28));
    setUnmatchedBraceForegroundColor(kErrorColor);
    updateMarginWidths();
}

int CodeEditor::zoom() const { return static_cast<int>(SendScintilla(SCI_GETZOOM)); }

void CodeEditor::updateMarginWidths()
{
    // Line numbers: room for the digits of the last line (at least three) and a little
    // padding, measured in the margin's font at the current zoom.
    const int digits = std::max(3, static_cast<int>(QString::number(lines()).size()));
    const QByteArray sample(digits, '9');
    const int numbers = static_cast<int>(SendScintilla(SCI_TEXTWIDTH, STYLE_LINENUMBER, sample.constData()));
    setMarginWidth(LineNumberMargin, numbers + 12);

    // The marker images follow the line height, so that zooming scales them with the text.
    const int lineHeight = static_cast<int>(SendScintilla(SCI_TEXTHEIGHT, 0L));
    const int icon = std::max(8, lineHeight * 3 / 4);
    markerDefine(markerImage(EditorDiagnostic::Severity::Error, icon), m_errorMarker);
    markerDefine(markerImage(EditorDiagnostic::Severity::Warning, icon), m_warningMarker);
    setMarginWidth(DiagnosticMargin, icon + 6);
}

int CodeEditor::positionAt(int line, int column) const
{
    const int lineIndex = std::clamp(line - 1, 0, std::max(0, lines() - 1));
    const int start = static_cast<int>(SendScintilla(SCI_POSITIONFROMLINE, lineIndex));
    const int end = static_cast<int>(SendScintilla(SCI_GETLINEENDPOSITION, lineIndex));
    return std::clamp(start + std::max(column, 1) - 1, start, end);
}

std::pair<int, int> CodeEditor::cursorLineColumn() const
{
    const int position = static_cast<int>(SendScintilla(SCI_GETCURRENTPOS));
    const int line = static_cast<int>(SendScintilla(SCI_LINEFROMPOSITION, position));
    const int start = static_cast<int>(SendScintilla(SCI_POSITIONFROMLINE, line));
    return {line + 1, position - start + 1};
}

void CodeEditor::goTo(int line, int column)
{
    const int position = positionAt(line, column);
    SendScintilla(SCI_ENSUREVISIBLEENFORCEPOLICY, SendScintilla(SCI_LINEFROMPOSITION, position));
    SendScintilla(SCI_GOTOPOS, position);
    setFocus(Qt::OtherFocusReason);
}

void CodeEditor::setDiagnostics(const QList<EditorDiagnostic>& diagnostics)
{
    const long length = SendScintilla(SCI_GETLENGTH);
    for (const int indicator : {m_errorIndicator, m_warningIndicator}) {
        SendScintilla(SCI_SETINDICATORCURRENT, indicator);
        SendScintilla(SCI_INDICATORCLEARRANGE, 0L, length);
    }
    for (const LineMarker& marker : std::as_const(m_lineMarkers))
        SendScintilla(SCI_MARKERDELETEHANDLE, marker.handle);
    m_lineMarkers.clear();
    m_diagnostics = diagnostics;

    QMap<int, QList<qsizetype>> byLine;
    const int lastLine = std::max(0, lines() - 1);
    for (qsizetype i = 0; i < m_diagnostics.size(); ++i) {
        const EditorDiagnostic& diagnostic = m_diagnostics[i];
        const int line = std::clamp(diagnostic.line - 1, 0, lastLine);
        const int lineStart = static_cast<int>(SendScintilla(SCI_POSITIONFROMLINE, line));
        const int lineEnd = static_cast<int>(SendScintilla(SCI_GETLINEENDPOSITION, line));
        int start = positionAt(line + 1, diagnostic.column);
        int end = std::min(start + std::max(diagnostic.length, 1), lineEnd);
        if (start >= end && lineEnd > lineStart) {
            start = static_cast<int>(SendScintilla(SCI_POSITIONBEFORE, lineEnd));
            end = lineEnd;
        }
        if (start < end) {
            SendScintilla(SCI_SETINDICATORCURRENT, diagnostic.severity == EditorDiagnostic::Severity::Error
                                                       ? m_errorIndicator
                                                       : m_warningIndicator);
            // The value names the diagnostic, so that a tooltip finds it after edits.
            SendScintilla(SCI_SETINDICATORVALUE, static_cast<long>(i + 1));
            SendScintilla(SCI_INDICATORFILLRANGE, start, end - start);
        }
        byLine[line].append(i);
    }
    for (auto it = byLine.cbegin(); it != byLine.cend(); ++it) {
        const bool anyError = std::any_of(it->begin(), it->end(), [&](qsizetype i) {
            return m_diagnostics[i].severity == EditorDiagnostic::Severity::Error;
        });
        const int handle = markerAdd(it.key(), anyError ? m_errorMarker : m_warningMarker);
        m_lineMarkers.append({handle, it.value()});
    }
}

QString CodeEditor::describe(qsizetype index) const
{
    const EditorDiagnostic& diagnostic = m_diagnostics[index];
    return (diagnostic.severity == EditorDiagnostic::Severity::Error ? QLatin1String("error: ")
                                                                     : QLatin1String("warning: ")) +
           diagnostic.message;
}

QString CodeEditor::diagnosticTextAt(int position) const
{
    QStringList texts;
    for (const int indicator : {m_errorIndicator, m_warningIndicator}) {
        const long value = SendScintilla(SCI_INDICATORVALUEAT, indicator, position);
        if (value > 0 && value <= m_diagnostics.size())
            texts.append(describe(value - 1));
    }
    return texts.join('\n');
}

QString CodeEditor::diagnosticTextForLine(int line) const
{
    QStringList texts;
    for (const LineMarker& marker : m_lineMarkers) {
        if (SendScintilla(SCI_MARKERLINEFROMHANDLE, marker.handle) != line - 1)
            continue;
        for (const qsizetype index : marker.diagnostics)
            texts.append(describe(index));
    }
    return texts.join('\n');
}

void CodeEditor::showToolTip(int position, int x, int y)
{
    int marginsWidth = 0;
    for (int margin = 0; margin < margins(); ++margin)
        marginsWidth += marginWidth(margin);
    QString text;
    if (x < marginsWidth) {
        const long nearest = SendScintilla(SCI_POSITIONFROMPOINT, x, y);
        text = diagnosticTextForLine(static_cast<int>(SendScintilla(SCI_LINEFROMPOSITION, nearest)) + 1);
    } else if (position >= 0) {
        text = diagnosticTextAt(position);
    }
    if (text.isEmpty())
        return;
    // Rich text, escaped, so that a message with '<' in it shows as written.
    QToolTip::showText(viewport()->mapToGlobal(QPoint(x, y)), Qt::convertFromPlainText(text, Qt::WhiteSpaceNormal),
                       viewport());
}

void CodeEditor::setCheckDelay(int milliseconds) { m_checkTimer->setInterval(std::max(0, milliseconds)); }

int CodeEditor::checkDelay() const { return m_checkTimer->interval(); }

} // namespace wb::widgets
