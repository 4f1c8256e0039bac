// The workbench's main window (issue 5) on the offscreen platform, with the real engine on
// the CPU backend (warpbench-cli engine --stdio --test-ops, WB_DISABLE_CUDA=1): a sample
// pipeline run fills the steps table and the plots with a row per step; a row selected
// selects its line and shows its output; a broken pipeline's diagnostic lands at its line
// in the Problems dock and the editor, and a run's error stays there until the text
// changes; a run that ends while another is shown has its status in the run lists; a value
// fetched for the run shown before is not shown; an engine killed mid-run fails that run
// with the reason and the next run succeeds; Stop ends a run that ignores the cancel; autosaved
// copies appear and are offered after a crash (a window destroyed without a clean close,
// and a process killed with SIGKILL); settings bring the open files back; a run record
// written elsewhere shows as a local run would; a kernel compiles as it is typed (NVRTC
// needs no GPU), its diagnostics and its header's in place, its resources and PTX in the
// Kernel dock, again from the kernel cache after a restart. Also the pieces alone: the
// steps model under QAbstractItemModelTester, documents and their atomic saves.

#include "document.h"
#include "engine_client.h"
#include "event_wait.h"
#include "image_panel.h"
#include "image_view.h"
#include "kernel_panel.h"
#include "main_window.h"
#include "memory_plot.h"
#include "op_palette.h"
#include "pipeline_editor.h"
#include "recovery.h"
#include "speedup_plot.h"
#include "steps_model.h"
#include "timing_plot.h"
#include "tuning_plot.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QJsonDocument>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include <algorithm>
#include <csignal>
#include <functional>
#include <memory>
#include <utility>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

using wb::app::Document;
using wb::app::MainWindow;
using wb::app::MainWindowOptions;
using wb::app::RecoveryEntry;
using wb::app::RecoveryStore;
using wb::app::StepsModel;
using namespace std::chrono_literals;

namespace {

constexpr int kStartMs = 15000;
constexpr int kRunMs = 30000;

const QString kQuickPipeline = QStringLiteral("@backends cpu\nx = rand(4, 4, f32, seed=1)\ns = sum(x)\n");
// Thousands of repetitions of a small product: long enough to kill or stop in the middle.
const QString kLongPipeline =
    QStringLiteral("@backends cpu\n@repeat 5000\n@warmup 0\nA = rand(160, 160, f64, seed=1)\nB = A @ A\n");
// Passes the check and fails as it runs: the CPU has no device to fault.
const QString kFailingPipeline = QStringLiteral("@backends cpu\nx = rand(4, 4, f32)\ny = test_gpu_fault()\n");
// Never returns and ignores cancellation.
const QString kHangPipeline = QStringLiteral("@backends cpu\nx = test_hang()\n");

QString pipelinesDir() { return QStringLiteral(WARPBENCH_PIPELINES_DIR); }
QString samplePath(const QString& name) { return pipelinesDir() + QLatin1Char('/') + name; }

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

using wb::app::waitFor;

QProcessEnvironment engineEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("WB_DISABLE_CUDA"), QStringLiteral("1"));
    environment.remove(QStringLiteral("WB_ENGINE_TRACE"));
    return environment;
}

QJsonObject stepJson(const QString& step, int line, const QString& backend, double medianMs, bool transfer = false)
{
    return QJsonObject{
        {QStringLiteral("step"), step},
        {QStringLiteral("line"), line},
        {QStringLiteral("backend"), backend},
        {QStringLiteral("transfer"), transfer},
        {QStringLiteral("n"), 3},
        {QStringLiteral("median_ms"), medianMs},
        {QStringLiteral("min_ms"), medianMs},
        {QStringLiteral("max_ms"), medianMs},
        {QStringLiteral("flops"), transfer ? 0.0 : 2e9},
        {QStringLiteral("bytes"), 4e6},
        {QStringLiteral("fused"), QJsonArray()},
        {QStringLiteral("max_rel_error"), QJsonValue()},
        {QStringLiteral("tolerance"), QJsonValue()},
        {QStringLiteral("verified"), false},
        {QStringLiteral("speedup"), QJsonValue()},
    };
}

QJsonObject gpuStep(const QString& step, int line, double medianMs, double error, QJsonValue tolerance, double cpuMs)
{
    QJsonObject object = stepJson(step, line, QStringLiteral("cuda:0"), medianMs);
    object.insert(QStringLiteral("max_rel_error"), error);
    object.insert(QStringLiteral("tolerance"), tolerance);
    const bool verified = tolerance.isDouble() && error <= tolerance.toDouble();
    object.insert(QStringLiteral("verified"), verified);
    object.insert(QStringLiteral("speedup"), verified ? QJsonValue(cpuMs / medianMs) : QJsonValue());
    return object;
}

QString cell(const StepsModel& model, int row, int column) { return model.data(model.index(row, column)).toString(); }

int rowOfStep(const StepsModel& model, const QString& step)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.rowAt(row).step == step) {
            return row;
        }
    }
    return -1;
}

QStringList sessionFolders(const QString& recovery)
{
    return QDir(recovery).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;

    QString path(const QString& name) const { return m_dir->filePath(name); }
    QString recoveryFolder() const { return path(QStringLiteral("recovery")); }

    MainWindowOptions options(bool restore = false) const
    {
        MainWindowOptions o;
        o.engines = {{QStringLiteral(WARPBENCH_CLI_PATH), QStringLiteral("engine"), QStringLiteral("--stdio"),
                      QStringLiteral("--test-ops")}};
        o.engineEnvironment = engineEnvironment();
        o.recoveryFolder = recoveryFolder();
        o.restoreSession = restore;
        o.autosaveInterval = 100ms;
        o.stopGrace = 500ms;
        return o;
    }

    std::unique_ptr<MainWindow> makeWindow(bool restore = false) const
    {
        auto window = std::make_unique<MainWindow>(options(restore));
        window->setUnsavedPrompt([](Document&) { return QMessageBox::Discard; });
        return window;
    }

    static bool ready(MainWindow& window)
    {
        return waitFor([&] { return window.engine() != nullptr && window.engine()->isReady(); }, kStartMs);
    }

    // Runs the active document and waits for the run's end; the run's index, or -1.
    static int runToEnd(MainWindow& window, int timeoutMs = kRunMs)
    {
        QSignalSpy ended(&window, &MainWindow::runEnded);
        if (window.runActive() == 0) {
            qWarning("the run did not start: %s", qPrintable(window.engineStateText()));
            return -1;
        }
        if (!waitFor([&] { return !ended.isEmpty(); }, timeoutMs)) {
            qWarning("the run did not end in %d ms", timeoutMs);
            return -1;
        }
        return ended.first().first().toInt();
    }

    static Document* documentWith(MainWindow& window, const QString& text)
    {
        Document* document = window.newDocument(Document::Kind::Pipeline);
        document->replaceText(text);
        return document;
    }

private slots:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(QStringLiteral("WarpbenchTest"));
        QCoreApplication::setApplicationName(QStringLiteral("warpbench-test"));
        QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    }

    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        // Settings and the recovery folder of each test live in its own folder.
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, path(QStringLiteral("settings")));
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, path(QStringLiteral("settings")));
        QSettings().clear();
    }

    void cleanup() { m_dir.reset(); }

    // First, while the process has no threads of its own: it forks.
    void copiesOfAKilledWorkbenchAreOffered()
    {
        const QString folder = recoveryFolder();
        const pid_t child = fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            // A workbench that autosaved one document and was then killed: its lock file
            // stays, naming a process that no longer runs.
            RecoveryStore store(folder);
            RecoveryEntry entry;
            entry.id = QStringLiteral("doc-1");
            entry.name = QStringLiteral("lost.wbp");
            entry.kind = QStringLiteral("pipeline");
            if (!store.open() || !store.write(entry, QStringLiteral("x = rand(2, 2, f32)\n"))) {
                _exit(3);
            }
            ::kill(::getpid(), SIGKILL);
            _exit(4);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the child did not die by SIGKILL");
        const QStringList sessions = sessionFolders(folder);
        QCOMPARE(sessions.size(), 1);
        QVERIFY(QFileInfo::exists(folder + QLatin1Char('/') + sessions.first() + QStringLiteral("/session.lock")));

        auto window = makeWindow();
        const QList<RecoveryEntry> offer = window->recoveryOffer();
        QCOMPARE(offer.size(), 1);
        QCOMPARE(offer.first().name, QStringLiteral("lost.wbp"));
        QCOMPARE(RecoveryStore::readText(offer.first()).value_or(QString()), QStringLiteral("x = rand(2, 2, f32)\n"));
        const QList<Document*> restored = window->restoreRecovery(offer);
        QCOMPARE(restored.size(), 1);
        QCOMPARE(restored.first()->text(), QStringLiteral("x = rand(2, 2, f32)\n"));
        QVERIFY(restored.first()->isModified());
        QVERIFY(restored.first()->isUntitled());
        // The killed session's folder is gone; only this window's own is left.
        QCOMPARE(sessionFolders(folder).size(), 1);
        QVERIFY(window->close());
        QVERIFY(sessionFolders(folder).isEmpty());
    }

    void stepsModelMergesBackendsAndPassesTheModelTester()
    {
        StepsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setShapes(QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("img")},
                                               {QStringLiteral("shape"), QJsonArray{480, 640}},
                                               {QStringLiteral("dtype"), QStringLiteral("f32")}},
                                   QJsonObject{{QStringLiteral("name"), QStringLiteral("y")},
                                               {QStringLiteral("shape"), QJsonArray{480, 640}},
                                               {QStringLiteral("dtype"), QStringLiteral("f32")}}});
        // The CPU's rows come first, then the GPU's with its transfers (docs/run-record.md).
        QVERIFY(model.addStep(stepJson(QStringLiteral("img"), 3, QStringLiteral("cpu"), 2.0)));
        QVERIFY(model.addStep(stepJson(QStringLiteral("y"), 4, QStringLiteral("cpu"), 10.0)));
        QVERIFY(model.addStep(stepJson(QStringLiteral("z"), 5, QStringLiteral("cpu"), 6.0)));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 1, StepsModel::GpuMsColumn), QString());
        QCOMPARE(cell(model, 1, StepsModel::SpeedupColumn), QString());
        QVERIFY(model.addStep(gpuStep(QStringLiteral("img"), 3, 0.5, 0.0, QJsonValue(), 2.0))); // randn-like
        QVERIFY(model.addStep(stepJson(QStringLiteral("upload img"), 3, QStringLiteral("cuda:0"), 0.2, true)));
        QVERIFY(model.addStep(gpuStep(QStringLiteral("y"), 4, 0.1, 1e-7, 1e-4, 10.0)));  // verified
        QVERIFY(model.addStep(gpuStep(QStringLiteral("z"), 5, 0.2, 2.5e-3, 1e-4, 6.0))); // failed its tolerance
        QVERIFY(model.addStep(stepJson(QStringLiteral("download y"), 4, QStringLiteral("cuda:0"), 0.3, true)));
        QCOMPARE(model.figureCount(), 8);
        // One row per step with both backends; the transfers in their own rows by line.
        const QStringList order{QStringLiteral("upload img"), QStringLiteral("img"), QStringLiteral("y"),
                                QStringLiteral("download y"), QStringLiteral("z")};
        QCOMPARE(model.rowCount(), order.size());
        for (int row = 0; row < order.size(); ++row) {
            QCOMPARE(model.rowAt(row).step, order[row]);
        }
        const int y = rowOfStep(model, QStringLiteral("y"));
        QCOMPARE(cell(model, y, StepsModel::LineColumn), QStringLiteral("4"));
        QCOMPARE(cell(model, y, StepsModel::ShapeColumn), QStringLiteral("480×640 f32"));
        QCOMPARE(cell(model, y, StepsModel::CpuMsColumn), QStringLiteral("10.00"));
        QCOMPARE(cell(model, y, StepsModel::GpuMsColumn), QStringLiteral("0.100"));
        QCOMPARE(cell(model, y, StepsModel::SpeedupColumn), QStringLiteral("100×"));
        QCOMPARE(model.data(model.index(y, StepsModel::SpeedupColumn), StepsModel::SortRole).toDouble(), 100.0);
        QCOMPARE(cell(model, y, StepsModel::ThroughputColumn), QStringLiteral("20000 GFLOP/s"));
        QCOMPARE(cell(model, y, StepsModel::MaxErrorColumn), QStringLiteral("1.0e-07"));
        // No speedup without verification: the failed row and the one with no tolerance.
        const int z = rowOfStep(model, QStringLiteral("z"));
        QCOMPARE(cell(model, z, StepsModel::SpeedupColumn), QStringLiteral("unverified"));
        QVERIFY(!model.data(model.index(z, StepsModel::SpeedupColumn), StepsModel::SortRole).isValid());
        QVERIFY(model.data(model.index(z, StepsModel::SpeedupColumn), Qt::ToolTipRole)
                    .toString()
                    .contains(QLatin1String("2.5e-03")));
        QCOMPARE(cell(model, rowOfStep(model, QStringLiteral("img")), StepsModel::SpeedupColumn),
                 QStringLiteral("not comparable"));
        const int upload = rowOfStep(model, QStringLiteral("upload img"));
        QCOMPARE(cell(model, upload, StepsModel::ShapeColumn), QStringLiteral("480×640 f32"));
        QCOMPARE(model.data(model.index(upload, 0), StepsModel::ValueRole).toString(), QStringLiteral("img"));
        QCOMPARE(model.data(model.index(y, 0), StepsModel::BackendsRole).toStringList(),
                 (QStringList{QStringLiteral("cpu"), QStringLiteral("cuda:0")}));
        QCOMPARE(model.firstRowOfLine(4), y);
        // A step that runs twice on a line gets a row per occurrence.
        QVERIFY(model.addStep(stepJson(QStringLiteral("z"), 5, QStringLiteral("cpu"), 7.0)));
        QCOMPARE(model.rowCount(), order.size() + 1);

        const QStringList csv = model.toCsv().split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(csv.size(), model.rowCount() + 1);
        QVERIFY(csv.first().startsWith(QLatin1String("line,step,")));
        QVERIFY2(csv[y + 1].startsWith(QStringLiteral("4,y,false,480×640 f32,cpu,10,10,10,cuda:0,0.1,0.1,0.1,3,")),
                 qPrintable(csv[y + 1]));
        QVERIFY2(csv[y + 1].endsWith(QStringLiteral(",100,true,1e-07,1e-04")), qPrintable(csv[y + 1]));

        QString error;
        QVERIFY(!model.addStep(QJsonObject{{QStringLiteral("line"), 1}}, &error));
        QVERIFY(!error.isEmpty());
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void documentsSaveAtomicallyAndMarkUnsavedChanges()
    {
        const QString file = path(QStringLiteral("blur.wbp"));
        QVERIFY(writeFile(file, "x = rand(8, 8, f32)\n"));
        Document document(Document::Kind::Pipeline, QStringLiteral("untitled-1.wbp"));
        QCOMPARE(document.title(), QStringLiteral("untitled-1.wbp"));
        QVERIFY(document.isUntitled());
        QString error;
        QVERIFY2(document.load(file, &error), qPrintable(error));
        QCOMPARE(document.title(), QStringLiteral("blur.wbp"));
        QCOMPARE(document.directory(), m_dir->path());
        QVERIFY(!document.isModified());
        QSignalSpy titles(&document, &Document::titleChanged);
        document.editor()->append(QStringLiteral("y = gaussian(x, sigma=1)\n"));
        QVERIFY(document.isModified());
        QCOMPARE(document.title(), QStringLiteral("blur.wbp*"));
        QVERIFY(!titles.isEmpty());
        QVERIFY2(document.save(&error), qPrintable(error));
        QVERIFY(!document.isModified());
        QCOMPARE(document.title(), QStringLiteral("blur.wbp"));
        QCOMPARE(readFile(file), QStringLiteral("x = rand(8, 8, f32)\ny = gaussian(x, sigma=1)\n"));
        // No temporary file is left beside it (QSaveFile renamed it into place).
        QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("blur*")}, QDir::Files),
                 QStringList{QStringLiteral("blur.wbp")});

        const QString other = path(QStringLiteral("copy.wbp"));
        QVERIFY2(document.saveAs(other, &error), qPrintable(error));
        QCOMPARE(document.path(), other);
        QCOMPARE(readFile(other), readFile(file));

        // A save that cannot happen keeps the changes and the old file whole.
        document.editor()->append(QStringLiteral("z = y\n"));
        QVERIFY(!document.saveAs(path(QStringLiteral("no-such-folder/x.wbp")), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(document.isModified());
        QCOMPARE(document.path(), other);

        // Bytes that are not UTF-8 are refused, never replaced.
        const QString latin1 = path(QStringLiteral("latin1.wbp"));
        QVERIFY(writeFile(latin1, "# caf\xe9\n"));
        Document refused(Document::Kind::Pipeline, QStringLiteral("untitled-2.wbp"));
        QVERIFY(!refused.load(latin1, &error));
        QVERIFY2(error.contains(QLatin1String("UTF-8")), qPrintable(error));
        QVERIFY(refused.isUntitled());
        QCOMPARE(Document::kindForPath(QStringLiteral("a.cu")), Document::Kind::Kernel);
        QCOMPARE(Document::kindForPath(QStringLiteral("a.WBP")), Document::Kind::Pipeline);
        QVERIFY(!Document::kindForPath(QStringLiteral("a.txt")));
    }

    void closingAModifiedDocumentAsks()
    {
        const QString file = path(QStringLiteral("keep.wbp"));
        QVERIFY(writeFile(file, "x = rand(2, 2, f32)\n"));
        auto window = makeWindow();
        Document* document = window->openFile(file);
        QVERIFY(document != nullptr);
        QCOMPARE(window->openFile(file), document); // the tab it is in already
        document->editor()->append(QStringLiteral("y = x\n"));
        int asked = 0;
        Document* askedAbout = nullptr;
        QMessageBox::StandardButton answer = QMessageBox::Cancel;
        window->setUnsavedPrompt([&](Document& d) {
            ++asked;
            askedAbout = &d;
            return answer;
        });
        QVERIFY(!window->closeDocument(document));
        QCOMPARE(asked, 1);
        QCOMPARE(askedAbout, document);
        QCOMPARE(window->documents().size(), 1);
        answer = QMessageBox::Save;
        QVERIFY(window->closeDocument(document));
        QCOMPARE(asked, 2);
        QVERIFY(window->documents().isEmpty());
        QCOMPARE(readFile(file), QStringLiteral("x = rand(2, 2, f32)\ny = x\n"));

        Document* second = window->openFile(file);
        second->editor()->append(QStringLiteral("z = y\n"));
        answer = QMessageBox::Discard;
        QVERIFY(window->closeDocument(second));
        QCOMPARE(readFile(file), QStringLiteral("x = rand(2, 2, f32)\ny = x\n"));
        // An unmodified one closes without asking.
        QVERIFY(window->closeDocument(window->openFile(file)));
        QCOMPARE(asked, 3);
        QVERIFY(window->close());
    }

    void statusBarShowsEngineStateAndDevice()
    {
        auto window = makeWindow();
        QStringList texts;
        connect(window->engine(), &wb::app::EngineClient::stateChanged, this,
                [&] { texts.append(window->engineStateText()); });
        QVERIFY(ready(*window));
        QCOMPARE(texts, (QStringList{QStringLiteral("Engine starting…"), QStringLiteral("Engine ready")}));
        QCOMPARE(window->engineStateText(), QStringLiteral("Engine ready"));
        QVERIFY2(window->deviceText().contains(QLatin1String("no GPU: GPU disabled by WB_DISABLE_CUDA")),
                 qPrintable(window->deviceText()));
        QVERIFY2(window->engineLabel(0).contains(QLatin1String("CPU only")), qPrintable(window->engineLabel(0)));
        documentWith(*window, kLongPipeline);
        QVERIFY(window->runActive() != 0);
        QVERIFY2(
            waitFor([&] { return window->engineStateText().startsWith(QLatin1String("Running step 2 of 2")); }, kRunMs),
            qPrintable(window->engineStateText()));
        QSignalSpy ended(window.get(), &MainWindow::runEnded);
        window->stopRun();
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 5000));
        QCOMPARE(window->runs().last().status, MainWindow::RunStatus::Cancelled);
        QVERIFY(waitFor([&] { return window->engineStateText() == QLatin1String("Engine ready"); }, kStartMs));
        QVERIFY(window->close());
    }

    // The Ops dock fills with the engine's op list once it is ready; activating an op types
    // its call at the cursor of the active pipeline, and without a pipeline says so.
    void opsDockInsertsAStepIntoThePipeline()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        wb::widgets::OpPalette* palette = window->opPalette();
        QVERIFY(window->findChild<QDockWidget*>(QStringLiteral("OpsDock")));
        QVERIFY(waitFor([&] { return palette->visibleOps().contains(QStringLiteral("median")); }, kStartMs));
        QSignalSpy inserted(palette, &wb::widgets::OpPalette::insertRequested);
        emit palette->insertRequested(QStringLiteral("median(x)")); // no document yet
        QVERIFY2(window->statusBar()->currentMessage().contains(QLatin1String("Open a pipeline")),
                 qPrintable(window->statusBar()->currentMessage()));
        Document* document = documentWith(*window, QStringLiteral("img = rand(64, 64)\nsmooth = "));
        document->pipelineEditor()->setCursorPosition(1, 9);
        emit palette->insertRequested(QStringLiteral("median(x)"));
        QCOMPARE(document->text(), QStringLiteral("img = rand(64, 64)\nsmooth = median(x)"));
        QVERIFY(window->close());
    }

    void shortcutsRunAndStopFromTheEditor()
    {
        auto window = makeWindow();
        window->show();
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window.get()));
        QVERIFY(ready(*window));
        Document* document = documentWith(*window, kLongPipeline);
        document->editor()->setFocus();
        QVERIFY(waitFor([&] { return document->editor()->hasFocus(); }, 2000));
        QSignalSpy ended(window.get(), &MainWindow::runEnded);
        QTest::keyClick(document->editor(), Qt::Key_F5);
        QVERIFY(window->isRunning());
        QVERIFY(waitFor([&] { return window->engineStateText().startsWith(QLatin1String("Running step")); }, kRunMs));
        QTest::keyClick(document->editor(), Qt::Key_F5, Qt::ShiftModifier);
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 5000));
        QCOMPARE(window->runs().last().status, MainWindow::RunStatus::Cancelled);
        // The editor kept the keys out of the text.
        QCOMPARE(document->text(), kLongPipeline);
        // Ctrl+S on an untitled document would ask for a file; Ctrl+N makes a new one.
        QTest::keyClick(document->editor(), Qt::Key_N, Qt::ControlModifier);
        QCOMPARE(window->documents().size(), 2);
        QVERIFY(window->close());
    }

    void runsTheMatmulSampleAndFillsATableRowPerStep()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        Document* document = window->openFile(samplePath(QStringLiteral("matmul_race.wbp")));
        QVERIFY(document != nullptr);
        QSignalSpy checked(window.get(), &MainWindow::checked);
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs)); // shapes for the table
        QSignalSpy steps(window->engine(), &wb::app::EngineClient::stepFinished);
        const int run = runToEnd(*window);
        QVERIFY(run >= 0);
        const MainWindow::RunEntry& entry = window->runs().at(run);
        QVERIFY2(entry.status == MainWindow::RunStatus::Succeeded, qPrintable(entry.message));
        const int recordSteps = static_cast<int>(entry.record.value(QStringLiteral("steps")).toArray().size());
        QCOMPARE(recordSteps, 7); // A, B, C1..C5 on the CPU
        QCOMPARE(steps.size(), recordSteps);
        QCOMPARE(window->stepsModel()->rowCount(), recordSteps);
        QCOMPARE(window->stepsModel()->rowAt(0).step, QStringLiteral("A"));
        QCOMPARE(window->stepsModel()->rowAt(0).line, 7);
        const int c1 = rowOfStep(*window->stepsModel(), QStringLiteral("C1"));
        QCOMPARE(cell(*window->stepsModel(), c1, StepsModel::ShapeColumn), QStringLiteral("300×300 f64"));
        QVERIFY(!cell(*window->stepsModel(), c1, StepsModel::CpuMsColumn).isEmpty());
        QVERIFY(cell(*window->stepsModel(), c1, StepsModel::ThroughputColumn).endsWith(QLatin1String("GFLOP/s")));
        // The plots hold as many points as steps.
        QCPBars* bars = window->timingPlot()->stepBars(0, QStringLiteral("cpu"));
        QVERIFY(bars != nullptr);
        QCOMPARE(bars->data()->size(), recordSteps);
        QCOMPARE(window->timingPlot()->categories().size(), recordSteps);
        // One backend ran: there is nothing to compare, so no speedup is drawn.
        QVERIFY(window->speedupPlot()->speedupBars(0, QStringLiteral("cpu")) == nullptr);
        QVERIFY(window->speedupPlot()->failedMarks().isEmpty());
        QVERIFY(!window->memoryPlot()->series().samples().isEmpty());
        QVERIFY(entry.origin.contains(QLatin1String("cpu")));
        QCOMPARE(window->engineStateText(), QStringLiteral("Engine ready"));
        QVERIFY(window->close());
    }

    void selectingAStepSelectsItsLineAndShowsItsOutput()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        // Before the file opens: its check may come back while the run is still going.
        QSignalSpy checked(window.get(), &MainWindow::checked);
        Document* document = window->openFile(samplePath(QStringLiteral("spectrum.wbp")));
        QVERIFY(document != nullptr);
        const int run = runToEnd(*window);
        QVERIFY(run >= 0);
        QVERIFY2(window->runs().at(run).status == MainWindow::RunStatus::Succeeded,
                 qPrintable(window->runs().at(run).message));
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs)); // the names, for "Compare with"
        // The first show()n value comes up by itself.
        QVERIFY(waitFor([&] { return window->imagePanel()->showsImage(); }, kStartMs));
        QCOMPARE(window->imagePanel()->image().name, QStringLiteral("blur"));

        const int blur = rowOfStep(*window->stepsModel(), QStringLiteral("blur"));
        QVERIFY(blur >= 0);
        QSignalSpy shown(window.get(), &MainWindow::imagesShown);
        window->selectStep(blur);
        QVERIFY(waitFor([&] { return !shown.isEmpty(); }, kStartMs));
        QVERIFY2(window->imagePanel()->showsImage(), qPrintable(window->imagePanel()->message()));
        const wb::widgets::ImageData& image = window->imagePanel()->image();
        QCOMPARE(image.name, QStringLiteral("blur"));
        QCOMPARE(image.source, QStringLiteral("cpu"));
        QCOMPARE(image.shape, (QList<qint64>{256, 256}));
        QCOMPARE(image.dtype, wb::DType::F32);
        // Its line (6) is selected in the editor.
        int lineFrom = -1;
        int indexFrom = -1;
        int lineTo = -1;
        int indexTo = -1;
        document->editor()->getSelection(&lineFrom, &indexFrom, &lineTo, &indexTo);
        QCOMPARE(lineFrom + 1, window->stepsModel()->rowAt(blur).line);
        QCOMPARE(lineFrom, 5);
        QCOMPARE(indexFrom, 0);
        QCOMPARE(document->editor()->selectedText(), document->editor()->text(5).trimmed());

        // Compare with another value of the run: the view splits.
        int img = -1;
        for (int i = 0; i < window->imagePanel()->compareCount(); ++i) {
            window->imagePanel()->setCurrentCompare(i);
            if (window->imagePanel()->currentCompare().step == QLatin1String("img")) {
                img = i;
                break;
            }
        }
        QVERIFY(img > 0);
        QVERIFY(waitFor([&] { return shown.size() >= 2 && window->imagePanel()->view()->comparing(); }, kStartMs));

        // A complex step: its dtype comes through.
        const int spec = rowOfStep(*window->stepsModel(), QStringLiteral("spec"));
        QVERIFY(spec >= 0);
        const qsizetype before = shown.size();
        window->selectStep(spec);
        QVERIFY(waitFor([&] { return shown.size() > before; }, kStartMs));
        QVERIFY2(window->imagePanel()->showsImage(), qPrintable(window->imagePanel()->message()));
        QCOMPARE(window->imagePanel()->image().dtype, wb::DType::C64);
        QVERIFY(window->close());
    }

    void brokenPipelineShowsItsDiagnosticAtItsLine()
    {
        auto window = makeWindow();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        QVERIFY(ready(*window));
        QSignalSpy checked(window.get(), &MainWindow::checked);
        Document* document =
            documentWith(*window, QStringLiteral("@backends cpu\nx = rand(4, 4, f32)\n\ny = gausian(x, sigma=1)\n"));
        QVERIFY(
            waitFor([&] { return !checked.isEmpty() && window->problemsView()->topLevelItemCount() > 0; }, kStartMs));
        QTreeWidget* problems = window->problemsView();
        QCOMPARE(problems->topLevelItemCount(), 1);
        QTreeWidgetItem* item = problems->topLevelItem(0);
        QVERIFY2(item->text(0).endsWith(QLatin1String(":4:5")), qPrintable(item->text(0)));
        QVERIFY2(item->text(1).contains(QLatin1String("gausian")), qPrintable(item->text(1)));
        QCOMPARE(item->data(0, Qt::UserRole).toInt(), 4);
        QCOMPARE(document->editor()->diagnostics().size(), 1);
        QCOMPARE(document->editor()->diagnostics().first().line, 4);
        QCOMPARE(document->editor()->diagnostics().first().column, 5);

        // A double click jumps to the place (the dock is tabbed behind Steps until raised).
        window->dock(QStringLiteral("ProblemsDock"))->raise();
        QVERIFY(waitFor([&] { return problems->isVisible(); }, 2000));
        document->editor()->setCursorPosition(0, 0);
        problems->scrollToItem(item);
        const QPoint centre = problems->visualItemRect(item).center();
        // QAbstractItemView acts on a double click only over the index its press chose.
        QTest::mouseClick(problems->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
        QTest::mouseDClick(problems->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
        QCOMPARE(document->editor()->cursorLineColumn(), (std::pair<int, int>{4, 5}));

        // Running it is refused, and the refusal is shown at the same place.
        const int run = runToEnd(*window);
        QVERIFY(run >= 0);
        QCOMPARE(window->runs().at(run).status, MainWindow::RunStatus::Failed);
        QVERIFY2(window->runs().at(run).message.contains(QLatin1String("gausian")),
                 qPrintable(window->runs().at(run).message));

        // Fixing it clears the problem, as typing goes on (debounced).
        checked.clear();
        document->replaceText(QStringLiteral("@backends cpu\nx = rand(4, 4, f32)\n\ny = gaussian(x, sigma=1)\n"));
        QVERIFY(waitFor([&] { return !checked.isEmpty() && problems->topLevelItemCount() == 0; }, kStartMs));
        QVERIFY(document->editor()->diagnostics().isEmpty());
        QVERIFY(window->close());
    }

    void aRunsErrorStaysUntilItsTextChanges()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        QSignalSpy checked(window.get(), &MainWindow::checked);
        Document* document = documentWith(*window, kFailingPipeline);
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs));
        QTreeWidget* problems = window->problemsView();
        QCOMPARE(problems->topLevelItemCount(), 0);
        const int run = runToEnd(*window);
        QVERIFY(run >= 0);
        QCOMPARE(window->runs().at(run).status, MainWindow::RunStatus::Failed);
        QCOMPARE(problems->topLevelItemCount(), 1);

        // Save As checks the same text again: the run's error is still true, so it stays.
        checked.clear();
        QString error;
        QVERIFY2(window->saveDocumentAs(document, path(QStringLiteral("failing.wbp")), &error), qPrintable(error));
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs));
        QCOMPARE(problems->topLevelItemCount(), 1);
        QCOMPARE(problems->topLevelItem(0)->text(2), QStringLiteral("run"));

        // Another text may not have the error: it goes with the next check.
        checked.clear();
        document->replaceText(kQuickPipeline);
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs));
        QCOMPARE(problems->topLevelItemCount(), 0);
        QVERIFY(window->close());
    }

    void aRunThatEndsWhileAnotherIsShownHasItsStatusInTheRunLists()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        documentWith(*window, kQuickPipeline);
        const int first = runToEnd(*window);
        QVERIFY(first >= 0);
        documentWith(*window, kLongPipeline);
        QSignalSpy ended(window.get(), &MainWindow::runEnded);
        QVERIFY(window->runActive() != 0);
        const int live = static_cast<int>(window->runs().size()) - 1;
        window->showRun(first);
        window->stopRun();
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, kRunMs));
        QCOMPARE(window->runs().at(live).status, MainWindow::RunStatus::Cancelled);
        // The run and compare selectors both list it; neither may still say it runs.
        const QString name = window->runs().at(live).name;
        int listed = 0;
        for (const QComboBox* box : window->findChildren<QComboBox*>()) {
            for (int item = 0; item < box->count(); ++item) {
                if (box->itemText(item).startsWith(name)) {
                    ++listed;
                    QVERIFY2(box->itemText(item).endsWith(QLatin1String("stopped")), qPrintable(box->itemText(item)));
                }
            }
        }
        QCOMPARE(listed, 2);
        QVERIFY(window->close());
    }

    void aFetchForTheRunShownBeforeIsNotShown()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        Document* document = documentWith(*window, kQuickPipeline);
        // Two runs: the second's values are on the engine, the first's are gone.
        const int first = runToEnd(*window);
        const int second = runToEnd(*window);
        QVERIFY(first >= 0 && second >= 0);
        QCOMPARE(window->runs().at(second).status, MainWindow::RunStatus::Succeeded);
        const int sum = rowOfStep(*window->stepsModel(), QStringLiteral("s"));
        QVERIFY(sum >= 0);
        // The fetch goes out; before its answer comes, another run is shown.
        window->selectStep(sum);
        window->showRun(first);
        // The engine answers in order: once a later check is back, so is the fetch.
        QSignalSpy checked(window.get(), &MainWindow::checked);
        document->replaceText(kQuickPipeline + QStringLiteral("t = sum(x)\n"));
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs));
        QVERIFY(!window->imagePanel()->showsImage());
        QVERIFY(window->imagePanel()->message().contains(QLatin1String("Select a step")));
        QVERIFY(window->close());
    }

    void kernelEditorCompilesAsYouTypeAndShowsItsReport()
    {
        // The kernel cache of this test's own: the first compile of a text is a miss.
        MainWindowOptions o = options();
        o.engineEnvironment->insert(QStringLiteral("XDG_CACHE_HOME"), path(QStringLiteral("cache")));
        o.engineEnvironment->remove(QStringLiteral("WB_KERNEL_CACHE"));
        MainWindow window(o);
        window.setUnsavedPrompt([](Document&) { return QMessageBox::Discard; });
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(ready(window));
        QSignalSpy compiled(&window, &MainWindow::compiled);
        const auto compiledNow = [&](Document* document) {
            return waitFor(
                [&] {
                    for (const QList<QVariant>& args : std::as_const(compiled)) {
                        if (args.first().value<Document*>() == document) {
                            return true;
                        }
                    }
                    return false;
                },
                kStartMs);
        };

        // A kernel beside a header, both broken: each diagnostic at its place in Problems,
        // only the kernel's own in its editor.
        QVERIFY(writeFile(path(QStringLiteral("scale.cuh")),
                          "inline __device__ float scale(float x) { return x * factr; }\n"));
        QString kernel = QStringLiteral(R"(#include "scale.cuh"

__global__ void blockSum(const float* in, float* out, int n)
{
    __shared__ float s[256];
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    s[threadIdx.x] = i < n ? scale(in[j]) : 0.0f;
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) {
            s[threadIdx.x] += s[threadIdx.x + stride];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        out[blockIdx.x] = s[0];
    }
}
)");
        QVERIFY(writeFile(path(QStringLiteral("reduce.cu")), kernel.toUtf8()));
        QString error;
        Document* document = window.openFile(path(QStringLiteral("reduce.cu")), &error);
        QVERIFY2(document != nullptr, qPrintable(error));
        QVERIFY(compiledNow(document));
        QTreeWidget* problems = window.problemsView();
        QCOMPARE(problems->topLevelItemCount(), 2);
        QStringList places;
        for (int i = 0; i < problems->topLevelItemCount(); ++i) {
            places.append(problems->topLevelItem(i)->text(0));
        }
        places.sort();
        QCOMPARE(places, (QStringList{QStringLiteral("reduce.cu:7:39"), QStringLiteral("scale.cuh:1:53")}));
        QCOMPARE(problems->topLevelItem(0)->text(2), QStringLiteral("compile"));
        QCOMPARE(document->editor()->diagnostics().size(), 1);
        QCOMPARE(document->editor()->diagnostics().first().line, 7);
        QCOMPARE(document->editor()->diagnostics().first().column, 39);
        QVERIFY2(document->editor()->diagnostics().first().message.contains(QLatin1String("\"j\"")),
                 qPrintable(document->editor()->diagnostics().first().message));
        wb::app::KernelPanel* panel = window.kernelPanel();
        QVERIFY(!panel->showsReport());
        QVERIFY2(panel->statusText().contains(QLatin1String("does not compile: 2 errors")),
                 qPrintable(panel->statusText()));
        QVERIFY(window.dock(QStringLiteral("KernelDock"))->isVisible()); // raised for the kernel

        // The header's problem opens the header there.
        for (int i = 0; i < problems->topLevelItemCount(); ++i) {
            if (problems->topLevelItem(i)->text(0).startsWith(QLatin1String("scale.cuh"))) {
                emit problems->itemActivated(problems->topLevelItem(i), 0);
            }
        }
        Document* header = window.activeDocument();
        QVERIFY(header != document);
        QCOMPARE(header->fileName(), QStringLiteral("scale.cuh"));
        QCOMPARE(header->editor()->cursorLineColumn(), (std::pair<int, int>{1, 53}));
        QVERIFY2(panel->statusText().contains(QLatin1String("header")), qPrintable(panel->statusText()));
        window.setActiveDocument(document);

        // Fixed (the header on disk, the kernel as typed): the problems go, the report comes.
        QVERIFY(writeFile(path(QStringLiteral("scale.cuh")),
                          "inline __device__ float scale(float x) { return x * 2.0f; }\n"));
        compiled.clear();
        kernel.replace(QStringLiteral("in[j]"), QStringLiteral("in[i]"));
        document->replaceText(kernel);
        QVERIFY(compiledNow(document));
        QCOMPARE(problems->topLevelItemCount(), 0);
        QVERIFY(document->editor()->diagnostics().isEmpty());
        QVERIFY(panel->showsReport());
        QVERIFY(!panel->isOutOfDate());
        QTableWidget* table = panel->resourceTable();
        QCOMPARE(table->rowCount(), 1);
        QVERIFY2(table->item(0, wb::app::KernelPanel::NameColumn)->text().startsWith(QLatin1String("blockSum(")),
                 qPrintable(table->item(0, wb::app::KernelPanel::NameColumn)->text()));
        QCOMPARE(table->item(0, wb::app::KernelPanel::SharedColumn)->text(), QStringLiteral("1024"));
        QCOMPARE(table->item(0, wb::app::KernelPanel::SpillStoreColumn)->text(), QStringLiteral("0"));
        QVERIFY(table->item(0, wb::app::KernelPanel::RegistersColumn)->text().toInt() > 0);
        QVERIFY(panel->ptxView()->toPlainText().contains(QLatin1String(".entry")));
        QVERIFY(panel->ptxView()->isReadOnly());
        // SASS where the engine's machine has a disassembler, else the reason in its place: asked
        // for once the text compiled, so that disassembling never delays a diagnostic.
        const QPlainTextEdit* sass = panel->sassView();
        QTRY_VERIFY2_WITH_TIMEOUT(sass->toPlainText().contains(QLatin1String("EXIT")) ||
                                      sass->placeholderText().contains(QLatin1String("neither nvdisasm nor cuobjdump")),
                                  qPrintable(sass->placeholderText()), 10000);
        QVERIFY2(panel->statusText().contains(QLatin1String("compiled in")), qPrintable(panel->statusText()));
        QVERIFY2(panel->statusText().contains(QLatin1String("sm_")), qPrintable(panel->statusText()));

        // A new engine compiles it again: the same text, now from the kernel cache.
        const qint64 pid = window.engine()->processId();
        compiled.clear();
        QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
        QVERIFY(compiledNow(document));
        QVERIFY(window.engine()->processId() != pid);
        QVERIFY2(panel->statusText().contains(QLatin1String("cache hit")), qPrintable(panel->statusText()));
        QCOMPARE(table->item(0, wb::app::KernelPanel::SharedColumn)->text(), QStringLiteral("1024"));

        // Broken again: the last good report stays, marked out of date.
        compiled.clear();
        document->replaceText(QString(kernel).replace(QStringLiteral("= s[0]"), QStringLiteral("= t[0]")));
        QVERIFY(compiledNow(document));
        QCOMPARE(problems->topLevelItemCount(), 1);
        QVERIFY(panel->showsReport());
        QVERIFY(panel->isOutOfDate());
        QVERIFY2(panel->statusText().contains(QLatin1String("does not compile: 1 error")),
                 qPrintable(panel->statusText()));
        QVERIFY(panel->ptxView()->toPlainText().contains(QLatin1String(".entry")));

        // A kernel closed while its compile is in flight: the answer is dropped.
        Document* closing = window.newDocument(Document::Kind::Kernel);
        closing->replaceText(QStringLiteral("__global__ void other(float* x) { x[0] = 2 * y; }\n"));
        QVERIFY(window.saveDocumentAs(closing, path(QStringLiteral("other.cu")), &error)); // compiles at once
        QVERIFY(window.closeDocument(closing));
        compiled.clear();
        document->replaceText(kernel);
        QVERIFY(compiledNow(document)); // answered after the closed one's
        QCOMPARE(compiled.size(), 1);
        QCOMPARE(problems->topLevelItemCount(), 0);
        QVERIFY(!panel->isOutOfDate());
        QVERIFY(window.close());
    }

    void killingTheEngineMidRunFailsTheRunAndTheNextRunSucceeds()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        Document* quick = documentWith(*window, kQuickPipeline);
        const int first = runToEnd(*window);
        QVERIFY(first >= 0);
        QCOMPARE(window->runs().at(first).status, MainWindow::RunStatus::Succeeded);
        const qsizetype firstRows = window->runs().at(first).steps.size();
        QVERIFY(firstRows > 0);

        Document* slow = documentWith(*window, kLongPipeline);
        QSignalSpy ended(window.get(), &MainWindow::runEnded);
        QVERIFY(window->runActive() != 0);
        QVERIFY(waitFor([&] { return window->engineStateText().startsWith(QLatin1String("Running step")); }, kRunMs));
        const qint64 pid = window->engine()->processId();
        QVERIFY(pid > 0);
        QCOMPARE(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, kRunMs));
        const MainWindow::RunEntry& failed = window->runs().at(ended.first().first().toInt());
        QCOMPARE(failed.status, MainWindow::RunStatus::Failed);
        QVERIFY2(failed.message.contains(QLatin1String("SIGKILL")), qPrintable(failed.message));
        // The editors and the earlier run stay.
        QCOMPARE(window->documents().size(), 2);
        QCOMPARE(quick->text(), kQuickPipeline);
        QCOMPARE(slow->text(), kLongPipeline);
        QCOMPARE(window->runs().at(first).status, MainWindow::RunStatus::Succeeded);
        QCOMPARE(window->runs().at(first).steps.size(), firstRows);
        window->showRun(first);
        QCOMPARE(window->stepsModel()->rowCount(), static_cast<int>(firstRows));

        // A fresh engine, and the next run succeeds.
        QVERIFY(waitFor([&] { return window->engine()->isReady(); }, kStartMs));
        QVERIFY(window->engine()->processId() != pid);
        window->setActiveDocument(quick);
        const int next = runToEnd(*window);
        QVERIFY(next >= 0);
        QVERIFY2(window->runs().at(next).status == MainWindow::RunStatus::Succeeded,
                 qPrintable(window->runs().at(next).message));
        QVERIFY(window->close());
    }

    // A check that fails on purpose (a 3x3 box against a 5x5 one): one problem at the
    // check's line says where the largest difference is; activating it shows |b3 - b5| in
    // Images in the Heat colormap with its colour scale.
    void aFailedChecksProblemShowsItsDifferenceImage()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        QSignalSpy checked(window.get(), &MainWindow::checked);
        Document* document = documentWith(*window, QStringLiteral("@backends cpu\n@repeat 1\n"
                                                                  "x = rand(40, 64, seed=1)\n"
                                                                  "b3 = box(x, 3)\nb5 = box(x, 5)\n"
                                                                  "check(b3, ref=b5, atol=0.05)\n"));
        QVERIFY(waitFor([&] { return !checked.isEmpty(); }, kStartMs)); // the names, for "Compare with"
        const int run = runToEnd(*window);
        QVERIFY(run >= 0);
        QCOMPARE(window->runs().at(run).status, MainWindow::RunStatus::ChecksFailed);
        QTreeWidget* problems = window->problemsView();
        QCOMPARE(problems->topLevelItemCount(), 1);
        QTreeWidgetItem* item = problems->topLevelItem(0);
        QVERIFY2(item->text(0).endsWith(QLatin1String(":6:1")), qPrintable(item->text(0)));
        QVERIFY2(item->text(1).startsWith(QLatin1String("check b3 against b5 failed on cpu: ")),
                 qPrintable(item->text(1)));
        QVERIFY2(item->text(1).contains(QLatin1String("elements out of tolerance (rtol 0.001, atol 0.05)")),
                 qPrintable(item->text(1)));
        QVERIFY2(item->text(1).contains(QLatin1String("; the largest difference, ")) &&
                     item->text(1).contains(QLatin1String(", is at (")),
                 qPrintable(item->text(1)));
        QVERIFY2(item->text(1).endsWith(QLatin1String("(double-click to see |b3 - b5|)")), qPrintable(item->text(1)));
        QCOMPARE(document->editor()->diagnostics().size(), 1);

        // b3 beside b5 first: that choice is not carried over to the difference.
        QSignalSpy shown(window.get(), &MainWindow::imagesShown);
        window->selectStep(rowOfStep(*window->stepsModel(), QStringLiteral("b3")));
        QVERIFY(waitFor([&] { return !shown.isEmpty(); }, kStartMs));
        for (int i = 0; i < window->imagePanel()->compareCount(); ++i) {
            window->imagePanel()->setCurrentCompare(i);
            if (window->imagePanel()->currentCompare().step == QLatin1String("b5")) {
                break;
            }
        }
        QVERIFY(waitFor([&] { return shown.size() >= 2 && window->imagePanel()->view()->comparing(); }, kStartMs));
        shown.clear();
        emit problems->itemActivated(item, 0);
        QCOMPARE(document->editor()->cursorLineColumn(), (std::pair<int, int>{6, 1}));
        QVERIFY(waitFor([&] { return !shown.isEmpty(); }, kStartMs));
        wb::app::ImagePanel* images = window->imagePanel();
        QVERIFY2(images->showsImage(), qPrintable(images->message()));
        QCOMPARE(images->image().name, QStringLiteral("|b3 - b5|"));
        QCOMPARE(images->image().shape, (QList<qint64>{40, 64}));
        QCOMPARE(images->image().dtype, wb::DType::F32);
        QVERIFY(!images->view()->comparing());
        QCOMPARE(images->view()->renderOptions().colormap, wb::widgets::Colormap::Heat);
        QVERIFY(images->view()->colorScale().has_value());
        // The scale spans the differences, from about 0 up to the largest one.
        double largest = 0;
        for (int y = 0; y < 40; ++y) {
            for (int x = 0; x < 64; ++x) {
                largest = std::max(largest, images->image().value(x, y));
            }
        }
        QVERIFY(largest > 0.05);
        QCOMPARE(images->view()->colorScale()->high, largest);

        // Another step comes back in the colormap chosen before, without a scale.
        shown.clear();
        window->selectStep(rowOfStep(*window->stepsModel(), QStringLiteral("b5")));
        QVERIFY(waitFor([&] { return !shown.isEmpty(); }, kStartMs));
        QCOMPARE(images->image().name, QStringLiteral("b5"));
        QCOMPARE(images->view()->renderOptions().colormap, wb::widgets::Colormap::Viridis);
        QVERIFY(!images->view()->colorScale().has_value());
        QVERIFY(window->close());
    }

    // The fake engine answers the first run as the real one does when a launch() faults
    // (error event naming the launch, DeviceLost, exit 4); the engine started after it runs.
    // While a @tune run tries its configurations the status bar says which, then the run ends.
    void aTuningRunShowsWhichConfigurationItTries()
    {
        MainWindowOptions o = options();
        o.engines = {{QStringLiteral(WB_FAKE_ENGINE_PATH), QStringLiteral("tuning")}};
        auto window = std::make_unique<MainWindow>(o);
        QVERIFY(ready(*window));
        window->setActiveDocument(documentWith(*window, QStringLiteral("x = rand(8)\n")));
        QVERIFY(window->runActive() != 0);
        QVERIFY2(
            waitFor([&] { return window->engineStateText() == QLatin1String("Tuning y: block=128 (1 of 2)"); }, kRunMs),
            qPrintable(window->engineStateText()));
        QVERIFY2(
            waitFor([&] { return window->engineStateText() == QLatin1String("Tuning y: block=512 (2 of 2)"); }, kRunMs),
            qPrintable(window->engineStateText()));
        QVERIFY(waitFor([&] { return window->engineStateText() == QLatin1String("Engine ready"); }, kRunMs));
    }

    void aFaultingLaunchIsOneProblemAtItsLineAndTheNextRunWorks()
    {
        MainWindowOptions o = options();
        o.engines = {{QStringLiteral(WB_FAKE_ENGINE_PATH), QStringLiteral("launch-fault")}};
        o.engineEnvironment->insert(QStringLiteral("WB_FAKE_MARKER"), path(QStringLiteral("faulted")));
        auto window = std::make_unique<MainWindow>(o);
        window->setUnsavedPrompt([](Document&) { return QMessageBox::Discard; });
        QVERIFY(ready(*window));
        const QString kernelText =
            QStringLiteral("extern \"C\" __global__ void saxpy(int n, float a, const float* x, float* y)\n"
                           "{\n    y[n * 1000] = a * x[0]; // an edit not saved yet\n}\n");
        Document* kernel = window->newDocument(Document::Kind::Kernel);
        kernel->replaceText(kernelText);
        const QString pipelineText = QStringLiteral(
            "x = rand(4096, seed=1)\ny = launch(\"saxpy.cu:saxpy\", args=(4096, 2.0, x, zeros(4096)))\n");
        Document* pipeline = documentWith(*window, pipelineText);
        window->setActiveDocument(pipeline);
        const qint64 pid = window->engine()->processId();

        const int first = runToEnd(*window);
        QVERIFY(first >= 0);
        QCOMPARE(window->runs().at(first).status, MainWindow::RunStatus::Failed);
        QTreeWidget* problems = window->problemsView();
        QCOMPARE(problems->topLevelItemCount(), 1);
        QTreeWidgetItem* item = problems->topLevelItem(0);
        QVERIFY2(item->text(0).endsWith(QLatin1String(":2:5")), qPrintable(item->text(0)));
        QCOMPARE(item->text(1), QStringLiteral("launch of saxpy (saxpy.cu) at 2:5 failed: an illegal memory access was "
                                               "encountered; the GPU context is lost, so the engine restarts (editors "
                                               "and results are kept)"));
        QCOMPARE(item->text(2), QStringLiteral("run"));
        QCOMPARE(pipeline->editor()->diagnostics().size(), 1);
        QCOMPARE(pipeline->editor()->diagnostics().first().line, 2);
        QCOMPARE(pipeline->editor()->diagnostics().first().column, 5);

        // A fresh engine; the editors keep their text and their unsaved changes, and the
        // problem stays with the text that caused it.
        QVERIFY(waitFor([&] { return window->engine()->isReady() && window->engine()->processId() != pid; }, kStartMs));
        QCOMPARE(window->documents().size(), 2);
        QCOMPARE(pipeline->text(), pipelineText);
        QCOMPARE(kernel->text(), kernelText);
        QVERIFY(pipeline->isModified());
        QVERIFY(kernel->isModified());
        QCOMPARE(problems->topLevelItemCount(), 1);

        window->setActiveDocument(pipeline);
        const int next = runToEnd(*window);
        QVERIFY(next >= 0);
        QVERIFY2(window->runs().at(next).status == MainWindow::RunStatus::Succeeded,
                 qPrintable(window->runs().at(next).message));
        QCOMPARE(problems->topLevelItemCount(), 0);
        QVERIFY(window->close());
    }

    void stopEndsARunThatIgnoresTheCancel()
    {
        auto window = makeWindow();
        QVERIFY(ready(*window));
        documentWith(*window, kHangPipeline);
        QSignalSpy ended(window.get(), &MainWindow::runEnded);
        QVERIFY(window->runActive() != 0);
        QVERIFY(waitFor([&] { return window->engineStateText().startsWith(QLatin1String("Running step")); }, kRunMs));
        const qint64 pid = window->engine()->processId();
        QElapsedTimer timer;
        timer.start();
        window->stopRun();
        // The grace (0.5 s here), then the engine's shutdown, killed 2 s later at most.
        QVERIFY(waitFor([&] { return !ended.isEmpty(); }, 8000));
        qInfo("the hung run ended %lld ms after Stop", static_cast<long long>(timer.elapsed()));
        const MainWindow::RunEntry& stopped = window->runs().at(ended.first().first().toInt());
        QCOMPARE(stopped.status, MainWindow::RunStatus::Cancelled);
        QVERIFY(waitFor([&] { return window->engine()->isReady(); }, kStartMs));
        QVERIFY(window->engine()->processId() != pid);
        documentWith(*window, kQuickPipeline);
        const int next = runToEnd(*window);
        QVERIFY(next >= 0);
        QCOMPARE(window->runs().at(next).status, MainWindow::RunStatus::Succeeded);
        QVERIFY(window->close());
    }

    void autosaveCopiesAppearAndAreOfferedAfterACrash()
    {
        const QString file = path(QStringLiteral("work.wbp"));
        QVERIFY(writeFile(file, "x = rand(2, 2, f32)\n"));
        auto first = makeWindow();
        Document* saved = first->openFile(file);
        QVERIFY(saved != nullptr);
        saved->editor()->append(QStringLiteral("y = x\n"));
        Document* untitled = documentWith(*first, QStringLiteral("z = ones(3, f32)\n"));
        // Copies appear on the autosave timer (100 ms here), in this session's folder.
        QVERIFY(waitFor([&] { return first->recovery().entries().size() == 2; }, 5000));
        for (const RecoveryEntry& entry : first->recovery().entries()) {
            QVERIFY2(QFileInfo(entry.textFile).isFile(), qPrintable(entry.textFile));
            QVERIFY(entry.textFile.startsWith(recoveryFolder()));
        }
        // A save makes the copy unneeded; a change after it brings it back.
        QVERIFY(first->saveDocument(saved));
        QCOMPARE(first->recovery().entries().size(), 1);
        saved->editor()->append(QStringLiteral("w = y\n"));
        QVERIFY(waitFor([&] { return first->recovery().entries().size() == 2; }, 5000));
        const QString savedText = saved->text();
        const QString untitledText = untitled->text();

        // A second window while the first still runs offers nothing: those copies are live.
        {
            auto second = makeWindow();
            QVERIFY(second->recoveryOffer().isEmpty());
            QVERIFY(second->close());
        }
        // The first ends without a clean close, as a crash would end it.
        first.reset();
        QCOMPARE(sessionFolders(recoveryFolder()).size(), 1);

        auto third = makeWindow();
        const QList<RecoveryEntry> offer = third->recoveryOffer();
        QCOMPARE(offer.size(), 2);
        QStringList names;
        for (const RecoveryEntry& entry : offer) {
            names.append(entry.name);
        }
        names.sort();
        QCOMPARE(names, (QStringList{QStringLiteral("untitled-1.wbp"), QStringLiteral("work.wbp")}));
        const QList<Document*> restored = third->restoreRecovery(offer);
        QCOMPARE(restored.size(), 2);
        for (Document* document : restored) {
            QVERIFY(document->isModified());
            if (document->isUntitled()) {
                QCOMPARE(document->text(), untitledText);
            } else {
                QCOMPARE(document->path(), file);
                QCOMPARE(document->text(), savedText);
                // The file on disk is the last saved one; the copy's text waits to be saved.
                QCOMPARE(readFile(file), QStringLiteral("x = rand(2, 2, f32)\ny = x\n"));
            }
        }
        QVERIFY(third->recoveryOffer().isEmpty());
        // The crashed session's folder is gone; this window's holds the restored texts now.
        QCOMPARE(sessionFolders(recoveryFolder()).size(), 1);
        QCOMPARE(third->recovery().entries().size(), 2);
        QVERIFY(third->close());

        // After a clean exit nothing is offered.
        QVERIFY(sessionFolders(recoveryFolder()).isEmpty());
        auto fourth = makeWindow();
        QVERIFY(fourth->recoveryOffer().isEmpty());
        QVERIFY(fourth->close());
    }

    void settingsRestoreTheOpenFilesAndTheLayout()
    {
        const QString pipeline = path(QStringLiteral("a.wbp"));
        const QString kernel = path(QStringLiteral("k.cu"));
        QVERIFY(writeFile(pipeline, "x = rand(2, 2, f32)\n"));
        QVERIFY(writeFile(kernel, "__global__ void k(float* x) { x[threadIdx.x] = 0; }\n"));
        {
            auto window = makeWindow(true);
            window->show();
            QVERIFY(QTest::qWaitForWindowExposed(window.get()));
            Document* a = window->openFile(pipeline);
            QVERIFY(window->openFile(kernel) != nullptr);
            QCOMPARE(window->documents().at(1)->kind(), Document::Kind::Kernel);
            window->setActiveDocument(a);
            window->dock(QStringLiteral("MemoryDock"))->close();
            window->setRepeat(7);
            window->setBackends(MainWindow::Backends::Cpu);
            QVERIFY(window->close());
        }
        auto window = makeWindow(true);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
        const QList<Document*> documents = window->documents();
        QCOMPARE(documents.size(), 2);
        QCOMPARE(documents.at(0)->path(), pipeline);
        QCOMPARE(documents.at(1)->path(), kernel);
        QCOMPARE(window->activeDocument(), documents.at(0));
        QVERIFY(!documents.at(0)->isModified());
        QVERIFY(window->dock(QStringLiteral("MemoryDock"))->isHidden());
        QVERIFY(!window->dock(QStringLiteral("StepsDock"))->isHidden());
        QCOMPARE(window->repeat(), 7);
        QCOMPARE(window->backends(), MainWindow::Backends::Cpu);
        QVERIFY(window->recentFiles().contains(pipeline));
        QVERIFY(window->recentFiles().contains(kernel));
        QVERIFY(window->close());

        // Without restoring, nothing comes back.
        auto fresh = makeWindow(false);
        QVERIFY(fresh->documents().isEmpty());
        QVERIFY(fresh->close());
    }

    void aRunRecordWrittenElsewhereShowsAsALocalRunWould()
    {
        // A record as `warpbench-cli run --json` writes it, then moved to "another machine".
        const QString written = path(QStringLiteral("local.json"));
        QProcess cli;
        cli.setProcessEnvironment(engineEnvironment());
        cli.start(
            QStringLiteral(WARPBENCH_CLI_PATH),
            {QStringLiteral("run"), samplePath(QStringLiteral("matmul_race.wbp")), QStringLiteral("--json"), written});
        QVERIFY(cli.waitForFinished(kRunMs));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QJsonObject record = QJsonDocument::fromJson(readFile(written).toUtf8()).object();
        QJsonObject host = record.value(QStringLiteral("host")).toObject();
        host.insert(QStringLiteral("cpu_model"), QStringLiteral("Elsewhere Xeon 9999"));
        record.insert(QStringLiteral("host"), host);
        const QString elsewhere = path(QStringLiteral("elsewhere.json"));
        QVERIFY(writeFile(elsewhere, QJsonDocument(record).toJson()));

        auto window = makeWindow();
        QString error;
        QVERIFY2(window->openRunRecord(elsewhere, &error), qPrintable(error));
        const MainWindow::RunEntry& entry = window->runs().last();
        QVERIFY(entry.fromRecord);
        QCOMPARE(entry.name, QStringLiteral("elsewhere.json"));
        QCOMPARE(entry.status, MainWindow::RunStatus::Succeeded);
        QVERIFY2(entry.origin.contains(QLatin1String("Elsewhere Xeon 9999")), qPrintable(entry.origin));
        QVERIFY2(entry.origin.contains(QLatin1String("cpu")), qPrintable(entry.origin));
        const int steps = static_cast<int>(record.value(QStringLiteral("steps")).toArray().size());
        QCOMPARE(steps, 7);
        QCOMPARE(window->stepsModel()->rowCount(), steps);
        QCOMPARE(window->timingPlot()->categories().size(), steps);
        QCOMPARE(window->timingPlot()->stepBars(0, QStringLiteral("cpu"))->data()->size(), steps);
        QVERIFY(window->timingPlot()->run(0).machine().contains(QLatin1String("Elsewhere Xeon 9999")));
        // Records hold figures, not values: selecting a row says so.
        QSignalSpy shown(window.get(), &MainWindow::imagesShown);
        window->selectStep(0);
        QVERIFY(!shown.isEmpty());
        QVERIFY(!window->imagePanel()->showsImage());
        QVERIFY(window->imagePanel()->message().contains(QLatin1String("record")));

        // Not a run record: refused with the reason.
        QProcess devices;
        devices.setProcessEnvironment(engineEnvironment());
        devices.start(QStringLiteral(WARPBENCH_CLI_PATH), {QStringLiteral("devices"), QStringLiteral("--json")});
        QVERIFY(devices.waitForFinished(kRunMs));
        const QString other = path(QStringLiteral("devices.json"));
        QVERIFY(writeFile(other, devices.readAllStandardOutput()));
        QVERIFY(!window->openRunRecord(other, &error));
        QVERIFY2(error.contains(QLatin1String("devices")), qPrintable(error));
        QVERIFY(writeFile(path(QStringLiteral("broken.json")), "{\"command\": \"run\", \"steps\": "));
        QVERIFY(!window->openRunRecord(path(QStringLiteral("broken.json")), &error));
        QVERIFY(window->close());
    }

    void aTuningRecordOffersTheBestAndUseBestWritesItIntoTheLaunch()
    {
        // The tuning sample and its kernel as a user's files; run on the CPU by the CLI,
        // its record says why it did not tune. The GPU machine's record of it (made here
        // from that one) has every configuration measured and TILE=32 the best.
        QVERIFY(QDir().mkpath(path(QStringLiteral("kernels"))) && QDir().mkpath(path(QStringLiteral("pipelines"))));
        QVERIFY(writeFile(path(QStringLiteral("kernels/matmul_tiled.cu")),
                          readFile(pipelinesDir() + QStringLiteral("/../kernels/matmul_tiled.cu")).toUtf8()));
        const QString pipeline = path(QStringLiteral("pipelines/kernel_tuning.wbp"));
        const QString original = readFile(samplePath(QStringLiteral("kernel_tuning.wbp")));
        QVERIFY(writeFile(pipeline, original.toUtf8()));
        const QString written = path(QStringLiteral("tuning.json"));
        QProcess cli;
        cli.setProcessEnvironment(engineEnvironment());
        cli.start(QStringLiteral(WARPBENCH_CLI_PATH), {QStringLiteral("run"), pipeline, QStringLiteral("--repeat"),
                                                       QStringLiteral("1"), QStringLiteral("--json"), written});
        QVERIFY(cli.waitForFinished(kRunMs));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QJsonObject record = QJsonDocument::fromJson(readFile(written).toUtf8()).object();
        QJsonObject tuning = record.value(QStringLiteral("tuning")).toObject();
        QVERIFY(tuning.value(QStringLiteral("note")).toString().contains(QLatin1String("not tuned")));
        QJsonArray configurations = tuning.value(QStringLiteral("configurations")).toArray();
        QCOMPARE(configurations.size(), 3);
        const double medians[3] = {2.9, 1.4, 1.1};
        for (int i = 0; i < 3; ++i) {
            QJsonObject configuration = configurations[i].toObject();
            configuration.insert(QStringLiteral("n"), 10);
            configuration.insert(QStringLiteral("median_ms"), medians[i]);
            configuration.insert(QStringLiteral("passed"), true);
            configurations[i] = configuration;
        }
        tuning.insert(QStringLiteral("configurations"), configurations);
        tuning.insert(QStringLiteral("backend"), QStringLiteral("cuda:0"));
        tuning.insert(QStringLiteral("note"), QJsonValue());
        tuning.insert(QStringLiteral("best"), 2);
        record.insert(QStringLiteral("tuning"), tuning);
        const QString gpuRecord = path(QStringLiteral("tuning-gpu.json"));
        QVERIFY(writeFile(gpuRecord, QJsonDocument(record).toJson()));

        auto window = makeWindow();
        QString error;
        Document* document = window->openFile(pipeline, &error);
        QVERIFY2(document, qPrintable(error));
        QVERIFY(!window->useBestButton()->isEnabled());
        QVERIFY2(window->openRunRecord(gpuRecord, &error), qPrintable(error));
        QCOMPARE(window->tuningPlot()->mode(), wb::widgets::TuningPlot::Mode::Bars);
        QCOMPARE(window->tuningPlot()->bestBars()->data()->at(0)->key, 2.0);
        QVERIFY(window->useBestButton()->isEnabled());
        QCOMPARE(window->useBestButton()->text(), QStringLiteral("Use best: TILE=32"));

        window->useBestButton()->click();
        QString expected = original;
        expected.replace(QStringLiteral("defines=(TILE=16)"), QStringLiteral("defines=(TILE=32)"));
        QVERIFY(expected != original);
        QCOMPARE(document->editor()->text(), expected);
        // One undo step puts it back.
        document->editor()->undo();
        QCOMPARE(document->editor()->text(), original);

        // A text without the tuned launch is refused with the reason, and left alone.
        document->editor()->setText(QStringLiteral("x = zeros(4)\n"));
        QVERIFY(!window->useBestTuning(&error));
        QVERIFY2(error.contains(QLatin1String("TILE=32")), qPrintable(error));
        QCOMPARE(document->editor()->text(), QStringLiteral("x = zeros(4)\n"));
        document->editor()->setModified(false);
        QVERIFY(window->close());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
