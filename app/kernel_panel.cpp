#include "kernel_panel.h"

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace wb::app {

namespace {

// Spills are local-memory traffic the kernel did not ask for: the cells that have any.
const QColor kSpillBackground(255, 214, 196);
const QColor kSpillText(140, 30, 0);

QString milliseconds(double ms) { return QString::number(ms, 'f', ms < 10 ? 1 : 0); }

} // namespace

KernelPanel::KernelPanel(QWidget* parent)
    : QWidget(parent)
    , m_status(new QLabel)
    , m_warning(new QLabel)
    , m_stack(new QStackedWidget)
    , m_message(new QLabel)
    , m_table(new QTableWidget(0, ColumnCount))
    , m_ptx(new QPlainTextEdit)
    , m_sass(new QPlainTextEdit)
    , m_code(new QTabWidget)
    , m_split(new QSplitter(Qt::Vertical))
{
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setContentsMargins(4, 2, 4, 2);
    m_status->setWordWrap(true);
    m_warning->setContentsMargins(4, 2, 4, 2);
    m_warning->setWordWrap(true);
    m_warning->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette warning = m_warning->palette();
    warning.setColor(QPalette::WindowText, kSpillText);
    m_warning->setPalette(warning);
    m_warning->hide();

    m_table->setHorizontalHeaderLabels({tr("Kernel"), tr("Registers"), tr("Shared B"), tr("Stack B"), tr("Spill st B"),
                                        tr("Spill ld B"), tr("Barriers")});
    const QStringList tips{tr("The kernel (demangled; the tooltip has its lowered name)"),
                           tr("Registers per thread"),
                           tr("Static shared memory per block, in bytes"),
                           tr("Stack frame per thread, in bytes"),
                           tr("Bytes stored to local memory because registers ran out, per thread"),
                           tr("Bytes loaded back from local memory after a spill, per thread"),
                           tr("Named barriers used")};
    for (int column = 0; column < ColumnCount; ++column) {
        m_table->horizontalHeaderItem(column)->setToolTip(tips[column]);
    }
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    for (int column = RegistersColumn; column < ColumnCount; ++column) {
        m_table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    }
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);

    for (QPlainTextEdit* view : {m_ptx, m_sass}) {
        view->setReadOnly(true);
        view->setLineWrapMode(QPlainTextEdit::NoWrap);
        view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    }
    m_ptx->setPlaceholderText(tr("PTX"));
    m_code->setDocumentMode(true);
    m_code->addTab(m_ptx, tr("PTX"));
    m_code->addTab(m_sass, tr("SASS"));
    m_code->setTabToolTip(1, tr("The machine code, disassembled by the CUDA toolkit's nvdisasm or cuobjdump "
                                "where the engine's machine has one"));

    m_split->addWidget(m_table);
    m_split->addWidget(m_code);
    m_split->setStretchFactor(0, 0);
    m_split->setStretchFactor(1, 1);
    m_split->setChildrenCollapsible(false);
    connect(m_split, &QSplitter::splitterMoved, this, [this] { m_splitMoved = true; });

    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setMargin(12);
    m_message->setForegroundRole(QPalette::PlaceholderText);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stack->addWidget(m_message);
    m_stack->addWidget(m_split);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_status);
    layout->addWidget(m_warning);
    layout->addWidget(m_stack, 1);
    showMessage(tr("Open or make a kernel (.cu) to see what it compiles to."));
}

void KernelPanel::showMessage(const QString& text)
{
    m_status->clear();
    m_status->hide();
    m_warning->hide();
    m_message->setText(text);
    m_stack->setCurrentWidget(m_message);
    m_outOfDate = false;
}

bool KernelPanel::showsReport() const { return m_stack->currentWidget() != m_message; }

QString KernelPanel::statusText() const
{
    if (!showsReport()) {
        return m_message->text();
    }
    return m_outOfDate ? m_warning->text() + QLatin1Char('\n') + m_status->text() : m_status->text();
}

void KernelPanel::showReport(const QString& fileName, const QJsonObject& report, const QString& outOfDate)
{
    const double ms = report.value(QStringLiteral("compile_ms")).toDouble();
    const QString arch = report.value(QStringLiteral("arch")).toString();
    const QString how = report.value(QStringLiteral("cache_hit")).toBool()
                            ? tr("read from the kernel cache in %1 ms (cache hit)").arg(milliseconds(ms))
                            : tr("compiled in %1 ms").arg(milliseconds(ms));
    const QJsonArray kernels = report.value(QStringLiteral("kernels")).toArray();
    QString status = tr("%1 · %2 · %3").arg(fileName, arch, how);
    if (kernels.isEmpty()) {
        status += tr(" · no kernels (__global__ functions) in its report");
    }
    m_status->setText(status);
    m_status->show();
    m_outOfDate = !outOfDate.isEmpty();
    m_warning->setText(outOfDate);
    m_warning->setVisible(m_outOfDate);

    if (report != m_shown) {
        m_shown = report;
        m_table->setRowCount(static_cast<int>(kernels.size()));
        for (int row = 0; row < kernels.size(); ++row) {
            const QJsonObject kernel = kernels[row].toObject();
            auto* name = new QTableWidgetItem(kernel.value(QStringLiteral("name")).toString());
            name->setToolTip(kernel.value(QStringLiteral("mangled_name")).toString());
            m_table->setItem(row, NameColumn, name);
            const std::pair<Column, const char*> numbers[] = {
                {RegistersColumn, "registers"},        {SharedColumn, "shared_bytes"},
                {StackColumn, "stack_bytes"},          {SpillStoreColumn, "spill_store_bytes"},
                {SpillLoadColumn, "spill_load_bytes"}, {BarriersColumn, "barriers"},
            };
            for (const auto& [column, key] : numbers) {
                const qint64 value = kernel.value(QLatin1String(key)).toInteger();
                auto* item = new QTableWidgetItem(QString::number(value));
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                if ((column == SpillStoreColumn || column == SpillLoadColumn) && value > 0) {
                    item->setBackground(kSpillBackground);
                    item->setForeground(kSpillText);
                    QFont bold = item->font();
                    bold.setBold(true);
                    item->setFont(bold);
                    item->setToolTip(tr("%1 bytes per thread go through local memory: fewer registers "
                                        "(launch bounds, smaller tiles) would avoid it")
                                         .arg(value));
                }
                m_table->setItem(row, column, item);
            }
        }
        const QString ptx = report.value(QStringLiteral("ptx")).toString();
        m_ptx->setPlainText(ptx);
        // Without SASS the view says why (no disassembler on the engine's machine, PTX only).
        m_sass->setPlainText(report.value(QStringLiteral("sass")).toString());
        m_sass->setPlaceholderText(report.value(QStringLiteral("sass_note")).toString());
        fitTable();
    }
    // Out of date: greyed, still readable and selectable.
    QPalette palette = this->palette();
    if (m_outOfDate) {
        palette.setColor(QPalette::Text, palette.color(QPalette::Disabled, QPalette::Text));
    }
    m_table->setPalette(palette);
    m_ptx->setPalette(palette);
    m_sass->setPalette(palette);
    m_stack->setCurrentIndex(1);
}

void KernelPanel::fitTable()
{
    // The table as tall as its rows (two to eight of them), the PTX below it the rest.
    if (m_splitMoved) {
        return;
    }
    const int rows = std::clamp(m_table->rowCount(), 2, 8);
    const int height = m_table->horizontalHeader()->sizeHint().height() +
                       rows * m_table->verticalHeader()->defaultSectionSize() + 2 * m_table->frameWidth() + 2;
    const int total = std::max(m_split->height(), 4 * height);
    m_split->setSizes({height, total - height});
}

} // namespace wb::app
