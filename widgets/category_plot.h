#pragma once
// The base of the timing and speedup plots: a bar chart over a run's steps, with one run
// that grows live and an optional second one (A/B) beside it.
//
// Steps become categories on the key axis, in the order they first come (run A's rows
// first, then the second run's new ones). A category is a value's name and statement
// line, so a step and the download of its value share one ("y" and "download y"), and
// the same pipeline run on two machines lines up step by step.
//
// Adding a row is cheap: its bar goes into the plot at once and the plot asks for a
// queued replot (QCustomPlot::rpQueuedReplot), so a burst of events costs one redraw;
// axis ranges and labels are worked out once per redraw, just before it (beforeReplot).

#include "plot_common.h"
#include "run_figures.h"

#include <qcustomplot.h>

#include <QHash>
#include <QJsonObject>

#include <optional>

namespace wb::widgets {

class CategoryPlot : public QCustomPlot {
    Q_OBJECT

public:
    explicit CategoryPlot(QWidget* parent = nullptr);

    // The live run (A): startRun() clears it (the comparison stays), addStep() appends a
    // `step_finished` event's figures, finishRun() takes `run_finished`'s `total_ms`.
    void startRun(const QString& label = {});
    bool addStep(const QJsonObject& figures, QString* error = nullptr);
    void addStep(const StepFigures& figures);
    void finishRun(const QJsonObject& totalMs);
    // Replaces run A with a whole run (a record), and the comparison (run B) likewise.
    void setRun(const RunFigures& run);
    void setComparison(const RunFigures& run);
    void clearComparison();

    int runCount() const { return m_comparison ? 2 : 1; }
    const RunFigures& run(int index) const { return index == 1 && m_comparison ? *m_comparison : m_run; }
    // The name a legend gives run `index`: its label, else "A" and "B" when comparing.
    QString runName(int index) const;

    // The categories' names by key (0, 1, ...), as the axis labels them (uncut).
    QStringList categories() const { return m_categoryNames; }
    // The key of the category of a value ("C1", also for "download C1") and its line; -1
    // when there is none.
    int categoryKey(const QString& valueName, int line) const;
    // The key axis's labels as drawn: the categories (long names cut), then "total" where
    // the plot has one; and every how many of them the last layout showed (1: all).
    QStringList axisLabels() const { return QStringList(m_ticker->labels().begin(), m_ticker->labels().end()); }
    int labelStride() const { return m_ticker->stride(); }

    void setLogScale(bool on);
    bool logScale() const { return m_logScale; }

signals:
    void logScaleChanged(bool on);

protected:
    // Subclasses draw a row here (run 0 or 1, an index into run(run).steps()).
    virtual void addRow(int run, int row) = 0;
    // Removes every plottable and item of the runs; the plot is then rebuilt row by row.
    virtual void clearContent() = 0;
    // A run's totals became known.
    virtual void totalsChanged(int run) { Q_UNUSED(run); }
    // Sets the value axis range for the current scale, and whatever depends on the space
    // a bar has; just before every redraw.
    virtual void updateValueRange() = 0;

    // The category of a row, made when new. A second row of the same value, line, backend
    // and kind in one run (a repeated nested call) gets its own, so bars never overlap.
    int categoryOf(int run, int row);
    int categoryCount() const { return static_cast<int>(m_categoryNames.size()); }
    // A label after the categories (the speedup plot's "total"), at key categoryCount().
    void setTrailingLabel(const QString& label);
    // The backends of both runs, in first-seen order: a backend keeps its colour in A and B.
    int backendIndex(const QString& backend) const;
    // "cuda:0 · NVIDIA H200", with the run's name in front when comparing ("B · cpu · ...");
    // without the device when `withDevice` is false.
    QString describeBackend(int run, const QString& backend, bool withDevice = true) const;

    // Call after changing what the plot shows; the replot is queued.
    void changed();
    void registerTip(QCPAbstractPlottable* plottable, int key, const QString& text);
    void registerTip(QCPAbstractItem* item, const QString& text);
    void forgetTip(QCPAbstractItem* item) { m_itemTips.remove(item); }
    void forgetTips();
    static QString describeRow(const StepFigures& row, const QString& device);

    // About how many pixels wide a bar of `width` keys is drawn now.
    double barPixels(double width) const;

    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    void rebuild();
    void beforeRedraw();

    RunFigures m_run;
    std::optional<RunFigures> m_comparison;
    QStringList m_backends;
    QStringList m_categoryNames;
    QHash<QString, int> m_categoryKeys; // "name\nline\noccurrence"
    QHash<QString, int> m_occurrences;  // "run\nbackend\ntransfer\nname\nline" -> rows so far
    QVector<int> m_rowKeys[2];          // per run and row: its category, -1 before asked
    QVector<bool> m_categoryHasStep;    // named after a step, not only a transfer
    QString m_trailing;
    QSharedPointer<CategoryTicker> m_ticker;
    bool m_logScale = false;
    bool m_autoKeyRange = true; // until the user zooms or drags the key axis
    bool m_settingKeyRange = false;
    QHash<QCPAbstractPlottable*, QHash<int, QString>> m_plottableTips;
    QHash<QCPAbstractItem*, QString> m_itemTips;
};

} // namespace wb::widgets
