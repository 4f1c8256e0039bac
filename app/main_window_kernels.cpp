// MainWindow's kernels: the engine compiles each kernel document as it is typed (NVRTC, the
// protocol's `compile`, debounced like the pipelines' checks); the diagnostics go to the
// editor and the Problems dock (main_window_checks.cpp) and the report of the active kernel
// to the Kernel dock (KernelPanel). One compile per document is in flight at a time: edits
// made meanwhile are compiled when it is answered, so a slow compile never queues up a
// compile per keystroke. The SASS comes after: disassembling takes the toolkit's nvdisasm
// about half a second on the GPU machine, far beyond what a diagnostic may wait, so a text
// that compiled is sent again with `sass` (a cache hit for its machine code) and the SASS tab
// fills when that answer comes, if the text is still the one compiled.

#include "main_window.h"

#include "kernel_panel.h"

#include <QJsonArray>
#include <QStringList>

#include <algorithm>
#include <cctype>

namespace wb::app {

namespace {

// NVRTC marks a place, not a range: underline the identifier or number that starts there
// (columns count bytes of the line's UTF-8, as the editor's do), else one character.
QJsonArray withLengths(QJsonArray diagnostics, const QString& file, const QString& text)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (QJsonValueRef value : diagnostics) {
        QJsonObject diagnostic = value.toObject();
        const int line = diagnostic.value(QStringLiteral("line")).toInt();
        const int column = diagnostic.value(QStringLiteral("column")).toInt();
        if (diagnostic.value(QStringLiteral("file")).toString() != file || line < 1 || line > lines.size() ||
            column < 1) {
            continue;
        }
        const QByteArray bytes = lines[line - 1].toUtf8();
        qsizetype end = column - 1;
        while (end < bytes.size() && (std::isalnum(static_cast<unsigned char>(bytes[end])) != 0 || bytes[end] == '_')) {
            ++end;
        }
        diagnostic.insert(QStringLiteral("length"), std::max<qsizetype>(1, end - (column - 1)));
        value = diagnostic;
    }
    return diagnostics;
}

} // namespace

bool MainWindow::compilesAlone(const Document* document)
{
    // A header is compiled as part of the kernels that include it; alone it may not compile.
    return document != nullptr && document->kind() == Document::Kind::Kernel &&
           !document->fileName().endsWith(QLatin1String(".cuh"), Qt::CaseInsensitive);
}

void MainWindow::requestCompile(Document* document)
{
    EngineClient* client = engine();
    if (client == nullptr || !compilesAlone(document) || client->state() == EngineClient::State::Stopped) {
        updateKernelPanel();
        return;
    }
    EngineSlot* slot = slotOf(client);
    if (client->isReady() && !client->capabilities().contains(QStringLiteral("compile"))) {
        slot->compileUnavailable = tr("it does not offer \"compile\" (an older engine?)");
        slot->unavailableProcess = client->processId();
    }
    if (!slot->compileUnavailable.isEmpty() && slot->unavailableProcess == client->processId()) {
        updateKernelPanel(); // said once, in the Kernel dock, rather than a problem per keystroke
        return;
    }
    CheckState& state = m_checks[document];
    if (state.request != 0) {
        state.recompile = true;
        return;
    }
    // The user's path, so that diagnostics and the log name the file as they know it, and its
    // folder for the headers beside it.
    state.compileFile = document->isUntitled() ? document->fileName() : document->path();
    const qint64 id =
        client->compile(document->text(), state.compileFile, document->directory(), {{QStringLiteral("ptx"), true}});
    slot->checks.insert(id, document);
    state.request = id;
    state.revision = document->revision();
    state.recompile = false;
    updateKernelPanel();
}

void MainWindow::onCompileReply(EngineClient* client, Document* document, qint64 id, const QJsonObject& reply)
{
    auto found = m_checks.find(document);
    if (found != m_checks.end() && found->sassRequest == id && id != 0) {
        onSassReply(*found, reply);
        return;
    }
    if (found == m_checks.end() || found->request != id) {
        return;
    }
    CheckState& state = *found;
    state.request = 0;
    if (!reply.value(QStringLiteral("ok")).toBool()) {
        // Unavailable: this engine's build has no CUDA (NVRTC). An engine that is being shut
        // down answers its queued compiles with Unavailable too; that says nothing of the next.
        const QJsonObject error = reply.value(QStringLiteral("error")).toObject();
        EngineSlot* slot = slotOf(client);
        if (error.value(QStringLiteral("code")).toString() == QLatin1String("Unavailable") && slot != nullptr &&
            !slot->restartAfterStop && !m_closedCleanly) {
            slot->compileUnavailable = error.value(QStringLiteral("message")).toString();
            slot->unavailableProcess = client->processId();
        }
        // Otherwise the engine could not answer (it died, or stopped); the next Ready compiles.
        updateKernelPanel();
        return;
    }
    state.diagnostics = reply.value(QStringLiteral("diagnostics")).toArray();
    if (state.revision == document->revision()) {
        state.diagnostics = withLengths(state.diagnostics, state.compileFile, document->text());
    }
    state.compiles = reply.value(QStringLiteral("success")).toBool();
    if (state.compiles) {
        state.report = reply;
    }
    state.log = state.compiles ? QString() : reply.value(QStringLiteral("log")).toString().trimmed();
    state.answeredRevision = state.revision;
    state.answered = true;
    state.compiledBy = client->processId();
    applyDiagnostics(document);
    updateKernelPanel();
    emit compiled(document);
    if (state.recompile || client != engine()) {
        requestCompile(document); // typed meanwhile, or another engine was chosen
    } else if (state.compiles && state.revision == document->revision()) {
        state.sassRevision = state.revision;
        state.sassRequest = client->compile(document->text(), state.compileFile, document->directory(),
                                            {{QStringLiteral("sass"), true}});
        slotOf(client)->checks.insert(state.sassRequest, document);
        state.report.insert(QStringLiteral("sass_note"), tr("Disassembling the machine code…"));
        updateKernelPanel();
    }
}

void MainWindow::onSassReply(CheckState& state, const QJsonObject& reply)
{
    state.sassRequest = 0;
    // A later compile's report has no SASS yet; this one belongs to the text it was asked for.
    if (!reply.value(QStringLiteral("ok")).toBool() || !reply.value(QStringLiteral("success")).toBool() ||
        !state.compiles || state.answeredRevision != state.sassRevision) {
        return;
    }
    state.report.insert(QStringLiteral("sass"), reply.value(QStringLiteral("sass")));
    state.report.insert(QStringLiteral("sass_note"), reply.value(QStringLiteral("sass_note")));
    updateKernelPanel();
}

void MainWindow::updateKernelPanel()
{
    if (m_kernelPanel == nullptr) {
        return;
    }
    Document* document = activeDocument();
    if (document == nullptr || document->kind() != Document::Kind::Kernel) {
        m_kernelPanel->showMessage(tr("Open or make a kernel (.cu) to see what it compiles to: registers, shared "
                                      "memory, spills and PTX."));
        return;
    }
    const QString name = document->fileName();
    if (!compilesAlone(document)) {
        m_kernelPanel->showMessage(tr("%1 is a header: it is compiled as part of the kernels that include it, and "
                                      "its problems are theirs.")
                                       .arg(name));
        return;
    }
    EngineClient* client = engine();
    if (const EngineSlot* slot = slotOf(client);
        slot != nullptr && !slot->compileUnavailable.isEmpty() && slot->unavailableProcess == client->processId()) {
        m_kernelPanel->showMessage(tr("This engine cannot compile kernels: %1").arg(slot->compileUnavailable));
        return;
    }
    const CheckState& state = m_checks[document];
    if (!state.answered) {
        m_kernelPanel->showMessage(client == nullptr || client->state() == EngineClient::State::Stopped
                                       ? tr("%1 is compiled when an engine runs.").arg(name)
                                       : tr("Compiling %1…").arg(name));
        return;
    }
    if (state.compiles) {
        m_kernelPanel->showReport(name, state.report);
        return;
    }
    int errors = 0;
    for (const QJsonValue& value : state.diagnostics) {
        errors += value.toObject().value(QStringLiteral("severity")).toString() != QLatin1String("warning") ? 1 : 0;
    }
    const QString failure = errors == 0   ? tr("%1 does not compile: %2").arg(name, state.log)
                            : errors == 1 ? tr("%1 does not compile: 1 error, in Problems.").arg(name)
                                          : tr("%1 does not compile: %2 errors, in Problems.").arg(name).arg(errors);
    if (state.report.isEmpty()) {
        m_kernelPanel->showMessage(failure);
        return;
    }
    m_kernelPanel->showReport(name, state.report,
                              failure + tr(" The report below is its last successful compile's, out of date."));
}

} // namespace wb::app
