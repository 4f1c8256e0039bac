// The app core without an engine: engine command lines split as a shell splits them; the
// frame codec (frames split at every byte, several in one read, oversized ones dropped with
// the stream kept in step, an unknown kind ending the decoding); the words for each exit
// status of wb/engine.h and for signals.

#include "command_line.h"
#include "engine_exit.h"
#include "engine_frames.h"

#include <wb/engine.h>

#include <QJsonDocument>
#include <QTest>

#include <csignal>

using wb::app::encodeFrame;
using wb::app::encodeJsonFrame;
using wb::app::FrameDecoder;

class TestAppCore : public QObject {
    Q_OBJECT

private slots:
    void splitsCommandLinesAsAShellDoes()
    {
        using wb::app::splitCommandLine;
        const auto split = [](const QString& line) {
            return splitCommandLine(line).value_or(QStringList{QStringLiteral("<does not split>")});
        };
        const auto words = [](std::initializer_list<const char*> list) {
            QStringList result;
            for (const char* word : list) {
                result.append(QString::fromUtf8(word));
            }
            return result;
        };
        QCOMPARE(split(QStringLiteral("warpbench-cli engine --stdio")), words({"warpbench-cli", "engine", "--stdio"}));
        QCOMPARE(split(QStringLiteral("  ssh  gpu-host\t'cd /opt/wb && ./warpbench-cli' engine --stdio ")),
                 words({"ssh", "gpu-host", "cd /opt/wb && ./warpbench-cli", "engine", "--stdio"}));
        QCOMPARE(split(QStringLiteral("srun --gres=gpu:1 \"/opt/warp bench/warpbench-cli\" engine --stdio")),
                 words({"srun", "--gres=gpu:1", "/opt/warp bench/warpbench-cli", "engine", "--stdio"}));
        QCOMPARE(split(QStringLiteral("a\\ b \"x\\\"y\\$z\\q\" 'it''s' \"\" c'd'e")),
                 words({"a b", "x\"y$z\\q", "its", "", "cde"}));
        QCOMPARE(split(QString()), QStringList());
        QString error;
        QVERIFY(!splitCommandLine(QStringLiteral("ssh 'host"), &error));
        QVERIFY2(error.contains(QLatin1String("single quote")), qPrintable(error));
        QVERIFY(!splitCommandLine(QStringLiteral("ssh \"host"), &error));
        QVERIFY2(error.contains(QLatin1String("double quote")), qPrintable(error));
        QVERIFY(!splitCommandLine(QStringLiteral("ssh host\\"), &error));
        QVERIFY2(error.contains(QLatin1String("backslash")), qPrintable(error));
    }

    void encodesLengthKindPayload()
    {
        const QByteArray frame = encodeFrame(wb::engine::kBinaryFrame, QByteArray(0x01020304 & 0x3ff, 'x'));
        QCOMPARE(frame.size(), 5 + 0x304);
        QCOMPARE(static_cast<unsigned char>(frame[0]), 0x04u);
        QCOMPARE(static_cast<unsigned char>(frame[1]), 0x03u);
        QCOMPARE(static_cast<unsigned char>(frame[2]), 0x00u);
        QCOMPARE(static_cast<unsigned char>(frame[3]), 0x00u);
        QCOMPARE(frame[4], 'B');
        const QByteArray json = encodeJsonFrame({{QStringLiteral("type"), QStringLiteral("hello")}});
        QCOMPARE(json.mid(5), QByteArray("{\"type\":\"hello\"}"));
        QCOMPARE(json[4], 'J');
        QCOMPARE(static_cast<unsigned char>(json[0]), static_cast<unsigned char>(json.size() - 5));
    }

    void decodesFramesSplitAtEveryByte()
    {
        const QByteArray stream = encodeJsonFrame({{QStringLiteral("a"), 1}}) +
                                  encodeFrame(wb::engine::kBinaryFrame, QByteArray("\0\1\2", 3)) +
                                  encodeFrame(wb::engine::kJsonFrame, "{}");
        FrameDecoder decoder;
        QList<FrameDecoder::Result> frames;
        for (const char byte : stream) {
            decoder.append(QByteArray(1, byte));
            for (FrameDecoder::Result result = decoder.next(); result.status != FrameDecoder::Status::NeedMore;
                 result = decoder.next()) {
                QCOMPARE(result.status, FrameDecoder::Status::Frame);
                frames.append(result);
            }
        }
        QCOMPARE(frames.size(), 3);
        QCOMPARE(frames[0].kind, wb::engine::kJsonFrame);
        QCOMPARE(frames[0].payload, QByteArray("{\"a\":1}"));
        QCOMPARE(frames[1].kind, wb::engine::kBinaryFrame);
        QCOMPARE(frames[1].payload, QByteArray("\0\1\2", 3));
        QCOMPARE(frames[2].payload, QByteArray("{}"));
        QVERIFY(!decoder.midFrame());
    }

    void decodesSeveralFramesFromOneRead()
    {
        QByteArray stream;
        for (int i = 0; i < 100; ++i) {
            stream += encodeJsonFrame({{QStringLiteral("i"), i}});
        }
        stream += encodeJsonFrame({{QStringLiteral("tail"), true}}).left(7);
        FrameDecoder decoder;
        decoder.append(stream);
        for (int i = 0; i < 100; ++i) {
            const FrameDecoder::Result result = decoder.next();
            QCOMPARE(result.status, FrameDecoder::Status::Frame);
            QCOMPARE(QJsonDocument::fromJson(result.payload).object().value(QStringLiteral("i")).toInt(), i);
        }
        QCOMPARE(decoder.next().status, FrameDecoder::Status::NeedMore);
        QVERIFY(decoder.midFrame());
        decoder.append(encodeJsonFrame({{QStringLiteral("tail"), true}}).mid(7));
        QCOMPARE(decoder.next().payload, QByteArray("{\"tail\":true}"));
        QVERIFY(!decoder.midFrame());
    }

    void dropsOversizedFramesAndStaysInStep()
    {
        FrameDecoder decoder(FrameDecoder::Limits{16, 32});
        const QByteArray big = encodeFrame(wb::engine::kJsonFrame, QByteArray(17, 'j'));
        const QByteArray bigBinary = encodeFrame(wb::engine::kBinaryFrame, QByteArray(100, 'b'));
        const QByteArray small = encodeFrame(wb::engine::kJsonFrame, "{}");
        // The oversized payloads arrive in pieces, the next frame right behind them.
        const QByteArray stream = big + small + bigBinary + small;
        QList<FrameDecoder::Status> statuses;
        QList<QByteArray> payloads;
        for (qsizetype at = 0; at < stream.size(); at += 9) {
            decoder.append(stream.mid(at, 9));
            for (FrameDecoder::Result result = decoder.next(); result.status != FrameDecoder::Status::NeedMore;
                 result = decoder.next()) {
                statuses.append(result.status);
                payloads.append(result.payload);
                if (result.status == FrameDecoder::Status::Dropped) {
                    QVERIFY2(result.message.contains(QLatin1String("over the limit")), qPrintable(result.message));
                }
            }
        }
        const QList<FrameDecoder::Status> expected{FrameDecoder::Status::Dropped, FrameDecoder::Status::Frame,
                                                   FrameDecoder::Status::Dropped, FrameDecoder::Status::Frame};
        QCOMPARE(statuses, expected);
        QCOMPARE(payloads[1], QByteArray("{}"));
        QCOMPARE(payloads[3], QByteArray("{}"));
        QVERIFY(!decoder.midFrame());
    }

    void unknownKindEndsTheStream()
    {
        FrameDecoder decoder;
        decoder.append(encodeFrame('X', "abc") + encodeFrame(wb::engine::kJsonFrame, "{}"));
        const FrameDecoder::Result result = decoder.next();
        QCOMPARE(result.status, FrameDecoder::Status::Corrupt);
        QVERIFY2(result.message.contains(QLatin1String("0x58")), qPrintable(result.message));
        QVERIFY(decoder.corrupt());
        QCOMPARE(decoder.next().status, FrameDecoder::Status::NeedMore);
        decoder.append(encodeFrame(wb::engine::kJsonFrame, "{}"));
        QCOMPARE(decoder.next().status, FrameDecoder::Status::NeedMore);
    }

    void exitStatusesInWords()
    {
        using wb::app::describeEngineExit;
        QVERIFY(describeEngineExit(wb::engine::kEngineExitDeviceLost, false).contains(QLatin1String("GPU context")));
        QVERIFY(describeEngineExit(wb::engine::kEngineExitInternal, false).contains(QLatin1String("bug")));
        QVERIFY(describeEngineExit(wb::engine::kEngineExitProtocolMismatch, false)
                    .contains(QLatin1String("another protocol")));
        QVERIFY(describeEngineExit(wb::engine::kEngineExitUsage, false).contains(QLatin1String("command line")));
        QVERIFY(describeEngineExit(wb::engine::kEngineExitOk, false).contains(QLatin1String("without being asked")));
        QCOMPARE(describeEngineExit(SIGSEGV, true),
                 QStringLiteral("the engine was killed by SIGSEGV (signal %1: segmentation fault)").arg(SIGSEGV));
        QVERIFY(describeEngineExit(128 + SIGKILL, false).contains(QLatin1String("killed by SIGKILL")));
        QVERIFY(describeEngineExit(255, false).contains(QLatin1String("ssh")));
        QCOMPARE(describeEngineExit(42, false), QStringLiteral("the engine exited with status 42"));
        QCOMPARE(wb::app::signalName(SIGKILL), QStringLiteral("SIGKILL"));
        QCOMPARE(wb::app::signalName(200), QStringLiteral("signal 200"));
    }
};

QTEST_GUILESS_MAIN(TestAppCore)
#include "test_app_core.moc"
