// The Tuning plot from a run record's "tuning" (docs/run-record.md): bars for one
// parameter with the best in its colour and a failed configuration marked, a heat map for
// two with every cell labelled and failed cells NaN, the record's refusals, and a picture
// of each (WB_PLOT_PICTURES=DIR keeps them to be looked at).

#include "plot_common.h"
#include "tuning_plot.h"

#include <QJsonDocument>
#include <QtTest>

#include <cmath>

using namespace wb::widgets;

namespace {

// A tuning record as `warpbench-cli run --json` writes it (bench::tuningJson).
QJsonObject configuration(const QVariantList& values, const QString& label, double medianMs, bool passed,
                          const QString& failure = {})
{
    return QJsonObject{{"values", QJsonArray::fromVariantList(values)},
                       {"label", label},
                       {"n", medianMs > 0 ? 10 : 0},
                       {"median_ms", medianMs},
                       {"min_ms", medianMs * 0.95},
                       {"max_ms", medianMs * 1.1},
                       {"passed", passed},
                       {"compile_ms", 210.5},
                       {"cache_hit", false},
                       {"failure", failure.isEmpty() ? QJsonValue() : QJsonValue(failure)}};
}

QJsonObject tileRecord()
{
    return QJsonObject{
        {"step", "C"},
        {"line", 13},
        {"backend", "cuda:0"},
        {"parameters", QJsonArray{"TILE"}},
        {"configurations",
         QJsonArray{configuration({8}, "TILE=8", 1.92, true), configuration({16}, "TILE=16", 0.81, true),
                    configuration({32}, "TILE=32", 0.64, false, "check C against A @ B (line 14) failed"),
                    configuration({4}, "TILE=4", 0, false, "no GPU")}},
        {"best", 1},
        {"note", QJsonValue()}};
}

QJsonObject heatRecord()
{
    QJsonArray configurations;
    const double times[2][3] = {{0.50, 0.42, 0.61}, {0.47, 0.39, 0.0}};
    const int blocks[2] = {128, 256};
    const int unrolls[3] = {1, 2, 4};
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 3; ++j) {
            const bool passed = times[i][j] > 0;
            configurations.append(configuration({blocks[i], unrolls[j]},
                                                QStringLiteral("block=%1, UNROLL=%2").arg(blocks[i]).arg(unrolls[j]),
                                                passed ? times[i][j] : 0.0, passed, passed ? QString() : "fault"));
        }
    return QJsonObject{{"step", "y"},
                       {"line", 6},
                       {"backend", "cuda:0"},
                       {"parameters", QJsonArray{"block", "UNROLL"}},
                       {"configurations", configurations},
                       {"best", 4},
                       {"note", QJsonValue()}};
}

void keepPicture(TuningPlot& plot, const QString& name)
{
    plot.resize(640, 420);
    plot.replot();
    const QByteArray folder = qgetenv("WB_PLOT_PICTURES");
    if (!folder.isEmpty())
        QVERIFY(plot.savePng(QString::fromLocal8Bit(folder) + QLatin1Char('/') + name, 640, 420));
}

} // namespace

class TestTuningPlot : public QObject {
    Q_OBJECT

private slots:
    void readsTheRecord()
    {
        QString error;
        const auto tuning = TuningFigures::fromJson(tileRecord(), &error);
        QVERIFY2(tuning, qPrintable(error));
        QCOMPARE(tuning->step, QString("C"));
        QCOMPARE(tuning->parameters, QStringList{"TILE"});
        QCOMPARE(tuning->configurations.size(), 4);
        QCOMPARE(tuning->configurations[1].values, QVector<qint64>{16});
        QCOMPARE(tuning->configurations[1].medianMs, 0.81);
        QCOMPARE(tuning->configurations[2].failure, QString("check C against A @ B (line 14) failed"));
        QCOMPARE(tuning->best, std::optional<int>(1));
        QCOMPARE(TuningFigures::fromJson(heatRecord())->axisValues(1), (QVector<qint64>{1, 2, 4}));

        QVERIFY(!TuningFigures::fromJson(QJsonObject{{"parameters", QJsonArray{"TILE"}}}, &error));
        QVERIFY(error.contains("configurations"));
        QJsonObject wrong = tileRecord();
        wrong["configurations"] = QJsonArray{configuration({8, 2}, "x", 1, true)};
        QVERIFY(!TuningFigures::fromJson(wrong, &error));
        QVERIFY(error.contains("one value per parameter"));
        wrong = tileRecord();
        wrong["best"] = 9; // out of range: none
        QCOMPARE(TuningFigures::fromJson(wrong)->best, std::nullopt);
    }

    void oneParameterIsBarsWithTheBestAndTheFailedMarked()
    {
        TuningPlot plot;
        QCOMPARE(plot.mode(), TuningPlot::Mode::Empty);
        plot.setTuning(*TuningFigures::fromJson(tileRecord()));
        QCOMPARE(plot.mode(), TuningPlot::Mode::Bars);
        QVERIFY(!plot.colorMap());
        QCOMPARE(plot.passedBars()->data()->size(), 1);
        QCOMPARE(plot.passedBars()->data()->at(0)->key, 0.0);
        QCOMPARE(plot.bestBars()->data()->size(), 1);
        QCOMPARE(plot.bestBars()->data()->at(0)->key, 1.0);
        QCOMPARE(plot.bestBars()->data()->at(0)->value, 0.81);
        // The fastest bar failed: it is drawn as failed, never as the best.
        QCOMPARE(plot.failedBars()->data()->size(), 2);
        QCOMPARE(plot.failedBars()->data()->at(0)->key, 2.0);
        QCOMPARE(plot.failedBars()->brush().style(), failedBrush().style());
        QCOMPARE(plot.valueLabels(), (QStringList{"1.92 ms", "best\n0.81 ms", "failed", "failed"}));
        keepPicture(plot, "tuning-bars.png");
    }

    void twoParametersAreAHeatMap()
    {
        TuningPlot plot;
        plot.setTuning(*TuningFigures::fromJson(heatRecord()));
        QCOMPARE(plot.mode(), TuningPlot::Mode::HeatMap);
        QVERIFY(!plot.passedBars());
        QCPColorMap* map = plot.colorMap();
        QVERIFY(map);
        QCOMPARE(map->data()->keySize(), 2);
        QCOMPARE(map->data()->valueSize(), 3);
        QCOMPARE(map->data()->cell(0, 1), 0.42);
        QCOMPARE(map->data()->cell(1, 1), 0.39);
        QVERIFY(std::isnan(map->data()->cell(1, 2))); // failed: no colour of a time
        QCOMPARE(map->dataRange().lower, 0.39);
        QCOMPARE(map->dataRange().upper, 0.61);
        const QStringList labels = plot.valueLabels();
        QCOMPARE(labels.size(), 6);
        QCOMPARE(labels[4], QString("best\n0.39 ms"));
        QCOMPARE(labels[5], QString("failed"));
        keepPicture(plot, "tuning-heat-map.png");
        // Back to bars, and the heat map's colour scale goes with it.
        plot.setTuning(*TuningFigures::fromJson(tileRecord()));
        QCOMPARE(plot.mode(), TuningPlot::Mode::Bars);
        QVERIFY(!plot.colorMap());
    }

    void aNoteIsShownInsteadOfPlots()
    {
        QJsonObject record = tileRecord();
        record["note"] = "not tuned: launch() runs on the GPU, and this run has none";
        record["best"] = QJsonValue();
        TuningPlot plot;
        plot.setTuning(*TuningFigures::fromJson(record));
        QCOMPARE(plot.mode(), TuningPlot::Mode::Empty);
        QCOMPARE(plot.plottableCount(), 0);
        plot.clearTuning();
        QCOMPARE(plot.tuning().configurations.size(), 0);
    }
};

QTEST_MAIN(TestTuningPlot)
#include "test_tuning_plot.moc"
