#pragma once
// The Kernel dock: what the engine's `compile` of the active kernel document said
// (docs/protocol.md): the architecture, the compile time and whether it came from the
// kernel cache, ptxas's resource report per kernel (registers, static shared memory, stack
// frame, spills, barriers; spills highlighted) and, in tabs, the PTX and the SASS (or why
// there is none), read-only. The main window
// compiles as the kernel is typed and hands the answers here; after a failed compile the
// last good report stays, marked out of date, and when there is nothing to show the panel
// says why.

#include <QJsonObject>
#include <QString>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableWidget;

namespace wb::app {

class KernelPanel : public QWidget {
    Q_OBJECT

public:
    enum Column {
        NameColumn,
        RegistersColumn,
        SharedColumn,
        StackColumn,
        SpillStoreColumn,
        SpillLoadColumn,
        BarriersColumn,
        ColumnCount
    };

    explicit KernelPanel(QWidget* parent = nullptr);

    // Shows `text` instead of a report (no kernel document active, compiling, why it cannot).
    void showMessage(const QString& text);
    // Shows the compile reply `report` of `fileName` (arch, compile_ms, cache_hit, kernels,
    // ptx). A non-empty `outOfDate` says why it no longer describes the text (it does not
    // compile now): the report is greyed and the reason stands above it.
    void showReport(const QString& fileName, const QJsonObject& report, const QString& outOfDate = {});

    bool showsReport() const;
    bool isOutOfDate() const { return m_outOfDate; }
    // The line above the report (or the message).
    QString statusText() const;
    QTableWidget* resourceTable() const { return m_table; }
    QPlainTextEdit* ptxView() const { return m_ptx; }
    QPlainTextEdit* sassView() const { return m_sass; }

private:
    void fitTable();

    QLabel* m_status;
    QLabel* m_warning;
    QStackedWidget* m_stack;
    QLabel* m_message;
    QTableWidget* m_table;
    QPlainTextEdit* m_ptx;
    QPlainTextEdit* m_sass;
    QTabWidget* m_code; // the PTX and the SASS
    QSplitter* m_split;
    bool m_splitMoved = false; // the user placed the divider: it stays where they put it
    QJsonObject m_shown;       // the report in the table and the PTX view, to keep its scroll place
    bool m_outOfDate = false;
};

} // namespace wb::app
