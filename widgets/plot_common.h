#pragma once
// What the live-results plots share: colours and brushes, the title and legend layout,
// and the axis tickers (step names, bytes, time before now).

#include <qcustomplot.h>

#include <QBrush>
#include <QColor>
#include <QString>
#include <QVector>

namespace wb::widgets {

// The colour of the i-th backend of a plot (the first: blue, the second: green, ...),
// and of a series of the i-th GPU in the telemetry.
QColor seriesColor(int index);
// A transfer's segment: the backend's colour, lighter.
QColor transferColor(const QColor& base);

// Bars of the second (B) record of an A/B comparison: hatched in the colour, so that each
// backend keeps its colour and A and B stay apart in print too.
QBrush comparisonBrush(const QColor& color);
// A result that was not verified: grey, cross-hatched, never a backend's colour.
QBrush failedBrush();
QColor failedColor();

// Puts a bold title row above the axis rect and returns it.
QCPTextElement* addTitle(QCustomPlot& plot, const QString& text);
// Moves the plot's legend out of the axis rect into a row of its own below it, so that it
// never covers data; its entries flow in up to `columns` columns.
void placeLegendBelow(QCustomPlot& plot, int columns);

// "0 B", "512 KiB", "1.5 GiB".
QString formatBytes(double bytes);
// "0.077 ms", "27.1 ms", "2.01 s".
QString formatMs(double ms);
// "1309×", "351×", "95.6×", "0.42×": three significant digits, none after the point above 1000.
QString formatSpeedup(double speedup);

// Ticks at whole numbers of the key axis, each labelled with its category's name. When
// the names do not fit side by side they are turned by 45°, and when even then they do
// not fit, only every k-th is shown. The space is judged from the plot's viewport at the
// time the ticks are made, so exports of another size get their own spacing.
class CategoryTicker : public QCPAxisTicker {
public:
    explicit CategoryTicker(QCPAxis* axis)
        : m_axis(axis)
    {
    }

    void setLabels(const QVector<QString>& labels) { m_labels = labels; }
    void setLabel(int index, const QString& label);
    const QVector<QString>& labels() const { return m_labels; }
    // Every how many categories a label was shown at the last layout (1: all).
    int stride() const { return m_stride; }
    bool rotated() const { return m_rotated; }

    // Labels longer than this many characters are cut with "…".
    static constexpr int kMaxLabelChars = 24;

protected:
    double getTickStep(const QCPRange& range) override;
    int getSubTickCount(double tickStep) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;

private:
    QCPAxis* m_axis;
    QVector<QString> m_labels;
    int m_stride = 1;
    bool m_rotated = false;
};

// Byte counts: ticks at round multiples of KiB, MiB or GiB, labelled as such.
class ByteTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange& range) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;

private:
    int m_unit = 0; // of the last step: 0 B, 1 KiB, 2 MiB, ...
};

// The width of each of `bars` bars side by side in one category, in keys: together 80% of
// the category, one alone at most half of it.
double barWidth(int bars, double spacing);

// Seconds before `now`: ticks every few seconds back from now, labelled "-30 s", "now";
// the grid stays still while the data scrolls under it.
class RecentTimeTicker : public QCPAxisTicker {
public:
    void setNow(double seconds) { m_now = seconds; }
    double now() const { return m_now; }

protected:
    double getTickStep(const QCPRange& range) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;

private:
    double m_now = 0;
};

} // namespace wb::widgets
