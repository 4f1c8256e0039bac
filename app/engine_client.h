#pragma once
// The workbench's side of the engine protocol (docs/protocol.md): EngineClient starts the
// engine process with QProcess, shakes hands, sends requests and turns the engine's frames
// into Qt signals. The GUI reaches the engine only through this class (STYLE.md rules 11-13;
// the engine is never run inside the GUI process, DESIGN.md "Processes").
//
// Threading: an EngineClient lives in one thread with an event loop and is used from that
// thread only. Nothing blocks: every read is driven by QProcess::readyRead, every answer
// comes back as a signal. Instances share nothing, so several can drive several engines.
//
// Requests. check(), run(), cancel(), fetch(), telemetry() and shutdown() return the
// request's id at once and send the request when the engine is Ready (requests made while
// it starts or restarts wait for it). Every request gets exactly one replyReceived(), as the
// protocol promises for the engine: the engine's reply, or one the client makes when the
// request cannot be answered, in the protocol's reply shape with one of these codes:
//   NotReady    the client is Stopped (start() was not called, or the engine would not start)
//   EngineDied  the engine ended while the request was open (the message says how)
//   Watchdog    the run passed its time limit and its engine was killed
//   BadFrame    the engine's answer broke the protocol (a fetch without its binary frame)
//
// Recovery. When the engine ends without being asked to (a crash, a signal, a lost GPU, a
// closed pipe, a stream out of step), the client emits engineDied() with the reason, fails
// the open requests with it, starts a fresh engine and is Ready again. An engine that ends
// before it is Ready is not started again: startFailed(), and the client is Stopped.
//
// The watchdog. A run that passes runTimeLimit() gets a cancel; when it has not finished
// watchdogGrace() later, its engine is killed (SIGKILL) and restarted as above, and the
// run's reply fails with "stopped by the watchdog after N s".

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <chrono>
#include <memory>
#include <optional>

class QTimer;

namespace wb::app {

class FrameDecoder;

class EngineClient : public QObject {
    Q_OBJECT

public:
    enum class State {
        Stopped,    // no engine
        Starting,   // start() launched it; waiting for the greeting and the hello reply
        Ready,      // handshake done, no run in progress
        Running,    // a run request is open
        Restarting, // the engine died; a fresh one is starting
    };
    Q_ENUM(State)

    // What the watchdog did to a run.
    enum class WatchdogAction { Cancelled, Killed };
    Q_ENUM(WatchdogAction)

    explicit EngineClient(QObject* parent = nullptr);
    ~EngineClient() override;

    // The engine command when none is set: WB_ENGINE_COMMAND split into words as a shell
    // would (splitCommandLine(), so `ssh host 'warpbench-cli' engine --stdio` works), else
    // warpbench-cli next to the application binary with `engine --stdio`. Empty, with the
    // reason in *problem, when WB_ENGINE_COMMAND cannot be split; start() then fails with
    // that reason. Needs a QCoreApplication for the application's folder.
    static QStringList defaultCommand(QString* problem = nullptr);

    // Program and arguments; used by the next start or restart.
    void setCommand(const QStringList& command);
    QStringList command() const { return m_command; }
    // The engine's environment (default: this process's).
    void setProcessEnvironment(const QProcessEnvironment& environment);
    // A run's time limit before the watchdog cancels it (default 60 s), and how long after
    // the cancel it kills the engine (default 2 s). Apply to runs sent afterwards.
    void setRunTimeLimit(std::chrono::milliseconds limit) { m_runTimeLimit = limit; }
    std::chrono::milliseconds runTimeLimit() const { return m_runTimeLimit; }
    void setWatchdogGrace(std::chrono::milliseconds grace) { m_watchdogGrace = grace; }
    std::chrono::milliseconds watchdogGrace() const { return m_watchdogGrace; }
    // How long a starting engine may take to greet and answer hello (default 30 s, for ssh).
    void setStartTimeout(std::chrono::milliseconds timeout) { m_startTimeout = timeout; }
    // The `client` text of hello.
    void setClientName(const QString& name) { m_clientName = name; }

    State state() const { return m_state; }
    // Ready or Running: requests are sent at once.
    bool isReady() const { return m_state == State::Ready || m_state == State::Running; }
    // The greeting and the hello reply of the engine now running (empty before them):
    // protocol, engine version, capabilities, devices, ops.
    QJsonObject greeting() const { return m_greeting; }
    QJsonObject engineInfo() const { return m_engineInfo; }
    QStringList capabilities() const;
    // The engine's process id, 0 when there is none.
    qint64 processId() const;

    // Starts the engine when Stopped; otherwise does nothing.
    void start();
    // Asks the engine to shut down (killing it when it has not ended 2 s later, or at once
    // when it has not finished starting); the client is then Stopped and not restarted.
    // Open requests fail with EngineDied ("stopped by the client").
    void stop();

    // Requests (docs/protocol.md, "Requests and replies"). Each returns the request's id.
    // An empty `file` or `directory` is not sent: the engine's defaults apply.
    qint64 check(const QString& pipeline, const QString& file, const QString& directory);
    // `options`: {backends, repeat, warmup, seed, threads, fuse, graph}, each optional.
    qint64 run(const QString& pipeline, const QString& file, const QString& directory, const QJsonObject& options = {});
    qint64 cancel(qint64 run);
    qint64 fetch(qint64 run, const QString& step, const QString& backend, qint64 maxElements = 1048576);
    qint64 telemetry(double rateHz);
    // A CUDA kernel for NVRTC; `extra`: {arch, options, ptx, sass}, each optional. The reply has
    // success, diagnostics, log, compile_ms (and ptx, sass and sass_note); it needs no GPU.
    qint64 compile(const QString& source, const QString& file, const QString& directory, const QJsonObject& extra = {});
    qint64 shutdown();
    // Any request: `fields` without type and id, which are added.
    qint64 request(const QString& type, const QJsonObject& fields = {});

    // Writes bytes to the engine as they are, framed or not: for tests and protocol
    // debugging. Ignored unless the engine is Ready or Running.
    void sendRaw(const QByteArray& bytes);

signals:
    void stateChanged(wb::app::EngineClient::State state, wb::app::EngineClient::State previous);

    // The one final reply of request `id`. `reply` is the protocol's reply object (type,
    // id, ok, error or the request's fields); `binary` is the binary frame that followed a
    // fetch reply, empty otherwise.
    void replyReceived(qint64 id, const QJsonObject& reply, const QByteArray& binary);
    // A reply whose id names no open request: `"id": null` answers a frame the engine could
    // not read (see sendRaw()).
    void strayReply(const QJsonObject& reply);

    // Events of a run, in the protocol's order. Every runStarted() is followed by exactly
    // one runFinished(), just before the run's replyReceived(): `record` is the run record
    // of docs/run-record.md, empty when the engine died or sent none.
    void runStarted(qint64 run, const QStringList& backends);
    void repetition(qint64 run, const QString& backend, int index, bool warmup);
    // A @tune run about to try configuration `index` (0-based) of `count`.
    void tuningStarted(qint64 run, const QString& step, int index, int count, const QString& configuration);
    void stepStarted(qint64 run, const QString& backend, const QString& step, int line);
    // The event's fields but type and event: run, the run record's step fields, and
    // sent_us when the engine writes it.
    void stepFinished(qint64 run, const QJsonObject& figures);
    // t_ms, device_current, device_peak, host_current, host_peak.
    void memorySample(qint64 run, const QJsonObject& sample);
    // step (or null), line, column, message.
    void runError(qint64 run, const QJsonObject& error);
    void runFinished(qint64 run, const QJsonObject& record);
    // t_ms, gpus, gpu_reason, cpu_load_pct, process_cpu_pct.
    void telemetrySample(const QJsonObject& sample);

    // The engine ended without being asked to. `reason`: how (the exit status's meaning or
    // the signal), what was in progress (run id, step), and the last `error` event's message.
    void engineDied(const QString& reason);
    // A fresh engine is Ready, `milliseconds` after the death.
    void engineRestarted(qint64 milliseconds);
    // The engine could not be started (no such program, no greeting, another protocol, it
    // ended before Ready); the client is Stopped.
    void startFailed(const QString& reason);
    // The engine sent something the protocol does not allow (a malformed frame, a binary
    // frame nobody announced). The client carries on; when the stream's framing is lost it
    // also restarts the engine.
    void protocolError(const QString& message);
    void watchdogTriggered(qint64 run, wb::app::EngineClient::WatchdogAction action);
    // One line of the engine's standard error (its log; WB_ENGINE_TRACE=1 traces frames).
    void engineLog(const QString& line);

private:
    struct Pending {
        QString type;
        bool internal = false; // hello, the watchdog's cancel, stop()'s shutdown: no replyReceived
        bool sent = false;
        QJsonObject message; // the request until it is sent (made before Ready)
    };
    struct RunState {
        bool started = false;
        QString backend;
        QString step;
        int line = 0;
        QTimer* watchdog = nullptr; // a child of the client; deleted with the run
        std::chrono::milliseconds limit{0};
        std::chrono::milliseconds grace{0};
        bool cancelled = false; // the watchdog has sent its cancel
    };
    struct AwaitedBinary {
        qint64 id = 0;
        Pending pending;
        QJsonObject reply;
        qint64 bytes = -1; // announced by the reply; -1 when it did not say
    };
    // Why the client killed the engine, when it did.
    struct Kill {
        QString reason;
        qint64 watchdogRun = 0; // the run the watchdog stopped, 0 for none
    };

    void setState(State state);
    void launch();
    void onReadyRead();
    void onReadyReadError();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onProcessError(QProcess::ProcessError error);
    void handleFrame(std::uint8_t kind, const QByteArray& payload);
    void handleJson(const QJsonObject& message);
    void handleGreeting(const QJsonObject& message);
    void handleReply(const QJsonObject& reply);
    void handleEvent(const QJsonObject& event);
    void finishReply(qint64 id, const Pending& pending, const QJsonObject& reply, const QByteArray& binary);
    void failAwaitedBinary(const QString& message);
    void killEngine(Kill kill);
    void endProcess(const QString& reason);
    void failOpenRequests(const QString& code, const QString& reason, qint64 watchdogRun = 0);
    qint64 enqueue(const QString& type, QJsonObject fields, bool internal = false);
    void send(const QJsonObject& message);
    void sendQueued();
    void startWatchdog(qint64 run);
    void onWatchdog(qint64 run);
    void failLater(qint64 id, const QString& code, const QString& message);
    QString progressText() const;

    QString m_commandProblem; // why the default command is empty (before m_command: it is set first)
    QStringList m_command;
    std::optional<QProcessEnvironment> m_environment;
    std::chrono::milliseconds m_runTimeLimit{60000};
    std::chrono::milliseconds m_watchdogGrace{2000};
    std::chrono::milliseconds m_startTimeout{30000};
    QString m_clientName;

    State m_state = State::Stopped;
    QProcess* m_process = nullptr; // the engine now running; owned, deleted once it ended
    std::unique_ptr<FrameDecoder> m_decoder;
    QByteArray m_stderrLine;  // an unfinished line of standard error
    quint64 m_generation = 0; // counts engines, so that a loop over frames notices a new one
    QTimer* m_startTimer = nullptr;
    QTimer* m_stopTimer = nullptr;
    bool m_greeted = false;
    bool m_stopping = false;     // stop() was called
    bool m_shutdownSent = false; // a shutdown request went out: the engine's end is expected
    std::optional<Kill> m_kill;
    QString m_lastError;    // the last `error` event's message from this engine
    QString m_startProblem; // why the handshake failed, when it did
    QElapsedTimer m_sinceDeath;

    qint64 m_nextId = 1;
    qint64 m_helloId = 0;
    QHash<qint64, Pending> m_pending; // requests sent or waiting for Ready, by id
    QList<qint64> m_queue;            // ids of requests not yet sent, in order
    QHash<qint64, RunState> m_runs;   // run requests sent and not yet answered
    qint64 m_currentRun = 0;          // the run whose events came last
    std::optional<AwaitedBinary> m_awaitedBinary;
    QJsonObject m_greeting;
    QJsonObject m_engineInfo;
};

} // namespace wb::app
