#pragma once
// Median time per step: for each step a bar per backend side by side (CPU beside GPU),
// with the GPU's upload and download of the step's value stacked on its bar in a lighter
// shade. Linear or logarithmic time axis. With a second run (A/B), each backend's bars of
// the second run stand beside the first's, hatched; the legend names run, backend,
// machine and device. A tooltip gives a bar's figures.

#include "category_plot.h"

namespace wb::widgets {

class TimingPlot : public CategoryPlot {
    Q_OBJECT

public:
    explicit TimingPlot(QWidget* parent = nullptr);

    // The bars of `run` on `backend`: its steps, and its transfers stacked on them; null
    // until that run has such a row on that backend. One data point per category.
    QCPBars* stepBars(int run, const QString& backend) const;
    QCPBars* transferBars(int run, const QString& backend) const;

protected:
    void addRow(int run, int row) override;
    void clearContent() override;
    void updateValueRange() override;

private:
    struct Series {
        QCPBars* steps = nullptr;
        QCPBars* transfers = nullptr;
    };
    Series& series(int run, const QString& backend);
    void arrange();
    void orderLegend();

    QCPBarsGroup* m_group;
    QHash<QString, Series> m_series;  // "run\nbackend"
    QHash<QString, double> m_heights; // "run\nbackend\nkey": a bar's top, transfers included
    double m_highest = 0;
    double m_lowestPositive = 0;
};

} // namespace wb::widgets
