#include "kernel_editor.h"

#include "cuda_lexer.h"

#include <QColor>

namespace wb::widgets {

KernelEditor::KernelEditor(QWidget* parent)
    : CodeEditor(parent)
    , m_lexer(new CudaLexer(this))
{
    m_lexer->setFoldComments(true);
    m_lexer->setFoldCompact(false);
    setLexer(m_lexer);
    setFolding(BoxedTreeFoldStyle, FoldMargin);
    // Grey boxes and lines rather than Scintilla's black ones.
    for (int marker = int(SC_MARKNUM_FOLDEREND); marker <= int(SC_MARKNUM_FOLDEROPEN); ++marker) {
        setMarkerForegroundColor(Qt::white, marker);
        setMarkerBackgroundColor(QColor(0x8c, 0x95, 0x9f), marker);
    }
    setIndentationGuides(true);
}

} // namespace wb::widgets
