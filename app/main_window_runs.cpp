// MainWindow's runs: a run from the Run action to its record, as the engine's events come;
// the runs of the session and the records opened, shown in the Steps dock and the plots,
// one beside another for comparison.

#include "main_window.h"

#include "image_panel.h"
#include "main_window_parts.h"
#include "memory_plot.h"
#include "speedup_plot.h"
#include "steps_model.h"
#include "timing_plot.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>

namespace wb::app {

using detail::gpuNames;
using detail::kTimeLimitKey;

namespace {

QString statusName(MainWindow::RunStatus status)
{
    switch (status) {
    case MainWindow::RunStatus::Running: return QObject::tr("running");
    case MainWindow::RunStatus::Succeeded: return QObject::tr("ok");
    case MainWindow::RunStatus::ChecksFailed: return QObject::tr("check failed");
    case MainWindow::RunStatus::Failed: return QObject::tr("failed");
    case MainWindow::RunStatus::Cancelled: return QObject::tr("stopped");
    }
    return {};
}

// A run's error event as the Problems dock says it: "launch of saxpy (saxpy.cu) at 6:5
// failed: an illegal memory access was encountered; ...". The executor's message is
// "<the launch, or the step's label>: <why>".
QString runFailureText(const QJsonObject& error)
{
    const QString message = error.value(QStringLiteral("message")).toString();
    const QString step = error.value(QStringLiteral("step")).toString();
    QString what;
    QString why = message;
    const qsizetype split = message.indexOf(QLatin1String(": "));
    if (message.startsWith(QLatin1String("launch of ")) && split > 0) {
        what = message.left(split);
        why = message.mid(split + 2);
    } else if (!step.isEmpty()) {
        what = QObject::tr("step %1 at %2:%3")
                   .arg(step)
                   .arg(error.value(QStringLiteral("line")).toInt(1))
                   .arg(error.value(QStringLiteral("column")).toInt(1));
        if (message.startsWith(step + QLatin1String(": "))) {
            why = message.mid(step.size() + 2);
        }
    }
    QString text =
        what.isEmpty() ? QObject::tr("run failed: %1").arg(why) : QObject::tr("%1 failed: %2").arg(what, why);
    if (error.value(QStringLiteral("code")).toString() == QLatin1String("DeviceLost")) {
        text += QObject::tr("; the GPU context is lost, so the engine restarts (editors and results are kept)");
    }
    return text;
}

// An element of a check's difference as the record gives it: a number, [re, im], or null.
QString elementText(const QJsonValue& value)
{
    if (value.isArray()) {
        const QJsonArray parts = value.toArray();
        return QStringLiteral("(%1%2%3j)")
            .arg(parts.at(0).toDouble(), 0, 'g', 6)
            .arg(parts.at(1).toDouble() < 0 ? QStringLiteral("-") : QStringLiteral("+"))
            .arg(std::abs(parts.at(1).toDouble()), 0, 'g', 6);
    }
    return value.isDouble() ? QString::number(value.toDouble(), 'g', 6) : QObject::tr("not finite");
}

// One Problems entry per failed check and backend, at the check's line, naming how many
// elements are out of tolerance and where the largest difference is; "difference",
// "backend" and "run" say which difference array a double click shows.
QJsonArray checkProblems(const QJsonObject& record, int run)
{
    QJsonArray problems;
    const QString first = record.value(QStringLiteral("parameters"))
                              .toObject()
                              .value(QStringLiteral("backends"))
                              .toArray()
                              .at(0)
                              .toString(QObject::tr("the first backend"));
    for (const QJsonValue& value : record.value(QStringLiteral("checks")).toArray()) {
        const QJsonObject check = value.toObject();
        if (check.value(QStringLiteral("passed")).toBool(true)) {
            continue;
        }
        const QString name = check.value(QStringLiteral("name")).toString();
        const QString reference = check.value(QStringLiteral("reference")).toString();
        for (const QJsonValue& each : check.value(QStringLiteral("differences")).toArray()) {
            const QJsonObject difference = each.toObject();
            const qint64 out = difference.value(QStringLiteral("out_of_tolerance")).toInteger();
            if (out == 0) {
                continue; // this backend passed; another one failed
            }
            const QString backend = difference.value(QStringLiteral("backend")).toString();
            QStringList index;
            for (const QJsonValue& i : difference.value(QStringLiteral("max_index")).toArray()) {
                index.append(QString::number(i.toInteger()));
            }
            const QString label = difference.value(QStringLiteral("label")).toString();
            QString message =
                (reference.isEmpty() ? QObject::tr("check %1 failed on %2 against %3").arg(name, backend, first)
                                     : QObject::tr("check %1 against %2 failed on %3").arg(name, reference, backend)) +
                QObject::tr(": %1 of %2 elements out of tolerance (rtol %3, atol %4)")
                    .arg(out)
                    .arg(difference.value(QStringLiteral("elements")).toInteger())
                    .arg(check.value(QStringLiteral("rtol")).toDouble())
                    .arg(check.value(QStringLiteral("atol")).toDouble());
            const QString error = elementText(difference.value(QStringLiteral("max_abs_error")));
            const QString x = elementText(difference.value(QStringLiteral("value")));
            const QString ref = elementText(difference.value(QStringLiteral("reference")));
            message += index.isEmpty() // a 0-D value
                           ? QObject::tr("; the difference is %1: %2 against %3").arg(error, x, ref)
                           : QObject::tr("; the largest difference, %1, is at (%2): %3 against %4")
                                 .arg(error, index.join(QStringLiteral(", ")), x, ref);
            if (!label.isEmpty()) {
                message += QObject::tr(" (double-click to see %1)").arg(label);
            }
            problems.append(QJsonObject{
                {QStringLiteral("line"), check.value(QStringLiteral("line")).toInt(1)},
                {QStringLiteral("column"), check.value(QStringLiteral("column")).toInt(1)},
                {QStringLiteral("length"), 1},
                {QStringLiteral("severity"), QStringLiteral("error")},
                {QStringLiteral("message"), message},
                {QStringLiteral("difference"), label},
                {QStringLiteral("backend"), backend},
                {QStringLiteral("run"), run},
            });
        }
    }
    return problems;
}

} // namespace

void MainWindow::setBackends(Backends choice)
{
    const int value = static_cast<int>(choice);
    for (QAction* action : m_backendsActions) {
        action->setChecked(action->data().toInt() == value);
    }
    if (m_backendsBox != nullptr) {
        m_backendsBox->setCurrentIndex(m_backendsBox->findData(value));
    }
}

MainWindow::Backends MainWindow::backends() const
{
    return m_backendsBox != nullptr ? static_cast<Backends>(m_backendsBox->currentData().toInt()) : Backends::Pipeline;
}

void MainWindow::setRepeat(int count) { m_repeatBox->setValue(count); }

int MainWindow::repeat() const { return m_repeatBox->value(); }

bool MainWindow::isLive(const EngineClient* client, qint64 run) const
{
    return m_liveRun >= 0 && m_runs[m_liveRun].engine == client && m_runs[m_liveRun].id == run;
}

MainWindow::RunEntry* MainWindow::liveEntry() { return m_liveRun >= 0 ? &m_runs[m_liveRun] : nullptr; }

qint64 MainWindow::runActive()
{
    Document* document = activeDocument();
    EngineClient* client = engine();
    if (isRunning()) {
        statusBar()->showMessage(tr("A run is in progress; stop it first (Shift+F5)"), 5000);
        return 0;
    }
    if (document == nullptr || document->kind() != Document::Kind::Pipeline) {
        statusBar()->showMessage(tr("Open a pipeline (.wbp) to run it"), 5000);
        return 0;
    }
    if (client == nullptr) {
        statusBar()->showMessage(tr("No engine to run on"), 5000);
        return 0;
    }
    if (client->state() == EngineClient::State::Stopped) {
        client->start(); // the run waits for it (EngineClient queues requests while starting)
    }
    QJsonObject options;
    switch (backends()) {
    case Backends::Pipeline: break;
    case Backends::Cpu: options.insert(QStringLiteral("backends"), QJsonArray{QStringLiteral("cpu")}); break;
    case Backends::Gpu: options.insert(QStringLiteral("backends"), QJsonArray{QStringLiteral("gpu")}); break;
    case Backends::Both:
        options.insert(QStringLiteral("backends"), QJsonArray{QStringLiteral("cpu"), QStringLiteral("gpu")});
        break;
    }
    if (repeat() > 0) {
        options.insert(QStringLiteral("repeat"), repeat());
    }
    const QString text = document->text();
    const qint64 id = client->run(text, document->fileName(), document->directory(), options);

    // Values of this engine's earlier runs are released when this one starts.
    for (RunEntry& entry : m_runs) {
        if (entry.engine == client) {
            entry.valuesAvailable = false;
        }
    }
    RunEntry entry;
    entry.id = id;
    entry.engine = client;
    entry.document = document;
    entry.pipelineFile = document->isUntitled() ? document->fileName() : document->path();
    entry.name = tr("%1 · run %2").arg(document->fileName()).arg(++m_runCount);
    entry.revision = document->revision();
    const CheckState& state = m_checks[document];
    if (state.answered && state.answeredRevision == document->revision()) {
        entry.names = state.names;
    }
    entry.origin = originOf(client->engineInfo().value(QStringLiteral("devices")).toObject(), {});
    entry.message = tr("Running…");
    m_runs.append(entry);
    m_liveRun = static_cast<int>(m_runs.size()) - 1;
    m_stopRequested = false;
    m_watchdogFired = false;

    m_progress = {};
    m_progress.textKey = QString::number(qHash(text));
    m_progress.stepsPerRepetition = m_knownSteps.value(m_progress.textKey);
    m_checks[document].runDiagnostics = {};
    m_checks[document].runRevision = entry.revision;
    applyDiagnostics(document);

    showRun(m_liveRun);
    updateStatus();
    updateTitles();
    return id;
}

void MainWindow::stopRun()
{
    RunEntry* entry = liveEntry();
    if (entry == nullptr || entry->engine == nullptr) {
        return;
    }
    m_stopRequested = true;
    entry->engine->cancel(entry->id);
    entry->message = tr("Stopping…");
    updateRunHeader();
    m_stopTimer->start(static_cast<int>(m_options.stopGrace.count()));
}

void MainWindow::onStopTimeout()
{
    RunEntry* entry = liveEntry();
    if (entry == nullptr || !m_stopRequested || entry->engine == nullptr) {
        return;
    }
    // The run ignores the cancel (a kernel or an op that never returns): end its engine,
    // which EngineClient kills when it does not shut down, and start a fresh one.
    EngineClient* client = entry->engine;
    statusBar()->showMessage(tr("The run did not stop within %1 s of the cancel; restarting its engine")
                                 .arg(m_options.stopGrace.count() / 1000.0),
                             10000);
    slotOf(client)->restartAfterStop = true;
    client->setProperty("wbTelemetryOn", false);
    client->stop();
}

void MainWindow::onRunStarted(EngineClient* client, qint64 run, const QStringList& list)
{
    if (!isLive(client, run)) {
        return;
    }
    m_runs[m_liveRun].backends = list;
    updateStatus();
}

void MainWindow::onRepetition(EngineClient* client, qint64 run, const QString& backend, int index, bool warmup)
{
    if (!isLive(client, run)) {
        return;
    }
    // A repetition's first steps: the last one's count tells how many a repetition has.
    if (m_progress.stepInRepetition > 0 && m_progress.backend == backend) {
        m_progress.stepsPerRepetition.insert(backend, m_progress.stepInRepetition);
    }
    m_progress.backend = backend;
    m_progress.repetition = index;
    m_progress.warmup = warmup;
    m_progress.stepInRepetition = 0;
    updateStatus();
}

void MainWindow::onStepStarted(EngineClient* client, qint64 run, const QString& backend, const QString& step, int line)
{
    if (!isLive(client, run)) {
        return;
    }
    if (backend != m_progress.backend) {
        m_progress.backend = backend;
        m_progress.stepInRepetition = 0;
    }
    ++m_progress.stepInRepetition;
    m_progress.step = step;
    m_progress.line = line;
    updateStatus();
}

void MainWindow::onTuningStarted(EngineClient* client, qint64 run, const QString& step, int index, int count,
                                 const QString& configuration)
{
    if (!isLive(client, run)) {
        return;
    }
    m_progress.tuning = tr("Tuning %1: %2 (%3 of %4)").arg(step, configuration).arg(index + 1).arg(count);
    updateStatus();
}

void MainWindow::onStepFinished(EngineClient* client, qint64 run, const QJsonObject& figures)
{
    if (!isLive(client, run)) {
        return;
    }
    m_runs[m_liveRun].steps.append(figures);
    if (m_shownRun == m_liveRun) {
        m_stepsModel->addStep(figures);
        m_timingPlot->addStep(figures);
        m_speedupPlot->addStep(figures);
    }
}

void MainWindow::onMemory(EngineClient* client, qint64 run, const QJsonObject& sample)
{
    if (!isLive(client, run)) {
        return;
    }
    m_runs[m_liveRun].memory.append(sample);
    if (m_shownRun == m_liveRun) {
        m_memoryPlot->addSample(sample);
    }
}

void MainWindow::onRunError(EngineClient* client, qint64 run, const QJsonObject& error)
{
    if (!isLive(client, run)) {
        return;
    }
    // A step that failed: the place it names goes to the editor and the Problems dock.
    if (Document* document = m_runs[m_liveRun].document) {
        QJsonObject diagnostic{
            {QStringLiteral("line"), error.value(QStringLiteral("line")).toInt(1)},
            {QStringLiteral("column"), error.value(QStringLiteral("column")).toInt(1)},
            {QStringLiteral("length"), 1},
            {QStringLiteral("severity"), QStringLiteral("error")},
            {QStringLiteral("message"), runFailureText(error)},
        };
        m_checks[document].runDiagnostics.append(diagnostic);
        applyDiagnostics(document);
    }
}

void MainWindow::onRunReply(const QJsonObject& reply)
{
    RunEntry* entry = liveEntry();
    if (entry == nullptr) {
        return;
    }
    const QJsonObject record = reply.value(QStringLiteral("record")).toObject();
    const QJsonObject error = reply.value(QStringLiteral("error")).toObject();
    if (record.isEmpty()) {
        // The run did not start, or its engine ended before it could send the record.
        const QString code = error.value(QStringLiteral("code")).toString();
        const QString message = error.value(QStringLiteral("message")).toString();
        const QJsonArray diagnostics = reply.value(QStringLiteral("diagnostics")).toArray();
        if (!diagnostics.isEmpty() && entry->document != nullptr) {
            m_checks[entry->document].runDiagnostics = diagnostics;
            applyDiagnostics(entry->document);
        }
        if (m_stopRequested && (code == QLatin1String("EngineDied") || code == QLatin1String("NotReady"))) {
            finishLiveRun(RunStatus::Cancelled,
                          tr("Stopped: the run ignored the cancel, so its engine was restarted."));
        } else if (code == QLatin1String("EngineDied")) {
            finishLiveRun(RunStatus::Failed, tr("Failed: the engine died — %1. It is being started again; your editors "
                                                "and earlier results are kept.")
                                                 .arg(message));
        } else {
            finishLiveRun(RunStatus::Failed, tr("Not run: %1").arg(message));
        }
        return;
    }
    entry->record = record;
    entry->valuesAvailable = true;
    QStringList ran;
    for (const QJsonValue& value :
         record.value(QStringLiteral("parameters")).toObject().value(QStringLiteral("backends")).toArray()) {
        ran.append(value.toString());
    }
    entry->backends = ran;
    entry->origin = originOf(record, ran);
    const bool cancelled = reply.value(QStringLiteral("cancelled")).toBool();
    const QJsonObject recordError = record.value(QStringLiteral("error")).toObject();
    QStringList notes;
    for (const QJsonValue& note : record.value(QStringLiteral("notes")).toArray()) {
        notes.append(note.toString());
    }
    const QString noteText =
        notes.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(notes.join(QStringLiteral("; ")));
    if (cancelled) {
        entry->valuesAvailable = false;
        finishLiveRun(RunStatus::Cancelled,
                      m_watchdogFired
                          ? tr("Stopped by the watchdog: the run passed its time limit of %1 s (setting %2).")
                                .arg(entry->engine != nullptr ? entry->engine->runTimeLimit().count() / 1000 : 0)
                                .arg(kTimeLimitKey)
                          : tr("Stopped after %n row(s).", nullptr, int(entry->steps.size())));
    } else if (!recordError.isEmpty() || !error.isEmpty()) {
        entry->valuesAvailable = false;
        const QJsonObject e = error.isEmpty() ? recordError : error;
        finishLiveRun(RunStatus::Failed, tr("Failed at line %1: %2")
                                             .arg(e.value(QStringLiteral("line")).toInt())
                                             .arg(e.value(QStringLiteral("message")).toString()));
    } else if (!reply.value(QStringLiteral("ok")).toBool()) {
        QStringList failed;
        for (const QJsonValue& value : record.value(QStringLiteral("checks")).toArray()) {
            const QJsonObject check = value.toObject();
            if (!check.value(QStringLiteral("passed")).toBool()) {
                failed.append(tr("%1 (line %2, error %3)")
                                  .arg(check.value(QStringLiteral("name")).toString())
                                  .arg(check.value(QStringLiteral("line")).toInt())
                                  .arg(check.value(QStringLiteral("max_rel_error")).toDouble(), 0, 'e', 1));
            }
        }
        if (entry->document != nullptr) {
            for (const QJsonValue& problem : checkProblems(record, m_liveRun)) {
                m_checks[entry->document].runDiagnostics.append(problem);
            }
            applyDiagnostics(entry->document);
        }
        finishLiveRun(RunStatus::ChecksFailed,
                      tr("Check failed: %1").arg(failed.join(QStringLiteral(", "))) + noteText);
    } else {
        QStringList totals;
        const QJsonArray totalMs = record.value(QStringLiteral("total_ms")).toArray();
        for (int i = 0; i < totalMs.size() && i < ran.size(); ++i) {
            totals.append(QStringLiteral("%1 %2 ms").arg(ran[i]).arg(totalMs[i].toDouble(), 0, 'f', 3));
        }
        finishLiveRun(RunStatus::Succeeded, tr("Done: %1").arg(totals.join(QStringLiteral(", "))) + noteText);
    }
}

void MainWindow::finishLiveRun(RunStatus status, const QString& message)
{
    RunEntry* entry = liveEntry();
    if (entry == nullptr) {
        return;
    }
    if (m_progress.stepInRepetition > 0 && !m_progress.backend.isEmpty()) {
        m_progress.stepsPerRepetition.insert(m_progress.backend, m_progress.stepInRepetition);
    }
    if (status == RunStatus::Succeeded || status == RunStatus::ChecksFailed) {
        m_knownSteps.insert(m_progress.textKey, m_progress.stepsPerRepetition);
    }
    entry->status = status;
    entry->message = message;
    const int index = m_liveRun;
    m_liveRun = -1;
    m_stopRequested = false;
    m_watchdogFired = false;
    m_stopTimer->stop();
    m_progress = {};
    if (m_shownRun == index) {
        // The record's plots carry the machine and device; a run without a record keeps
        // the rows that came.
        if (!m_runs[index].record.isEmpty()) {
            fillPlots(m_runs[index]);
        }
        updateRunHeader();
        if (status == RunStatus::Succeeded || status == RunStatus::ChecksFailed) {
            // show(): the first value shown, unless a row is already selected.
            const QJsonArray shown = m_runs[index].record.value(QStringLiteral("shown")).toArray();
            if (!m_stepsView->selectionModel()->hasSelection()) {
                if (!shown.isEmpty()) {
                    showValue(index, shown.first().toString(), m_runs[index].backends.value(0));
                } else if (m_stepsModel->rowCount() > 0) {
                    m_images->showMessage(tr("Select a step to see its output."));
                }
            }
        }
    }
    rebuildRunSelector(); // it names every run's status, the shown one's or not
    statusBar()->showMessage(QStringLiteral("%1: %2").arg(m_runs[index].name, message), 15000);
    updateStatus();
    updateTitles();
    emit runEnded(index);
}

QString MainWindow::originOf(const QJsonObject& head, const QStringList& list) const
{
    const QString machine = head.value(QStringLiteral("host")).toObject().value(QStringLiteral("cpu_model")).toString();
    const QHash<int, QString> gpus = gpuNames(head);
    QStringList devices;
    for (const QString& backend : list) {
        if (backend.startsWith(QLatin1String("cuda:"))) {
            const int index = backend.mid(5).toInt();
            devices.append(QStringLiteral("%1 %2").arg(backend, gpus.value(index, tr("GPU"))));
        } else {
            devices.append(backend);
        }
    }
    if (list.isEmpty()) {
        return machine;
    }
    return tr("ran on %1 · %2")
        .arg(machine.isEmpty() ? tr("an unknown machine") : machine, devices.join(QStringLiteral(", ")));
}

void MainWindow::fillPlots(const RunEntry& entry)
{
    QString error;
    std::optional<widgets::RunFigures> figures;
    if (!entry.record.isEmpty()) {
        figures = widgets::RunFigures::fromRecord(entry.record, &error);
    }
    if (figures) {
        figures->setLabel(entry.name);
        m_timingPlot->setRun(*figures);
        m_speedupPlot->setRun(*figures);
    } else {
        m_timingPlot->startRun(entry.name);
        m_speedupPlot->startRun(entry.name);
        for (const QJsonObject& step : entry.steps) {
            m_timingPlot->addStep(step);
            m_speedupPlot->addStep(step);
        }
    }
    m_memoryPlot->clear();
    for (const QJsonObject& sample : entry.memory) {
        m_memoryPlot->addSample(sample);
    }
    showTuning(entry);
}

void MainWindow::showRun(int index)
{
    if (index < 0 || index >= m_runs.size()) {
        return;
    }
    m_shownRun = index;
    const RunEntry& entry = m_runs[index];
    m_stepsModel->clear();
    m_stepsModel->setShapes(entry.names);
    for (const QJsonObject& step : entry.steps) {
        m_stepsModel->addStep(step);
    }
    fillPlots(entry);
    if (m_comparedRun == index) {
        compareWithRun(-1);
    }
    m_selectedRun = -1;
    m_fetch = {}; // a fetch still on its way is for the run shown before: its answer is dropped
    m_images->showMessage(entry.fromRecord ? tr("A run record holds figures, not values: run the pipeline here to see "
                                                "its outputs.")
                                           : tr("Select a step to see its output."));
    rebuildRunSelector();
    updateRunHeader();
}

void MainWindow::compareWithRun(int index)
{
    m_comparedRun = index >= 0 && index < m_runs.size() && index != m_shownRun ? index : -1;
    if (m_comparedRun < 0) {
        m_timingPlot->clearComparison();
        m_speedupPlot->clearComparison();
    } else {
        const RunEntry& other = m_runs[m_comparedRun];
        std::optional<widgets::RunFigures> figures;
        if (!other.record.isEmpty()) {
            figures = widgets::RunFigures::fromRecord(other.record);
        }
        if (!figures) {
            figures = widgets::RunFigures();
            for (const QJsonObject& step : other.steps) {
                figures->addStep(step);
            }
        }
        figures->setLabel(other.name);
        m_timingPlot->setComparison(*figures);
        m_speedupPlot->setComparison(*figures);
    }
    rebuildRunSelector();
}

void MainWindow::rebuildRunSelector()
{
    const QSignalBlocker blockRuns(m_runSelector);
    const QSignalBlocker blockCompare(m_compareSelector);
    m_runSelector->clear();
    m_compareSelector->clear();
    m_compareSelector->addItem(tr("nothing"), -1);
    for (int i = static_cast<int>(m_runs.size()) - 1; i >= 0; --i) {
        const RunEntry& entry = m_runs[i];
        const QString text = QStringLiteral("%1 — %2").arg(entry.name, statusName(entry.status));
        m_runSelector->addItem(text, i);
        if (i != m_shownRun) {
            m_compareSelector->addItem(text, i);
        }
    }
    m_runSelector->setCurrentIndex(m_runSelector->findData(m_shownRun));
    m_compareSelector->setCurrentIndex(std::max(0, m_compareSelector->findData(m_comparedRun)));
    m_compareSelector->setEnabled(m_compareSelector->count() > 1);
}

void MainWindow::updateRunHeader()
{
    if (m_shownRun < 0) {
        m_runHeader->setText(tr("No run yet: F5 runs the active pipeline."));
        return;
    }
    const RunEntry& entry = m_runs[m_shownRun];
    QString color;
    switch (entry.status) {
    case RunStatus::Failed: color = QStringLiteral("#c62828"); break;
    case RunStatus::ChecksFailed: color = QStringLiteral("#c62828"); break;
    case RunStatus::Cancelled: color = QStringLiteral("#8d6e00"); break;
    default: color = QString(); break;
    }
    QString text = entry.message.toHtmlEscaped();
    if (!color.isEmpty()) {
        text = QStringLiteral("<span style='color:%1'>%2</span>").arg(color, text);
    }
    if (!entry.origin.isEmpty()) {
        text += QStringLiteral(" · <i>%1</i>").arg(entry.origin.toHtmlEscaped());
    }
    if (entry.fromRecord) {
        text += QStringLiteral(" · %1").arg(entry.record.value(QStringLiteral("date")).toString().toHtmlEscaped());
    }
    m_runHeader->setText(text);
    m_runHeader->setToolTip(entry.pipelineFile);
}

bool MainWindow::openRunRecord(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error != nullptr) {
            *error = tr("cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument json = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!json.isObject()) {
        if (error != nullptr) {
            *error = tr("%1 is not a JSON object: %2").arg(QDir::toNativeSeparators(path), parseError.errorString());
        }
        return false;
    }
    const QJsonObject record = json.object();
    if (record.value(QStringLiteral("command")).toString() != QLatin1String("run")) {
        if (error != nullptr) {
            *error = tr("%1 is not the record of a run (its command is '%2'; `warpbench-cli run FILE --json RECORD` "
                        "writes one)")
                         .arg(QDir::toNativeSeparators(path), record.value(QStringLiteral("command")).toString());
        }
        return false;
    }
    QString why;
    if (!widgets::RunFigures::fromRecord(record, &why)) {
        if (error != nullptr) {
            *error = tr("%1: %2").arg(QDir::toNativeSeparators(path), why);
        }
        return false;
    }
    RunEntry entry;
    entry.fromRecord = true;
    entry.record = record;
    entry.name = QFileInfo(path).fileName();
    const QJsonObject parameters = record.value(QStringLiteral("parameters")).toObject();
    entry.pipelineFile = parameters.value(QStringLiteral("pipeline")).toString();
    for (const QJsonValue& value : parameters.value(QStringLiteral("backends")).toArray()) {
        entry.backends.append(value.toString());
    }
    entry.origin = originOf(record, entry.backends);
    entry.status =
        record.value(QStringLiteral("ok")).toBool()
            ? RunStatus::Succeeded
            : (record.value(QStringLiteral("cancelled")).toBool()
                   ? RunStatus::Cancelled
                   : (record.value(QStringLiteral("error")).isObject() ? RunStatus::Failed : RunStatus::ChecksFailed));
    entry.message = tr("Record of %1 (%2)")
                        .arg(entry.pipelineFile.isEmpty() ? tr("a run") : entry.pipelineFile, statusName(entry.status));
    for (const QJsonValue& value : record.value(QStringLiteral("steps")).toArray()) {
        entry.steps.append(value.toObject());
    }
    m_runs.append(entry);
    addRecentFile(QDir::cleanPath(QFileInfo(path).absoluteFilePath()));
    showRun(static_cast<int>(m_runs.size()) - 1);
    if (QDockWidget* d = dock(QStringLiteral("StepsDock"))) {
        d->show();
        d->raise();
    }
    return true;
}

Document* MainWindow::documentOfRun(const RunEntry& entry) const
{
    if (entry.document != nullptr) {
        return entry.document;
    }
    if (entry.pipelineFile.isEmpty()) {
        return nullptr;
    }
    // A record names the pipeline as it was given on its machine: match the file name.
    const QString name = QFileInfo(entry.pipelineFile).fileName();
    for (Document* document : documents()) {
        if (document->fileName() == name) {
            return document;
        }
    }
    return nullptr;
}

} // namespace wb::app
