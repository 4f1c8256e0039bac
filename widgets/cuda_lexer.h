#pragma once
// CUDA C++ highlighting: QScintilla's C++ lexer (Scintilla's LexCPP) with CUDA's words
// added to its keyword sets. Declaration specifiers and qualifiers (__global__,
// __device__, __shared__, __launch_bounds__, ...) and the C++11-20 keywords the C++ lexer
// lacks are keywords (QsciLexerCPP::Keyword); the built-in variables and device functions
// (threadIdx, blockDim, __syncthreads, atomicAdd, __shfl_sync, ...) are the second set
// (KeywordSet2); CUDA's types (half, float4, dim3, cudaStream_t, ...) are global classes
// (GlobalClass).

#include <Qsci/qscilexercpp.h>

namespace wb::widgets {

class CudaLexer : public QsciLexerCPP {
    Q_OBJECT

public:
    explicit CudaLexer(QObject* parent = nullptr);

    const char* language() const override;
    // 1: C++ and CUDA keywords; 2: CUDA built-in variables and functions; 4: CUDA types.
    // The other sets are QsciLexerCPP's.
    const char* keywords(int set) const override;
    QString description(int style) const override;
    QColor defaultColor(int style) const override;
    QFont defaultFont(int style) const override;
};

} // namespace wb::widgets
