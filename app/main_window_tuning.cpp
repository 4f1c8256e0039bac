// MainWindow's tuning runs (docs/pipeline-language.md, "Tuning"): the shown run's tuning
// record in the Tuning dock, and "Use best", which writes the best configuration into the
// pipeline's launch() with the same edits the command line and the engine compute
// (wb::pipeline::configurationEdits), as one undo step.

#include "main_window.h"

#include "code_editor.h"
#include "tuning_plot.h"

#include <wb/error.h>
#include <wb/pipeline_tune.h>

#include <QDockWidget>
#include <QPushButton>
#include <QStatusBar>

namespace wb::app {

void MainWindow::showTuning(const RunEntry& entry)
{
    const QJsonValue record = entry.record.value(QStringLiteral("tuning"));
    const std::optional<widgets::TuningFigures> tuning =
        record.isObject() ? widgets::TuningFigures::fromJson(record.toObject()) : std::nullopt;
    if (!tuning) {
        m_tuningPlot->clearTuning();
        m_useBestButton->setText(tr("Use best"));
        m_useBestButton->setEnabled(false);
        return;
    }
    m_tuningPlot->setTuning(*tuning);
    if (tuning->best) {
        m_useBestButton->setText(tr("Use best: %1").arg(tuning->configurations[*tuning->best].label));
        m_useBestButton->setToolTip(tr("Writes %1 into the launch() of %2")
                                        .arg(tuning->configurations[*tuning->best].label, entry.pipelineFile));
    } else {
        m_useBestButton->setText(tr("Use best"));
        m_useBestButton->setToolTip(tuning->note.isEmpty() ? tr("No configuration passed") : tuning->note);
    }
    m_useBestButton->setEnabled(tuning->best.has_value());
    if (tuning->note.isEmpty()) {
        if (QDockWidget* tuningDock = dock(QStringLiteral("TuningDock"))) {
            tuningDock->raise();
        }
    }
}

bool MainWindow::useBestTuning(QString* error)
{
    const auto refuse = [&](const QString& why) {
        if (error != nullptr) {
            *error = why;
        }
        return false;
    };
    if (m_shownRun < 0 || m_shownRun >= m_runs.size()) {
        return refuse(tr("No run is shown."));
    }
    const RunEntry& entry = m_runs[m_shownRun];
    const widgets::TuningFigures& tuning = m_tuningPlot->tuning();
    if (!tuning.best) {
        return refuse(tr("The run shown has no tuned configuration that passed."));
    }
    Document* document = entry.document ? entry.document.data() : documentForPath(entry.pipelineFile);
    if (document == nullptr) {
        return refuse(tr("Open %1 to write the tuned configuration into it.").arg(entry.pipelineFile));
    }
    pipeline::TuningResult result;
    for (const QString& parameter : tuning.parameters) {
        result.parameters.push_back(parameter.toStdString());
    }
    for (const widgets::TuningFigures::Configuration& configuration : tuning.configurations) {
        pipeline::TuningConfiguration values;
        values.values.assign(configuration.values.begin(), configuration.values.end());
        result.configurations.push_back(values);
    }
    widgets::CodeEditor* editor = document->editor();
    const QByteArray text = editor->text().toUtf8();
    std::vector<pipeline::TextEdit> edits;
    try {
        edits = pipeline::configurationEdits(std::string_view(text.constData(), static_cast<std::size_t>(text.size())),
                                             result, static_cast<std::size_t>(*tuning.best));
    } catch (const Error& failure) {
        return refuse(tr("Cannot use %1: %2")
                          .arg(tuning.configurations[*tuning.best].label, QString::fromStdString(failure.message())));
    }
    // Scintilla positions count bytes, as the edits' columns do; the edits come last first.
    editor->beginUndoAction();
    for (const pipeline::TextEdit& edit : edits) {
        const long start = editor->SendScintilla(QsciScintillaBase::SCI_POSITIONFROMLINE,
                                                 static_cast<unsigned long>(edit.location.line - 1)) +
                           edit.location.column - 1;
        editor->SendScintilla(QsciScintillaBase::SCI_SETTARGETRANGE, start, start + edit.length);
        const QByteArray replacement = QByteArray::fromStdString(edit.text);
        editor->SendScintilla(QsciScintillaBase::SCI_REPLACETARGET, static_cast<unsigned long>(replacement.size()),
                              replacement.constData());
    }
    editor->endUndoAction();
    setActiveDocument(document);
    statusBar()->showMessage(
        tr("%1 written into %2's launch()").arg(tuning.configurations[*tuning.best].label, document->fileName()),
        10000);
    return true;
}

} // namespace wb::app
