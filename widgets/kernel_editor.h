#pragma once
// The editor of CUDA kernels (`.cu`): CUDA C++ highlighting (CudaLexer), line numbers,
// folding of braces, comments and preprocessor blocks, indentation after `{`, and the
// shared editor behaviour of CodeEditor (unsaved state, font and zoom, go to line and
// column, diagnostics: an NVRTC compile's parsed diagnostics go to setDiagnostics()).

#include "code_editor.h"

namespace wb::widgets {

class CudaLexer;

class KernelEditor : public CodeEditor {
    Q_OBJECT

public:
    explicit KernelEditor(QWidget* parent = nullptr);

    CudaLexer* cudaLexer() const { return m_lexer; }

private:
    CudaLexer* m_lexer = nullptr;
};

} // namespace wb::widgets
