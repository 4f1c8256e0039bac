#include "screenshot_session.h"

#include "code_editor.h"
#include "event_wait.h"
#include "image_panel.h"
#include "image_view.h"
#include "kernel_panel.h"
#include "main_window.h"
#include "steps_model.h"

#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QPixmap>
#include <QTableView>
#include <QTreeWidget>

namespace wb::app {

namespace {

constexpr int kEngineStartMs = 30000;
constexpr int kRunMs = 120000;
constexpr int kStepMs = 20000;

} // namespace

ScreenshotSession::ScreenshotSession(MainWindow& window, const QString& outputFolder, const QString& sample,
                                     const QString& record)
    : m_window(window)
    , m_folder(outputFolder)
    , m_sample(sample)
    , m_record(record)
{
}

bool ScreenshotSession::grab(const QString& name, QWidget* widget, QString* error)
{
    // Let queued replots and layouts run before the picture is taken.
    waitFor([] { return false; }, 300);
    const QString path = QDir(m_folder).filePath(name);
    if (!widget->grab().save(path, "PNG")) {
        *error = QStringLiteral("cannot write %1").arg(path);
        return false;
    }
    m_written.append(path);
    return true;
}

bool ScreenshotSession::run(QString* error)
{
    if (!QDir().mkpath(m_folder)) {
        *error = QStringLiteral("cannot make %1").arg(m_folder);
        return false;
    }
    m_window.setUnsavedPrompt([](Document&) { return QMessageBox::Discard; });
    if (!waitFor([&] { return m_window.engine() != nullptr && m_window.engine()->isReady(); }, kEngineStartMs)) {
        *error = QStringLiteral("the engine was not ready within %1 s: %2")
                     .arg(kEngineStartMs / 1000)
                     .arg(m_window.engineStateText());
        return false;
    }

    // 1. The sample, run.
    QString why;
    Document* document = m_window.openFile(m_sample, &why);
    if (document == nullptr) {
        *error = why;
        return false;
    }
    const qsizetype before = m_window.runs().size();
    waitFor([&] { return false; }, 500); // its check comes back: shapes for the table
    if (m_window.runActive() == 0) {
        *error = QStringLiteral("the run did not start: %1").arg(m_window.engineStateText());
        return false;
    }
    if (!waitFor([&] { return m_window.runs().size() > before && !m_window.isRunning(); }, kRunMs)) {
        *error = QStringLiteral("the run did not end within %1 s").arg(kRunMs / 1000);
        return false;
    }
    const MainWindow::RunEntry& entry = m_window.runs().constLast();
    if (entry.status != MainWindow::RunStatus::Succeeded && entry.status != MainWindow::RunStatus::ChecksFailed) {
        *error = QStringLiteral("the run failed: %1").arg(entry.message);
        return false;
    }

    // The richest output row: `edges` in street_filters.wbp, else the last step.
    StepsModel* model = m_window.stepsModel();
    int row = model->rowCount() - 1;
    for (int i = 0; i < model->rowCount(); ++i) {
        if (model->rowAt(i).step == QLatin1String("edges")) {
            row = i;
        }
    }
    if (row < 0) {
        *error = QStringLiteral("the run has no steps");
        return false;
    }
    bool shown = false;
    const auto connection = connect(&m_window, &MainWindow::imagesShown, this, [&] { shown = true; });
    m_window.selectStep(row);
    if (!waitFor([&] { return shown; }, kStepMs)) {
        *error = QStringLiteral("the step's output was not shown");
        return false;
    }
    m_window.dock(QStringLiteral("TimingDock"))->raise();
    m_window.dock(QStringLiteral("StepsDock"))->raise();
    if (!grab(QStringLiteral("workbench-run.png"), &m_window, error)) {
        return false;
    }

    // 2. The input beside the output, with the divider.
    ImagePanel* images = m_window.imagePanel();
    int input = -1;
    for (int i = 1; i < images->compareCount(); ++i) {
        const CompareChoice choice = (images->setCurrentCompare(i), images->currentCompare());
        if (choice.backend.isEmpty() && (choice.step == QLatin1String("rgb") || input < 0)) {
            input = i;
            if (choice.step == QLatin1String("rgb")) {
                break;
            }
        }
    }
    shown = false;
    if (input > 0) {
        images->setCurrentCompare(input);
    }
    if (!waitFor([&] { return shown && images->showsImage(); }, kStepMs)) {
        *error = QStringLiteral("the comparison was not shown: %1").arg(images->message());
        return false;
    }
    QDockWidget* imagesDock = m_window.dock(QStringLiteral("ImagesDock"));
    const QByteArray layout = m_window.saveState();
    m_window.resizeDocks({imagesDock}, {900}, Qt::Horizontal);
    m_window.resizeDocks({imagesDock}, {620}, Qt::Vertical);
    waitFor([] { return false; }, 200);
    images->view()->fitToWindow();
    if (!grab(QStringLiteral("image-compare.png"), imagesDock, error)) {
        return false;
    }
    m_window.restoreState(layout);
    disconnect(connection);
    if (entry.status == MainWindow::RunStatus::ChecksFailed && !checkDifference(error)) {
        return false;
    }

    // 3. An editor with a diagnostic: the sample, with an op misspelt (not saved).
    m_window.setActiveDocument(document);
    QString text = document->text();
    text.replace(QStringLiteral("blur  = gaussian("), QStringLiteral("blur  = gausian("));
    bool checked = false;
    connect(&m_window, &MainWindow::checked, this, [&](Document* d) { checked = d == document; });
    document->replaceText(text);
    Document* broken = document;
    if (!waitFor([&] { return checked && !broken->editor()->diagnostics().isEmpty(); }, kStepMs)) {
        *error = QStringLiteral("the check of the misspelt pipeline did not come back with a diagnostic");
        return false;
    }
    const widgets::EditorDiagnostic& first = broken->editor()->diagnostics().constFirst();
    broken->editor()->goTo(first.line, first.column);
    m_window.dock(QStringLiteral("ProblemsDock"))->raise();
    if (!grab(QStringLiteral("editor-diagnostic.png"), &m_window, error)) {
        return false;
    }

    // 4. A run record from elsewhere, when one is given, beside the sample it ran (when it
    // is one of the samples), as a user who opens both sees it.
    if (!m_record.isEmpty()) {
        if (!m_window.openRunRecord(m_record, &why)) {
            *error = why;
            return false;
        }
        const MainWindow::RunEntry& recorded = m_window.runs().constLast();
        const QString sample = QFileInfo(m_sample).dir().filePath(QFileInfo(recorded.pipelineFile).fileName());
        if (!recorded.pipelineFile.isEmpty() && QFileInfo::exists(sample) &&
            m_window.openFile(sample, &why) == nullptr) {
            *error = why;
            return false;
        }
        m_window.showRun(static_cast<int>(m_window.runs().size()) - 1);
        m_window.dock(QStringLiteral("SpeedupDock"))->raise();
        if (!grab(QStringLiteral("record-run.png"), &m_window, error)) {
            return false;
        }
        // A record of a tuning run: the Tuning dock, with "Use best" offered.
        if (recorded.record.value(QStringLiteral("tuning")).isObject()) {
            m_window.dock(QStringLiteral("TuningDock"))->raise();
            if (!grab(QStringLiteral("tuning.png"), &m_window, error)) {
                return false;
            }
        }
    }
    return kernelEditor(error);
}

bool ScreenshotSession::checkDifference(QString* error)
{
    // 2b. A failed check's problem activated, as a double click does: its difference shown.
    QTreeWidget* problems = m_window.problemsView();
    QTreeWidgetItem* failed = nullptr;
    for (int i = 0; i < problems->topLevelItemCount() && failed == nullptr; ++i) {
        if (!problems->topLevelItem(i)->data(0, Qt::UserRole + 4).toString().isEmpty()) {
            failed = problems->topLevelItem(i);
        }
    }
    if (failed == nullptr) {
        *error = QStringLiteral("a check failed but the Problems dock offers no difference to show");
        return false;
    }
    bool shown = false;
    const auto connection = connect(&m_window, &MainWindow::imagesShown, this, [&] { shown = true; });
    emit problems->itemActivated(failed, 0);
    const bool came = waitFor([&] { return shown && m_window.imagePanel()->showsImage(); }, kStepMs);
    disconnect(connection);
    if (!came) {
        *error = QStringLiteral("the check's difference was not shown: %1").arg(m_window.imagePanel()->message());
        return false;
    }
    m_window.dock(QStringLiteral("ProblemsDock"))->raise();
    return grab(QStringLiteral("check-difference.png"), &m_window, error);
}

bool ScreenshotSession::kernelEditor(QString* error)
{
    // 5. The SAXPY sample compiled, then a copy with a typo (not saved): the squiggle, the
    // problem, and the Kernel dock keeping the last good report, marked out of date.
    const QString path = QDir::cleanPath(QFileInfo(m_sample).dir().filePath(QStringLiteral("../kernels/saxpy.cu")));
    QString why;
    Document* kernel = m_window.openFile(path, &why);
    if (kernel == nullptr) {
        *error = why;
        return false;
    }
    KernelPanel* panel = m_window.kernelPanel();
    bool compiled = false;
    const auto connection =
        connect(&m_window, &MainWindow::compiled, this, [&](Document* d) { compiled = d == kernel; });
    const bool good = waitFor([&] { return compiled && panel->showsReport(); }, kStepMs);
    compiled = false;
    QString text = kernel->text();
    text.replace(QStringLiteral("blockIdx.x * blockDim.x"), QStringLiteral("blockIndex.x * blockDim.x"));
    kernel->replaceText(text);
    const bool broken =
        good && waitFor([&] { return compiled && !kernel->editor()->diagnostics().isEmpty(); }, kStepMs);
    disconnect(connection);
    if (!broken) {
        *error = QStringLiteral("the SAXPY sample and its copy with a typo did not compile as expected: %1")
                     .arg(panel->statusText());
        return false;
    }
    const widgets::EditorDiagnostic& first = kernel->editor()->diagnostics().constFirst();
    kernel->editor()->goTo(first.line, first.column);
    m_window.dock(QStringLiteral("ProblemsDock"))->raise();
    QDockWidget* kernelDock = m_window.dock(QStringLiteral("KernelDock"));
    kernelDock->raise();
    // Room for the PTX: the plots below it closed, as one who works on a kernel might.
    const QByteArray layout = m_window.saveState();
    for (const QString& name : {QStringLiteral("TimingDock"), QStringLiteral("SpeedupDock"),
                                QStringLiteral("MemoryDock"), QStringLiteral("TelemetryDock")}) {
        m_window.dock(name)->close();
    }
    m_window.resizeDocks({kernelDock}, {620}, Qt::Horizontal);
    m_window.resizeDocks({m_window.dock(QStringLiteral("ProblemsDock"))}, {200}, Qt::Vertical);
    const bool written = grab(QStringLiteral("kernel-editor.png"), &m_window, error);
    m_window.restoreState(layout);
    return written;
}

} // namespace wb::app
