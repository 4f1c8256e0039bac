// MainWindow's engines: one EngineClient for each engine command line, the selector and
// the status bar that show them, their telemetry, and the routing of their replies.

#include "main_window.h"

#include "command_line.h"
#include "main_window_parts.h"
#include "op_palette.h"
#include "pipeline_editor.h"
#include "telemetry_plot.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QDockWidget>
#include <QInputDialog>
#include <QLabel>
#include <QSettings>
#include <QSignalBlocker>
#include <QStatusBar>

#include <algorithm>
#include <chrono>

namespace wb::app {

using detail::gpuNames;
using detail::kTimeLimitKey;

namespace {

constexpr double kTelemetryHz = 10;

} // namespace

void MainWindow::addEngineSlot(const QStringList& command, const QString& commandLine)
{
    auto* client = new EngineClient(this);
    if (!command.isEmpty()) {
        client->setCommand(command);
    }
    if (m_options.engineEnvironment) {
        client->setProcessEnvironment(*m_options.engineEnvironment);
    }
    client->setClientName(QStringLiteral("warpbench %1").arg(QCoreApplication::applicationVersion()));
    // A run longer than this is cancelled, and its engine killed 2 s later (EngineClient's
    // watchdog): a kernel in an endless loop. Long benchmarks raise it in the settings.
    client->setRunTimeLimit(std::chrono::seconds(std::max(1, QSettings().value(kTimeLimitKey, 60).toInt())));
    EngineSlot slot;
    slot.client = client;
    slot.commandLine = commandLine;
    m_engines.push_back(std::move(slot));
    connectEngine(client);
}

MainWindow::EngineSlot* MainWindow::slotOf(const EngineClient* client)
{
    for (EngineSlot& slot : m_engines) {
        if (slot.client == client) {
            return &slot;
        }
    }
    return nullptr;
}

EngineClient* MainWindow::engine() const
{
    return m_activeEngine >= 0 && m_activeEngine < engineCount() ? m_engines[m_activeEngine].client : nullptr;
}

void MainWindow::connectEngine(EngineClient* client)
{
    connect(client, &EngineClient::stateChanged, this,
            [this, client](EngineClient::State state) { onEngineState(client, state); });
    connect(client, &EngineClient::replyReceived, this,
            [this, client](qint64 id, const QJsonObject& reply, const QByteArray& binary) {
                onReply(client, id, reply, binary);
            });
    connect(client, &EngineClient::runStarted, this,
            [this, client](qint64 run, const QStringList& list) { onRunStarted(client, run, list); });
    connect(client, &EngineClient::repetition, this,
            [this, client](qint64 run, const QString& backend, int index, bool warmup) {
                onRepetition(client, run, backend, index, warmup);
            });
    connect(client, &EngineClient::stepStarted, this,
            [this, client](qint64 run, const QString& backend, const QString& step, int line) {
                onStepStarted(client, run, backend, step, line);
            });
    connect(client, &EngineClient::tuningStarted, this,
            [this, client](qint64 run, const QString& step, int index, int count, const QString& configuration) {
                onTuningStarted(client, run, step, index, count, configuration);
            });
    connect(client, &EngineClient::stepFinished, this,
            [this, client](qint64 run, const QJsonObject& figures) { onStepFinished(client, run, figures); });
    connect(client, &EngineClient::memorySample, this,
            [this, client](qint64 run, const QJsonObject& sample) { onMemory(client, run, sample); });
    connect(client, &EngineClient::runError, this,
            [this, client](qint64 run, const QJsonObject& error) { onRunError(client, run, error); });
    connect(client, &EngineClient::telemetrySample, this, [this, client](const QJsonObject& sample) {
        if (client == engine()) {
            m_telemetryPlot->addSample(sample);
        }
    });
    connect(client, &EngineClient::watchdogTriggered, this, [this, client](qint64 run) {
        if (isLive(client, run)) {
            m_watchdogFired = true;
        }
    });
    connect(client, &EngineClient::engineDied, this,
            [this, client](const QString& reason) { onEngineDied(client, reason); });
    connect(client, &EngineClient::engineRestarted, this, [this, client](qint64 milliseconds) {
        if (client == engine()) {
            statusBar()->showMessage(tr("The engine was started again (%1 ms after it ended)").arg(milliseconds),
                                     10000);
        }
    });
    connect(client, &EngineClient::startFailed, this, [this, client](const QString& reason) {
        if (client == engine()) {
            statusBar()->showMessage(tr("The engine could not be started: %1").arg(reason));
            m_engineState->setToolTip(reason);
        }
        updateStatus();
    });
}

void MainWindow::onEngineState(EngineClient* client, EngineClient::State state)
{
    EngineSlot* slot = slotOf(client);
    if (state == EngineClient::State::Ready) {
        onEngineReady(client);
    }
    if (state == EngineClient::State::Stopped && slot != nullptr && slot->restartAfterStop) {
        slot->restartAfterStop = false;
        client->start();
    }
    updateEngineSelector();
    updateStatus();
    updateKernelPanel();
}

void MainWindow::onEngineReady(EngineClient* client)
{
    if (client != engine()) {
        return;
    }
    // The first Ready, or one after a restart: a new engine, perhaps a new op list, and the
    // checks that were in flight when the old one ended were lost. Kernels compile again on
    // a new engine (perhaps for another GPU; the kernel cache makes it quick otherwise).
    const widgets::OpCatalog catalog =
        widgets::OpCatalog::fromJson(client->engineInfo().value(QStringLiteral("ops")).toArray());
    if (catalog.size() != m_catalog.size() || catalog.names() != m_catalog.names()) {
        m_catalog = catalog;
        m_opPalette->setCatalog(m_catalog);
        for (Document* document : documents()) {
            if (widgets::PipelineEditor* editor = document->pipelineEditor()) {
                editor->setOpCatalog(m_catalog);
            }
        }
    }
    const QHash<int, QString> names = gpuNames(client->engineInfo().value(QStringLiteral("devices")).toObject());
    for (auto it = names.cbegin(); it != names.cend(); ++it) {
        m_telemetryPlot->setGpuName(it.key(), it.value());
    }
    for (Document* document : documents()) {
        const CheckState& state = m_checks[document];
        const bool kernel = document->kind() == Document::Kind::Kernel;
        if (state.request == 0 && (!state.answered || state.answeredRevision != document->revision() ||
                                   (kernel && state.compiledBy != client->processId()))) {
            requestCheck(document);
        }
    }
    updateTelemetry();
}

void MainWindow::updateTelemetry()
{
    QDockWidget* telemetry = dock(QStringLiteral("TelemetryDock"));
    for (int i = 0; i < engineCount(); ++i) {
        EngineClient* client = m_engines[i].client;
        if (!client->isReady()) {
            continue;
        }
        const bool wanted = i == m_activeEngine && telemetry != nullptr && telemetry->isVisible() &&
                            client->capabilities().contains(QStringLiteral("telemetry"));
        const bool on = client->property("wbTelemetryOn").toBool();
        if (wanted != on) {
            client->telemetry(wanted ? kTelemetryHz : 0);
            client->setProperty("wbTelemetryOn", wanted);
        }
    }
}

void MainWindow::setActiveEngine(int index)
{
    if (index < 0 || index >= engineCount() || index == m_activeEngine) {
        updateEngineSelector();
        return;
    }
    m_activeEngine = index;
    m_telemetryPlot->clear();
    EngineClient* client = engine();
    // The engine's telemetry flag survives a restart of its process only as our note;
    // a fresh process starts with telemetry off.
    client->setProperty("wbTelemetryOn", false);
    if (client->state() == EngineClient::State::Stopped) {
        client->start();
    } else if (client->isReady()) {
        onEngineReady(client);
    }
    updateTelemetry();
    updateEngineSelector();
    updateStatus();
}

bool MainWindow::addEngine(const QString& commandLine, QString* error)
{
    std::optional<QStringList> words = splitCommandLine(commandLine, error);
    if (!words) {
        return false;
    }
    if (words->isEmpty()) {
        if (error != nullptr) {
            *error = tr("the command line is empty");
        }
        return false;
    }
    addEngineSlot(*words, commandLine.trimmed());
    updateEngineSelector();
    return true;
}

void MainWindow::addEngineDialog()
{
    bool ok = false;
    const QString line = QInputDialog::getText(
        this, tr("Add Engine"),
        tr("An engine command line; it must speak the engine protocol on its standard input and output.\n"
           "Examples: ssh gpu1 warpbench-cli engine --stdio · srun --gres=gpu:1 warpbench-cli engine --stdio"),
        QLineEdit::Normal, QStringLiteral("ssh HOST warpbench-cli engine --stdio"), &ok);
    if (!ok || line.trimmed().isEmpty()) {
        return;
    }
    QString error;
    if (!addEngine(line, &error)) {
        QMessageBox::warning(this, tr("Add Engine"), error);
        return;
    }
    setActiveEngine(engineCount() - 1);
}

void MainWindow::restartEngine()
{
    EngineClient* client = engine();
    if (client == nullptr) {
        return;
    }
    if (client->state() == EngineClient::State::Stopped) {
        client->start();
        return;
    }
    slotOf(client)->restartAfterStop = true;
    client->setProperty("wbTelemetryOn", false);
    client->stop();
}

QString MainWindow::engineLabel(int index) const
{
    if (index < 0 || index >= engineCount()) {
        return {};
    }
    const EngineSlot& slot = m_engines[index];
    QString name = slot.commandLine.isEmpty() ? tr("Local") : slot.commandLine;
    if (name.size() > 40) {
        name = name.left(38) + QChar(0x2026);
    }
    const QJsonObject devices = slot.client->engineInfo().value(QStringLiteral("devices")).toObject();
    if (devices.isEmpty()) {
        return tr("%1 — not started").arg(name);
    }
    const QHash<int, QString> gpus = gpuNames(devices);
    if (devices.value(QStringLiteral("cuda")).toObject().value(QStringLiteral("available")).toBool() &&
        !gpus.isEmpty()) {
        QStringList list;
        for (int i = 0; i < gpus.size(); ++i) {
            list.append(gpus.value(i));
        }
        return tr("%1 — %2").arg(name, list.join(QStringLiteral(", ")));
    }
    return tr("%1 — CPU only (%2)")
        .arg(name, devices.value(QStringLiteral("host")).toObject().value(QStringLiteral("cpu_model")).toString());
}

void MainWindow::updateEngineSelector()
{
    if (m_engineSelector == nullptr) {
        return;
    }
    const QSignalBlocker block(m_engineSelector);
    m_engineSelector->clear();
    for (int i = 0; i < engineCount(); ++i) {
        m_engineSelector->addItem(engineLabel(i));
        m_engineSelector->setItemData(i, m_engines[i].client->command().join(QLatin1Char(' ')), Qt::ToolTipRole);
    }
    m_engineSelector->setCurrentIndex(m_activeEngine);
}

QString MainWindow::engineStateText() const
{
    const EngineClient* client = engine();
    if (client == nullptr) {
        return tr("No engine");
    }
    switch (client->state()) {
    case EngineClient::State::Stopped: return tr("Engine stopped");
    case EngineClient::State::Starting: return tr("Engine starting…");
    case EngineClient::State::Restarting: return tr("Engine restarting…");
    case EngineClient::State::Ready: return tr("Engine ready");
    case EngineClient::State::Running: {
        if (!m_progress.tuning.isEmpty()) {
            return m_progress.tuning;
        }
        if (m_progress.stepInRepetition == 0) {
            return tr("Running…");
        }
        const int total = m_progress.stepsPerRepetition.value(m_progress.backend, 0);
        const QString step = total >= m_progress.stepInRepetition
                                 ? tr("Running step %1 of %2").arg(m_progress.stepInRepetition).arg(total)
                                 : tr("Running step %1").arg(m_progress.stepInRepetition);
        return tr("%1 (%2, line %3) · %4 · %5 %6")
            .arg(step, m_progress.step)
            .arg(m_progress.line)
            .arg(m_progress.backend, m_progress.warmup ? tr("warm-up") : tr("repetition"))
            .arg(m_progress.repetition + 1);
    }
    }
    return {};
}

QString MainWindow::deviceText() const
{
    const EngineClient* client = engine();
    const QJsonObject devices =
        client != nullptr ? client->engineInfo().value(QStringLiteral("devices")).toObject() : QJsonObject();
    if (devices.isEmpty()) {
        return tr("Device: unknown until the engine is ready");
    }
    const QJsonObject cuda = devices.value(QStringLiteral("cuda")).toObject();
    const QJsonObject host = devices.value(QStringLiteral("host")).toObject();
    const QHash<int, QString> gpus = gpuNames(devices);
    if (cuda.value(QStringLiteral("available")).toBool() && !gpus.isEmpty()) {
        return tr("GPU: %1 · CPU: %2").arg(gpus.value(0), host.value(QStringLiteral("cpu_model")).toString());
    }
    return tr("CPU: %1 (%2 cores) · no GPU: %3")
        .arg(host.value(QStringLiteral("cpu_model")).toString())
        .arg(host.value(QStringLiteral("logical_cores")).toInt())
        .arg(cuda.value(QStringLiteral("reason")).toString());
}

void MainWindow::updateStatus()
{
    if (m_engineState == nullptr) {
        return;
    }
    m_engineState->setText(engineStateText());
    m_deviceLabel->setText(deviceText());
    const bool pipeline = activeDocument() != nullptr && activeDocument()->kind() == Document::Kind::Pipeline;
    m_run->setEnabled(pipeline && !isRunning());
    m_stop->setEnabled(isRunning());
}

void MainWindow::onReply(EngineClient* client, qint64 id, const QJsonObject& reply, const QByteArray& binary)
{
    EngineSlot* slot = slotOf(client);
    if (slot == nullptr) {
        return;
    }
    if (const auto check = slot->checks.find(id); check != slot->checks.end()) {
        QPointer<Document> document = check.value();
        slot->checks.erase(check);
        if (document != nullptr && document->kind() == Document::Kind::Kernel) {
            onCompileReply(client, document, id, reply);
        } else if (document != nullptr) {
            onCheckReply(document, id, reply);
        }
        return;
    }
    if (const auto fetch = slot->fetches.find(id); fetch != slot->fetches.end()) {
        const auto [generation, which] = fetch.value();
        slot->fetches.erase(fetch);
        onFetchReply(generation, which, reply, binary);
        return;
    }
    if (isLive(client, id)) {
        onRunReply(reply);
    }
}

void MainWindow::onEngineDied(EngineClient* client, const QString& reason)
{
    for (RunEntry& entry : m_runs) {
        if (entry.engine == client) {
            entry.valuesAvailable = false;
        }
    }
    client->setProperty("wbTelemetryOn", false);
    if (m_liveRun >= 0 && m_runs[m_liveRun].engine == client) {
        if (m_stopRequested) {
            finishLiveRun(RunStatus::Cancelled,
                          tr("Stopped: the run did not end when cancelled, so its engine was ended (%1).").arg(reason));
        } else {
            finishLiveRun(RunStatus::Failed, tr("Failed: the engine died — %1. It is being started again; your "
                                                "editors and earlier results are kept.")
                                                 .arg(reason));
        }
    } else if (client == engine()) {
        statusBar()->showMessage(tr("The engine died: %1").arg(reason), 15000);
    }
    updateStatus();
}

} // namespace wb::app
