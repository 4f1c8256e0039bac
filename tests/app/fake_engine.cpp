// A fake engine for the client's tests: it speaks just enough of docs/protocol.md to reach
// the misbehaviour that the real engine never shows on purpose (a stream out of step, frames
// the protocol forbids, a lost device, a closed standard input, another protocol version).
// Usage: wb_fake_engine SCENARIO, one of
//   bad-greeting    the first frame is not the greeting
//   protocol-2      greets with protocol 2, answers hello with ProtocolMismatch, exits 3
//   slow-greeting   greets one byte per millisecond (frames split across many reads)
//   malformed       answers each check after a JSON frame that does not parse, a JSON
//                   array, a binary frame nobody announced and an oversized JSON frame;
//                   answers a run with a frame of unknown kind
//   fetch           answers fetch with 8 bytes as announced, then one announcing 8 and sending 4
//   device-lost     a run gets run_started, step_started, an error event and its reply, then
//                   the engine exits with kEngineExitDeviceLost
//   launch-fault    the first engine started with the file WB_FAKE_MARKER missing creates it and
//                   answers a run as the real engine does when a launch() faults: the error
//                   event and the reply naming the launch at 2:5 (DeviceLost), then exit
//                   kEngineExitDeviceLost; an engine started when the file exists runs
//                   every pipeline with success (an empty record)
//   tuning          a run gets run_started, then a `tuning` event for each of two
//                   configurations of launch y (block=128, block=512), 400 ms apart, as a
//                   @tune run on a GPU sends them, then succeeds
//   close-stdin     a run makes it close its standard input and sleep: the client's next
//                   write fails
//   latency         a run gets one step_finished per assignment line of its pipeline, 100 us
//                   apart (WB_FAKE_STEP_US sets the pause; 0: back to back), each stamped with sent_us just before it
//                   is serialised and written: warpbench-engine-latency --engine "wb_fake_engine latency" measures the
//                   client's share of the event latency with it
// Each scenario answers hello, check and shutdown as the real engine does.

#include "engine_frames.h"

#include <wb/engine.h>

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>

namespace {

using wb::app::encodeFrame;
using wb::app::encodeJsonFrame;

bool g_slow = false;

void writeAll(const QByteArray& bytes)
{
    const char* data = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const qsizetype chunk = g_slow ? 1 : left;
        const ssize_t written = ::write(STDOUT_FILENO, data, static_cast<size_t>(chunk));
        if (written <= 0) {
            std::_Exit(1);
        }
        data += written;
        left -= written;
        if (g_slow) {
            ::usleep(1000);
        }
    }
}

void sendJson(const QJsonObject& object) { writeAll(encodeJsonFrame(object)); }

bool readExactly(char* buffer, size_t size)
{
    while (size > 0) {
        const ssize_t got = ::read(STDIN_FILENO, buffer, size);
        if (got <= 0) {
            return false;
        }
        buffer += got;
        size -= static_cast<size_t>(got);
    }
    return true;
}

// The next JSON request; nullopt at the end of the input. Anything else ends the fake.
std::optional<QJsonObject> readRequest()
{
    unsigned char header[wb::engine::kFrameHeaderBytes];
    if (!readExactly(reinterpret_cast<char*>(header), sizeof header)) {
        return std::nullopt;
    }
    const std::uint32_t length =
        header[0] | header[1] << 8 | header[2] << 16 | static_cast<std::uint32_t>(header[3]) << 24;
    QByteArray payload(static_cast<qsizetype>(length), '\0');
    if (!readExactly(payload.data(), length) || header[4] != wb::engine::kJsonFrame) {
        return std::nullopt;
    }
    return QJsonDocument::fromJson(payload).object();
}

QJsonObject reply(const QJsonObject& request, QJsonObject fields = {})
{
    fields.insert(QStringLiteral("type"), QStringLiteral("reply"));
    fields.insert(QStringLiteral("id"), request.value(QStringLiteral("id")));
    if (!fields.contains(QStringLiteral("ok"))) {
        fields.insert(QStringLiteral("ok"), true);
    }
    return fields;
}

QJsonObject event(const QString& name, qint64 run, QJsonObject fields = {})
{
    fields.insert(QStringLiteral("type"), QStringLiteral("event"));
    fields.insert(QStringLiteral("event"), name);
    fields.insert(QStringLiteral("run"), run);
    return fields;
}

QJsonObject errorObject(const char* code, const char* message)
{
    return {{QStringLiteral("code"), QLatin1String(code)}, {QStringLiteral("message"), QLatin1String(message)}};
}

} // namespace

// The end of a run that succeeded: run_finished and the reply with an empty record.
void succeed(const QJsonObject& request, qint64 run)
{
    sendJson(event(QStringLiteral("run_finished"), run,
                   {{QStringLiteral("ok"), true}, {QStringLiteral("cancelled"), false}}));
    sendJson(reply(request, {{QStringLiteral("run"), run},
                             {QStringLiteral("ok"), true},
                             {QStringLiteral("cancelled"), false},
                             {QStringLiteral("record"), QJsonObject{{QStringLiteral("ok"), true}}}}));
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: wb_fake_engine SCENARIO\n");
        return wb::engine::kEngineExitUsage;
    }
    const QString scenario = QString::fromLocal8Bit(argv[1]);
    g_slow = scenario == QLatin1String("slow-greeting");
    if (scenario == QLatin1String("bad-greeting")) {
        sendJson({{QStringLiteral("hello"), QStringLiteral("I am not an engine")}});
        ::pause();
        return 0;
    }
    const int protocol = scenario == QLatin1String("protocol-2") ? 2 : wb::engine::kProtocolVersion;
    sendJson({{QStringLiteral("magic"), QLatin1String(wb::engine::kGreetingMagic)},
              {QStringLiteral("protocol"), protocol},
              {QStringLiteral("engine"), QStringLiteral("0.0.0-fake")}});
    std::fprintf(stderr, "fake engine: %s\n", argv[1]);

    int fetches = 0;
    while (const std::optional<QJsonObject> request = readRequest()) {
        const QString type = request->value(QStringLiteral("type")).toString();
        if (type == QLatin1String("hello")) {
            if (protocol != wb::engine::kProtocolVersion) {
                sendJson(reply(*request, {{QStringLiteral("ok"), false},
                                          {QStringLiteral("error"),
                                           errorObject("ProtocolMismatch", "this engine speaks protocol 2, the "
                                                                           "client protocol 1")}}));
                return wb::engine::kEngineExitProtocolMismatch;
            }
            sendJson(reply(*request, {{QStringLiteral("protocol"), wb::engine::kProtocolVersion},
                                      {QStringLiteral("engine"), QStringLiteral("0.0.0-fake")},
                                      {QStringLiteral("capabilities"), QJsonArray{QStringLiteral("run")}}}));
            g_slow = false;
        } else if (type == QLatin1String("shutdown")) {
            sendJson(reply(*request));
            return wb::engine::kEngineExitOk;
        } else if (type == QLatin1String("check")) {
            if (scenario == QLatin1String("malformed")) {
                writeAll(encodeFrame(wb::engine::kJsonFrame, "{\"type\": \"event\", "));
                writeAll(encodeFrame(wb::engine::kJsonFrame, "[1, 2, 3]"));
                writeAll(encodeFrame(wb::engine::kBinaryFrame, "surprise"));
                writeAll(encodeFrame(wb::engine::kJsonFrame, QByteArray(wb::engine::kMaxJsonFrameBytes + 1, ' ')));
            }
            sendJson(reply(*request, {{QStringLiteral("diagnostics"), QJsonArray{}}}));
        } else if (type == QLatin1String("fetch")) {
            sendJson(reply(*request, {{QStringLiteral("dtype"), QStringLiteral("u8")},
                                      {QStringLiteral("shape"), QJsonArray{8}},
                                      {QStringLiteral("bytes"), 8}}));
            writeAll(encodeFrame(wb::engine::kBinaryFrame, fetches++ == 0 ? "01234567" : "0123"));
        } else if (type == QLatin1String("run")) {
            const qint64 run = request->value(QStringLiteral("id")).toInteger();
            if (scenario == QLatin1String("malformed")) {
                writeAll(encodeFrame('X', "out of step"));
            } else if (scenario == QLatin1String("device-lost")) {
                sendJson(event(QStringLiteral("run_started"), run, {{QStringLiteral("backends"), QJsonArray{}}}));
                sendJson(event(QStringLiteral("step_started"), run,
                               {{QStringLiteral("backend"), QStringLiteral("cuda:0")},
                                {QStringLiteral("step"), QStringLiteral("boom")},
                                {QStringLiteral("line"), 3}}));
                sendJson(
                    event(QStringLiteral("error"), run,
                          {{QStringLiteral("step"), QStringLiteral("boom")},
                           {QStringLiteral("line"), 3},
                           {QStringLiteral("column"), 1},
                           {QStringLiteral("code"), QStringLiteral("DeviceLost")},
                           {QStringLiteral("message"), QStringLiteral("an illegal memory access was encountered")}}));
                sendJson(event(QStringLiteral("run_finished"), run,
                               {{QStringLiteral("ok"), false}, {QStringLiteral("cancelled"), false}}));
                sendJson(reply(*request, {{QStringLiteral("run"), run},
                                          {QStringLiteral("ok"), false},
                                          {QStringLiteral("cancelled"), false},
                                          {QStringLiteral("record"), QJsonObject{{QStringLiteral("ok"), false}}}}));
                return wb::engine::kEngineExitDeviceLost;
            } else if (scenario == QLatin1String("latency")) {
                sendJson(event(QStringLiteral("run_started"), run, {{QStringLiteral("backends"), QJsonArray{}}}));
                const QStringList lines =
                    request->value(QStringLiteral("pipeline")).toString().split(QLatin1Char('\n'));
                const int pause = qEnvironmentVariableIsSet("WB_FAKE_STEP_US")
                                      ? qEnvironmentVariableIntValue("WB_FAKE_STEP_US")
                                      : 100;
                int step = 0;
                for (const QString& line : lines) {
                    if (!line.contains(QLatin1String(" = "))) {
                        continue;
                    }
                    if (pause > 0) {
                        ::usleep(static_cast<useconds_t>(pause));
                    }
                    const auto now = std::chrono::steady_clock::now().time_since_epoch();
                    sendJson(event(
                        QStringLiteral("step_finished"), run,
                        {{QStringLiteral("step"), QStringLiteral("s%1").arg(step++)},
                         {QStringLiteral("backend"), QStringLiteral("cpu")},
                         {QStringLiteral("sent_us"),
                          static_cast<qint64>(std::chrono::duration_cast<std::chrono::microseconds>(now).count())}}));
                }
                sendJson(event(QStringLiteral("run_finished"), run,
                               {{QStringLiteral("ok"), true}, {QStringLiteral("cancelled"), false}}));
                sendJson(reply(*request, {{QStringLiteral("run"), run},
                                          {QStringLiteral("cancelled"), false},
                                          {QStringLiteral("record"), QJsonObject{}}}));
            } else if (scenario == QLatin1String("launch-fault")) {
                const QString marker = qEnvironmentVariable("WB_FAKE_MARKER");
                const bool first = !marker.isEmpty() && !QFile::exists(marker);
                sendJson(event(QStringLiteral("run_started"), run, {{QStringLiteral("backends"), QJsonArray{}}}));
                if (first) {
                    if (QFile file(marker); !file.open(QIODevice::WriteOnly)) {
                        return wb::engine::kEngineExitInternal;
                    }
                    const QJsonObject error{{QStringLiteral("step"), QStringLiteral("y")},
                                            {QStringLiteral("line"), 2},
                                            {QStringLiteral("column"), 5},
                                            {QStringLiteral("code"), QStringLiteral("DeviceLost")},
                                            {QStringLiteral("message"),
                                             QStringLiteral("launch of saxpy (saxpy.cu) at 2:5: an illegal memory "
                                                            "access was encountered")}};
                    sendJson(event(QStringLiteral("error"), run, error));
                    sendJson(event(QStringLiteral("run_finished"), run,
                                   {{QStringLiteral("ok"), false}, {QStringLiteral("cancelled"), false}}));
                    sendJson(reply(*request, {{QStringLiteral("run"), run},
                                              {QStringLiteral("ok"), false},
                                              {QStringLiteral("cancelled"), false},
                                              {QStringLiteral("error"), error},
                                              {QStringLiteral("record"), QJsonObject{{QStringLiteral("ok"), false}}}}));
                    return wb::engine::kEngineExitDeviceLost;
                }
                succeed(*request, run);
            } else if (scenario == QLatin1String("tuning")) {
                sendJson(event(QStringLiteral("run_started"), run, {{QStringLiteral("backends"), QJsonArray{}}}));
                const QString configurations[] = {QStringLiteral("block=128"), QStringLiteral("block=512")};
                for (int i = 0; i < 2; ++i) {
                    sendJson(event(QStringLiteral("tuning"), run,
                                   {{QStringLiteral("step"), QStringLiteral("y")},
                                    {QStringLiteral("index"), i},
                                    {QStringLiteral("count"), 2},
                                    {QStringLiteral("configuration"), configurations[i]}}));
                    ::usleep(400000);
                }
                succeed(*request, run);
            } else if (scenario == QLatin1String("close-stdin")) {
                sendJson(event(QStringLiteral("run_started"), run, {{QStringLiteral("backends"), QJsonArray{}}}));
                ::close(STDIN_FILENO);
                for (;;) {
                    ::pause();
                }
            }
        } else {
            sendJson(reply(*request, {{QStringLiteral("ok"), false},
                                      {QStringLiteral("error"), errorObject("UnknownRequest", "not in the fake")}}));
        }
    }
    return wb::engine::kEngineExitOk;
}
