#pragma once
// Speedup per step and for the whole run, over the run's first backend (the reference):
// bars that start at the 1× line (a dashed line across the plot), upwards for a faster
// backend, downwards for a slower one, each labelled with its figure. Logarithmic axis by
// default (speedups span decades), linear on request.
//
// Only a verified step has a speedup (docs/run-record.md). A step that was compared and
// failed its tolerance, or that could not be compared (no tolerance: randn), is drawn as
// failed instead: a grey cross-hatched column over the whole height, labelled
// "unverified" with its error and tolerance, or "not comparable", and never as a bar. The
// total (the reference's total time / the backend's, transfers included) comes once the
// run has finished, and is failed the same way when a compared step was not verified.
//
// With a second run (A/B) each backend's bars of the second run stand beside the first's,
// hatched.

#include "category_plot.h"

namespace wb::widgets {

class SpeedupPlot : public CategoryPlot {
    Q_OBJECT

public:
    explicit SpeedupPlot(QWidget* parent = nullptr);

    // The verified speedups of `run` on `backend`, the total among them at the key after
    // the steps; null until that run has a compared row on that backend.
    QCPBars* speedupBars(int run, const QString& backend) const;
    // The dashed 1× line.
    QCPItemStraightLine* unityLine() const { return m_unity; }

    // A row drawn as failed.
    struct FailedMark {
        int run = 0;
        QString backend;
        int key = 0; // its category; categoryCount() for the total
        bool total = false;
        QString reason; // "unverified · error 2.5e-04 > tolerance 1e-04", "not comparable"
        QCPItemRect* column = nullptr;
        QCPItemText* label = nullptr;
    };
    const QVector<FailedMark>& failedMarks() const { return m_failed; }
    // The speedup figure written on each verified bar (and the total), by key.
    QHash<int, QCPItemText*> valueLabels(int run, const QString& backend) const;

protected:
    void addRow(int run, int row) override;
    void clearContent() override;
    void totalsChanged(int run) override;
    void updateValueRange() override;

private:
    struct Series {
        QCPBars* bars = nullptr;
        QHash<int, QCPItemText*> labels; // by key
        std::optional<RunFigures::Total> total;
        int totalKey = -1; // where the total stands now
    };
    Series& series(int run, const QString& backend);
    void arrange();
    double offsetOf(int run, const QString& backend) const; // in keys, from the group's order
    void addSpeedup(int run, const QString& backend, int key, double speedup, const QString& tip);
    void addFailed(int run, const QString& backend, int key, bool total, const QString& reason, const QString& tip);
    void placeItems();
    void placeMark(const FailedMark& mark);
    void placeTotals();
    void removeTotal(int run, const QString& backend);
    void updateLabelVisibility();
    void orderLegend();
    void placeSeparator();

    QCPBarsGroup* m_group;
    QCPItemStraightLine* m_unity;
    QCPItemText* m_unityLabel;
    QCPBars* m_failedLegend;          // no data: the failed style's legend entry
    QCPItemStraightLine* m_separator; // between the steps and the total
    QHash<QString, Series> m_series;  // "run\nbackend"
    QVector<FailedMark> m_failed;
    double m_barWidth = 0.8;
    double m_lowest = 1;
    double m_highest = 1;
};

} // namespace wb::widgets
