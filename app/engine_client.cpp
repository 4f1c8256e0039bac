#include "engine_client.h"

#include "command_line.h"
#include "engine_exit.h"
#include "engine_frames.h"

#include <wb/engine.h>
#include <wb/version.h>

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QTimer>

#include <algorithm>
#include <utility>

namespace wb::app {

namespace {

QJsonObject errorReply(qint64 id, const QString& code, const QString& message)
{
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("reply")},
        {QStringLiteral("id"), id},
        {QStringLiteral("ok"), false},
        {QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
}

// An event's fields without the envelope: what the typed signals hand on.
QJsonObject eventFields(QJsonObject event)
{
    event.remove(QStringLiteral("type"));
    event.remove(QStringLiteral("event"));
    return event;
}

QString seconds(std::chrono::milliseconds duration)
{
    return QString::number(static_cast<double>(duration.count()) / 1000.0, 'g', 4);
}

// The start of a payload, for messages about it.
QString excerpt(const QByteArray& payload)
{
    constexpr qsizetype kShown = 120;
    QString text = QString::fromUtf8(payload.left(kShown));
    text.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return payload.size() > kShown ? text + QStringLiteral("...") : text;
}

constexpr qsizetype kMaxLogLine = 64 * 1024;

} // namespace

EngineClient::EngineClient(QObject* parent)
    : QObject(parent)
    , m_command(defaultCommand(&m_commandProblem))
    , m_clientName(QStringLiteral("warpbench %1").arg(QLatin1String(kVersionString)))
    , m_startTimer(new QTimer(this))
    , m_stopTimer(new QTimer(this))
{
    m_startTimer->setSingleShot(true);
    connect(m_startTimer, &QTimer::timeout, this, [this] {
        killEngine({QStringLiteral("the engine did not %1 within %2 s")
                        .arg(m_greeted ? QStringLiteral("answer hello") : QStringLiteral("greet"))
                        .arg(seconds(m_startTimeout))});
    });
    m_stopTimer->setSingleShot(true);
    connect(m_stopTimer, &QTimer::timeout, this,
            [this] { killEngine({QStringLiteral("the engine did not shut down when asked; killed")}); });
}

EngineClient::~EngineClient()
{
    if (m_process != nullptr) {
        // Nothing may reach this half-destroyed object; the engine is killed and reaped.
        m_process->disconnect(this);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(2000);
        }
        delete m_process;
        m_process = nullptr;
    }
}

QStringList EngineClient::defaultCommand(QString* problem)
{
    const QString fromEnvironment = qEnvironmentVariable("WB_ENGINE_COMMAND").trimmed();
    if (!fromEnvironment.isEmpty()) {
        QString why;
        if (std::optional<QStringList> words = splitCommandLine(fromEnvironment, &why)) {
            return *words;
        }
        if (problem != nullptr) {
            *problem =
                QStringLiteral("WB_ENGINE_COMMAND (%1) cannot be split into words: %2").arg(fromEnvironment, why);
        }
        return {};
    }
    const QString program = QCoreApplication::instance() != nullptr
                                ? QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("warpbench-cli"))
                                : QStringLiteral("warpbench-cli");
    return {program, QStringLiteral("engine"), QStringLiteral("--stdio")};
}

void EngineClient::setCommand(const QStringList& command)
{
    m_command = command;
    m_commandProblem.clear();
}

void EngineClient::setProcessEnvironment(const QProcessEnvironment& environment) { m_environment = environment; }

QStringList EngineClient::capabilities() const
{
    QStringList names;
    const QJsonArray list = m_engineInfo.value(QStringLiteral("capabilities")).toArray();
    for (const QJsonValue& name : list) {
        names.append(name.toString());
    }
    return names;
}

qint64 EngineClient::processId() const { return m_process != nullptr ? m_process->processId() : 0; }

void EngineClient::setState(State state)
{
    if (state == m_state) {
        return;
    }
    const State previous = m_state;
    m_state = state;
    emit stateChanged(state, previous);
}

void EngineClient::start()
{
    if (m_state != State::Stopped) {
        return;
    }
    setState(State::Starting);
    launch();
}

void EngineClient::launch()
{
    ++m_generation;
    m_decoder = std::make_unique<FrameDecoder>();
    m_stderrLine.clear();
    m_greeted = false;
    m_stopping = false;
    m_shutdownSent = false;
    m_kill.reset();
    m_lastError.clear();
    m_startProblem.clear();
    m_greeting = {};
    m_engineInfo = {};
    m_helloId = 0;
    m_currentRun = 0;
    m_awaitedBinary.reset();
    if (m_command.isEmpty() || m_command.first().isEmpty()) {
        const QString reason =
            m_commandProblem.isEmpty() ? QStringLiteral("no engine command is set") : m_commandProblem;
        setState(State::Stopped);
        emit startFailed(reason);
        failOpenRequests(QStringLiteral("NotReady"), QStringLiteral("the engine could not be started: ") + reason);
        return;
    }

    auto* process = new QProcess(this);
    if (m_environment) {
        process->setProcessEnvironment(*m_environment);
    }
    // Signals of an engine that has been replaced are not ours to handle any more.
    connect(process, &QProcess::readyReadStandardOutput, this, [this, process] {
        if (process == m_process) {
            onReadyRead();
        }
    });
    connect(process, &QProcess::readyReadStandardError, this, [this, process] {
        if (process == m_process) {
            onReadyReadError();
        }
    });
    connect(process, &QProcess::finished, this, [this, process](int exitCode, QProcess::ExitStatus status) {
        if (process == m_process) {
            onFinished(exitCode, status);
        }
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (process == m_process) {
            onProcessError(error);
        }
    });
    m_process = process;
    m_startTimer->start(m_startTimeout);
    // Last: a program that cannot be found fails inside start(), and that ends this engine.
    process->start(m_command.first(), m_command.mid(1));
}

void EngineClient::stop()
{
    switch (m_state) {
    case State::Stopped: return;
    case State::Starting:
    case State::Restarting:
        m_stopping = true;
        if (m_process != nullptr) {
            killEngine({QStringLiteral("the engine was stopped by the client")});
        } else {
            setState(State::Stopped);
            failOpenRequests(QStringLiteral("EngineDied"), QStringLiteral("the engine was stopped by the client"));
        }
        return;
    case State::Ready:
    case State::Running:
        if (m_stopping) {
            return;
        }
        enqueue(QStringLiteral("shutdown"), {}, true);
        m_stopping = true;
        m_stopTimer->start(2000);
        return;
    }
}

namespace {

// A check or run request's source fields; an empty file or directory is left out, so that
// the engine's defaults apply (pipeline.wbp, its working folder).
// `key` holds the text ("pipeline" for check and run, "source" for compile); an empty file
// or directory is left out, so that the engine's defaults apply.
QJsonObject sourceFields(const QString& key, const QString& text, const QString& file, const QString& directory)
{
    QJsonObject fields{{key, text}};
    if (!file.isEmpty()) {
        fields.insert(QStringLiteral("file"), file);
    }
    if (!directory.isEmpty()) {
        fields.insert(QStringLiteral("directory"), directory);
    }
    return fields;
}

} // namespace

qint64 EngineClient::check(const QString& pipeline, const QString& file, const QString& directory)
{
    return enqueue(QStringLiteral("check"), sourceFields(QStringLiteral("pipeline"), pipeline, file, directory));
}

qint64 EngineClient::run(const QString& pipeline, const QString& file, const QString& directory,
                         const QJsonObject& options)
{
    QJsonObject fields = sourceFields(QStringLiteral("pipeline"), pipeline, file, directory);
    if (!options.isEmpty()) {
        fields.insert(QStringLiteral("options"), options);
    }
    return enqueue(QStringLiteral("run"), fields);
}

qint64 EngineClient::cancel(qint64 run) { return enqueue(QStringLiteral("cancel"), {{QStringLiteral("run"), run}}); }

qint64 EngineClient::fetch(qint64 run, const QString& step, const QString& backend, qint64 maxElements)
{
    return enqueue(QStringLiteral("fetch"), {{QStringLiteral("run"), run},
                                             {QStringLiteral("step"), step},
                                             {QStringLiteral("backend"), backend},
                                             {QStringLiteral("max_elements"), maxElements}});
}

qint64 EngineClient::telemetry(double rateHz)
{
    return enqueue(QStringLiteral("telemetry"), {{QStringLiteral("rate_hz"), rateHz}});
}

qint64 EngineClient::compile(const QString& source, const QString& file, const QString& directory,
                             const QJsonObject& extra)
{
    QJsonObject fields = sourceFields(QStringLiteral("source"), source, file, directory);
    for (auto it = extra.begin(); it != extra.end(); ++it) {
        fields.insert(it.key(), it.value());
    }
    return enqueue(QStringLiteral("compile"), fields);
}

qint64 EngineClient::shutdown() { return enqueue(QStringLiteral("shutdown"), {}); }

qint64 EngineClient::request(const QString& type, const QJsonObject& fields) { return enqueue(type, fields); }

void EngineClient::sendRaw(const QByteArray& bytes)
{
    if (isReady() && m_process != nullptr) {
        m_process->write(bytes);
    }
}

qint64 EngineClient::enqueue(const QString& type, QJsonObject fields, bool internal)
{
    const qint64 id = m_nextId++;
    fields.insert(QStringLiteral("type"), type);
    fields.insert(QStringLiteral("id"), id);
    if (m_state == State::Stopped) {
        if (!internal) {
            failLater(id, QStringLiteral("NotReady"), QStringLiteral("the engine is not running (Stopped)"));
        }
        return id;
    }
    Pending pending;
    pending.type = type;
    pending.internal = internal;
    if (isReady() && m_queue.isEmpty() && !m_stopping) {
        pending.sent = true;
        m_pending.insert(id, pending);
        send(fields);
    } else {
        pending.message = fields;
        m_pending.insert(id, pending);
        m_queue.append(id);
    }
    return id;
}

void EngineClient::failLater(qint64 id, const QString& code, const QString& message)
{
    // Queued, so that the caller has the id before its reply arrives.
    QMetaObject::invokeMethod(
        this, [this, id, code, message] { emit replyReceived(id, errorReply(id, code, message), {}); },
        Qt::QueuedConnection);
}

void EngineClient::send(const QJsonObject& message)
{
    if (m_process == nullptr) {
        return;
    }
    m_process->write(encodeJsonFrame(message));
    const QString type = message.value(QStringLiteral("type")).toString();
    const qint64 id = message.value(QStringLiteral("id")).toInteger();
    if (type == QLatin1String("run")) {
        m_runs.insert(id, RunState{});
        startWatchdog(id);
        if (m_state == State::Ready) {
            setState(State::Running);
        }
    } else if (type == QLatin1String("shutdown")) {
        m_shutdownSent = true;
    }
}

void EngineClient::sendQueued()
{
    while (!m_queue.isEmpty() && isReady() && !m_stopping) {
        const qint64 id = m_queue.takeFirst();
        auto it = m_pending.find(id);
        if (it == m_pending.end() || it->sent) {
            continue;
        }
        it->sent = true;
        const QJsonObject message = std::exchange(it->message, {});
        send(message);
    }
}

void EngineClient::onReadyRead()
{
    const quint64 generation = m_generation;
    m_decoder->append(m_process->readAllStandardOutput());
    // A slot may replace the engine (a nested event loop); stop at once when it does.
    while (generation == m_generation) {
        FrameDecoder::Result result = m_decoder->next();
        switch (result.status) {
        case FrameDecoder::Status::NeedMore: return;
        case FrameDecoder::Status::Frame: handleFrame(result.kind, result.payload); break;
        case FrameDecoder::Status::Dropped:
            if (result.kind == engine::kBinaryFrame && m_awaitedBinary) {
                failAwaitedBinary(QStringLiteral("the engine sent ") + result.message);
            } else {
                emit protocolError(QStringLiteral("the engine sent ") + result.message);
            }
            break;
        case FrameDecoder::Status::Corrupt:
            emit protocolError(QStringLiteral("the engine sent ") + result.message);
            killEngine({QStringLiteral("the engine's output is out of step (%1); killed").arg(result.message)});
            return;
        }
    }
}

void EngineClient::onReadyReadError()
{
    m_stderrLine.append(m_process->readAllStandardError());
    qsizetype from = 0;
    for (;;) {
        const qsizetype end = m_stderrLine.indexOf('\n', from);
        if (end < 0) {
            break;
        }
        QByteArray line = m_stderrLine.mid(from, end - from);
        if (line.endsWith('\r')) {
            line.chop(1);
        }
        from = end + 1;
        emit engineLog(QString::fromUtf8(line));
    }
    m_stderrLine.remove(0, from);
    if (m_stderrLine.size() > kMaxLogLine) {
        emit engineLog(QString::fromUtf8(std::exchange(m_stderrLine, {})));
    }
}

void EngineClient::onProcessError(QProcess::ProcessError error)
{
    switch (error) {
    case QProcess::FailedToStart:
        // No finished() follows: the engine ends here.
        endProcess(QStringLiteral("could not start the engine (%1): %2")
                       .arg(m_command.join(QLatin1Char(' ')), m_process->errorString()));
        return;
    case QProcess::WriteError:
        killEngine({QStringLiteral("writing to the engine failed (%1); killed").arg(m_process->errorString())});
        return;
    case QProcess::ReadError:
        killEngine({QStringLiteral("reading from the engine failed (%1); killed").arg(m_process->errorString())});
        return;
    case QProcess::Crashed:  // finished() follows with the signal
    case QProcess::Timedout: // only from waitFor...(), which the client does not call
    case QProcess::UnknownError: return;
    }
}

void EngineClient::onFinished(int exitCode, QProcess::ExitStatus status)
{
    // What the engine wrote last comes first: a lost device sends its error and reply
    // before it exits.
    QProcess* process = m_process;
    onReadyRead();
    if (process != m_process) {
        return;
    }
    onReadyReadError();
    if (!m_stderrLine.isEmpty()) {
        emit engineLog(QString::fromUtf8(std::exchange(m_stderrLine, {})));
    }
    if (process != m_process) {
        return;
    }
    QString reason;
    if (m_kill) {
        reason = m_kill->reason;
    } else {
        reason = describeEngineExit(exitCode, status == QProcess::CrashExit);
        if (m_decoder->midFrame()) {
            reason += QStringLiteral("; its output ended in the middle of a frame");
        }
    }
    endProcess(reason);
}

void EngineClient::killEngine(Kill kill)
{
    if (m_process == nullptr) {
        return;
    }
    if (!m_kill) {
        m_kill = std::move(kill);
    }
    m_process->kill();
}

void EngineClient::endProcess(const QString& reason)
{
    const State was = m_state;
    const Kill kill = m_kill.value_or(Kill{});
    const bool onPurpose = m_stopping || m_shutdownSent;
    const QString progress = progressText();
    const QString lastError = m_lastError;

    ++m_generation;
    m_process->disconnect(this);
    m_process->deleteLater();
    m_process = nullptr;
    m_startTimer->stop();
    m_stopTimer->stop();
    m_kill.reset();
    m_stopping = false;
    m_shutdownSent = false;
    m_greeting = {};
    m_engineInfo = {};

    if (onPurpose) {
        setState(State::Stopped);
        failOpenRequests(QStringLiteral("EngineDied"), QStringLiteral("the engine was stopped by the client"));
        return;
    }
    if (was != State::Ready && was != State::Running) {
        // The handshake's problem, when there was one, and how the engine then ended.
        const QString why = m_startProblem.isEmpty() || reason.contains(m_startProblem)
                                ? reason
                                : m_startProblem + QStringLiteral(" (") + reason + ')';
        setState(State::Stopped);
        emit startFailed(why);
        failOpenRequests(QStringLiteral("NotReady"), QStringLiteral("the engine could not be started: ") + why);
        return;
    }

    QString full = reason + progress;
    if (!lastError.isEmpty()) {
        full += QStringLiteral("; the last error it reported: ") + lastError;
    }
    m_sinceDeath.start();
    setState(State::Restarting);
    emit engineDied(full);
    failOpenRequests(QStringLiteral("EngineDied"), full, kill.watchdogRun);
    // A slot may have stopped the client meanwhile.
    if (m_state == State::Restarting && m_process == nullptr) {
        launch();
    }
}

QString EngineClient::progressText() const
{
    const auto it = m_runs.constFind(m_currentRun);
    if (it == m_runs.constEnd()) {
        return {};
    }
    QString text = QStringLiteral("; run %1 was in progress").arg(m_currentRun);
    if (!it->step.isEmpty()) {
        text += QStringLiteral(", at step %1 (%2, line %3)").arg(it->step, it->backend).arg(it->line);
    } else if (!it->started) {
        text += QStringLiteral(", not yet started");
    }
    return text;
}

void EngineClient::failOpenRequests(const QString& code, const QString& reason, qint64 watchdogRun)
{
    // Slots may make new requests while these fail; those are not part of this batch.
    QHash<qint64, Pending> pending = std::exchange(m_pending, {});
    QHash<qint64, RunState> runs = std::exchange(m_runs, {});
    m_queue.clear();
    if (std::optional<AwaitedBinary> awaited = std::exchange(m_awaitedBinary, std::nullopt)) {
        pending.insert(awaited->id, awaited->pending);
    }
    m_currentRun = 0;
    for (const RunState& run : std::as_const(runs)) {
        if (run.watchdog != nullptr) {
            run.watchdog->stop();
            run.watchdog->deleteLater();
        }
    }
    QList<qint64> ids = pending.keys();
    std::sort(ids.begin(), ids.end());
    for (const qint64 id : ids) {
        const Pending& request = pending[id];
        if (request.internal) {
            continue;
        }
        QJsonObject reply;
        if (id == watchdogRun) {
            const RunState& run = runs[id];
            reply = errorReply(id, QStringLiteral("Watchdog"),
                               QStringLiteral("stopped by the watchdog after %1 s: it did not stop within %2 s of "
                                              "being cancelled, so its engine was killed")
                                   .arg(seconds(run.limit), seconds(run.grace)));
        } else {
            reply = errorReply(id, code, reason);
        }
        const auto run = runs.constFind(id);
        if (run != runs.constEnd() && run->started) {
            emit runFinished(id, {});
        }
        emit replyReceived(id, reply, {});
    }
}

void EngineClient::handleFrame(std::uint8_t kind, const QByteArray& payload)
{
    if (kind == engine::kBinaryFrame) {
        if (!m_greeted) {
            m_startProblem = QStringLiteral("the engine's first frame is binary, not the greeting");
            killEngine({m_startProblem});
            return;
        }
        if (!m_awaitedBinary) {
            emit protocolError(
                QStringLiteral("the engine sent a binary frame of %1 bytes that no reply announced; dropped")
                    .arg(payload.size()));
            return;
        }
        AwaitedBinary awaited = std::move(*m_awaitedBinary);
        m_awaitedBinary.reset();
        if (awaited.bytes >= 0 && awaited.bytes != payload.size()) {
            const QString message =
                QStringLiteral("the fetch reply announced %1 bytes, but the binary frame after it holds %2")
                    .arg(awaited.bytes)
                    .arg(payload.size());
            emit protocolError(message);
            finishReply(awaited.id, awaited.pending, errorReply(awaited.id, QStringLiteral("BadFrame"), message), {});
            return;
        }
        finishReply(awaited.id, awaited.pending, awaited.reply, payload);
        return;
    }

    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(payload, &error);
    QString problem;
    if (error.error != QJsonParseError::NoError) {
        problem = QStringLiteral("a JSON frame that does not parse (%1 at byte %2): %3")
                      .arg(error.errorString())
                      .arg(error.offset)
                      .arg(excerpt(payload));
    } else if (!document.isObject()) {
        problem = QStringLiteral("a JSON frame that is not an object: %1").arg(excerpt(payload));
    }
    if (!m_greeted) {
        const QJsonObject greeting = document.object();
        if (problem.isEmpty() &&
            greeting.value(QStringLiteral("magic")).toString() == QLatin1String(engine::kGreetingMagic)) {
            handleGreeting(greeting);
        } else {
            m_startProblem =
                QStringLiteral("the engine's first frame is not the warpbench greeting: %1").arg(excerpt(payload));
            killEngine({m_startProblem});
        }
        return;
    }
    if (m_awaitedBinary) {
        failAwaitedBinary(
            QStringLiteral("the engine sent a JSON frame where the binary frame of a fetch reply was due"));
    }
    if (!problem.isEmpty()) {
        emit protocolError(QStringLiteral("the engine sent ") + problem);
        return;
    }
    handleJson(document.object());
}

void EngineClient::handleGreeting(const QJsonObject& greeting)
{
    m_greeted = true;
    m_greeting = greeting;
    const int protocol = greeting.value(QStringLiteral("protocol")).toInt(-1);
    if (protocol != engine::kProtocolVersion) {
        // Say hello anyway: the engine answers with ProtocolMismatch and exits, as agreed.
        m_startProblem = QStringLiteral("the engine (%1) speaks protocol %2, this client protocol %3")
                             .arg(greeting.value(QStringLiteral("engine")).toString())
                             .arg(protocol)
                             .arg(engine::kProtocolVersion);
    }
    m_helloId = m_nextId++;
    Pending hello;
    hello.type = QStringLiteral("hello");
    hello.internal = true;
    hello.sent = true;
    m_pending.insert(m_helloId, hello);
    send({{QStringLiteral("type"), QStringLiteral("hello")},
          {QStringLiteral("id"), m_helloId},
          {QStringLiteral("protocol"), engine::kProtocolVersion},
          {QStringLiteral("client"), m_clientName}});
}

void EngineClient::handleJson(const QJsonObject& message)
{
    const QString type = message.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("reply")) {
        handleReply(message);
    } else if (type == QLatin1String("event")) {
        handleEvent(message);
    } else {
        emit protocolError(QStringLiteral("the engine sent a message of unknown type \"%1\": %2")
                               .arg(type, excerpt(QJsonDocument(message).toJson(QJsonDocument::Compact))));
    }
}

void EngineClient::handleReply(const QJsonObject& reply)
{
    const QJsonValue idValue = reply.value(QStringLiteral("id"));
    const auto it = idValue.isDouble() ? m_pending.find(idValue.toInteger()) : m_pending.end();
    if (it == m_pending.end() || !it->sent) {
        emit strayReply(reply);
        return;
    }
    const qint64 id = it.key();
    const Pending pending = *it;
    m_pending.erase(it);
    const bool ok = reply.value(QStringLiteral("ok")).toBool();

    if (id == m_helloId) {
        m_helloId = 0;
        if (!ok) {
            const QJsonObject error = reply.value(QStringLiteral("error")).toObject();
            const QString message = QStringLiteral("the engine refused hello (%1: %2)")
                                        .arg(error.value(QStringLiteral("code")).toString(),
                                             error.value(QStringLiteral("message")).toString());
            m_startProblem = m_startProblem.isEmpty() ? message : m_startProblem + QStringLiteral("; ") + message;
            killEngine({m_startProblem});
            return;
        }
        if (!m_startProblem.isEmpty()) {
            killEngine({m_startProblem});
            return;
        }
        m_startTimer->stop();
        m_engineInfo = reply;
        const bool restarted = m_state == State::Restarting;
        setState(State::Ready);
        if (restarted && m_state == State::Ready) {
            emit engineRestarted(m_sinceDeath.elapsed());
        }
        sendQueued();
        return;
    }

    if (pending.type == QLatin1String("fetch") && ok) {
        m_awaitedBinary = AwaitedBinary{id, pending, reply, reply.value(QStringLiteral("bytes")).toInteger(-1)};
        return;
    }
    finishReply(id, pending, reply, {});
}

void EngineClient::finishReply(qint64 id, const Pending& pending, const QJsonObject& reply, const QByteArray& binary)
{
    const bool isRun = pending.type == QLatin1String("run");
    if (isRun) {
        const RunState run = m_runs.take(id);
        if (run.watchdog != nullptr) {
            run.watchdog->stop();
            run.watchdog->deleteLater();
        }
        if (m_currentRun == id) {
            m_currentRun = 0;
        }
        if (run.started) {
            emit runFinished(id, reply.value(QStringLiteral("record")).toObject());
        }
    }
    if (!pending.internal) {
        emit replyReceived(id, reply, binary);
    }
    if (isRun && m_state == State::Running && m_runs.isEmpty()) {
        setState(State::Ready);
    }
}

void EngineClient::failAwaitedBinary(const QString& message)
{
    emit protocolError(message);
    if (std::optional<AwaitedBinary> awaited = std::exchange(m_awaitedBinary, std::nullopt)) {
        finishReply(awaited->id, awaited->pending, errorReply(awaited->id, QStringLiteral("BadFrame"), message), {});
    }
}

void EngineClient::handleEvent(const QJsonObject& event)
{
    const QString name = event.value(QStringLiteral("event")).toString();
    const qint64 run = event.value(QStringLiteral("run")).toInteger(0);
    const auto runState = m_runs.find(run);
    const bool known = runState != m_runs.end();

    if (name == QLatin1String("run_started")) {
        if (!known || runState->started) {
            emit protocolError(QStringLiteral("the engine started run %1, which is not an open run request").arg(run));
            return;
        }
        runState->started = true;
        m_currentRun = run;
        QStringList backends;
        const QJsonArray list = event.value(QStringLiteral("backends")).toArray();
        for (const QJsonValue& backend : list) {
            backends.append(backend.toString());
        }
        emit runStarted(run, backends);
    } else if (name == QLatin1String("repetition")) {
        emit repetition(run, event.value(QStringLiteral("backend")).toString(),
                        event.value(QStringLiteral("index")).toInt(), event.value(QStringLiteral("warmup")).toBool());
    } else if (name == QLatin1String("tuning")) {
        emit tuningStarted(run, event.value(QStringLiteral("step")).toString(),
                           event.value(QStringLiteral("index")).toInt(), event.value(QStringLiteral("count")).toInt(),
                           event.value(QStringLiteral("configuration")).toString());
    } else if (name == QLatin1String("step_started")) {
        const QString backend = event.value(QStringLiteral("backend")).toString();
        const QString step = event.value(QStringLiteral("step")).toString();
        const int line = event.value(QStringLiteral("line")).toInt();
        if (known) {
            runState->backend = backend;
            runState->step = step;
            runState->line = line;
            m_currentRun = run;
        }
        emit stepStarted(run, backend, step, line);
    } else if (name == QLatin1String("step_finished")) {
        emit stepFinished(run, eventFields(event));
    } else if (name == QLatin1String("memory")) {
        emit memorySample(run, eventFields(event));
    } else if (name == QLatin1String("error")) {
        const QJsonValue step = event.value(QStringLiteral("step"));
        const QString code = event.value(QStringLiteral("code")).toString();
        m_lastError = event.value(QStringLiteral("message")).toString();
        if (!code.isEmpty()) {
            m_lastError = code + QStringLiteral(": ") + m_lastError;
        }
        if (step.isString() && !step.toString().isEmpty()) {
            m_lastError += QStringLiteral(" (run %1, step %2, line %3)")
                               .arg(run)
                               .arg(step.toString())
                               .arg(event.value(QStringLiteral("line")).toInt());
        }
        emit runError(run, eventFields(event));
    } else if (name == QLatin1String("run_finished")) {
        // Its reply follows at once and carries the record: runFinished() goes out with it.
    } else if (name == QLatin1String("telemetry")) {
        emit telemetrySample(eventFields(event));
    }
    // Other events are newer than this client; it ignores them.
}

void EngineClient::startWatchdog(qint64 run)
{
    auto it = m_runs.find(run);
    it->limit = m_runTimeLimit;
    it->grace = m_watchdogGrace;
    it->watchdog = new QTimer(this);
    it->watchdog->setSingleShot(true);
    // A coarse timer may fire 5% early, which would cut the grace after the cancel short.
    it->watchdog->setTimerType(Qt::PreciseTimer);
    connect(it->watchdog, &QTimer::timeout, this, [this, run] { onWatchdog(run); });
    it->watchdog->start(m_runTimeLimit);
}

void EngineClient::onWatchdog(qint64 run)
{
    auto it = m_runs.find(run);
    if (it == m_runs.end()) {
        return;
    }
    if (!it->cancelled) {
        it->cancelled = true;
        it->watchdog->start(it->grace);
        enqueue(QStringLiteral("cancel"), {{QStringLiteral("run"), run}}, true);
        emit watchdogTriggered(run, WatchdogAction::Cancelled);
        return;
    }
    const QString reason =
        QStringLiteral("the watchdog killed the engine (SIGKILL): run %1 passed its time limit of %2 s and "
                       "had not stopped %3 s after the cancel")
            .arg(run)
            .arg(seconds(it->limit), seconds(it->grace));
    emit watchdogTriggered(run, WatchdogAction::Killed);
    Kill kill{reason, run};
    killEngine(std::move(kill));
}

} // namespace wb::app
