#include "op_palette.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace wb::widgets {

namespace {

constexpr int kOpRole = Qt::UserRole + 1; // the op's name on its item; none on a category

} // namespace

OpPalette::OpPalette(QWidget* parent)
    : QWidget(parent)
    , m_filter(new QLineEdit)
    , m_tree(new QTreeWidget)
{
    m_filter->setPlaceholderText(tr("Filter ops (name or description)"));
    m_filter->setClearButtonEnabled(true);
    m_tree->setColumnCount(2);
    m_tree->setHeaderLabels({tr("Op"), tr("What it does")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->setRootIsDecorated(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setToolTip(tr("Double-click or press Enter to insert the call into the pipeline"));
    connect(m_filter, &QLineEdit::textChanged, this, &OpPalette::rebuild);
    connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) { activate(item); });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_filter);
    layout->addWidget(m_tree, 1);
}

void OpPalette::setCatalog(const OpCatalog& catalog)
{
    m_catalog = catalog;
    rebuild();
}

void OpPalette::setFilter(const QString& text) { m_filter->setText(text); }

QString OpPalette::callTemplate(const OpEntry& op)
{
    QStringList arguments;
    for (qsizetype i = 0; i < op.params.size(); ++i) {
        const OpParam& param = op.params[i];
        if (param.required)
            arguments.push_back(param.name + (i == 0 && op.variadic ? QStringLiteral("...") : QString()));
    }
    return op.name + QLatin1Char('(') + arguments.join(QStringLiteral(", ")) + QLatin1Char(')');
}

QStringList OpPalette::visibleOps() const
{
    QStringList names;
    for (int c = 0; c < m_tree->topLevelItemCount(); ++c) {
        const QTreeWidgetItem* category = m_tree->topLevelItem(c);
        for (int i = 0; i < category->childCount(); ++i)
            names.push_back(category->child(i)->data(0, kOpRole).toString());
    }
    return names;
}

void OpPalette::rebuild()
{
    const QString filter = m_filter->text().trimmed();
    m_tree->clear();
    QHash<QString, QTreeWidgetItem*> categories;
    for (const OpEntry& op : m_catalog.ops()) {
        if (!filter.isEmpty() && !op.name.contains(filter, Qt::CaseInsensitive) &&
            !op.doc.contains(filter, Qt::CaseInsensitive))
            continue;
        QTreeWidgetItem*& category = categories[op.category];
        if (!category) {
            category = new QTreeWidgetItem(m_tree, {op.category.isEmpty() ? tr("other") : op.category});
            category->setFlags(Qt::ItemIsEnabled);
            QFont bold = category->font(0);
            bold.setBold(true);
            category->setFont(0, bold);
        }
        auto* item = new QTreeWidgetItem(category, {op.name, op.doc});
        item->setData(0, kOpRole, op.name);
        const QString tip = op.signature + QLatin1Char('\n') + op.doc;
        item->setToolTip(0, tip);
        item->setToolTip(1, tip);
    }
    m_tree->expandAll();
}

void OpPalette::activate(QTreeWidgetItem* item)
{
    const QString name = item ? item->data(0, kOpRole).toString() : QString();
    if (const OpEntry* op = name.isEmpty() ? nullptr : m_catalog.find(name))
        emit insertRequested(callTemplate(*op));
}

} // namespace wb::widgets
