// What the app's benchmark programs share: order statistics by nearest rank, their command
// lines (options with checked values, positional words, --help and bad arguments as exit
// statuses) and records written whole or not at all.

#include "bench_command_line.h"
#include "latency_summary.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using wb::app::bench::BenchCommandLine;

class TestBenchCommon : public QObject {
    Q_OBJECT

private slots:
    void summaryUsesNearestRanks()
    {
        std::vector<double> samples;
        for (int i = 100; i >= 1; --i) {
            samples.push_back(i * 1000.0); // 1 ms ... 100 ms, unsorted
        }
        const wb::app::bench::LatencySummary summary = wb::app::bench::summarise(samples);
        QCOMPARE(summary.n, std::size_t{100});
        QCOMPARE(summary.medianMs, 50.5);
        QCOMPARE(summary.p90Ms, 90.0);
        QCOMPARE(summary.p99Ms, 99.0);
        QCOMPARE(summary.minMs, 1.0);
        QCOMPARE(summary.maxMs, 100.0);
        QCOMPARE(summary.meanMs, 50.5);
        const wb::app::bench::LatencySummary one = wb::app::bench::summarise({2500.0});
        QCOMPARE(one.p99Ms, 2.5);
        QCOMPARE(one.medianMs, 2.5);
        QCOMPARE(wb::app::bench::summarise({}).n, std::size_t{0});
    }

    void commandLineTakesCheckedOptions()
    {
        int runs = 3;
        qint64 elements = 64;
        QString json;
        BenchCommandLine line("bench", "usage: bench\n");
        line.addInt("--runs", &runs, 1);
        line.addInt("--elements", &elements, 1);
        line.addString("--json", &json);
        QStringList engine;
        line.addCommand("--engine", &engine);
        QStringList words;
        QCOMPARE(line.parse({QStringLiteral("--runs"), QStringLiteral("7"), QStringLiteral("a.wbp"),
                             QStringLiteral("--elements"), QStringLiteral("16777216"), QStringLiteral("--json"),
                             QStringLiteral("out.json"), QStringLiteral("--engine"),
                             QStringLiteral("ssh \"gpu 1\" warpbench-cli engine --stdio")},
                            &words),
                 std::nullopt);
        QCOMPARE(engine, (QStringList{QStringLiteral("ssh"), QStringLiteral("gpu 1"), QStringLiteral("warpbench-cli"),
                                      QStringLiteral("engine"), QStringLiteral("--stdio")}));
        QCOMPARE(line.parse({QStringLiteral("--engine"), QStringLiteral(" ")}), std::optional<int>(2));
        QCOMPARE(runs, 7);
        QCOMPARE(elements, qint64{16777216});
        QCOMPARE(json, QStringLiteral("out.json"));
        QCOMPARE(words, QStringList{QStringLiteral("a.wbp")});

        QCOMPARE(line.parse({QStringLiteral("--runs"), QStringLiteral("0")}), std::optional<int>(2));
        QCOMPARE(runs, 7); // a refused value changes nothing
        QCOMPARE(line.parse({QStringLiteral("--runs")}), std::optional<int>(2));
        QCOMPARE(line.parse({QStringLiteral("--runs"), QStringLiteral("x")}), std::optional<int>(2));
        QCOMPARE(line.parse({QStringLiteral("--colour"), QStringLiteral("red")}), std::optional<int>(2));
        QCOMPARE(line.parse({QStringLiteral("a.wbp")}), std::optional<int>(2)); // no positional words here
        QCOMPARE(line.parse({QStringLiteral("--help")}), std::optional<int>(0));
    }

    void recordsAreWrittenWholeOrNotAtAll()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("record.json"));
        QString error;
        QVERIFY(wb::app::bench::writeRecord(path, "warpbench-test", QJsonObject{{QStringLiteral("n"), 3}}, &error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject record = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(record.value(QStringLiteral("n")).toInt(), 3);
        // The fields every record has.
        QCOMPARE(record.value(QStringLiteral("tool")).toString(), QStringLiteral("warpbench-test"));
        QVERIFY(!record.value(QStringLiteral("version")).toString().isEmpty());
        QVERIFY(QDateTime::fromString(record.value(QStringLiteral("date")).toString(), Qt::ISODate).isValid());

        const QString missing = dir.filePath(QStringLiteral("no/such/folder/record.json"));
        QVERIFY(!wb::app::bench::writeRecord(missing, "warpbench-test", QJsonObject{}, &error));
        QVERIFY2(error.contains(missing), qPrintable(error));
        QVERIFY(!QFile::exists(missing));
    }
};

QTEST_GUILESS_MAIN(TestBenchCommon)
#include "test_bench_common.moc"
