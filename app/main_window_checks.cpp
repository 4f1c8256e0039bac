// MainWindow's checks: the engine checks a pipeline as it is typed, and its diagnostics,
// with those of the text's last run, go to the editor and the Problems dock; so do a
// kernel's compile diagnostics (main_window_kernels.cpp), the Problems dock naming the
// header each comes from.

#include "main_window.h"

#include "code_editor.h"
#include "steps_model.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QStatusBar>
#include <QStyle>
#include <QTreeWidget>

#include <algorithm>

namespace wb::app {

void MainWindow::requestCheck(Document* document)
{
    if (document != nullptr && document->kind() == Document::Kind::Kernel) {
        requestCompile(document);
        return;
    }
    EngineClient* client = engine();
    if (client == nullptr || document == nullptr || document->pipelineEditor() == nullptr ||
        client->state() == EngineClient::State::Stopped) {
        return;
    }
    EngineSlot* slot = slotOf(client);
    CheckState& state = m_checks[document];
    const qint64 id = client->check(document->text(), document->fileName(), document->directory());
    slot->checks.insert(id, document);
    state.request = id;
    state.revision = document->revision();
}

void MainWindow::onCheckReply(Document* document, qint64 id, const QJsonObject& reply)
{
    auto found = m_checks.find(document);
    if (found == m_checks.end() || found->request != id) {
        return; // a later check is on its way
    }
    CheckState& state = *found;
    state.request = 0;
    if (!reply.value(QStringLiteral("ok")).toBool()) {
        // The engine could not answer (it died, or stopped); the next Ready checks again.
        return;
    }
    state.diagnostics = reply.value(QStringLiteral("diagnostics")).toArray();
    state.names = reply.value(QStringLiteral("names")).toArray();
    state.answeredRevision = state.revision;
    state.answered = true;
    if (state.answeredRevision != state.runRevision) {
        state.runDiagnostics = {}; // the text changed since the run; its error may be gone
    }
    applyDiagnostics(document);
    // A run started before its text's check came back gets the shapes now.
    for (int i = 0; i < m_runs.size(); ++i) {
        RunEntry& entry = m_runs[i];
        if (entry.document == document && entry.names.isEmpty() && entry.revision == state.answeredRevision) {
            entry.names = state.names;
            if (i == m_shownRun) {
                m_stepsModel->setShapes(entry.names);
            }
        }
    }
    emit checked(document);
}

void MainWindow::applyDiagnostics(Document* document)
{
    const CheckState& state = m_checks[document];
    QJsonArray all;
    for (const QJsonValue& value : state.diagnostics) {
        // A compile's diagnostics in a header beside the kernel are in Problems only.
        const QString file = value.toObject().value(QStringLiteral("file")).toString();
        if (file.isEmpty() || file == state.compileFile) {
            all.append(value);
        }
    }
    for (const QJsonValue& value : state.runDiagnostics) {
        all.append(value);
    }
    document->editor()->setDiagnostics(widgets::diagnosticsFromJson(all));
    rebuildProblems();
}

void MainWindow::rebuildProblems()
{
    m_problems->clear();
    int errors = 0;
    int warnings = 0;
    for (Document* document : documents()) {
        const CheckState& state = m_checks[document];
        const auto add = [&](const QJsonArray& diagnostics, const QString& source) {
            for (const QJsonValue& value : diagnostics) {
                const QJsonObject diagnostic = value.toObject();
                const int line = std::max(1, diagnostic.value(QStringLiteral("line")).toInt(1));
                const int column = std::max(1, diagnostic.value(QStringLiteral("column")).toInt(1));
                const QString severity = diagnostic.value(QStringLiteral("severity")).toString();
                const bool warning = severity == QLatin1String("warning");
                // A compile names the file of each diagnostic: the kernel or a header it includes.
                const QString file = diagnostic.value(QStringLiteral("file")).toString();
                const bool own = file.isEmpty() || file == state.compileFile;
                const QString name = own ? document->fileName() : QFileInfo(file).fileName();
                QString text = diagnostic.value(QStringLiteral("text")).toString();
                if (text.isEmpty()) {
                    text = QStringLiteral("%1:%2:%3: %4: %5")
                               .arg(own ? name : file)
                               .arg(line)
                               .arg(column)
                               .arg(severity, diagnostic.value(QStringLiteral("message")).toString());
                }
                auto* item = new QTreeWidgetItem(m_problems);
                item->setText(0, QStringLiteral("%1:%2:%3").arg(name).arg(line).arg(column));
                item->setText(1, diagnostic.value(QStringLiteral("message")).toString());
                item->setText(2, source);
                item->setIcon(
                    0, style()->standardIcon(warning ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxCritical));
                item->setToolTip(0, own ? name : QDir::toNativeSeparators(file));
                item->setToolTip(1, text);
                item->setData(0, Qt::UserRole, line);
                item->setData(0, Qt::UserRole + 1, column);
                item->setData(0, Qt::UserRole + 2, document->id());
                // A failed check's: the difference array a double click shows.
                const QString difference = diagnostic.value(QStringLiteral("difference")).toString();
                if (!difference.isEmpty()) {
                    item->setData(0, Qt::UserRole + 4, difference);
                    item->setData(0, Qt::UserRole + 5, diagnostic.value(QStringLiteral("backend")).toString());
                    item->setData(0, Qt::UserRole + 6, diagnostic.value(QStringLiteral("run")).toInt(-1));
                }
                if (!own) {
                    // A header: relative to the kernel's folder when the engine named it so.
                    const QString path = QFileInfo(file).isAbsolute() || document->isUntitled()
                                             ? file
                                             : QDir(document->directory()).filePath(file);
                    item->setData(0, Qt::UserRole + 3, path);
                }
                (warning ? warnings : errors) += 1;
            }
        };
        add(state.diagnostics, document->kind() == Document::Kind::Kernel ? tr("compile") : tr("check"));
        add(state.runDiagnostics, tr("run"));
    }
    if (QDockWidget* d = dock(QStringLiteral("ProblemsDock"))) {
        d->setWindowTitle(errors + warnings == 0 ? tr("Problems") : tr("Problems (%1)").arg(errors + warnings));
    }
}

void MainWindow::onProblemActivated(QTreeWidgetItem* item)
{
    if (item == nullptr) {
        return;
    }
    const QString id = item->data(0, Qt::UserRole + 2).toString();
    const QString header = item->data(0, Qt::UserRole + 3).toString();
    if (!header.isEmpty()) {
        // A header's diagnostic: the header itself, opened beside the kernel.
        QString error;
        if (Document* opened = openFile(header, &error)) {
            opened->editor()->goTo(item->data(0, Qt::UserRole).toInt(), item->data(0, Qt::UserRole + 1).toInt());
        } else {
            statusBar()->showMessage(error.isEmpty() ? tr("%1 cannot be opened").arg(header) : error, 8000);
        }
        return;
    }
    for (Document* document : documents()) {
        if (document->id() == id) {
            setActiveDocument(document);
            document->editor()->goTo(item->data(0, Qt::UserRole).toInt(), item->data(0, Qt::UserRole + 1).toInt());
            const QString difference = item->data(0, Qt::UserRole + 4).toString();
            const int run = item->data(0, Qt::UserRole + 6).toInt();
            if (!difference.isEmpty() && run >= 0 && run < m_runs.size()) {
                showValue(run, difference, item->data(0, Qt::UserRole + 5).toString());
                if (QDockWidget* images = dock(QStringLiteral("ImagesDock"))) {
                    images->raise();
                }
            }
            return;
        }
    }
}

} // namespace wb::app
