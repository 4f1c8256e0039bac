// EngineClient against the real engine (warpbench-cli engine --stdio --test-ops, on the CPU)
// and, for what the real engine never does on purpose, against tests/app/fake_engine.cpp:
// the handshake, a sample pipeline's events in the documented order and its one reply,
// cancel, malformed requests, the watchdog, deaths by SIGKILL and the restart within 2 s,
// two clients side by side, and the client's own defences against a broken engine.

#include "engine_client.h"
#include "engine_frames.h"
#include "event_wait.h"

#include <wb/engine.h>

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

#include <csignal>
#include <functional>
#include <memory>

#include <sys/types.h>

using wb::app::EngineClient;
using namespace std::chrono_literals;

namespace {

constexpr int kStartMs = 10000;
constexpr qint64 kRestartLimitMs = 2000; // issue 4: Ready again within 2 s of a death

const QString kQuickPipeline = QStringLiteral("@backends cpu\nx = rand(4, 4, f32, seed=1)\ns = sum(x)\n");
// Never returns and ignores cancellation: only the watchdog's kill ends it.
const QString kHangPipeline = QStringLiteral("@backends cpu\nx = test_hang()\n");
// Thousands of repetitions of a small product: long enough to cancel in the middle.
const QString kLongPipeline =
    QStringLiteral("@backends cpu\n@repeat 5000\n@warmup 0\nA = rand(160, 160, f64, seed=1)\nB = A @ A\n");

QString pipelinesDir() { return QStringLiteral(WARPBENCH_PIPELINES_DIR); }

QString readPipeline(const QString& name)
{
    QFile file(pipelinesDir() + QLatin1Char('/') + name);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(file.readAll());
}

QStringList realEngine(bool testOps = true)
{
    QStringList command{QStringLiteral(WARPBENCH_CLI_PATH), QStringLiteral("engine"), QStringLiteral("--stdio")};
    if (testOps) {
        command << QStringLiteral("--test-ops");
    }
    return command;
}

QStringList fakeEngine(const QString& scenario) { return {QStringLiteral(WB_FAKE_ENGINE_PATH), scenario}; }

// Everything a client signals, in order, as short lines; replies and the rest kept whole.
struct Recorder {
    QStringList log;
    QHash<qint64, QList<QJsonObject>> replies;
    QHash<qint64, QByteArray> binaries;
    QList<QJsonObject> strays;
    QStringList deaths;
    QStringList startFailures;
    QStringList protocolErrors;
    QList<EngineClient::State> states;
    QList<QJsonObject> stepFigures;
    QHash<qint64, int> runFinishedCount;
    QList<qint64> restartMs;       // engineRestarted()
    qint64 readyAfterDeathMs = -1; // measured here: engineDied() to the next Ready
    QElapsedTimer sinceDeath;

    explicit Recorder(EngineClient& client)
    {
        QObject::connect(&client, &EngineClient::stateChanged, &client, [this](EngineClient::State state) {
            states.append(state);
            log.append(QStringLiteral("state %1").arg(static_cast<int>(state)));
            if (state == EngineClient::State::Ready && sinceDeath.isValid()) {
                readyAfterDeathMs = sinceDeath.elapsed();
                sinceDeath.invalidate();
            }
        });
        QObject::connect(&client, &EngineClient::replyReceived, &client,
                         [this](qint64 id, const QJsonObject& reply, const QByteArray& binary) {
                             replies[id].append(reply);
                             binaries[id] = binary;
                             log.append(QStringLiteral("reply %1").arg(id));
                         });
        QObject::connect(&client, &EngineClient::strayReply, &client,
                         [this](const QJsonObject& reply) { strays.append(reply); });
        QObject::connect(&client, &EngineClient::runStarted, &client, [this](qint64 run, const QStringList&) {
            log.append(QStringLiteral("run_started %1").arg(run));
        });
        QObject::connect(&client, &EngineClient::repetition, &client,
                         [this](qint64 run, const QString& backend, int index, bool warmup) {
                             log.append(QStringLiteral("repetition %1 %2 %3 %4")
                                            .arg(run)
                                            .arg(backend)
                                            .arg(index)
                                            .arg(warmup ? QStringLiteral("warmup") : QStringLiteral("measured")));
                         });
        QObject::connect(&client, &EngineClient::stepStarted, &client,
                         [this](qint64 run, const QString& backend, const QString& step, int) {
                             log.append(QStringLiteral("step_started %1 %2 %3").arg(run).arg(backend, step));
                         });
        QObject::connect(&client, &EngineClient::stepFinished, &client, [this](qint64 run, const QJsonObject& figures) {
            stepFigures.append(figures);
            log.append(QStringLiteral("step_finished %1 %2 %3")
                           .arg(run)
                           .arg(figures.value(QStringLiteral("backend")).toString(),
                                figures.value(QStringLiteral("step")).toString()));
        });
        QObject::connect(&client, &EngineClient::memorySample, &client,
                         [this](qint64 run, const QJsonObject&) { log.append(QStringLiteral("memory %1").arg(run)); });
        QObject::connect(&client, &EngineClient::runError, &client, [this](qint64 run, const QJsonObject& error) {
            log.append(QStringLiteral("error %1 %2").arg(run).arg(error.value(QStringLiteral("message")).toString()));
        });
        QObject::connect(&client, &EngineClient::runFinished, &client, [this](qint64 run, const QJsonObject&) {
            ++runFinishedCount[run];
            log.append(QStringLiteral("run_finished %1").arg(run));
        });
        QObject::connect(&client, &EngineClient::engineDied, &client, [this](const QString& reason) {
            sinceDeath.start();
            deaths.append(reason);
            log.append(QStringLiteral("died"));
        });
        QObject::connect(&client, &EngineClient::engineRestarted, &client,
                         [this](qint64 milliseconds) { restartMs.append(milliseconds); });
        QObject::connect(&client, &EngineClient::startFailed, &client,
                         [this](const QString& reason) { startFailures.append(reason); });
        QObject::connect(&client, &EngineClient::protocolError, &client,
                         [this](const QString& message) { protocolErrors.append(message); });
    }

    bool answered(qint64 id) const { return replies.contains(id); }
    QJsonObject reply(qint64 id) const { return replies.value(id).value(0); }
};

QString errorCode(const QJsonObject& reply)
{
    return reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

QString errorMessage(const QJsonObject& reply)
{
    return reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
}

QByteArray compact(const QJsonObject& object) { return QJsonDocument(object).toJson(QJsonDocument::Compact); }

using wb::app::waitFor;

// Runs the event loop for `milliseconds`.
void settle(int milliseconds)
{
    waitFor([] { return false; }, milliseconds);
}

std::unique_ptr<EngineClient> makeClient(const QStringList& command)
{
    auto client = std::make_unique<EngineClient>();
    client->setCommand(command);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("WB_DISABLE_CUDA"), QStringLiteral("1"));
    environment.remove(QStringLiteral("WB_ENGINE_TRACE"));
    client->setProcessEnvironment(environment);
    return client;
}

} // namespace

class TestEngineClient : public QObject {
    Q_OBJECT

private:
    // Runs `pipeline` and waits for its reply; true when it came back ok.
    static bool runsOk(EngineClient& client, Recorder& recorder, const QString& pipeline, int timeoutMs = 10000)
    {
        const qint64 id = client.run(pipeline, QStringLiteral("test.wbp"), pipelinesDir());
        if (!waitFor([&] { return recorder.answered(id); }, timeoutMs)) {
            qWarning("run %lld got no reply", static_cast<long long>(id));
            return false;
        }
        const QJsonObject reply = recorder.reply(id);
        if (!reply.value(QStringLiteral("ok")).toBool()) {
            qWarning("run %lld failed: %s", static_cast<long long>(id), compact(reply).constData());
            return false;
        }
        return true;
    }

    static bool started(EngineClient& client)
    {
        client.start();
        return waitFor([&] { return client.isReady(); }, kStartMs);
    }

private slots:
    void handshakeAndReady()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QCOMPARE(client->state(), EngineClient::State::Stopped);
        QElapsedTimer timer;
        timer.start();
        client->start();
        QCOMPARE(client->state(), EngineClient::State::Starting);
        QVERIFY(waitFor([&] { return client->isReady(); }, kStartMs));
        qInfo("engine Ready %lld ms after start()", static_cast<long long>(timer.elapsed()));
        const QList<EngineClient::State> expected{EngineClient::State::Starting, EngineClient::State::Ready};
        QCOMPARE(recorder.states, expected);
        QCOMPARE(client->greeting().value(QStringLiteral("magic")).toString(),
                 QLatin1String(wb::engine::kGreetingMagic));
        QCOMPARE(client->greeting().value(QStringLiteral("protocol")).toInt(), wb::engine::kProtocolVersion);
        QCOMPARE(client->engineInfo().value(QStringLiteral("protocol")).toInt(), wb::engine::kProtocolVersion);
        const QStringList capabilities = client->capabilities();
        for (const char* name : {"run", "check", "fetch", "telemetry", "cancel", "compile", "test-ops"}) {
            QVERIFY2(capabilities.contains(QLatin1String(name)), name);
        }
        QVERIFY(!client->engineInfo().value(QStringLiteral("ops")).toArray().isEmpty());
        QVERIFY(client->processId() > 0);
        QVERIFY(recorder.startFailures.isEmpty());
    }

    // No GPU is needed (the engine here runs with WB_DISABLE_CUDA): NVRTC runs anyway.
    void compileRepliesWithDiagnostics()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        client->start();
        const qint64 broken = client->compile(QStringLiteral("__global__ void k(float* x) {\n  x[0] = y;\n}\n"),
                                              QStringLiteral("/work/k.cu"), QString());
        const qint64 good = client->compile(QStringLiteral("extern \"C\" __global__ void k(float* x) { x[0] = 1; }\n"),
                                            QStringLiteral("k.cu"), QString(), {{QStringLiteral("ptx"), true}});
        QVERIFY(waitFor([&] { return recorder.answered(good); }, kStartMs));
        const QJsonObject bad = recorder.reply(broken);
        QVERIFY2(bad.value(QStringLiteral("ok")).toBool(), compact(bad).constData());
        QVERIFY(!bad.value(QStringLiteral("success")).toBool());
        const QJsonObject diagnostic = bad.value(QStringLiteral("diagnostics")).toArray().first().toObject();
        QCOMPARE(diagnostic.value(QStringLiteral("file")).toString(), QStringLiteral("/work/k.cu"));
        QCOMPARE(diagnostic.value(QStringLiteral("line")).toInt(), 2);
        QCOMPARE(diagnostic.value(QStringLiteral("column")).toInt(), 10);
        const QJsonObject ok = recorder.reply(good);
        QVERIFY2(ok.value(QStringLiteral("success")).toBool(), compact(ok).constData());
        QVERIFY(ok.value(QStringLiteral("ptx")).toString().contains(QLatin1String(".entry k(")));
    }

    void engineCommandSetting()
    {
        qputenv("WB_ENGINE_COMMAND", "ssh gpu-host 'warpbench-cli' engine --stdio");
        const QStringList fromEnvironment{QStringLiteral("ssh"), QStringLiteral("gpu-host"),
                                          QStringLiteral("warpbench-cli"), QStringLiteral("engine"),
                                          QStringLiteral("--stdio")};
        QCOMPARE(EngineClient::defaultCommand(), fromEnvironment);
        qputenv("WB_ENGINE_COMMAND", "warpbench-cli engine --stdio '");
        QString problem;
        QVERIFY(EngineClient::defaultCommand(&problem).isEmpty());
        QVERIFY2(problem.contains(QLatin1String("not closed")), qPrintable(problem));
        {
            EngineClient broken;
            Recorder recorder(broken);
            broken.start();
            QCOMPARE(broken.state(), EngineClient::State::Stopped);
            QCOMPARE(recorder.startFailures.size(), 1);
            QVERIFY2(recorder.startFailures[0].contains(QLatin1String("WB_ENGINE_COMMAND")),
                     qPrintable(recorder.startFailures[0]));
        }
        qunsetenv("WB_ENGINE_COMMAND");
        const QStringList nextToTheApp{QCoreApplication::applicationDirPath() + QStringLiteral("/warpbench-cli"),
                                       QStringLiteral("engine"), QStringLiteral("--stdio")};
        QCOMPARE(EngineClient::defaultCommand(), nextToTheApp);
        QCOMPARE(EngineClient().command(), nextToTheApp);

        // A command line that ends in the engine's works the same (as ssh host ... would).
        auto client =
            makeClient(QStringList{QStringLiteral("env"), QStringLiteral("WB_SOMETHING=1")} + realEngine(false));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        QVERIFY(!client->capabilities().contains(QLatin1String("test-ops")));
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
    }

    void samplePipelineEventsInOrderThenOneReply()
    {
        const QString pipeline = readPipeline(QStringLiteral("matmul_race.wbp"));
        QVERIFY(!pipeline.isEmpty());
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        QSignalSpy runStarted(client.get(), &EngineClient::runStarted);
        const qint64 id = client->run(pipeline, QStringLiteral("matmul_race.wbp"), pipelinesDir());
        QCOMPARE(client->state(), EngineClient::State::Running);
        QVERIFY(waitFor([&] { return recorder.answered(id); }, 10000));
        settle(200); // nothing more may come for this run
        QCOMPARE(recorder.replies.value(id).size(), 1);
        QCOMPARE(client->state(), EngineClient::State::Ready);
        const QJsonObject reply = recorder.reply(id);
        QVERIFY2(reply.value(QStringLiteral("ok")).toBool(), compact(reply).constData());
        QCOMPARE(reply.value(QStringLiteral("run")).toInteger(), id);
        QCOMPARE(reply.value(QStringLiteral("cancelled")).toBool(), false);
        QCOMPARE(runStarted.size(), 1);
        QCOMPARE(runStarted.at(0).at(0).toLongLong(), id);

        // The events of this run, memory samples aside (they may come at any time).
        QStringList events;
        for (const QString& line : std::as_const(recorder.log)) {
            if (!line.startsWith(QLatin1String("state")) && !line.startsWith(QLatin1String("memory"))) {
                events.append(line);
            }
        }
        const QString runId = QString::number(id);
        QVERIFY2(events.size() > 4, qPrintable(events.join(QLatin1Char('\n'))));
        QCOMPARE(events.first(), QStringLiteral("run_started ") + runId);
        QCOMPARE(events.at(events.size() - 2), QStringLiteral("run_finished ") + runId);
        QCOMPARE(events.last(), QStringLiteral("reply ") + runId);
        QCOMPARE(recorder.runFinishedCount.value(id), 1);
        const qsizetype memoryAfterEnd = recorder.log.mid(recorder.log.indexOf(QStringLiteral("run_finished ") + runId))
                                             .filter(QLatin1String("memory"))
                                             .size();
        QCOMPARE(memoryAfterEnd, 0);

        // @warmup 1, @repeat 3 on the CPU (no GPU here): four repetitions, counted from 0
        // with the warm-up, each followed by its steps; each row finishes in the last repetition, after its step
        // started there.
        const QStringList repetitions = events.filter(QRegularExpression(QStringLiteral("^repetition ")));
        const QStringList expectedRepetitions{QStringLiteral("repetition %1 cpu 0 warmup").arg(id),
                                              QStringLiteral("repetition %1 cpu 1 measured").arg(id),
                                              QStringLiteral("repetition %1 cpu 2 measured").arg(id),
                                              QStringLiteral("repetition %1 cpu 3 measured").arg(id)};
        QCOMPARE(repetitions, expectedRepetitions);
        QVERIFY(events.at(1).startsWith(QLatin1String("repetition ")));
        const qsizetype lastRepetition = events.lastIndexOf(repetitions.last());
        const QJsonArray rows =
            reply.value(QStringLiteral("record")).toObject().value(QStringLiteral("steps")).toArray();
        QCOMPARE(rows.size(), 7); // A, B, C1..C5
        QCOMPARE(recorder.stepFigures.size(), rows.size());
        for (qsizetype i = 0; i < rows.size(); ++i) {
            const QJsonObject row = rows[i].toObject();
            const QJsonObject figures = recorder.stepFigures[i];
            const QString step = row.value(QStringLiteral("step")).toString();
            QCOMPARE(figures.value(QStringLiteral("step")).toString(), step);
            QCOMPARE(figures.value(QStringLiteral("median_ms")).toDouble(),
                     row.value(QStringLiteral("median_ms")).toDouble());
            const qsizetype finished = events.indexOf(QStringLiteral("step_finished %1 cpu %2").arg(runId, step));
            const qsizetype startedLast =
                events.indexOf(QStringLiteral("step_started %1 cpu %2").arg(runId, step), lastRepetition);
            QVERIFY2(finished > startedLast && startedLast > lastRepetition, qPrintable(step));
        }
        QCOMPARE(events.filter(QLatin1String("error ")).size(), 0);

        // The values of a step: the fetch reply and its binary frame together.
        const qint64 fetch = client->fetch(id, QStringLiteral("C5"), QStringLiteral("cpu"), 1000);
        QVERIFY(waitFor([&] { return recorder.answered(fetch); }, 5000));
        const QJsonObject values = recorder.reply(fetch);
        QVERIFY2(values.value(QStringLiteral("ok")).toBool(), compact(values).constData());
        QCOMPARE(values.value(QStringLiteral("dtype")).toString(), QStringLiteral("f64"));
        const QByteArray binary = recorder.binaries.value(fetch);
        QCOMPARE(binary.size(), values.value(QStringLiteral("bytes")).toInteger());
        qint64 elements = 1;
        for (const QJsonValue extent : values.value(QStringLiteral("shape")).toArray()) {
            elements *= extent.toInteger();
        }
        QVERIFY(elements > 0 && elements <= 1000);
        QCOMPARE(binary.size(), elements * 8);
    }

    void cancelMidRun()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 id = client->run(kLongPipeline, QStringLiteral("long.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return recorder.log.filter(QLatin1String("repetition")).size() >= 3; }, 5000));
        QVERIFY(!recorder.answered(id));
        QElapsedTimer timer;
        timer.start();
        const qint64 cancel = client->cancel(id);
        QVERIFY(waitFor([&] { return recorder.answered(id); }, 3000));
        qInfo("run cancelled %lld ms after the cancel request", static_cast<long long>(timer.elapsed()));
        QVERIFY(recorder.answered(cancel));
        QVERIFY2(recorder.reply(cancel).value(QStringLiteral("ok")).toBool(),
                 compact(recorder.reply(cancel)).constData());
        const QJsonObject reply = recorder.reply(id);
        QCOMPARE(reply.value(QStringLiteral("cancelled")).toBool(), true);
        QCOMPARE(reply.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(recorder.runFinishedCount.value(id), 1);
        QVERIFY(recorder.deaths.isEmpty());
        QCOMPARE(client->state(), EngineClient::State::Ready);
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
    }

    void malformedRequestsLeaveTheEngineAnswering()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 pid = client->processId();
        using wb::app::encodeFrame;
        const QList<QByteArray> frames{
            encodeFrame(wb::engine::kJsonFrame, "{\"type\": \"check\", \"id\": "), // does not parse
            encodeFrame(wb::engine::kJsonFrame, "[1, 2, 3]"),                      // not an object
            encodeFrame(wb::engine::kJsonFrame, "{\"type\": \"check\"}"),          // no id
            encodeFrame(wb::engine::kJsonFrame, "{\"type\": \"teleport\", \"id\": 900001}"),
            encodeFrame(wb::engine::kBinaryFrame, "unasked for"),
            encodeFrame(wb::engine::kJsonFrame, QByteArray(wb::engine::kMaxJsonFrameBytes + 1, ' ')),
            encodeFrame('X', "unknown kind"),
        };
        for (const QByteArray& frame : frames) {
            client->sendRaw(frame);
        }
        const qint64 check = client->check(kQuickPipeline, QStringLiteral("quick.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return recorder.answered(check); }, 10000));
        QVERIFY2(recorder.reply(check).value(QStringLiteral("ok")).toBool(),
                 compact(recorder.reply(check)).constData());
        QVERIFY(recorder.reply(check).contains(QStringLiteral("diagnostics")));
        // One error reply per malformed frame, none with the id of a request of ours.
        QCOMPARE(recorder.strays.size(), frames.size());
        for (const QJsonObject& stray : std::as_const(recorder.strays)) {
            QCOMPARE(stray.value(QStringLiteral("ok")).toBool(), false);
            const QString code = errorCode(stray);
            QVERIFY2(code == QLatin1String("BadFrame") || code == QLatin1String("UnknownRequest"),
                     compact(stray).constData());
        }
        QCOMPARE(recorder.strays[3].value(QStringLiteral("id")).toInteger(), 900001);
        QCOMPARE(errorCode(recorder.strays[3]), QStringLiteral("UnknownRequest"));
        QVERIFY(recorder.strays[0].value(QStringLiteral("id")).isNull());
        QCOMPARE(client->processId(), pid);
        QVERIFY(recorder.deaths.isEmpty());
        QVERIFY(recorder.protocolErrors.isEmpty());
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
    }

    void telemetrySamplesArrive()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        QList<QJsonObject> samples;
        connect(client.get(), &EngineClient::telemetrySample, this,
                [&](const QJsonObject& sample) { samples.append(sample); });
        const qint64 on = client->telemetry(20);
        QVERIFY(waitFor([&] { return recorder.answered(on) && samples.size() >= 3; }, 3000));
        QVERIFY2(recorder.reply(on).value(QStringLiteral("ok")).toBool(), compact(recorder.reply(on)).constData());
        for (const char* field : {"t_ms", "gpus", "gpu_reason", "cpu_load_pct", "process_cpu_pct"}) {
            QVERIFY2(samples.last().contains(QLatin1String(field)), field);
        }
        QVERIFY(samples.last().value(QStringLiteral("gpus")).isArray());
        const qint64 off = client->telemetry(0);
        QVERIFY(waitFor([&] { return recorder.answered(off); }, 2000));
        settle(100); // one sample may have been on its way
        const qsizetype count = samples.size();
        settle(300);
        QCOMPARE(samples.size(), count);
    }

    void watchdogCancelsThenKillsAndTheNextRunSucceeds()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        client->setRunTimeLimit(1s);
        QCOMPARE(client->watchdogGrace(), 2000ms);
        QVERIFY(started(*client));
        const qint64 pid = client->processId();
        QList<std::pair<EngineClient::WatchdogAction, qint64>> actions;
        QElapsedTimer timer;
        connect(client.get(), &EngineClient::watchdogTriggered, this, [&](qint64, EngineClient::WatchdogAction action) {
            actions.append({action, timer.elapsed()});
        });
        timer.start();
        const qint64 id = client->run(kHangPipeline, QStringLiteral("hang.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return recorder.answered(id); }, 6000));
        const qint64 failedAfter = timer.elapsed();
        QCOMPARE(actions.size(), 2);
        QCOMPARE(actions[0].first, EngineClient::WatchdogAction::Cancelled);
        QCOMPARE(actions[1].first, EngineClient::WatchdogAction::Killed);
        QVERIFY2(actions[0].second >= 950 && actions[0].second < 2500, qPrintable(QString::number(actions[0].second)));
        QVERIFY2(
            actions[1].second - actions[0].second >= 1950 && actions[1].second - actions[0].second < 4000,
            qPrintable(QStringLiteral("cancel at %1 ms, kill at %2 ms").arg(actions[0].second).arg(actions[1].second)));
        const QJsonObject reply = recorder.reply(id);
        QCOMPARE(reply.value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(errorCode(reply), QStringLiteral("Watchdog"));
        QVERIFY2(errorMessage(reply).startsWith(QLatin1String("stopped by the watchdog after 1 s")),
                 qPrintable(errorMessage(reply)));
        QCOMPARE(recorder.runFinishedCount.value(id), 1);
        QCOMPARE(recorder.deaths.size(), 1);
        QVERIFY2(recorder.deaths[0].contains(QLatin1String("watchdog")) &&
                     recorder.deaths[0].contains(QStringLiteral("run %1").arg(id)) &&
                     recorder.deaths[0].contains(QLatin1String("step x")),
                 qPrintable(recorder.deaths[0]));
        QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs + 500));
        qInfo("watchdog: cancel at %lld ms, kill at %lld ms, reply at %lld ms; Ready %lld ms after the death",
              static_cast<long long>(actions[0].second), static_cast<long long>(actions[1].second),
              static_cast<long long>(failedAfter), static_cast<long long>(recorder.readyAfterDeathMs));
        QVERIFY2(recorder.readyAfterDeathMs >= 0 && recorder.readyAfterDeathMs < kRestartLimitMs,
                 qPrintable(QString::number(recorder.readyAfterDeathMs)));
        QVERIFY(client->processId() != pid);
        client->setRunTimeLimit(60s);
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
        QCOMPARE(recorder.deaths.size(), 1);
    }

    void sigkillMidRunRestartsAndTheNextRunSucceeds()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 pid = client->processId();
        const qint64 id = client->run(kHangPipeline, QStringLiteral("hang.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return !recorder.log.filter(QLatin1String("step_started")).isEmpty(); }, 5000));
        QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
        QVERIFY(waitFor([&] { return recorder.answered(id); }, 3000));
        const QJsonObject reply = recorder.reply(id);
        QCOMPARE(errorCode(reply), QStringLiteral("EngineDied"));
        QCOMPARE(recorder.deaths.size(), 1);
        const QString reason = recorder.deaths[0];
        QVERIFY2(reason.contains(QLatin1String("SIGKILL")) && reason.contains(QStringLiteral("run %1").arg(id)) &&
                     reason.contains(QLatin1String("step x (cpu, line 2)")),
                 qPrintable(reason));
        QCOMPARE(errorMessage(reply), reason);
        QCOMPARE(recorder.runFinishedCount.value(id), 1);
        QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs + 500));
        qInfo("killed mid-run: %s; Ready %lld ms after the death", qPrintable(reason),
              static_cast<long long>(recorder.readyAfterDeathMs));
        QVERIFY2(recorder.readyAfterDeathMs >= 0 && recorder.readyAfterDeathMs < kRestartLimitMs,
                 qPrintable(QString::number(recorder.readyAfterDeathMs)));
        QVERIFY(client->processId() != pid);
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
    }

    void readyWithinTwoSecondsAfterEachDeath()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        QVERIFY(started(*client));
        qint64 slowest = 0;
        for (int death = 0; death < 3; ++death) {
            const qint64 pid = client->processId();
            QCOMPARE(::kill(static_cast<pid_t>(pid), death == 1 ? SIGSEGV : SIGKILL), 0);
            QVERIFY(waitFor([&] { return recorder.deaths.size() == death + 1; }, 2000));
            QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs + 500));
            QVERIFY2(recorder.readyAfterDeathMs >= 0 && recorder.readyAfterDeathMs < kRestartLimitMs,
                     qPrintable(QString::number(recorder.readyAfterDeathMs)));
            QCOMPARE(recorder.restartMs.size(), death + 1);
            slowest = std::max(slowest, recorder.readyAfterDeathMs);
            qInfo("death %d (%s): Ready again after %lld ms (client's own count %lld ms)", death + 1,
                  qPrintable(recorder.deaths.last()), static_cast<long long>(recorder.readyAfterDeathMs),
                  static_cast<long long>(recorder.restartMs.last()));
        }
        QVERIFY(recorder.deaths[1].contains(QLatin1String("SIGSEGV")));
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
        qInfo("slowest restart: %lld ms", static_cast<long long>(slowest));
    }

    void twoClientsSideBySide()
    {
        const QString pipeline = readPipeline(QStringLiteral("matmul_race.wbp"));
        auto first = makeClient(realEngine());
        auto second = makeClient(realEngine());
        Recorder firstLog(*first);
        Recorder secondLog(*second);
        first->start();
        second->start();
        QVERIFY(waitFor([&] { return first->isReady() && second->isReady(); }, kStartMs));
        QVERIFY(first->processId() != second->processId());
        const qint64 a = first->run(pipeline, QStringLiteral("matmul_race.wbp"), pipelinesDir());
        const qint64 b = second->run(pipeline, QStringLiteral("matmul_race.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return firstLog.answered(a) && secondLog.answered(b); }, 10000));
        QVERIFY(firstLog.reply(a).value(QStringLiteral("ok")).toBool());
        QVERIFY(secondLog.reply(b).value(QStringLiteral("ok")).toBool());
        // Each saw its own run only.
        QCOMPARE(firstLog.stepFigures.size(), 7);
        QCOMPARE(secondLog.stepFigures.size(), 7);
        QCOMPARE(firstLog.replies.size(), 1);
        QCOMPARE(secondLog.replies.size(), 1);

        // One engine dies; the other client neither notices nor stops.
        const qint64 secondPid = second->processId();
        QCOMPARE(::kill(static_cast<pid_t>(first->processId()), SIGKILL), 0);
        const qint64 c = second->run(kQuickPipeline, QStringLiteral("quick.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return firstLog.deaths.size() == 1 && first->isReady(); }, 5000));
        QVERIFY(waitFor([&] { return secondLog.answered(c); }, 5000));
        QVERIFY(secondLog.reply(c).value(QStringLiteral("ok")).toBool());
        QVERIFY(secondLog.deaths.isEmpty());
        QCOMPARE(second->processId(), secondPid);
        QVERIFY(runsOk(*first, firstLog, kQuickPipeline));
    }

    void requestsWaitForReadyAndFailWhenStopped()
    {
        auto client = makeClient(realEngine());
        Recorder recorder(*client);
        const qint64 early = client->check(kQuickPipeline, QStringLiteral("quick.wbp"), pipelinesDir());
        QVERIFY(!recorder.answered(early)); // answered from the event loop, after the id is known
        QVERIFY(waitFor([&] { return recorder.answered(early); }, 1000));
        QCOMPARE(errorCode(recorder.reply(early)), QStringLiteral("NotReady"));

        client->start();
        const qint64 queued = client->run(kQuickPipeline, QStringLiteral("quick.wbp"), pipelinesDir());
        QCOMPARE(client->state(), EngineClient::State::Starting);
        QVERIFY(waitFor([&] { return recorder.answered(queued); }, kStartMs));
        QVERIFY2(recorder.reply(queued).value(QStringLiteral("ok")).toBool(),
                 compact(recorder.reply(queued)).constData());

        // shutdown(): the engine's reply, then its end, which is no death.
        const qint64 bye = client->shutdown();
        QVERIFY(
            waitFor([&] { return recorder.answered(bye) && client->state() == EngineClient::State::Stopped; }, 3000));
        QVERIFY(recorder.reply(bye).value(QStringLiteral("ok")).toBool());
        QVERIFY(recorder.deaths.isEmpty());
        QVERIFY(started(*client));

        // stop(): shut down on request, no death, no restart.
        client->stop();
        QVERIFY(waitFor([&] { return client->state() == EngineClient::State::Stopped; }, 3000));
        settle(100);
        QCOMPARE(client->state(), EngineClient::State::Stopped);
        QVERIFY(recorder.deaths.isEmpty());
        QCOMPARE(client->processId(), 0);
        // And it starts again.
        QVERIFY(started(*client));
        QVERIFY(runsOk(*client, recorder, kQuickPipeline));
    }

    void unstartableEngine()
    {
        auto client = makeClient(
            {QStringLiteral("/nonexistent/warpbench-cli"), QStringLiteral("engine"), QStringLiteral("--stdio")});
        Recorder recorder(*client);
        client->start();
        const qint64 id = client->check(kQuickPipeline, QStringLiteral("quick.wbp"), pipelinesDir());
        QVERIFY(waitFor([&] { return recorder.answered(id); }, 3000));
        QCOMPARE(client->state(), EngineClient::State::Stopped);
        QCOMPARE(recorder.startFailures.size(), 1);
        QVERIFY2(recorder.startFailures[0].contains(QLatin1String("/nonexistent/warpbench-cli")),
                 qPrintable(recorder.startFailures[0]));
        QCOMPARE(errorCode(recorder.reply(id)), QStringLiteral("NotReady"));

        // A program that is not an engine: its usage error, in words.
        client->setCommand({QStringLiteral(WARPBENCH_CLI_PATH), QStringLiteral("engine"), QStringLiteral("--no-such")});
        client->start();
        QVERIFY(waitFor([&] { return recorder.startFailures.size() == 2; }, kStartMs));
        QVERIFY2(recorder.startFailures[1].contains(QLatin1String("kEngineExitUsage")),
                 qPrintable(recorder.startFailures[1]));
        QVERIFY(recorder.deaths.isEmpty());
    }

    // The fake engine: what the real one must never do.

    void fakeBadGreetingAndProtocolMismatch()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("bad-greeting")));
        Recorder recorder(*client);
        client->start();
        QVERIFY(waitFor([&] { return !recorder.startFailures.isEmpty(); }, 3000));
        QVERIFY2(recorder.startFailures[0].contains(QLatin1String("not the warpbench greeting")),
                 qPrintable(recorder.startFailures[0]));
        QCOMPARE(client->state(), EngineClient::State::Stopped);

        client->setCommand(fakeEngine(QStringLiteral("protocol-2")));
        client->start();
        QVERIFY(waitFor([&] { return recorder.startFailures.size() == 2; }, 3000));
        const QString mismatch = recorder.startFailures[1];
        QVERIFY2(mismatch.contains(QLatin1String("protocol 2")) && mismatch.contains(QLatin1String("protocol 1")) &&
                     mismatch.contains(QLatin1String("ProtocolMismatch")),
                 qPrintable(mismatch));
        QCOMPARE(client->state(), EngineClient::State::Stopped);
        QVERIFY(recorder.deaths.isEmpty());
    }

    void fakeFramesSplitIntoSingleBytes()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("slow-greeting")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        QCOMPARE(client->greeting().value(QStringLiteral("engine")).toString(), QStringLiteral("0.0.0-fake"));
    }

    void fakeMalformedFramesAreReported()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("malformed")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 check = client->check(kQuickPipeline, QStringLiteral("quick.wbp"), QString());
        QVERIFY(waitFor([&] { return recorder.answered(check); }, 5000));
        QVERIFY(recorder.reply(check).value(QStringLiteral("ok")).toBool());
        QCOMPARE(recorder.protocolErrors.size(), 4);
        QVERIFY2(recorder.protocolErrors[0].contains(QLatin1String("does not parse")),
                 qPrintable(recorder.protocolErrors[0]));
        QVERIFY2(recorder.protocolErrors[1].contains(QLatin1String("not an object")),
                 qPrintable(recorder.protocolErrors[1]));
        QVERIFY2(recorder.protocolErrors[2].contains(QLatin1String("no reply announced")),
                 qPrintable(recorder.protocolErrors[2]));
        QVERIFY2(recorder.protocolErrors[3].contains(QLatin1String("over the limit")),
                 qPrintable(recorder.protocolErrors[3]));
        QVERIFY(recorder.deaths.isEmpty());

        // A frame of unknown kind: the stream is out of step, so the engine is replaced.
        const qint64 pid = client->processId();
        const qint64 run = client->run(kQuickPipeline, QStringLiteral("quick.wbp"), QString());
        QVERIFY(waitFor([&] { return recorder.answered(run); }, 3000));
        QCOMPARE(errorCode(recorder.reply(run)), QStringLiteral("EngineDied"));
        QCOMPARE(recorder.deaths.size(), 1);
        QVERIFY2(recorder.deaths[0].contains(QLatin1String("out of step")), qPrintable(recorder.deaths[0]));
        QCOMPARE(recorder.runFinishedCount.value(run), 0); // it never started
        QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs));
        QVERIFY(client->processId() != pid);
    }

    void fakeFetchBinaryFrames()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("fetch")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 good = client->fetch(1, QStringLiteral("x"), QStringLiteral("cpu"));
        const qint64 bad = client->fetch(1, QStringLiteral("x"), QStringLiteral("cpu"));
        QVERIFY(waitFor([&] { return recorder.answered(good) && recorder.answered(bad); }, 3000));
        QVERIFY(recorder.reply(good).value(QStringLiteral("ok")).toBool());
        QCOMPARE(recorder.binaries.value(good), QByteArray("01234567"));
        QCOMPARE(errorCode(recorder.reply(bad)), QStringLiteral("BadFrame"));
        QVERIFY(recorder.binaries.value(bad).isEmpty());
        QCOMPARE(recorder.protocolErrors.size(), 1);
        QVERIFY(recorder.deaths.isEmpty());
    }

    void fakeDeviceLost()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("device-lost")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 run = client->run(QStringLiteral("boom = 1"), QStringLiteral("boom.wbp"), QString());
        QVERIFY(waitFor([&] { return recorder.deaths.size() == 1; }, 3000));
        // The run's own reply came before the exit; the death names the exit and the error.
        QCOMPARE(recorder.replies.value(run).size(), 1);
        QCOMPARE(recorder.reply(run).value(QStringLiteral("ok")).toBool(), false);
        QCOMPARE(recorder.runFinishedCount.value(run), 1);
        const QString reason = recorder.deaths[0];
        QVERIFY2(reason.contains(QLatin1String("status 4")) &&
                     reason.contains(QLatin1String("kEngineExitDeviceLost")) &&
                     reason.contains(QLatin1String("DeviceLost: an illegal memory access was encountered")) &&
                     reason.contains(QLatin1String("step boom")),
                 qPrintable(reason));
        QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs));
    }

    void fakeKilledBySignalRestarts()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("fetch")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 pid = client->processId();
        QCOMPARE(::kill(static_cast<pid_t>(pid), SIGSEGV), 0);
        QVERIFY(waitFor([&] { return recorder.deaths.size() == 1 && client->isReady(); }, kRestartLimitMs));
        QVERIFY2(recorder.deaths[0].contains(QLatin1String("killed by SIGSEGV")), qPrintable(recorder.deaths[0]));
        QVERIFY(client->processId() != pid);
        QVERIFY(recorder.readyAfterDeathMs >= 0 && recorder.readyAfterDeathMs < kRestartLimitMs);
    }

    void fakeClosedStandardInput()
    {
        auto client = makeClient(fakeEngine(QStringLiteral("close-stdin")));
        Recorder recorder(*client);
        QVERIFY(started(*client));
        const qint64 run = client->run(kQuickPipeline, QStringLiteral("quick.wbp"), QString());
        QVERIFY(waitFor([&] { return recorder.log.contains(QStringLiteral("run_started %1").arg(run)); }, 3000));
        settle(50); // let it close its end
        const qint64 check = client->check(kQuickPipeline, QStringLiteral("quick.wbp"), QString());
        QVERIFY(waitFor([&] { return recorder.answered(run) && recorder.answered(check); }, 3000));
        QCOMPARE(errorCode(recorder.reply(run)), QStringLiteral("EngineDied"));
        QCOMPARE(errorCode(recorder.reply(check)), QStringLiteral("EngineDied"));
        QCOMPARE(recorder.deaths.size(), 1);
        QVERIFY2(recorder.deaths[0].contains(QLatin1String("writing to the engine failed")) &&
                     recorder.deaths[0].contains(QStringLiteral("run %1").arg(run)),
                 qPrintable(recorder.deaths[0]));
        QVERIFY(waitFor([&] { return client->isReady(); }, kRestartLimitMs));
    }
};

QTEST_GUILESS_MAIN(TestEngineClient)
#include "test_engine_client.moc"
