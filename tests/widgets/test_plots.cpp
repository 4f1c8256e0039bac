// The live-results plots, offscreen: the figures read from run records and events, bars
// per step and backend with transfers stacked, failed speedups drawn as failed, the 1×
// line, log axes, A/B comparison, memory and telemetry series, coalesced redraws, and
// export to PNG, PDF and SVG. With WB_PLOT_PICTURES=DIR the rendered pictures are kept.

#include "memory_plot.h"
#include "plot_export.h"
#include "run_figures.h"
#include "speedup_plot.h"
#include "telemetry_plot.h"
#include "timing_plot.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QPainter>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QToolTip>

#include <cmath>
#include <optional>

using namespace wb::widgets;

namespace {

struct Row {
    QString step;
    int line = 1;
    QString backend = QStringLiteral("cpu");
    double medianMs = 1;
    bool transfer = false;
    std::optional<double> error = {};
    std::optional<double> tolerance = {};
    bool verified = false;
    std::optional<double> speedup = {};
};

// A `steps` entry as docs/run-record.md writes it; as a `step_finished` event with
// `event` true (the event's own fields beside the figures).
QJsonObject stepJson(const Row& row, bool event = false)
{
    QJsonObject object;
    if (event) {
        object.insert("type", "event");
        object.insert("event", "step_finished");
        object.insert("run", 7);
        object.insert("sent_us", 123456);
    }
    object.insert("step", row.step);
    object.insert("line", row.line);
    object.insert("backend", row.backend);
    object.insert("transfer", row.transfer);
    object.insert("n", 3);
    object.insert("median_ms", row.medianMs);
    object.insert("min_ms", row.medianMs * 0.99);
    object.insert("max_ms", row.medianMs * 1.2);
    object.insert("flops", row.transfer ? 0.0 : 5.4e7);
    object.insert("bytes", 2160000.0);
    object.insert("fused", QJsonArray());
    object.insert("max_rel_error", row.error ? QJsonValue(*row.error) : QJsonValue());
    object.insert("tolerance", row.tolerance ? QJsonValue(*row.tolerance) : QJsonValue());
    object.insert("verified", row.verified);
    object.insert("speedup", row.speedup ? QJsonValue(*row.speedup) : QJsonValue());
    object.insert("peak_device_bytes", row.backend == "cpu" ? 0 : 2160000);
    object.insert("peak_host_bytes", 5040000);
    return object;
}

// docs/run-record.md's example (matmul_race.wbp), as run on a machine with a GPU: three
// steps on cpu and cuda:0, the GPU's download of C1, B failing its tolerance on the GPU.
QJsonObject threeStepRecord()
{
    QJsonObject record;
    record.insert("record_version", 2);
    record.insert("tool", "warpbench-cli");
    record.insert("version", "0.1.0");
    record.insert("command", "run");
    record.insert("date", "2026-12-01T08:09:57Z");
    record.insert("host", QJsonObject{{"cpu_model", "AMD EPYC"},
                                      {"logical_cores", 2},
                                      {"memory_total_bytes", 25276510208.0},
                                      {"memory_available_bytes", 24880267264.0}});
    record.insert("cpu_libraries", QJsonObject{{"blas", "OpenBLAS 0.3.21 Haswell (pthread, 2 threads)"},
                                               {"fft", "fftw-3.3.10-sse2-avx (2 threads)"},
                                               {"opencv", "4.6.0 (2 threads)"},
                                               {"threads", 2}});
    const QJsonObject gpu{{"index", 0},
                          {"name", "NVIDIA H200"},
                          {"compute_capability", "9.0"},
                          {"sm_count", 132},
                          {"sm_clock_mhz", 1980},
                          {"memory_total_bytes", 150110011392.0},
                          {"pci_bus_id", "0000:19:00.0"}};
    record.insert("cuda", QJsonObject{{"available", true},
                                      {"reason", ""},
                                      {"driver_version", "13.0"},
                                      {"runtime_version", "13.0"},
                                      {"gpus", QJsonArray{gpu}},
                                      {"libraries", QJsonObject{{"cuBLAS", "13.1.0"}}}});
    record.insert("parameters", QJsonObject{{"pipeline", "resources/pipelines/matmul_race.wbp"},
                                            {"backends", QJsonArray{"cpu", "cuda:0"}},
                                            {"repeat", 3},
                                            {"warmup", 1},
                                            {"seed", 7},
                                            {"threads", 2},
                                            {"fuse", true},
                                            {"graph", true}});
    record.insert("pipeline_hash", "d8bc43b88536755b");
    record.insert("graph_replay", QJsonArray{false, true});
    record.insert("notes", QJsonArray());
    const Row rows[] = {
        {"A", 7, "cpu", 0.27307},
        {"B", 8, "cpu", 0.494},
        {"C1", 9, "cpu", 0.571},
        {"A", 7, "cuda:0", 0.0031, false, 0.0, 1e-12, true, 88.1},
        {"B", 8, "cuda:0", 0.0030, false, 3.5e-7, 1e-12, false, std::nullopt},
        {"C1", 9, "cuda:0", 0.0122, false, 2.1e-16, 1e-10, true, 46.8},
        {"download C1", 9, "cuda:0", 0.061, true},
    };
    QJsonArray steps;
    for (const Row& row : rows)
        steps.append(stepJson(row));
    record.insert("steps", steps);
    record.insert("total_ms", QJsonArray{1.33807, 0.0793});
    record.insert("shown", QJsonArray());
    record.insert("shown_values", QJsonArray());
    record.insert("checks", QJsonArray());
    record.insert("error", QJsonValue());
    record.insert("cancelled", false);
    record.insert("ok", true);
    return record;
}

RunFigures threeStepRun()
{
    QString error;
    const std::optional<RunFigures> run = RunFigures::fromRecord(threeStepRecord(), &error);
    if (!run)
        qFatal("the test's record does not load: %s", qPrintable(error));
    return *run;
}

RunFigures fixture(const char* name)
{
    QString error;
    const std::optional<RunFigures> run =
        RunFigures::fromFile(QStringLiteral(WB_WIDGETS_TEST_DATA "/") + QLatin1String(name), &error);
    if (!run)
        qFatal("%s", qPrintable(error));
    return *run;
}

// The same steps as `run` on another (invented) machine, for A/B pictures and tests:
// CPU times × cpuFactor, GPU times × gpuFactor, speedups to match; `unverified` fails.
RunFigures otherMachine(const RunFigures& run, double cpuFactor, double gpuFactor, const QString& unverified = {})
{
    RunFigures other;
    other.setMachine(QStringLiteral("AMD EPYC 9654 (96 cores)"));
    other.setDeviceName(QStringLiteral("cuda:0"), QStringLiteral("NVIDIA A100-SXM4-80GB"));
    QHash<QString, double> totals;
    for (StepFigures row : run.steps()) {
        const bool cpu = row.backend == QLatin1String("cpu");
        row.medianMs *= cpu ? cpuFactor : gpuFactor;
        row.minMs = row.maxMs = row.medianMs;
        if (row.speedup)
            row.speedup = *row.speedup * cpuFactor / gpuFactor;
        if (row.step == unverified && !cpu) {
            row.verified = false;
            row.speedup.reset();
            row.maxRelError = 0.05;
        }
        totals[row.backend] += row.medianMs;
        other.addStep(row);
    }
    other.setTotals(totals);
    return other;
}

QImage render(QCustomPlot& plot)
{
    plot.replot();
    return plot.toPixmap().toImage();
}

// Keeps a picture under WB_PLOT_PICTURES, when set.
void keep(QCustomPlot& plot, const QString& name, QSize size = QSize(960, 540))
{
    const QString folder = qEnvironmentVariable("WB_PLOT_PICTURES");
    if (folder.isEmpty())
        return;
    QDir().mkpath(folder);
    QString error;
    if (!exportPlot(plot, folder + QLatin1Char('/') + name, PlotFormat::Png, size, 1.0, &error))
        qWarning("%s", qPrintable(error));
}

// How many pixels in the rectangle have exactly this colour.
int countColor(const QImage& image, QRect area, QColor color)
{
    int count = 0;
    area = area.intersected(image.rect());
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x)
            count += QColor(image.pixel(x, y)).rgb() == color.rgb();
    }
    return count;
}

} // namespace

class TestPlots : public QObject {
    Q_OBJECT

private slots:
    void readsStepFigures()
    {
        QString error;
        const std::optional<StepFigures> row = StepFigures::fromJson(
            stepJson({"C1", 9, "cuda:0", 0.0122, false, 2.1e-16, 1e-10, true, 46.8}, true), &error);
        QVERIFY2(row, qPrintable(error));
        QCOMPARE(row->step, QString("C1"));
        QCOMPARE(row->line, 9);
        QCOMPARE(row->backend, QString("cuda:0"));
        QCOMPARE(row->n, 3);
        QCOMPARE(row->medianMs, 0.0122);
        QCOMPARE(*row->maxRelError, 2.1e-16);
        QCOMPARE(*row->tolerance, 1e-10);
        QVERIFY(row->verified);
        QCOMPARE(*row->speedup, 46.8);
        QCOMPARE(row->peakDeviceBytes, 2160000);

        // Nulls stay unknown; a transfer names its value.
        const std::optional<StepFigures> download =
            StepFigures::fromJson(stepJson({"download spec", 4, "cuda:0", 0.2, true}));
        QVERIFY(download);
        QVERIFY(!download->maxRelError && !download->tolerance && !download->speedup);
        QCOMPARE(download->valueName(), QString("spec"));
        QCOMPARE(StepFigures::fromJson(stepJson({"upload img"}))->valueName(), QString("upload img")); // not a transfer

        // A speedup on a row that is not verified is never taken.
        const std::optional<StepFigures> odd =
            StepFigures::fromJson(stepJson({"B", 8, "cuda:0", 1, false, 1.0, 1e-5, false, 9.0}));
        QVERIFY(odd && !odd->speedup);

        // launch(): a row the CPU skipped says why; a GPU row has its kernel's build apart.
        QJsonObject skipped = stepJson({"y", 10, "cpu", 0});
        skipped.insert("skipped", "launch() runs on the GPU");
        QCOMPARE(StepFigures::fromJson(skipped)->skipped, QString("launch() runs on the GPU"));
        QVERIFY(!StepFigures::fromJson(skipped)->compileMs);
        QJsonObject launched = stepJson({"y", 10, "cuda:0", 0.01});
        launched.insert("build", QJsonObject{{"arch", "sm_90"}, {"compile_ms", 85.5}, {"cache_hit", true}});
        QCOMPARE(*StepFigures::fromJson(launched)->compileMs, 85.5);
        QVERIFY(StepFigures::fromJson(launched)->cacheHit);
        QVERIFY(StepFigures::fromJson(launched)->skipped.isEmpty());

        QJsonObject broken = stepJson({"A"});
        broken.remove("median_ms");
        QVERIFY(!StepFigures::fromJson(broken, &error));
        QVERIFY2(error.contains("median_ms"), qPrintable(error));
        broken = stepJson({"A"});
        broken.insert("backend", 3);
        QVERIFY(!StepFigures::fromJson(broken, &error));
        QVERIFY2(error.contains("backend"), qPrintable(error));

        QJsonObject fusedRow = stepJson({"z", 5});
        fusedRow.insert("fused", QJsonArray{"sin(x)", "2 * x"});
        QCOMPARE(StepFigures::fromJson(fusedRow)->displayName(), QString("z (+2 fused)"));
    }

    void loadsARecordWithThreeStepsOnTwoBackends()
    {
        const RunFigures run = threeStepRun();
        QCOMPARE(run.backends(), QStringList({"cpu", "cuda:0"}));
        QCOMPARE(run.steps().size(), 7);
        QCOMPARE(run.steps()[0].step, QString("A"));
        QCOMPARE(run.steps()[0].medianMs, 0.27307);
        QVERIFY(run.steps()[6].transfer);
        QCOMPARE(run.machine(), QString("AMD EPYC"));
        QCOMPARE(run.deviceName("cuda:0"), QString("NVIDIA H200"));
        QCOMPARE(run.deviceName("cpu"), QString("AMD EPYC"));
        QCOMPARE(run.date(), QString("2026-12-01T08:09:57Z"));
        QVERIFY(run.finished());
        QCOMPARE(*run.totalMs("cpu"), 1.33807);
        QCOMPARE(*run.totalMs("cuda:0"), 0.0793);
        // B failed on the GPU: the total is not a verified speedup.
        const std::optional<RunFigures::Total> total = run.totalSpeedup("cuda:0");
        QVERIFY(total);
        QCOMPARE(total->speedup, 1.33807 / 0.0793);
        QVERIFY(!total->verified);
        QVERIFY(!run.totalSpeedup("cpu")); // the reference has none

        QString error;
        QJsonObject bad = threeStepRecord();
        bad.remove("steps");
        QVERIFY(!RunFigures::fromRecord(bad, &error));
        QVERIFY2(error.contains("steps"), qPrintable(error));
        QJsonArray steps = threeStepRecord().value("steps").toArray();
        steps[2] = QJsonObject{{"step", "C1"}};
        bad = threeStepRecord();
        bad.insert("steps", steps);
        QVERIFY(!RunFigures::fromRecord(bad, &error));
        QVERIFY2(error.startsWith("steps[2]"), qPrintable(error));
        QVERIFY(!RunFigures::fromFile("/nonexistent/record.json", &error));

        // The H200 fixtures of docs/benchmarks.md.
        const RunFigures mixed = fixture("mixed_precision_h200.json");
        QCOMPARE(mixed.steps().size(), 8);
        QCOMPARE(mixed.deviceName("cuda:0"), QString("NVIDIA H200"));
        QCOMPARE(*mixed.steps()[7].speedup, 1309.0);
        QVERIFY(mixed.totalSpeedup("cuda:0")->verified);
        QCOMPARE(fixture("fusion_h200.json").steps()[1].displayName(), QString("y (+10 fused)"));
    }

    void timingPlotHasABarPerStepAndBackend()
    {
        TimingPlot plot;
        plot.resize(800, 500);
        constexpr int kSteps = 6;
        for (const char* backend : {"cpu", "cuda:0"}) {
            for (int i = 0; i < kSteps; ++i) {
                Row row{QStringLiteral("s%1").arg(i), 10 + i, backend, 1.0 + i};
                QVERIFY(plot.addStep(stepJson(row, true)));
            }
        }
        QVERIFY(plot.stepBars(0, "cpu") && plot.stepBars(0, "cuda:0"));
        QCOMPARE(plot.stepBars(0, "cpu")->dataCount(), kSteps);
        QCOMPARE(plot.stepBars(0, "cuda:0")->dataCount(), kSteps);
        QCOMPARE(plot.categories().size(), kSteps);
        QCOMPARE(plot.stepBars(0, "cpu")->data()->at(3)->value, 4.0);
        QCOMPARE(plot.stepBars(0, "cuda:0")->data()->at(3)->key, 3.0);

        // The download of s2 stacks on s2's GPU bar; an upload of a value with no step
        // of its own gets its own category.
        QVERIFY(plot.addStep(stepJson({"download s2", 12, "cuda:0", 2.0, true}, true)));
        QVERIFY(plot.addStep(stepJson({"upload img", 3, "cuda:0", 0.5, true}, true)));
        QCPBars* transfers = plot.transferBars(0, "cuda:0");
        QVERIFY(transfers);
        QCOMPARE(transfers->barBelow(), plot.stepBars(0, "cuda:0"));
        QCOMPARE(transfers->dataCount(), 2);
        QCOMPARE(transfers->data()->at(0)->key, double(plot.categoryKey("s2", 12)));
        QCOMPARE(plot.categories().size(), kSteps + 1);
        QCOMPARE(plot.categories().back(), QString("img"));
        QCOMPARE(plot.stepBars(0, "cuda:0")->dataCount(), kSteps); // transfers are not steps
        QVERIFY(!plot.transferBars(0, "cpu") || plot.transferBars(0, "cpu")->dataCount() == 0);

        // Drawn so: at s2 the GPU bar is its colour up to 3 ms, the transfer's above it to
        // 5 ms, and nothing above; the CPU bar stands left of it.
        const QImage image = render(plot);
        const double key = plot.categoryKey("s2", 12);
        const int gpuX = qRound(plot.xAxis->coordToPixel(key + 0.2));
        const int cpuX = qRound(plot.xAxis->coordToPixel(key - 0.2));
        auto at = [&](int x, double ms) { return QColor(image.pixel(x, qRound(plot.yAxis->coordToPixel(ms)))).name(); };
        QCOMPARE(at(gpuX, 1.5), seriesColor(1).name());
        QCOMPARE(at(gpuX, 4.0), transferColor(seriesColor(1)).name());
        QCOMPARE(at(gpuX, 5.5), QString("#ffffff"));
        QCOMPARE(at(cpuX, 1.5), seriesColor(0).name());
        QCOMPARE(at(cpuX, 3.5), QString("#ffffff"));

        // Every bar's figures are in its tooltip's text; a new run starts empty.
        plot.startRun();
        QVERIFY(!plot.stepBars(0, "cpu"));
        QCOMPARE(plot.categories().size(), 0);
        QVERIFY(plot.addStep(stepJson({"A"}, true)));
        QCOMPARE(plot.stepBars(0, "cpu")->dataCount(), 1);
    }

    void tooltipsGiveTheFigures()
    {
        TimingPlot timing;
        timing.resize(800, 500);
        timing.setRun(threeStepRun());
        timing.show();
        QVERIFY(QTest::qWaitForWindowExposed(&timing));
        timing.replot();
        const double key = timing.categoryKey("C1", 9);
        QTest::mouseMove(
            &timing, QPoint(qRound(timing.xAxis->coordToPixel(key - 0.2)), qRound(timing.yAxis->coordToPixel(0.3))));
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY2(QToolTip::text().startsWith("C1 (line 9) on cpu · AMD EPYC"), qPrintable(QToolTip::text()));
        QVERIFY2(QToolTip::text().contains("median 0.571 ms"), qPrintable(QToolTip::text()));
        QVERIFY2(QToolTip::text().contains("GFLOP/s"), qPrintable(QToolTip::text()));

        timing.hide(); // the cursor moves over whichever window is on top
        SpeedupPlot speedup;
        speedup.resize(800, 500);
        speedup.setRun(threeStepRun());
        speedup.show();
        QVERIFY(QTest::qWaitForWindowExposed(&speedup));
        speedup.replot();
        const QRect rect = speedup.axisRect()->rect();
        QTest::mouseMove(&speedup, QPoint(qRound(speedup.xAxis->coordToPixel(speedup.categoryKey("B", 8) + 0.2)),
                                          rect.top() + rect.height() / 4));
        QTRY_VERIFY2(QToolTip::text().contains("not verified"), qPrintable(QToolTip::text()));
        QVERIFY2(QToolTip::text().contains("error 3.5e-07, tolerance 1e-12"), qPrintable(QToolTip::text()));
        QTest::mouseMove(&speedup, QPoint(rect.left() + 2, rect.top() + 2)); // nothing there
        QTRY_VERIFY(!QToolTip::isVisible());
    }

    void repeatedNamesGetTheirOwnCategories()
    {
        TimingPlot plot;
        // Two nested calls of the same text on one line, and one on the next line.
        plot.addStep(*StepFigures::fromJson(stepJson({"astype(A, f16)", 12})));
        plot.addStep(*StepFigures::fromJson(stepJson({"astype(A, f16)", 12})));
        plot.addStep(*StepFigures::fromJson(stepJson({"astype(A, f16)", 13})));
        QCOMPARE(plot.categories().size(), 3);
        QCOMPARE(plot.categories()[1], QString("astype(A, f16) (2)"));
        QCOMPARE(plot.stepBars(0, "cpu")->dataCount(), 3);
    }

    void timingPlotLogAxisToggles()
    {
        TimingPlot plot;
        plot.resize(600, 400);
        plot.setRun(threeStepRun());
        QVERIFY(!plot.logScale());
        QSignalSpy toggled(&plot, &CategoryPlot::logScaleChanged);
        plot.setLogScale(true);
        QCOMPARE(toggled.count(), 1);
        QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>());
        plot.replot();
        QVERIFY(plot.yAxis->range().lower > 0);
        QVERIFY(plot.yAxis->range().lower <= 0.0030);
        QVERIFY(plot.yAxis->range().upper >= 0.571);
        plot.setLogScale(true); // no change, no signal
        QCOMPARE(toggled.count(), 1);
        plot.setLogScale(false);
        QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLinear);
        QVERIFY(!plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>());
        plot.replot();
        QCOMPARE(plot.yAxis->range().lower, 0.0);
        QVERIFY(plot.yAxis->range().upper >= 0.571);
    }

    void speedupPlotDrawsUnverifiedStepsAsFailed()
    {
        SpeedupPlot plot;
        plot.resize(800, 500);
        plot.setRun(threeStepRun());
        QVERIFY(plot.logScale()); // speedups span decades
        QCOMPARE(plot.categories(), QStringList({"A", "B", "C1"}));
        QCOMPARE(plot.axisLabels(), QStringList({"A", "B", "C1", "total"}));

        // A and C1 are bars of their speedup; B is not a bar but a failed mark; the total
        // fails too, since B is one of its steps.
        QCPBars* bars = plot.speedupBars(0, "cuda:0");
        QVERIFY(bars);
        QCOMPARE(bars->dataCount(), 2);
        QCOMPARE(bars->data()->at(0)->key, 0.0);
        QCOMPARE(bars->data()->at(0)->value, 88.1);
        QCOMPARE(bars->data()->at(1)->key, 2.0);
        QCOMPARE(bars->data()->at(1)->value, 46.8);
        QCOMPARE(bars->baseValue(), 1.0);
        QCOMPARE(plot.valueLabels(0, "cuda:0").value(0)->text(), QString("88.1×"));
        QCOMPARE(plot.failedMarks().size(), 2);
        const SpeedupPlot::FailedMark& failed = plot.failedMarks()[0];
        QCOMPARE(failed.key, 1);
        QVERIFY(!failed.total);
        QVERIFY2(failed.reason.startsWith("unverified"), qPrintable(failed.reason));
        QVERIFY2(failed.reason.contains("3.5e-07"), qPrintable(failed.reason));
        QCOMPARE(failed.column->brush(), failedBrush());
        QCOMPARE(failed.label->text(), failed.reason);
        const SpeedupPlot::FailedMark& total = plot.failedMarks()[1];
        QVERIFY(total.total);
        QCOMPARE(total.key, 3);
        QVERIFY2(total.reason.contains("1 of its steps failed"), qPrintable(total.reason));

        // The 1× line.
        QCPItemStraightLine* unity = plot.unityLine();
        QVERIFY(unity && plot.hasItem(unity));
        QCOMPARE(unity->point1->value(), 1.0);
        QCOMPARE(unity->point2->value(), 1.0);
        QVERIFY(unity->point1->key() != unity->point2->key());

        // Drawn so: B's column is grey hatching over the whole height, with no bar colour.
        const QImage image = render(plot);
        const QRect rect = plot.axisRect()->rect();
        const QRect column(qRound(plot.xAxis->coordToPixel(0.7)), rect.top() + 4,
                           qRound(plot.xAxis->coordToPixel(1.3) - plot.xAxis->coordToPixel(0.7)), rect.height() / 5);
        QVERIFY(countColor(image, column, failedColor()) > column.width() * column.height() / 20);
        QCOMPARE(countColor(image, column, seriesColor(1)), 0);
        // ... while A's bar is the GPU's colour just above the 1× line.
        const QPoint inA(qRound(plot.xAxis->coordToPixel(0)), qRound(plot.yAxis->coordToPixel(2)));
        QCOMPARE(QColor(image.pixel(inA)).name(), seriesColor(1).name());
        const QPoint belowA(inA.x(), qRound(plot.yAxis->coordToPixel(0.75)));
        QCOMPARE(QColor(image.pixel(belowA)).name(), QString("#ffffff")); // bars grow from 1×

        // Without a tolerance (randn), a step is not comparable: failed, with that reason.
        SpeedupPlot live;
        live.addStep(stepJson({"r", 3, "cpu", 1.0}, true));
        live.addStep(stepJson({"r", 3, "cuda:0", 0.1, false, std::nullopt, std::nullopt, false, std::nullopt}, true));
        QCOMPARE(live.failedMarks().size(), 1);
        QCOMPARE(live.failedMarks()[0].reason, QString("not comparable"));
        QVERIFY(!live.speedupBars(0, "cuda:0") || live.speedupBars(0, "cuda:0")->dataCount() == 0);
    }

    void speedupTotalComesWithTheRunsEnd()
    {
        SpeedupPlot plot;
        plot.addStep(stepJson({"A", 1, "cpu", 4.0}, true));
        plot.addStep(stepJson({"A", 1, "cuda:0", 0.5, false, 1e-8, 1e-5, true, 8.0}, true));
        QCOMPARE(plot.speedupBars(0, "cuda:0")->dataCount(), 1);
        QVERIFY(plot.failedMarks().isEmpty());
        plot.finishRun(QJsonObject{{"cpu", 4.0}, {"cuda:0", 1.0}});
        QCOMPARE(plot.speedupBars(0, "cuda:0")->dataCount(), 2);
        QCOMPARE(plot.speedupBars(0, "cuda:0")->data()->at(1)->key, 1.0);
        QCOMPARE(plot.speedupBars(0, "cuda:0")->data()->at(1)->value, 4.0);
        QCOMPARE(plot.valueLabels(0, "cuda:0").value(1)->text(), QString("4×"));
        QCOMPARE(plot.axisLabels().back(), QString("total"));
    }

    void speedupPlotLogAxisToggles()
    {
        SpeedupPlot plot;
        plot.resize(600, 400);
        plot.setRun(threeStepRun());
        plot.replot();
        QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(plot.yAxis->range().lower > 0 && plot.yAxis->range().lower < 1);
        QVERIFY(plot.yAxis->range().upper > 88.1);
        plot.setLogScale(false);
        plot.replot();
        QCOMPARE(plot.yAxis->scaleType(), QCPAxis::stLinear);
        QCOMPARE(plot.yAxis->range().lower, 0.0);
        QCOMPARE(plot.unityLine()->point1->value(), 1.0);
    }

    void comparesTwoRecordsSideBySide()
    {
        const RunFigures a = fixture("mixed_precision_h200.json");
        const RunFigures b = otherMachine(a, 1.6, 2.2, QStringLiteral("C16"));
        TimingPlot timing;
        timing.resize(900, 520);
        timing.setRun(a);
        timing.setComparison(b);
        QCOMPARE(timing.runCount(), 2);
        QCOMPARE(timing.categories().size(), 4); // the same steps line up
        for (const char* backend : {"cpu", "cuda:0"}) {
            QCOMPARE(timing.stepBars(0, backend)->dataCount(), 4);
            QCOMPARE(timing.stepBars(1, backend)->dataCount(), 4);
            QCOMPARE(timing.stepBars(0, backend)->brush().style(), Qt::SolidPattern);
            QCOMPARE(timing.stepBars(1, backend)->brush().style(), Qt::BDiagPattern);
            QCOMPARE(timing.stepBars(0, backend)->brush().color(), timing.stepBars(1, backend)->brush().color());
        }
        QStringList names;
        for (int i = 0; i < timing.legend->itemCount(); ++i) {
            // The legend's grid has empty cells where a column is short.
            auto* item = dynamic_cast<QCPPlottableLegendItem*>(timing.legend->item(i));
            if (!item)
                continue;
            names << item->plottable()->name();
        }
        QVERIFY2(names.contains("A · cuda:0 · NVIDIA H200"), qPrintable(names.join(", ")));
        QVERIFY2(names.contains("B · cuda:0 · NVIDIA A100-SXM4-80GB"), qPrintable(names.join(", ")));
        QVERIFY2(names.contains("B · cpu · AMD EPYC 9654 (96 cores)"), qPrintable(names.join(", ")));

        // Four bars per step, side by side: cpu A, cpu B, cuda A, cuda B, none overlapping.
        timing.setLogScale(true);
        const QImage image = render(timing);
        const double key = timing.categoryKey("C64", 7);
        const double width = 0.8 / 4 - 0.02;
        const double y = timing.yAxis->coordToPixel(0.01); // under every bar's top
        const double centres[4] = {-0.3, -0.1, 0.1, 0.3};
        for (int i = 0; i < 4; ++i) {
            const QColor color = seriesColor(i / 2);
            const QRect inside(qRound(timing.xAxis->coordToPixel(key + centres[i] - width / 3)), qRound(y) - 10,
                               qRound(timing.xAxis->coordToPixel(width / 1.5) - timing.xAxis->coordToPixel(0)), 20);
            const int area = inside.width() * inside.height();
            const int colored = countColor(image, inside, color);
            if (i % 2 == 0)
                QVERIFY2(colored == area, qPrintable(QString("bar %1: %2 of %3").arg(i).arg(colored).arg(area)));
            else // hatched
                QVERIFY2(colored > area / 16 && colored < area,
                         qPrintable(QString("bar %1: %2 of %3").arg(i).arg(colored).arg(area)));
        }

        SpeedupPlot speedup;
        speedup.setRun(a);
        speedup.setComparison(b);
        QCOMPARE(speedup.speedupBars(0, "cuda:0")->dataCount(), 5); // 4 steps and the total
        QCOMPARE(speedup.speedupBars(1, "cuda:0")->dataCount(), 3); // C16 and so the total fail
        QCOMPARE(speedup.speedupBars(1, "cuda:0")->brush().style(), Qt::BDiagPattern);
        QCOMPARE(speedup.failedMarks().size(), 2);
        QCOMPARE(speedup.failedMarks()[0].run, 1);
        speedup.clearComparison();
        QCOMPARE(speedup.runCount(), 1);
        QVERIFY(!speedup.speedupBars(1, "cuda:0"));
        QVERIFY(speedup.failedMarks().isEmpty());
    }

    void liveEventsCostOneRedraw()
    {
        TimingPlot timing;
        SpeedupPlot speedup;
        timing.resize(900, 500);
        speedup.resize(900, 500);
        timing.replot();
        speedup.replot();
        QCoreApplication::processEvents(); // what the resizes left queued
        QSignalSpy timingDrawn(&timing, &QCustomPlot::afterReplot);
        QSignalSpy speedupDrawn(&speedup, &QCustomPlot::afterReplot);
        constexpr int kSteps = 500; // 1000 events: 500 steps on two backends
        QElapsedTimer clock;
        clock.start();
        for (const char* backend : {"cpu", "cuda:0"}) {
            for (int i = 0; i < kSteps; ++i) {
                const bool gpu = QLatin1String(backend) != QLatin1String("cpu");
                const bool ok = i % 7 != 3;
                const QJsonObject event =
                    stepJson({QStringLiteral("x%1").arg(i), i + 2, backend, gpu ? 0.01 : 1.0 + i % 5, false,
                              gpu ? std::optional<double>(ok ? 1e-7 : 1e-3) : std::nullopt,
                              gpu ? std::optional<double>(1e-5) : std::nullopt, gpu && ok,
                              gpu && ok ? std::optional<double>(100.0 + i) : std::nullopt},
                             true);
                QVERIFY(timing.addStep(event));
                QVERIFY(speedup.addStep(event));
            }
        }
        const qint64 addMs = clock.elapsed();
        // Nothing was drawn while the events came: one queued redraw each.
        QCOMPARE(timingDrawn.count(), 0);
        QCOMPARE(speedupDrawn.count(), 0);
        QTRY_COMPARE(timingDrawn.count(), 1);
        QTRY_COMPARE(speedupDrawn.count(), 1);
        QTest::qWait(50);
        QCOMPARE(timingDrawn.count(), 1);
        QCOMPARE(speedupDrawn.count(), 1);
        const qint64 totalMs = clock.elapsed();
        qInfo("1000 events into two plots: %lld ms to add, %lld ms with the redraws", addMs, totalMs);
        QVERIFY2(addMs < 2000, qPrintable(QString("adding took %1 ms").arg(addMs)));

        QCOMPARE(timing.stepBars(0, "cpu")->dataCount(), kSteps);
        QCOMPARE(timing.stepBars(0, "cuda:0")->dataCount(), kSteps);
        QCOMPARE(speedup.speedupBars(0, "cuda:0")->dataCount() + speedup.failedMarks().size(), kSteps);
        // 500 names do not fit 900 pixels: every k-th is shown, turned; the speedup
        // figures are left off the thin bars.
        QVERIFY(timing.labelStride() > 1);
        QVERIFY(!speedup.valueLabels(0, "cuda:0").value(0)->visible());
        keep(timing, "stress_timing.png");
        keep(speedup, "stress_speedup.png");
    }

    void memoryPlotHasAPointPerSample()
    {
        MemoryPlot plot;
        plot.resize(700, 400);
        QString error;
        QVERIFY(!plot.addSample(QJsonObject{{"t_ms", 0}}, &error));
        QVERIFY2(error.contains("host_current"), qPrintable(error));
        const double mib = 1024.0 * 1024.0;
        for (int i = 0; i < 20; ++i) {
            QJsonObject sample{
                {"run", 3}, {"t_ms", i * 50}, {"host_current", (64 + i) * mib}, {"host_peak", (64 + i) * mib}};
            sample.insert("device_current", i < 2 ? QJsonValue() : QJsonValue((i % 5) * 256 * mib));
            sample.insert("device_peak", i < 2 ? QJsonValue() : QJsonValue(std::min(i, 4) * 256 * mib));
            QVERIFY(plot.addSample(sample, &error));
        }
        for (const MemoryPlot::Curve curve : {MemoryPlot::Curve::DeviceCurrent, MemoryPlot::Curve::DevicePeak,
                                              MemoryPlot::Curve::HostCurrent, MemoryPlot::Curve::HostPeak})
            QCOMPARE(plot.curve(curve)->dataCount(), 20);
        QVERIFY(std::isnan(plot.curve(MemoryPlot::Curve::DeviceCurrent)->data()->at(0)->value));
        QCOMPARE(plot.curve(MemoryPlot::Curve::DevicePeak)->data()->at(19)->value, 1024 * mib);
        QCOMPARE(plot.curve(MemoryPlot::Curve::HostCurrent)->data()->at(19)->key, 0.95);
        QVERIFY(plot.series().hasDevice());
        QVERIFY(plot.legend->hasItemWithPlottable(plot.curve(MemoryPlot::Curve::DevicePeak)));
        QVERIFY2(plot.summary().contains("device 1 GiB (peak 1 GiB)"), qPrintable(plot.summary()));
        plot.replot();
        QCOMPARE(plot.xAxis->range().lower, 0.0);
        QVERIFY(plot.yAxis->range().upper >= 1024 * mib);
        QCOMPARE(plot.yAxis->ticker()->tickCount() > 0, true);
        keep(plot, "memory.png", QSize(800, 420));

        // An older time is a new run whose clear() was missed: it starts over.
        QVERIFY(plot.addSample(QJsonObject{{"t_ms", 10},
                                           {"host_current", mib},
                                           {"host_peak", mib},
                                           {"device_current", QJsonValue()},
                                           {"device_peak", QJsonValue()}}));
        QCOMPARE(plot.curve(MemoryPlot::Curve::HostCurrent)->dataCount(), 1);
        QVERIFY(!plot.legend->hasItemWithPlottable(plot.curve(MemoryPlot::Curve::DeviceCurrent)));
        plot.clear();
        QCOMPARE(plot.curve(MemoryPlot::Curve::HostPeak)->dataCount(), 0);
        QCOMPARE(formatBytes(1536.0 * mib), QString("1.5 GiB"));
        QCOMPARE(formatBytes(512), QString("512 B"));
    }

    void telemetryKeepsTheLastMinute()
    {
        TelemetryPlot plot;
        plot.resize(700, 600);
        plot.setGpuName(0, "NVIDIA H200");
        // 90 s at 10 Hz from two GPUs.
        for (int i = 0; i < 900; ++i) {
            QJsonArray gpus;
            for (int g = 0; g < 2; ++g) {
                gpus.append(
                    QJsonObject{{"index", g},
                                {"utilization_pct", (i / 10 + g * 30) % 100},
                                {"memory_used", 1e9},
                                {"memory_total", 1.5e11},
                                {"sm_clock_mhz", 1500 + (i % 50) * 9 - g * 200},
                                {"power_w", g == 1 && i % 100 == 0 ? QJsonValue() : QJsonValue(300 + i % 40 * 5)},
                                {"temperature_c", 40 + i / 30 + g * 3}});
            }
            QVERIFY(plot.addSample(QJsonObject{{"t_ms", i * 100},
                                               {"gpus", gpus},
                                               {"gpu_reason", QJsonValue()},
                                               {"cpu_load_pct", 20 + i % 30},
                                               {"process_cpu_pct", 3.5}}));
        }
        const double now = 89.9;
        QCOMPARE(plot.series().samples().size(), std::size_t(601)); // 29.9 s to 89.9 s
        QVERIFY(qFuzzyCompare(plot.series().samples().front().seconds, 29.9));
        QCOMPARE(plot.series().gpuIndices(), QVector<int>({0, 1}));
        for (const TelemetryPlot::Strip strip : {TelemetryPlot::Strip::Utilization, TelemetryPlot::Strip::SmClock,
                                                 TelemetryPlot::Strip::Power, TelemetryPlot::Strip::Temperature}) {
            for (int g = 0; g < 2; ++g) {
                QCPGraph* graph = plot.gpuGraph(g, strip);
                QVERIFY(graph);
                QCOMPARE(graph->dataCount(), 601);
                QVERIFY(graph->data()->at(0)->key >= now - 60 - 1e-6);
            }
        }
        QCOMPARE(plot.cpuGraph()->dataCount(), 601);
        QVERIFY(std::isnan(plot.gpuGraph(1, TelemetryPlot::Strip::Power)->data()->at(1)->value)); // 30.0 s: null
        QCOMPARE(plot.gpuGraph(0, TelemetryPlot::Strip::Utilization)->name(), QString("GPU 0 · NVIDIA H200"));
        plot.replot();
        for (const TelemetryPlot::Strip strip :
             {TelemetryPlot::Strip::Utilization, TelemetryPlot::Strip::Temperature}) {
            const QCPRange range = plot.strip(strip)->axis(QCPAxis::atBottom)->range();
            QVERIFY(qFuzzyCompare(range.upper, now));
            QVERIFY(qFuzzyCompare(range.lower, now - 60));
        }
        QVERIFY(plot.strip(TelemetryPlot::Strip::SmClock)->axis(QCPAxis::atLeft)->range().upper >= 1941);
        keep(plot, "telemetry.png", QSize(800, 640));

        // A GPU-less machine shows the engine's reason; a restarted engine starts over.
        QVERIFY(plot.addSample(QJsonObject{{"t_ms", 500},
                                           {"gpus", QJsonArray()},
                                           {"gpu_reason", "no NVIDIA driver found (libcuda.so.1)"},
                                           {"cpu_load_pct", 12.5}}));
        QCOMPARE(plot.series().samples().size(), std::size_t(1));
        QCOMPARE(plot.cpuGraph()->dataCount(), 1);
        QCOMPARE(plot.gpuGraph(0, TelemetryPlot::Strip::Power)->dataCount(), 0);
        QVERIFY2(plot.gpuReason().contains("no NVIDIA driver"), qPrintable(plot.gpuReason()));
        QString error;
        QVERIFY(!plot.addSample(QJsonObject{{"t_ms", 600}}, &error));
        QVERIFY2(error.contains("gpus"), qPrintable(error));
    }

    void exportsPngPdfAndSvg()
    {
        QTemporaryDir folder;
        QVERIFY(folder.isValid());
        TimingPlot timing;
        timing.setRun(threeStepRun());
        SpeedupPlot speedup;
        speedup.setRun(threeStepRun());
        MemoryPlot memory;
        memory.addSample(QJsonObject{{"t_ms", 0}, {"host_current", 1e6}, {"host_peak", 1e6}});
        memory.addSample(QJsonObject{{"t_ms", 50}, {"host_current", 2e6}, {"host_peak", 2e6}});
        TelemetryPlot telemetry;
        telemetry.addSample(QJsonObject{{"t_ms", 0}, {"gpus", QJsonArray()}, {"cpu_load_pct", 5}});
        QCustomPlot* plots[] = {&timing, &speedup, &memory, &telemetry};
        const char* names[] = {"timing", "speedup", "memory", "telemetry"};
        for (int i = 0; i < 4; ++i) {
            plots[i]->resize(640, 400);
            for (const char* suffix : {"png", "pdf", "svg"}) {
                const QString path = folder.filePath(QStringLiteral("%1.%2").arg(names[i], suffix));
                QString error;
                QVERIFY2(exportPlot(*plots[i], path, &error), qPrintable(error));
                QFile file(path);
                QVERIFY(file.open(QIODevice::ReadOnly));
                const QByteArray bytes = file.readAll();
                QVERIFY2(bytes.size() > 1000, qPrintable(path));
                if (QLatin1String(suffix) == QLatin1String("png")) {
                    const QImage image = QImage::fromData(bytes, "PNG");
                    QCOMPARE(image.size(), QSize(640, 400));
                } else if (QLatin1String(suffix) == QLatin1String("pdf")) {
                    QVERIFY(bytes.startsWith("%PDF"));
                } else {
                    QVERIFY(bytes.contains("<svg") && bytes.contains("</svg>"));
                }
            }
        }
        // The vector formats hold the plot's text, not a picture of it.
        QFile svg(folder.filePath("timing.svg"));
        QVERIFY(svg.open(QIODevice::ReadOnly));
        const QByteArray text = svg.readAll();
        QVERIFY(text.contains(">C1<") || text.contains(">C1 <"));
        QVERIFY(text.contains("median time (ms)"));
        // A size of one's own, twice the pixels for print.
        const QString big = folder.filePath("big.png");
        QVERIFY(exportPlot(timing, big, PlotFormat::Png, QSize(300, 200), 2.0));
        QCOMPARE(QImage(big).size(), QSize(600, 400));

        QString error;
        QVERIFY(!exportPlot(timing, folder.filePath("plot.jpg"), &error));
        QVERIFY2(error.contains(".png"), qPrintable(error));
        QVERIFY(!exportPlot(timing, "/nonexistent/folder/plot.png", &error));
        QVERIFY2(error.contains("no such folder"), qPrintable(error));
        QCOMPARE(plotFormatFor("A.SVG"), std::optional<PlotFormat>(PlotFormat::Svg));
    }

    void svgKeepsHatchingAndColours()
    {
        // The A/B speedup plot has every fill there is: solid (A), hatched (B), failed.
        SpeedupPlot plot;
        plot.resize(960, 540);
        const RunFigures a = fixture("mixed_precision_h200.json");
        plot.setRun(a);
        plot.setComparison(otherMachine(a, 1.6, 2.2, QStringLiteral("C16")));
        QTemporaryDir folder;
        const QString path = folder.filePath("ab.svg");
        QVERIFY(exportPlot(plot, path));
        const QString kept = qEnvironmentVariable("WB_PLOT_PICTURES");
        if (!kept.isEmpty())
            exportPlot(plot, kept + "/mixed_precision_ab_speedup.svg");
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QString svg = QString::fromUtf8(file.readAll());
        // Hatching is written as SVG patterns of the fill's colour, and used as fills.
        for (const QString& color : {seriesColor(1).name(), failedColor().name()}) {
            const QRegularExpression defined(QStringLiteral("<pattern id=\"(fillpattern\\d+_%1)\"").arg(color.mid(1)));
            const QRegularExpressionMatch match = defined.match(svg);
            QVERIFY2(match.hasMatch(), qPrintable(color));
            QVERIFY2(svg.contains(QStringLiteral("fill=\"url(#%1)\"").arg(match.captured(1))), qPrintable(color));
        }
        // Qt's own SVG renderer (SVG Tiny 1.2) draws no patterns, but the solid bars: A's
        // C64 bar comes back green where the bitmap has it.
        QLoggingCategory::setFilterRules(QStringLiteral("qt.svg.warning=false")); // the patterns, as said
        QSvgRenderer renderer(path);
        QVERIFY(renderer.isValid());
        QImage drawn(960, 540, QImage::Format_RGB32);
        drawn.fill(Qt::white);
        QPainter painter(&drawn);
        renderer.render(&painter);
        painter.end();
        if (!kept.isEmpty())
            drawn.save(kept + "/mixed_precision_ab_speedup_svg_by_qt.png");
        const QImage reference = render(plot);
        const QPoint inA(qRound(plot.xAxis->coordToPixel(plot.categoryKey("C64", 7) - 0.2)),
                         qRound(plot.yAxis->coordToPixel(10)));
        QCOMPARE(QColor(reference.pixel(inA)).name(), seriesColor(1).name());
        QCOMPARE(QColor(drawn.pixel(inA)).name(), seriesColor(1).name());
    }

    void rendersTheH200Records()
    {
        QTemporaryDir folder;
        const RunFigures fusion = fixture("fusion_h200.json");
        const RunFigures mixed = fixture("mixed_precision_h200.json");
        struct Picture {
            QString name;
            RunFigures a;
            std::optional<RunFigures> b;
            bool log;
        };
        const Picture pictures[] = {
            {"fusion", fusion, std::nullopt, false},
            {"mixed_precision", mixed, std::nullopt, false},
            {"mixed_precision_log", mixed, std::nullopt, true},
            {"mixed_precision_ab", mixed, otherMachine(mixed, 1.6, 2.2, QStringLiteral("C16")), true},
            {"matmul_race", threeStepRun(), std::nullopt, true},
        };
        for (const Picture& picture : pictures) {
            TimingPlot timing;
            SpeedupPlot speedup;
            for (CategoryPlot* plot : {static_cast<CategoryPlot*>(&timing), static_cast<CategoryPlot*>(&speedup)}) {
                plot->resize(960, 540);
                plot->setRun(picture.a);
                if (picture.b)
                    plot->setComparison(*picture.b);
                plot->replot();
                // The legend has a row of its own, below the data; every step is named.
                QVERIFY(!plot->legend->outerRect().intersects(plot->axisRect()->outerRect()));
                QVERIFY(plot->legend->outerRect().top() >= plot->axisRect()->outerRect().bottom());
                QCOMPARE(plot->labelStride(), 1);
            }
            timing.setLogScale(picture.log);
            const QString timingName = QStringLiteral("%1_timing.png").arg(picture.name);
            const QString speedupName = QStringLiteral("%1_speedup.png").arg(picture.name);
            QVERIFY(exportPlot(timing, folder.filePath(timingName)));
            QVERIFY(exportPlot(speedup, folder.filePath(speedupName)));
            QVERIFY(QFileInfo(folder.filePath(timingName)).size() > 5000);
            keep(timing, timingName);
            keep(speedup, speedupName);
        }
        // Every speedup of the H200 table is written on its bar.
        SpeedupPlot speedup;
        speedup.resize(960, 540);
        speedup.setRun(mixed);
        speedup.replot();
        QStringList written;
        for (QCPItemText* label : speedup.valueLabels(0, "cuda:0")) {
            QVERIFY(label->visible());
            written << label->text();
        }
        written.sort();
        QCOMPARE(written, QStringList({"129×", "1309×", "153×", "38.3×", "95.6×"})); // 153×: the total
    }
};

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
