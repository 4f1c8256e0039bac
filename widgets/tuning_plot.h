#pragma once
// The Tuning plot: what a tuning run (@tune, docs/pipeline-language.md "Tuning") measured,
// from the run record's "tuning" (docs/run-record.md). One tuned parameter: a bar per
// configuration, its median time, the best in its own colour and failed ones hatched grey
// with "failed" over them. Two parameters: a heat map (QCPColorMap) of the median time, the
// first parameter along x and the second along y, each cell labelled with its time (or
// "failed", a grey cell), the best outlined. A tooltip gives a configuration's figures.

#include <qcustomplot.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

namespace wb::widgets {

struct TuningFigures {
    struct Configuration {
        QVector<qint64> values; // one per parameter
        QString label;          // "TILE=32"
        int n = 0;              // measured repetitions; 0 when it did not run
        double medianMs = 0;
        double minMs = 0;
        double maxMs = 0;
        bool passed = false;
        double compileMs = 0;
        bool cacheHit = false;
        QString failure; // why it did not pass
    };

    QString step; // the tuned launch's row
    int line = 0;
    QString backend;
    QStringList parameters; // "block", "TILE"
    QVector<Configuration> configurations;
    std::optional<int> best; // index of the fastest passing configuration
    QString note;            // why nothing ran; empty otherwise

    // Reads a record's "tuning" object; nullopt with the reason when a needed field
    // (parameters, configurations with values) is missing or of the wrong type.
    static std::optional<TuningFigures> fromJson(const QJsonObject& object, QString* error = nullptr);
    // The values of parameter `p` in first-seen order (an axis of the heat map).
    QVector<qint64> axisValues(int p) const;
};

class TuningPlot : public QCustomPlot {
    Q_OBJECT

public:
    enum class Mode { Empty, Bars, HeatMap };

    explicit TuningPlot(QWidget* parent = nullptr);

    void setTuning(const TuningFigures& tuning);
    void clearTuning();
    const TuningFigures& tuning() const { return m_tuning; }
    Mode mode() const { return m_mode; }

    // Bars: one data point per configuration of that kind, at the configuration's index.
    QCPBars* passedBars() const { return m_passed; }
    QCPBars* bestBars() const { return m_best; }
    QCPBars* failedBars() const { return m_failed; }
    // Heat map: cell (i, j) is configuration i * (values of the second) + j; NaN when it failed.
    QCPColorMap* colorMap() const { return m_map; }
    // The texts drawn over the bars or in the cells, in configuration order.
    QStringList valueLabels() const;

protected:
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    void showBars();
    void showHeatMap();
    QString describe(int index) const;
    QCPItemText* addLabel(double key, double value, const QString& text, int index);

    TuningFigures m_tuning;
    Mode m_mode = Mode::Empty;
    QCPTextElement* m_title = nullptr;
    QCPBars* m_passed = nullptr;
    QCPBars* m_best = nullptr;
    QCPBars* m_failed = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QVector<QCPItemText*> m_labels; // per configuration
};

} // namespace wb::widgets
