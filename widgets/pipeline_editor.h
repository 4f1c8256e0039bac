#pragma once
// The editor of pipelines (`.wbp`): the language's highlighting (WbpLexer), completion of
// op names, directive names and a call's keyword parameters, and call tips that show the
// op's signature and doc with the parameter being typed highlighted and explained. All of
// it comes from the op list the engine sends (setOpCatalog()); until one is set, nothing
// completes and no call is styled as unknown.
//
// Completion opens by itself once completionThreshold() characters of a name are typed
// (never in comments, strings or numbers) and narrows as typing goes on; Ctrl+Space opens
// it at any time. A call tip opens on `(` after an op's name and follows the cursor
// through the arguments, also across lines; Ctrl+Shift+Space opens it inside a call.

#include "code_editor.h"
#include "op_catalog.h"

#include <QString>
#include <QStringList>

class QKeyEvent;

namespace wb::widgets {

class WbpLexer;

class PipelineEditor : public CodeEditor {
    Q_OBJECT

public:
    explicit PipelineEditor(QWidget* parent = nullptr);

    // The engine's op list; the text is styled again.
    void setOpCatalog(const OpCatalog& catalog);
    const OpCatalog& opCatalog() const { return m_catalog; }
    WbpLexer* pipelineLexer() const { return m_lexer; }

    // Characters of a name after which completion opens by itself (default 2); 0: only
    // on request.
    void setCompletionThreshold(int characters) { m_completionThreshold = characters; }
    int completionThreshold() const { return m_completionThreshold; }

    // What completion offers for the word that ends at `position`, sorted: op names,
    // inside a call also its parameters as `name=`, after `@` at the start of a statement
    // the directive names; nothing in a comment, a string or a number.
    QStringList completionsAt(int position) const;
    // The completion list on screen, empty when none is.
    QStringList shownCompletions() const;

    // The call tip on screen, empty when none is: the signature, the op's doc, and the
    // highlighted parameter's doc (with its choices), one a line.
    QString callTipText() const;
    // The parameter that the call tip highlights, empty when none.
    QString callTipParameter() const;

    // The completion list at the cursor (Ctrl+Space).
    void autoCompleteFromAll() override;
    // The call tip of the call around the cursor (Ctrl+Shift+Space).
    void callTip() override;

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct CallContext {
        const OpEntry* op = nullptr;
        int nameStart = -1; // document position of the op's name
        int parameter = -1; // index in op->params of the argument at the cursor; -1: none
    };

    CallContext callContextAt(int position) const;
    // Styles the text up to `position` if it is not yet (completion and call tips read
    // the styles to skip comments and strings).
    void ensureStyledTo(int position) const;
    int styleAt(int position) const;
    bool insideCommentOrString(int position) const;
    int wordStart(int position) const;
    void showCompletions(bool automatic);
    void onCharAdded(int ch);
    // Shows, moves or hides the call tip for the cursor's place.
    void refreshCallTip(bool open);

    WbpLexer* m_lexer = nullptr;
    OpCatalog m_catalog;
    int m_completionThreshold = 2;
    QStringList m_shownCompletions;
    QString m_callTipText;
    QString m_callTipParameter;
    QString m_callTipOp;
    int m_callTipStart = -1;
};

} // namespace wb::widgets
