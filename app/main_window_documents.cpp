// MainWindow's documents: the tabs that hold them, opening and saving (with their
// dialogs), the recent files and the workspace folder.

#include "main_window.h"

#include "pipeline_editor.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QLabel>
#include <QMenu>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTreeView>

#include <iterator>

namespace wb::app {

namespace {

constexpr int kMaxRecentFiles = 10;

const QString kRecentKey = QStringLiteral("recentFiles");

} // namespace

QString MainWindow::untitledName(Document::Kind kind)
{
    return QStringLiteral("untitled-%1.%2").arg(++m_untitledCount).arg(Document::defaultSuffix(kind));
}

Document* MainWindow::newDocument(Document::Kind kind)
{
    auto* document = new Document(kind, untitledName(kind), this);
    addDocument(document);
    return document;
}

void MainWindow::addDocument(Document* document)
{
    m_checks.insert(document, {});
    if (widgets::PipelineEditor* editor = document->pipelineEditor()) {
        editor->setOpCatalog(m_catalog);
    }
    // Pipelines are checked and kernels compiled as they are typed.
    connect(document->editor(), &widgets::CodeEditor::textEditedForCheck, this,
            [this, document] { requestCheck(document); });
    connect(document, &Document::titleChanged, this, &MainWindow::updateTitles);
    connect(document, &Document::modificationChanged, this, [this, document](bool modified) {
        if (!modified) {
            m_recovery->remove(document->id()); // saved, or its changes undone
            m_checks[document].autosaved = false;
        }
    });
    const int tab = m_tabs->addTab(document->editor(), document->title());
    m_tabs->setCurrentIndex(tab);
    document->editor()->setFocus();
    updateTitles();
}

Document* MainWindow::documentAt(int tab) const
{
    QWidget* editor = m_tabs->widget(tab);
    for (Document* document : documents()) {
        if (document->editor() == editor) {
            return document;
        }
    }
    return nullptr;
}

int MainWindow::tabOf(const Document* document) const
{
    return document != nullptr ? m_tabs->indexOf(document->editor()) : -1;
}

QList<Document*> MainWindow::documents() const
{
    // In tab order.
    QList<Document*> list;
    const QList<Document*> all = findChildren<Document*>(Qt::FindDirectChildrenOnly);
    for (int tab = 0; tab < m_tabs->count(); ++tab) {
        for (Document* document : all) {
            if (document->editor() == m_tabs->widget(tab)) {
                list.append(document);
            }
        }
    }
    return list;
}

Document* MainWindow::activeDocument() const { return documentAt(m_tabs->currentIndex()); }

void MainWindow::setActiveDocument(Document* document)
{
    const int tab = tabOf(document);
    if (tab >= 0) {
        m_tabs->setCurrentIndex(tab);
    }
}

Document* MainWindow::documentForPath(const QString& path) const
{
    if (path.isEmpty()) {
        return nullptr;
    }
    const QString clean = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
    for (Document* document : documents()) {
        if (document->path() == clean) {
            return document;
        }
    }
    return nullptr;
}

Document* MainWindow::openFile(const QString& path, QString* error)
{
    if (path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
        openRunRecord(path, error);
        return nullptr;
    }
    if (Document* open = documentForPath(path)) {
        setActiveDocument(open);
        return open;
    }
    const std::optional<Document::Kind> kind = Document::kindForPath(path);
    if (!kind) {
        if (error != nullptr) {
            *error = tr("%1: not a pipeline (.wbp), a kernel (.cu) or a run record (.json)")
                         .arg(QDir::toNativeSeparators(path));
        }
        return nullptr;
    }
    auto document = std::make_unique<Document>(*kind, QString(), this);
    if (!document->load(path, error)) {
        return nullptr;
    }
    Document* opened = document.release();
    addDocument(opened);
    addRecentFile(opened->path());
    return opened;
}

bool MainWindow::saveDocument(Document* document, QString* error)
{
    if (document == nullptr) {
        return false;
    }
    if (document->isUntitled()) {
        return saveAsDialog(document);
    }
    if (!document->save(error)) {
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(document->path())), 4000);
    return true;
}

bool MainWindow::saveDocumentAs(Document* document, const QString& path, QString* error)
{
    if (document == nullptr || !document->saveAs(path, error)) {
        return false;
    }
    addRecentFile(document->path());
    requestCheck(document); // relative paths (loads, includes) now resolve from another folder
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(document->path())), 4000);
    return true;
}

bool MainWindow::saveAsDialog(Document* document)
{
    const QString suffix = Document::defaultSuffix(document->kind());
    const QString filter =
        document->kind() == Document::Kind::Pipeline ? tr("Pipelines (*.wbp)") : tr("Kernels (*.cu *.cuh)");
    const QString start =
        document->isUntitled() ? QDir(m_fileModel->rootPath()).filePath(document->fileName()) : document->path();
    QFileDialog dialog(this, tr("Save %1 As").arg(document->fileName()), start, filter);
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setDefaultSuffix(suffix);
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty()) {
        return false;
    }
    QString error;
    if (!saveDocumentAs(document, dialog.selectedFiles().constFirst(), &error)) {
        QMessageBox::warning(this, tr("Save As"), error);
        return false;
    }
    return true;
}

bool MainWindow::askToSave(Document* document)
{
    if (!document->isModified()) {
        return true;
    }
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    if (m_unsavedPrompt) {
        answer = m_unsavedPrompt(*document);
    } else {
        setActiveDocument(document);
        answer = QMessageBox::question(
            this, tr("Unsaved changes"), tr("%1 has changes that are not saved. Save them?").arg(document->fileName()),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    }
    if (answer == QMessageBox::Save) {
        QString error;
        if (!saveDocument(document, &error)) {
            if (!error.isEmpty()) {
                QMessageBox::warning(this, tr("Save"), error);
            }
            return false;
        }
        return true;
    }
    return answer == QMessageBox::Discard;
}

bool MainWindow::closeDocument(Document* document)
{
    if (document == nullptr || !askToSave(document)) {
        return false;
    }
    m_recovery->remove(document->id());
    m_checks.remove(document);
    for (EngineSlot& slot : m_engines) {
        for (auto it = slot.checks.begin(); it != slot.checks.end();) {
            it = it.value() == document ? slot.checks.erase(it) : std::next(it);
        }
    }
    const int tab = tabOf(document);
    if (tab >= 0) {
        m_tabs->removeTab(tab);
    }
    delete document;
    rebuildProblems();
    updateTitles();
    return true;
}

bool MainWindow::confirmCloseAll()
{
    for (Document* document : documents()) {
        if (!askToSave(document)) {
            return false;
        }
    }
    return true;
}

void MainWindow::openDialog()
{
    const QString start = activeDocument() != nullptr && !activeDocument()->isUntitled() ? activeDocument()->directory()
                                                                                         : m_fileModel->rootPath();
    const QStringList paths = QFileDialog::getOpenFileNames(
        this, tr("Open"), start,
        tr("Warpbench files (*.wbp *.cu *.cuh *.json);;Pipelines (*.wbp);;Kernels (*.cu *.cuh);;Run records (*.json)"));
    for (const QString& path : paths) {
        QString error;
        if (openFile(path, &error) == nullptr && !error.isEmpty()) {
            QMessageBox::warning(this, tr("Open"), error);
        }
    }
}

QStringList MainWindow::recentFiles() const { return QSettings().value(kRecentKey).toStringList(); }

void MainWindow::addRecentFile(const QString& path)
{
    QStringList recent = recentFiles();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecentFiles) {
        recent.removeLast();
    }
    QSettings().setValue(kRecentKey, recent);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = recentFiles();
    for (int i = 0; i < recent.size(); ++i) {
        const QString& path = recent[i];
        QAction* action =
            m_recentMenu->addAction(QStringLiteral("&%1 %2").arg((i + 1) % 10).arg(QDir::toNativeSeparators(path)));
        action->setEnabled(QFileInfo::exists(path));
        connect(action, &QAction::triggered, this, [this, path] {
            QString error;
            if (openFile(path, &error) == nullptr && !error.isEmpty()) {
                QMessageBox::warning(this, tr("Open"), error);
            }
        });
    }
    if (recent.isEmpty()) {
        m_recentMenu->addAction(tr("No recent files"))->setEnabled(false);
    } else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear List"), this, [] { QSettings().remove(kRecentKey); });
    }
}

void MainWindow::setWorkspaceFolder(const QString& folder)
{
    const QModelIndex root = m_fileModel->setRootPath(folder);
    m_fileView->setRootIndex(root);
    m_workspaceLabel->setText(QDir::toNativeSeparators(folder));
    m_workspaceLabel->setToolTip(QDir::toNativeSeparators(folder));
}

void MainWindow::updateTitles()
{
    for (Document* document : documents()) {
        const int tab = tabOf(document);
        m_tabs->setTabText(tab, document->title());
        m_tabs->setTabToolTip(tab, document->isUntitled() ? tr("%1 (not saved yet)").arg(document->fileName())
                                                          : QDir::toNativeSeparators(document->path()));
    }
    Document* active = activeDocument();
    setWindowTitle(active != nullptr ? QStringLiteral("%1[*] — Warpbench").arg(active->fileName())
                                     : QStringLiteral("Warpbench"));
    setWindowModified(active != nullptr && active->isModified());
    const bool pipeline = active != nullptr && active->kind() == Document::Kind::Pipeline;
    m_save->setEnabled(active != nullptr);
    m_saveAs->setEnabled(active != nullptr);
    m_closeTab->setEnabled(active != nullptr);
    m_run->setEnabled(pipeline && !isRunning());
}

void MainWindow::onCurrentTabChanged()
{
    updateTitles();
    // The Kernel dock comes up for a kernel, Images again for a pipeline, where they share a place.
    Document* current = activeDocument();
    const bool kernel = current != nullptr && current->kind() == Document::Kind::Kernel;
    if (current != nullptr && kernel != m_kernelShown) {
        QDockWidget* wanted = dock(kernel ? QStringLiteral("KernelDock") : QStringLiteral("ImagesDock"));
        if (wanted != nullptr && wanted->toggleViewAction()->isChecked() && !tabifiedDockWidgets(wanted).isEmpty()) {
            wanted->raise();
        }
        m_kernelShown = kernel;
    }
    updateKernelPanel();
    if (Document* active = activeDocument(); active != nullptr && !active->isUntitled()) {
        // The folder view follows the files the user works on, until a folder is chosen.
        if (!active->path().startsWith(m_fileModel->rootPath() + QLatin1Char('/'))) {
            setWorkspaceFolder(active->directory());
        }
    }
}

void MainWindow::insertStep(const QString& call)
{
    Document* document = activeDocument();
    widgets::PipelineEditor* editor = document ? document->pipelineEditor() : nullptr;
    if (!editor) {
        statusBar()->showMessage(tr("Open a pipeline (.wbp) to insert %1 into it").arg(call), 6000);
        return;
    }
    // Replaces a selection as typing would, and leaves the cursor after the call.
    editor->replaceSelectedText(call);
    editor->setFocus();
}

} // namespace wb::app
