#pragma once
// The Steps dock's table: one row per step of a run, filled in as `step_finished` events
// arrive (or all at once from a run record), with the CPU's and the GPU's figures of a
// step side by side in one row (issue 5, "Live results").
//
// Rows. The first row of a step (its label and line) makes the table row; the same step's
// row on the other backend fills the other half of it. A step that runs twice on one line
// (a repeated nested call) gets a table row per occurrence. Uploads and downloads exist on
// the GPU only and are rows of their own, placed by their value's line: an upload before
// that line's steps, a download after them.
//
// Columns: line, step, shape (from the check's inferred names, for assigned values and
// transfers; empty where unknown), CPU ms and GPU ms (medians), speedup (only for a
// verified row, docs/run-record.md; "unverified" or "not comparable" otherwise), throughput
// (GFLOP/s for steps that compute, GB/s for the others; the GPU's when it ran, else the
// CPU's; both in the tooltip), max relative error (the GPU's against the CPU's).

#include "run_figures.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace wb::app {

class StepsModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        LineColumn,
        StepColumn,
        ShapeColumn,
        CpuMsColumn,
        GpuMsColumn,
        SpeedupColumn,
        ThroughputColumn,
        MaxErrorColumn,
        ColumnCount
    };
    enum Role {
        // The cell's number (ms, speedup, throughput, error) or, for text cells, the text;
        // invalid where the cell is empty.
        SortRole = Qt::UserRole + 1,
        LineRole,    // the row's line, on every column
        StepRole,    // the row's step label
        ValueRole,   // what a fetch asks for: the step, or the value a transfer moves
        BackendsRole // the backends that have figures in the row ("cpu", "cuda:0")
    };

    struct Row {
        QString step;
        int line = 0;
        bool transfer = false;
        std::optional<widgets::StepFigures> cpu;
        std::optional<widgets::StepFigures> gpu;

        const widgets::StepFigures& any() const { return gpu ? *gpu : *cpu; }
        QString valueName() const { return any().valueName(); }
        QStringList backends() const;
    };

    explicit StepsModel(QObject* parent = nullptr);

    void clear();
    // Shapes of the pipeline's named values from the check reply's `names` (name, shape,
    // dtype): "480×640×3 u8". Applies to rows already there and to those that come.
    void setShapes(const QJsonArray& names);
    QString shapeOf(const QString& valueName) const { return m_shapes.value(valueName); }

    // One `step_finished` event's fields or one record `steps` entry; false with the reason
    // when it cannot be read (nothing changes).
    bool addStep(const QJsonObject& figures, QString* error = nullptr);
    void addStep(const widgets::StepFigures& figures);
    // How many step figures were added (both halves of a row count).
    int figureCount() const { return m_figureCount; }

    const Row& rowAt(int row) const { return m_rows.at(row); }
    // The first row of `line`, -1 when none.
    int firstRowOfLine(int line) const;

    // The table as CSV (RFC 4180): a header and one line per row, numbers unformatted.
    QString toCsv() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const Row& row, int column) const;
    QVariant sortValue(const Row& row, int column) const;
    QString toolTip(const Row& row, int column) const;
    int insertPosition(const widgets::StepFigures& figures) const;

    QList<Row> m_rows;
    QHash<QString, QString> m_shapes;
    int m_figureCount = 0;
};

// "31.1 GFLOP/s" or "29.3 GB/s" for one row's median; empty when it has neither.
QString throughputText(const widgets::StepFigures& figures);
// The same as a number with its unit apart; nullopt for neither.
std::optional<std::pair<double, QString>> throughput(const widgets::StepFigures& figures);

} // namespace wb::app
