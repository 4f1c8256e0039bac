// warpbench-engine-latency: the time from a step finishing in the engine to EngineClient's
// stepFinished() signal. It runs a pipeline of many tiny CPU steps through a real engine
// and, for each step_finished event, subtracts the engine's `sent_us` (its steady clock,
// CLOCK_MONOTONIC, just before the frame is written; docs/protocol.md) from this process's
// steady clock when the signal arrives. Both clocks are the same on one machine, so the
// figure covers the pipe, the event loop's wake-up, frame decoding, JSON parsing and the
// signal. The first run warms up and is not counted. Issue 4's target: median <= 1 ms.

#include "bench_command_line.h"
#include "engine_client.h"
#include "latency_summary.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <chrono>
#include <cstdio>
#include <optional>
#include <vector>

namespace {

using wb::app::EngineClient;
using wb::app::bench::steadyMicroseconds;

constexpr const char* kUsage =
    "usage: warpbench-engine-latency [--steps N] [--runs N] [--json FILE] [--engine COMMAND]\n"
    "  Runs a pipeline of N tiny CPU steps (default 200) R+1 times (default R = 5; the first\n"
    "  run warms up) and prints the latency from each step_finished event's send in the\n"
    "  engine to EngineClient::stepFinished(): n, median, p90, max in ms.\n"
    "  --engine: the engine command line (default: WB_ENGINE_COMMAND, else warpbench-cli\n"
    "  next to this program with `engine --stdio`); both must run on this machine.\n";

QString pipelineText(int steps)
{
    QString text = QStringLiteral("# warpbench-engine-latency: many tiny steps, each finishing on its own.\n"
                                  "@backends cpu\n@repeat 1\n@warmup 0\n@threads 1\n"
                                  "x = rand(8, 8, f32, seed=1)\n");
    for (int i = 1; i < steps; ++i) {
        text += QStringLiteral("s%1 = sum(x)\n").arg(i);
    }
    return text;
}

int fail(const QString& message)
{
    std::fprintf(stderr, "warpbench-engine-latency: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    int steps = 200;
    int runs = 5;
    QString jsonPath;
    QStringList command = EngineClient::defaultCommand();
    wb::app::bench::BenchCommandLine commandLine("warpbench-engine-latency", kUsage);
    commandLine.addInt("--steps", &steps, 2);
    commandLine.addInt("--runs", &runs, 1);
    commandLine.addString("--json", &jsonPath);
    commandLine.addCommand("--engine", &command);
    if (const std::optional<int> status = commandLine.parse(QCoreApplication::arguments().mid(1))) {
        return *status;
    }

    EngineClient client;
    client.setCommand(command);
    const QString pipeline = pipelineText(steps);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(steps) * static_cast<std::size_t>(runs));
    int runsDone = 0; // the warm-up included
    int withoutStamp = 0;
    qint64 currentRun = 0;
    QString failure;

    const auto startRun = [&] { currentRun = client.run(pipeline, QStringLiteral("latency.wbp"), QString()); };
    QObject::connect(&client, &EngineClient::stepFinished, &client, [&](qint64, const QJsonObject& figures) {
        const double arrived = steadyMicroseconds();
        const QJsonValue sent = figures.value(QStringLiteral("sent_us"));
        if (!sent.isDouble()) {
            ++withoutStamp;
            return;
        }
        if (runsDone > 0) {
            samples.push_back(arrived - sent.toDouble());
        }
    });
    QObject::connect(&client, &EngineClient::replyReceived, &client,
                     [&](qint64 id, const QJsonObject& reply, const QByteArray&) {
                         if (id != currentRun) {
                             return;
                         }
                         if (!reply.value(QStringLiteral("ok")).toBool()) {
                             failure = QStringLiteral("the run failed: ") +
                                       QString::fromUtf8(QJsonDocument(reply).toJson(QJsonDocument::Compact));
                             app.exit(1);
                             return;
                         }
                         if (withoutStamp > 0) {
                             failure = QStringLiteral("the engine's step_finished events carry no sent_us "
                                                      "(docs/protocol.md, \"Events\"): nothing to measure");
                             app.exit(1);
                             return;
                         }
                         if (++runsDone > runs) {
                             app.exit(0);
                         } else {
                             startRun();
                         }
                     });
    QObject::connect(&client, &EngineClient::stateChanged, &client, [&](EngineClient::State state) {
        if (state == EngineClient::State::Ready && currentRun == 0) {
            startRun();
        }
    });
    QObject::connect(&client, &EngineClient::startFailed, &client, [&](const QString& reason) {
        failure = QStringLiteral("the engine did not start: ") + reason;
        app.exit(1);
    });
    QObject::connect(&client, &EngineClient::engineDied, &client, [&](const QString& reason) {
        failure = QStringLiteral("the engine died: ") + reason;
        app.exit(1);
    });
    QTimer::singleShot(std::chrono::minutes(5), &app, [&] {
        failure = QStringLiteral("gave up after 5 minutes");
        app.exit(1);
    });
    client.start();
    if (app.exec() != 0) {
        return fail(failure);
    }

    const wb::app::bench::LatencySummary summary = wb::app::bench::summarise(samples);
    std::printf("Event latency: engine step_finished write -> EngineClient::stepFinished (steady clock)\n");
    std::printf("%d steps a run, %d runs after one warm-up run\n\n", steps, runs);
    std::printf("%8s %11s %9s %9s\n", "n", "median_ms", "p90_ms", "max_ms");
    std::printf("%8llu %11.4f %9.4f %9.4f\n", static_cast<unsigned long long>(summary.n), summary.medianMs,
                summary.p90Ms, summary.maxMs);
    std::printf("\ntarget: median <= 1 ms: %s\n", summary.medianMs <= 1.0 ? "met" : "NOT met");

    if (!jsonPath.isEmpty()) {
        const QJsonArray engine = QJsonArray::fromStringList(command);
        const QJsonObject record{
            {QStringLiteral("parameters"), QJsonObject{{QStringLiteral("steps"), steps},
                                                       {QStringLiteral("runs"), runs},
                                                       {QStringLiteral("warmup_runs"), 1},
                                                       {QStringLiteral("engine"), engine}}},
            {QStringLiteral("latency"), wb::app::bench::toJson(summary)},
            {QStringLiteral("target_median_ms"), 1.0},
            {QStringLiteral("target_met"), summary.medianMs <= 1.0},
        };
        QString error;
        if (!wb::app::bench::writeRecord(jsonPath, "warpbench-engine-latency", record, &error)) {
            return fail(error);
        }
    }
    return 0;
}
