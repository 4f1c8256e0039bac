#include "pipeline_editor.h"

#include "wbp_lexer.h"

#include <QKeyEvent>
#include <QList>
#include <QMetaObject>

#include <algorithm>

namespace wb::widgets {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || isDigit(c); }
bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Typing one of these closes the completion list without choosing.
constexpr const char* kCompletionStops = " \t()[]{},=+-*/@<>!#\"";
// How many lines back a call tip looks for the start of the statement it is in.
constexpr int kMaxStatementLines = 200;

const QColor kCallTipBackground(0xfb, 0xfb, 0xf4);
const QColor kCallTipText(0x24, 0x29, 0x2f);
const QColor kCallTipHighlight(0x00, 0x50, 0xb0);

enum class EditorKey { None, Complete, CallTip };

// Ctrl+Space and Ctrl+Shift+Space, which QScintilla leaves unbound.
EditorKey editorKey(const QKeyEvent* event)
{
    if (event->key() != Qt::Key_Space)
        return EditorKey::None;
    const Qt::KeyboardModifiers modifiers = event->modifiers() & ~Qt::KeypadModifier;
    if (modifiers == Qt::ControlModifier)
        return EditorKey::Complete;
    if (modifiers == (Qt::ControlModifier | Qt::ShiftModifier))
        return EditorKey::CallTip;
    return EditorKey::None;
}

// Where parameter `name` stands in a signature such as `rand(shape..., dtype=f32)`, in
// bytes; {-1, -1} when it is not there.
std::pair<int, int> parameterSpan(const QString& signature, const QString& name)
{
    const qsizetype open = signature.indexOf('(');
    const qsizetype close = signature.lastIndexOf(')');
    if (open < 0 || close <= open)
        return {-1, -1};
    qsizetype begin = open + 1;
    while (begin < close) {
        qsizetype end = signature.indexOf(QLatin1String(", "), begin);
        if (end < 0 || end > close)
            end = close;
        const QStringView part = QStringView(signature).sliced(begin, end - begin);
        if (part == name || part.startsWith(name + '=') || part.startsWith(name + QLatin1String("..."))) {
            const int from = static_cast<int>(signature.left(begin).toUtf8().size());
            return {from, from + static_cast<int>(part.toUtf8().size())};
        }
        begin = end + 2;
    }
    return {-1, -1};
}

} // namespace

PipelineEditor::PipelineEditor(QWidget* parent)
    : CodeEditor(parent)
    , m_lexer(new WbpLexer(this))
{
    setLexer(m_lexer);
    setCallTipsBackgroundColor(kCallTipBackground);
    setCallTipsForegroundColor(kCallTipText);
    setCallTipsHighlightColor(kCallTipHighlight);
    SendScintilla(SCI_AUTOCSETMAXHEIGHT, 10);
    SendScintilla(SCI_AUTOCSTOPS, 0UL, kCompletionStops);

    connect(this, &QsciScintillaBase::SCN_CHARADDED, this, &PipelineEditor::onCharAdded);
    connect(this, &QsciScintillaBase::SCN_UPDATEUI, this, [this] { refreshCallTip(false); });
    // Scintilla shows a call tip or a completion list, never both: when a list inside a
    // call closes, the call's tip comes back.
    auto callTipAfterList = [this] {
        QMetaObject::invokeMethod(
            this, [this] { refreshCallTip(true); }, Qt::QueuedConnection);
    };
    connect(this, &QsciScintillaBase::SCN_AUTOCCANCELLED, this, callTipAfterList);
    connect(this, &QsciScintillaBase::SCN_AUTOCCOMPLETED, this, callTipAfterList);
}

void PipelineEditor::setOpCatalog(const OpCatalog& catalog)
{
    m_catalog = catalog;
    m_lexer->setOpNames(catalog.names());
}

void PipelineEditor::ensureStyledTo(int position) const
{
    const long endStyled = SendScintilla(SCI_GETENDSTYLED);
    if (endStyled < position)
        SendScintilla(SCI_COLOURISE, static_cast<unsigned long>(endStyled), static_cast<long>(position));
}

int PipelineEditor::styleAt(int position) const { return static_cast<int>(SendScintilla(SCI_GETSTYLEAT, position)); }

bool PipelineEditor::insideCommentOrString(int position) const
{
    // The line lexed up to `position` alone: a comment, or a string that the cut leaves
    // unterminated, ends there exactly when `position` is inside one.
    const int line = static_cast<int>(SendScintilla(SCI_LINEFROMPOSITION, position));
    const int lineStart = static_cast<int>(SendScintilla(SCI_POSITIONFROMLINE, line));
    if (position <= lineStart)
        return false;
    ensureStyledTo(lineStart);
    const int depth = line > 0 ? static_cast<int>(SendScintilla(SCI_GETLINESTATE, line - 1)) : 0;
    QByteArray styles;
    m_lexer->styleLine(bytes(lineStart, position).chopped(1), depth, styles);
    const int last = styles.isEmpty() ? int(WbpLexer::Default) : int(styles.back());
    return last == WbpLexer::Comment || last == WbpLexer::Invalid;
}

int PipelineEditor::wordStart(int position) const
{
    int start = position;
    while (start > 0 && isNameChar(static_cast<char>(SendScintilla(SCI_GETCHARAT, start - 1))))
        --start;
    return start;
}

QStringList PipelineEditor::completionsAt(int position) const
{
    const int start = wordStart(position);
    const QByteArray word = bytes(start, position).chopped(1);
    if (!word.isEmpty() && isDigit(word[0]))
        return {};
    if (insideCommentOrString(position))
        return {};
    const QString prefix = QString::fromLatin1(word);

    // `@rep` at the start of a statement.
    if (start > 0 && SendScintilla(SCI_GETCHARAT, start - 1) == '@') {
        const int line = static_cast<int>(SendScintilla(SCI_LINEFROMPOSITION, start));
        const int indent = static_cast<int>(SendScintilla(SCI_GETLINEINDENTPOSITION, line));
        const bool statementStart = line == 0 || SendScintilla(SCI_GETLINESTATE, line - 1) == 0;
        if (indent == start - 1 && statementStart) {
            QStringList directives;
            for (const QString& name : WbpLexer::directiveNames()) {
                if (name.startsWith(prefix))
                    directives.append(name);
            }
            return directives;
        }
    }

    QStringList list = m_catalog.completions(prefix);
    if (const CallContext call = callContextAt(start); call.op) {
        for (const OpParam& param : call.op->params) {
            if (param.name.startsWith(prefix))
                list.append(param.name + '=');
        }
    }
    list.sort(Qt::CaseSensitive);
    list.removeDuplicates();
    return list;
}

QStringList PipelineEditor::shownCompletions() const
{
    return SendScintilla(SCI_AUTOCACTIVE) ? m_shownCompletions : QStringList();
}

void PipelineEditor::showCompletions(bool automatic)
{
    const int position = static_cast<int>(SendScintilla(SCI_GETCURRENTPOS));
    const int start = wordStart(position);
    const QStringList list = completionsAt(position);
    const QString typed = QString::fromLatin1(bytes(start, position).chopped(1));
    // Typing a whole name that nothing longer starts with needs no list.
    if (list.isEmpty() || (automatic && list.size() == 1 && list.front() == typed)) {
        if (SendScintilla(SCI_AUTOCACTIVE))
            SendScintilla(SCI_AUTOCCANCEL);
        m_shownCompletions.clear();
        return;
    }
    m_shownCompletions = list;
    SendScintilla(SCI_AUTOCSETSEPARATOR, static_cast<long>(' '));
    SendScintilla(SCI_AUTOCSETORDER, static_cast<long>(SC_ORDER_PRESORTED));
    SendScintilla(SCI_AUTOCSETIGNORECASE, 0L);
    SendScintilla(SCI_AUTOCSETCHOOSESINGLE, 0L);
    SendScintilla(SCI_AUTOCSHOW, static_cast<unsigned long>(position - start), list.join(' ').toUtf8().constData());
}

void PipelineEditor::autoCompleteFromAll() { showCompletions(false); }

bool PipelineEditor::event(QEvent* event)
{
    // Claim the two keys before a window's shortcut does.
    if (event->type() == QEvent::ShortcutOverride && editorKey(static_cast<QKeyEvent*>(event)) != EditorKey::None) {
        event->accept();
        return true;
    }
    return CodeEditor::event(event);
}

void PipelineEditor::keyPressEvent(QKeyEvent* event)
{
    switch (editorKey(event)) {
    case EditorKey::Complete: autoCompleteFromAll(); break;
    case EditorKey::CallTip: callTip(); break;
    case EditorKey::None: CodeEditor::keyPressEvent(event); return;
    }
    event->accept();
}

void PipelineEditor::callTip() { refreshCallTip(true); }

void PipelineEditor::onCharAdded(int ch)
{
    if (SendScintilla(SCI_GETSELECTIONSTART) != SendScintilla(SCI_GETSELECTIONEND))
        return;
    const char c = static_cast<char>(ch);
    if (isNameChar(c)) {
        const int position = static_cast<int>(SendScintilla(SCI_GETCURRENTPOS));
        const bool listOpen = SendScintilla(SCI_AUTOCACTIVE) != 0;
        if (listOpen || (m_completionThreshold > 0 && position - wordStart(position) >= m_completionThreshold))
            showCompletions(true);
    }
    refreshCallTip(c == '(' || c == ',');
}

PipelineEditor::CallContext PipelineEditor::callContextAt(int position) const
{
    if (m_catalog.isEmpty())
        return {};
    // The statement around `position`: back to the first line that does not continue an
    // open parenthesis of the line before.
    int line = static_cast<int>(SendScintilla(SCI_LINEFROMPOSITION, position));
    ensureStyledTo(position);
    for (int steps = 0; line > 0 && steps < kMaxStatementLines; ++steps) {
        if (SendScintilla(SCI_GETLINESTATE, line - 1) == 0)
            break;
        --line;
    }
    const int from = static_cast<int>(SendScintilla(SCI_POSITIONFROMLINE, line));
    const QByteArray text = bytes(from, position).chopped(1);

    struct Argument {
        bool started = false;
        bool number = false; // its first token is a number
        QByteArray keyword;  // `name` of `name=...`
    };
    struct Open {
        int paren = 0; // offset in text
        QList<Argument> done;
        Argument current;
    };
    QList<Open> stack;
    for (int i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (isBlank(c) || c == '\n')
            continue;
        const int style = styleAt(from + i);
        if (style == WbpLexer::Comment || style == WbpLexer::String || style == WbpLexer::Invalid)
            continue;
        if (!stack.isEmpty() && !stack.back().current.started && c != ')' && c != ',') {
            Argument& argument = stack.back().current;
            argument.started = true;
            argument.number = style == WbpLexer::Number;
            if (style == WbpLexer::KeywordArgument) {
                int end = i;
                while (end < text.size() && isNameChar(text[end]))
                    ++end;
                argument.keyword = text.mid(i, end - i);
            }
        }
        if (c == '(') {
            stack.append(Open{i, {}, {}});
        } else if (c == ')') {
            if (!stack.isEmpty())
                stack.removeLast();
        } else if (c == ',' && !stack.isEmpty()) {
            stack.back().done.append(stack.back().current);
            stack.back().current = {};
        }
    }

    // The innermost open parenthesis that follows an op's name: inside a tuple or a
    // grouping, the call around it.
    for (qsizetype level = stack.size() - 1; level >= 0; --level) {
        const Open& open = stack[level];
        int end = open.paren;
        while (end > 0 && isBlank(text[end - 1]))
            --end;
        int start = end;
        while (start > 0 && isNameChar(text[start - 1]))
            --start;
        const OpEntry* op = m_catalog.find(QString::fromLatin1(text.mid(start, end - start)));
        if (start == end || isDigit(text[start]) || !op)
            continue;

        CallContext context{op, from + start, -1};
        const Argument& current = open.current;
        if (!current.keyword.isEmpty()) {
            const QString keyword = QString::fromLatin1(current.keyword);
            for (qsizetype p = 0; p < op->params.size(); ++p) {
                if (op->params[p].name == keyword)
                    context.parameter = static_cast<int>(p);
            }
            return context;
        }
        int positional = 0; // positional arguments before the current one
        int sizes = 0;      // of them, the leading numbers (the sizes of `shape...`)
        for (const Argument& argument : open.done) {
            if (!argument.keyword.isEmpty())
                continue;
            if (argument.number && sizes == positional)
                ++sizes;
            ++positional;
        }
        const int count = static_cast<int>(op->params.size());
        if (!op->variadic) {
            context.parameter = positional < count ? positional : -1;
        } else if (op->params.front().type != QLatin1String("int")) {
            context.parameter = 0; // show(x, ...): every positional argument is an x
        } else if (sizes == positional) {
            // Still among the sizes, unless this argument has begun with a name or string.
            context.parameter = current.started && !current.number && count > 1 ? 1 : 0;
        } else {
            // After the sizes, one positional argument (the dtype) may follow.
            context.parameter = positional - sizes == 0 && count > 1 ? 1 : -1;
        }
        return context;
    }
    return {};
}

void PipelineEditor::refreshCallTip(bool open)
{
    const bool active = SendScintilla(SCI_CALLTIPACTIVE) != 0;
    if (!open && !active)
        return;
    const CallContext context = callContextAt(static_cast<int>(SendScintilla(SCI_GETCURRENTPOS)));
    if (!context.op) {
        if (active)
            SendScintilla(SCI_CALLTIPCANCEL);
        m_callTipText.clear();
        m_callTipParameter.clear();
        m_callTipOp.clear();
        return;
    }
    const OpEntry& op = *context.op;
    const OpParam* param = context.parameter >= 0 ? &op.params[context.parameter] : nullptr;
    QString text = op.signature;
    if (!op.doc.isEmpty())
        text += '\n' + op.doc;
    if (param) {
        text += '\n' + param->name + QLatin1String(": ") + param->doc;
        if (!param->choices.isEmpty())
            text += QLatin1String(" (") + param->choices.join(QLatin1String(", ")) + ')';
    }
    if (active && text == m_callTipText && op.name == m_callTipOp && context.nameStart == m_callTipStart)
        return;
    // A list would be closed by the tip; keep the list, the tip comes back when it closes.
    if (SendScintilla(SCI_AUTOCACTIVE))
        return;
    m_callTipText = text;
    m_callTipOp = op.name;
    m_callTipStart = context.nameStart;
    m_callTipParameter = param ? param->name : QString();
    SendScintilla(SCI_CALLTIPSHOW, static_cast<unsigned long>(context.nameStart), text.toUtf8().constData());
    if (param) {
        const auto [from, to] = parameterSpan(op.signature, param->name);
        if (from >= 0)
            SendScintilla(SCI_CALLTIPSETHLT, static_cast<unsigned long>(from), static_cast<long>(to));
    }
}

QString PipelineEditor::callTipText() const { return SendScintilla(SCI_CALLTIPACTIVE) ? m_callTipText : QString(); }

QString PipelineEditor::callTipParameter() const
{
    return SendScintilla(SCI_CALLTIPACTIVE) ? m_callTipParameter : QString();
}

} // namespace wb::widgets
