#pragma once
// The step palette: every op the engine offers (its OpCatalog), grouped by category, with a
// filter box that matches names and docs. Activating an op (double-click, or Enter on it)
// asks for its call to be inserted into the pipeline being edited: `median(x)`, its
// required parameters as placeholders. The tooltip of an op is its signature and doc.

#include "op_catalog.h"

#include <QWidget>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace wb::widgets {

class OpPalette : public QWidget {
    Q_OBJECT

public:
    explicit OpPalette(QWidget* parent = nullptr);

    void setCatalog(const OpCatalog& catalog);
    // Shows the ops whose name or doc contains `text` (case-insensitive), every op for "".
    void setFilter(const QString& text);

    // What activating `op` inserts: its name and its required parameters' names as
    // placeholders, "gaussian(x, sigma)"; "name(x...)" for the first of a variadic op.
    static QString callTemplate(const OpEntry& op);

    QLineEdit* filterEdit() const { return m_filter; }
    QTreeWidget* tree() const { return m_tree; }
    // The names the tree shows now, in its order.
    QStringList visibleOps() const;

signals:
    void insertRequested(const QString& text);

private:
    void rebuild();
    void activate(QTreeWidgetItem* item);

    QLineEdit* m_filter;
    QTreeWidget* m_tree;
    OpCatalog m_catalog;
};

} // namespace wb::widgets
