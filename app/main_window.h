#pragma once
// The workbench's main window (issue 5): tabbed pipeline and kernel editors in the centre;
// docks for the steps of a run, problems, images, the timing, speedup, memory and telemetry
// plots, the active kernel's compile report and the workspace folder; a toolbar and menus; a status bar with the
// engine's state and device. Every engine is reached through an EngineClient (STYLE.md rules 11-13), and nothing here
// waits for one: requests return at once and their answers arrive as signals, so the window never freezes.
//
// Never losing work (DESIGN.md): documents save atomically; every modified editor is copied
// to the recovery folder on a timer (RecoveryStore) and offered again after a start that
// followed a crash; an engine that dies mid-run fails that run with the reason, is started
// again, and the editors and earlier runs stay; Stop cancels the run and, when the run
// ignores the cancel, restarts the engine, so it always works.
//
// State kept across starts (QSettings, the application's organisation and name): window
// geometry and dock layout, the files that were open and the active one, recent files, the
// workspace folder, the engines' command lines and the one in use, and the run options.
//
// Tests drive everything through the public functions below (no dialog opens where a
// prompt or an answer can be given instead).
//
// main_window.cpp builds the window and keeps its settings; each section below has its own
// main_window_<section>.cpp (documents, recovery, checks, kernels, engines, runs, images,
// export).

#include "document.h"
#include "engine_client.h"
#include "image_data.h"
#include "op_catalog.h"
#include "recovery.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QProcessEnvironment>
#include <QStringList>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

class QAction;
class QActionGroup;
class QComboBox;
class QDockWidget;
class QFileSystemModel;
class QLabel;
class QMenu;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;
class QTimer;
class QTreeView;
class QTreeWidget;
class QTreeWidgetItem;

namespace wb::widgets {
class MemoryPlot;
class SpeedupPlot;
class TelemetryPlot;
class TuningPlot;
class OpPalette;
class TimingPlot;
class CodeEditor;
} // namespace wb::widgets

namespace wb::app {

class ImagePanel;
class KernelPanel;
class StepsModel;

struct MainWindowOptions {
    // The engines to offer, each a program and its arguments. Empty: those saved in the
    // settings, the local one (EngineClient::defaultCommand()) first.
    QList<QStringList> engines;
    // The engines' environment; unset: this process's.
    std::optional<QProcessEnvironment> engineEnvironment;
    // Where autosaved copies go; empty: RecoveryStore::defaultFolder().
    QString recoveryFolder;
    // Reopen the files and the layout the last clean exit left.
    bool restoreSession = true;
    // How often modified editors are copied to the recovery folder (issue 5: at most 30 s).
    std::chrono::milliseconds autosaveInterval{15000};
    // How long Stop waits for a cancelled run to end before it restarts the engine.
    std::chrono::milliseconds stopGrace{3000};
};

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    enum class RunStatus { Running, Succeeded, ChecksFailed, Failed, Cancelled };
    Q_ENUM(RunStatus)
    // What the Run action sends as `backends`: the pipeline's own @backends, or a choice.
    enum class Backends { Pipeline, Cpu, Gpu, Both };
    Q_ENUM(Backends)

    // One run of the session, or a run record opened from a file.
    struct RunEntry {
        qint64 id = 0;                 // the run request's id; 0 for a record
        QPointer<EngineClient> engine; // the engine it ran on; null for a record
        QString name;                  // "matmul_race.wbp · run 3", "h200.json"
        QString pipelineFile;          // the document's file or name; a record's parameters.pipeline
        QPointer<Document> document;   // the document that ran (null for records)
        RunStatus status = RunStatus::Running;
        QString message;           // the outcome in words, with the reason for a failure
        QJsonObject record;        // the run record (docs/run-record.md); empty until it comes
        QList<QJsonObject> steps;  // the step figures, as they came
        QList<QJsonObject> memory; // the memory samples
        QJsonArray names;          // the check's names of the text that ran (for shapes)
        quint64 revision = 0;      // the document's text revision that ran
        QString origin;            // "AMD EPYC · cpu", "Intel Xeon · cuda:0 NVIDIA H200"
        QStringList backends;      // those that ran
        bool fromRecord = false;
        bool valuesAvailable = false; // its engine still holds its values (fetch works)
    };

    explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
    // Without a clean close (closeEvent accepted) the recovery copies stay, as after a crash.
    ~MainWindow() override;

    // --- Documents -------------------------------------------------------------------
    Document* newDocument(Document::Kind kind);
    // A `.wbp` or `.cu` file in a tab (the tab it is already in, when it is open); a run
    // record (`.json`) among the runs. Null with the reason when it cannot be opened.
    Document* openFile(const QString& path, QString* error = nullptr);
    bool openRunRecord(const QString& path, QString* error = nullptr);
    // Save asks for a file when the document is untitled; saveDocumentAs() never asks.
    bool saveDocument(Document* document, QString* error = nullptr);
    bool saveDocumentAs(Document* document, const QString& path, QString* error = nullptr);
    // Asks before closing a modified document (Save, Discard, Cancel); false when cancelled
    // or when saving failed.
    bool closeDocument(Document* document);
    QList<Document*> documents() const;
    Document* activeDocument() const;
    void setActiveDocument(Document* document);
    Document* documentForPath(const QString& path) const;
    QStringList recentFiles() const;

    // The answer to "save the changes?"; unset: a message box.
    using UnsavedPrompt = std::function<QMessageBox::StandardButton(Document& document)>;
    void setUnsavedPrompt(UnsavedPrompt prompt) { m_unsavedPrompt = std::move(prompt); }

    // --- Recovery --------------------------------------------------------------------
    RecoveryStore& recovery() { return *m_recovery; }
    // The copies a previous start left without a clean exit, found when this window was made.
    QList<RecoveryEntry> recoveryOffer() const { return m_recoveryOffer; }
    // Opens the copies as modified documents (each keeps its file, if it had one) and removes
    // the offered folders; returns the documents made.
    QList<Document*> restoreRecovery(const QList<RecoveryEntry>& entries);
    void discardRecovery();
    // The dialog that lists the offer (Restore, Discard, Later); does nothing without one.
    void offerRecovery();
    // Copies every modified document whose text changed since its last copy.
    void autosaveNow();

    // --- Runs ------------------------------------------------------------------------
    // Runs the active pipeline on the selected engine with the toolbar's options; returns
    // the run's id, or 0 with the reason in the status bar when nothing could start.
    qint64 runActive();
    void stopRun();
    bool isRunning() const { return m_liveRun >= 0; }
    const QList<RunEntry>& runs() const { return m_runs; }
    int shownRun() const { return m_shownRun; }
    void showRun(int index);
    // Shows run `index` beside the shown one in the timing and speedup plots; -1: none.
    void compareWithRun(int index);
    void setBackends(Backends backends);
    Backends backends() const;
    // Measured repetitions to ask for; 0: the pipeline's @repeat.
    void setRepeat(int repeat);
    int repeat() const;

    // Selects a row of the Steps table: its line in the editor, its output in Images.
    void selectStep(int row);

    StepsModel* stepsModel() const { return m_stepsModel; }
    QTableView* stepsView() const { return m_stepsView; }
    QTreeWidget* problemsView() const { return m_problems; }
    ImagePanel* imagePanel() const { return m_images; }
    KernelPanel* kernelPanel() const { return m_kernelPanel; }
    widgets::OpPalette* opPalette() const { return m_opPalette; }
    widgets::TimingPlot* timingPlot() const { return m_timingPlot; }
    widgets::SpeedupPlot* speedupPlot() const { return m_speedupPlot; }
    widgets::MemoryPlot* memoryPlot() const { return m_memoryPlot; }
    widgets::TelemetryPlot* telemetryPlot() const { return m_telemetryPlot; }
    // The Tuning dock: the shown run's tuning plot and its "Use best: TILE=32" button.
    widgets::TuningPlot* tuningPlot() const { return m_tuningPlot; }
    QPushButton* useBestButton() const { return m_useBestButton; }
    // Writes the shown run's best tuned configuration into the launch() of the pipeline
    // that ran (for a record, the open document of its pipeline file), as one undo step;
    // false with the reason when there is none or the text no longer has the launch.
    bool useBestTuning(QString* error = nullptr);
    QDockWidget* dock(const QString& objectName) const;

    // --- Engines ---------------------------------------------------------------------
    EngineClient* engine() const;
    int engineCount() const { return static_cast<int>(m_engines.size()); }
    int activeEngineIndex() const { return m_activeEngine; }
    void setActiveEngine(int index);
    // Adds an engine command line ("ssh gpu1 warpbench-cli engine --stdio"); false with the
    // reason when it cannot be split into words.
    bool addEngine(const QString& commandLine, QString* error = nullptr);
    // The status bar's texts.
    QString engineStateText() const;
    QString deviceText() const;
    // The selector's entry for engine `index`: its name and device.
    QString engineLabel(int index) const;

signals:
    // A run of runs() ended (succeeded, failed, cancelled), `index` into runs().
    void runEnded(int index);
    // The engine's check of `document` came back and is shown.
    void checked(wb::app::Document* document);
    // The engine's compile of kernel `document` came back (compiled or not) and is shown.
    void compiled(wb::app::Document* document);
    // The Images dock shows the outcome of the last selection (an image or a message).
    void imagesShown();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    struct CheckState {
        qint64 request = 0;     // the check in flight, 0 for none
        quint64 revision = 0;   // the text revision it checks
        QJsonArray diagnostics; // the last answer's
        QJsonArray names;
        quint64 answeredRevision = 0;
        bool answered = false;
        QJsonArray runDiagnostics; // diagnostics of a refused run or the error of a failed one
        quint64 runRevision = 0;   // the text revision of the run they came from
        quint64 autosavedRevision = 0;
        bool autosaved = false;
        // Kernels (main_window_kernels.cpp): `diagnostics` are the compile's, with their files.
        QString compileFile;    // the `file` sent: the diagnostics of the document's own text name it
        qint64 compiledBy = 0;  // the engine process that answered (another one compiles again)
        bool recompile = false; // the text changed while its compile was in flight
        bool compiles = false;  // the last answer compiled
        QJsonObject report;     // the last successful compile's reply (arch, compile_ms, kernels, ptx)
        QString log;            // the last failed compile's NVRTC log
        qint64 sassRequest = 0; // the SASS of `report`'s text, asked for once it compiled; 0 for none
        quint64 sassRevision = 0;
    };
    struct EngineSlot {
        EngineClient* client = nullptr;
        QString commandLine; // as the user wrote it; empty for the local default
        bool restartAfterStop = false;
        QHash<qint64, QPointer<Document>> checks;       // open check and compile requests
        QString compileUnavailable;                     // why this engine cannot compile kernels
        qint64 unavailableProcess = 0;                  // the engine process that said so
        QHash<qint64, std::pair<quint64, int>> fetches; // open fetch -> (selection generation, image 0 or 1)
    };
    struct Fetch {
        quint64 generation = 0;
        int run = -1;
        QString caption;
        int pending = 0;
        std::optional<widgets::ImageData> images[2];
        QString errors[2];
        bool wanted[2] = {false, false};
    };
    struct Progress {
        QString backend;
        int repetition = 0;
        bool warmup = false;
        int stepInRepetition = 0;
        QString step;
        int line = 0;
        QHash<QString, int> stepsPerRepetition; // learned per backend
        QString textKey;                        // m_knownSteps' key for the text that runs
        QString tuning;                         // "Tuning C: TILE=16 (2 of 3)" once a @tune run tries configurations
    };

    // Construction and settings
    void buildActions();
    void buildMenus();
    void buildToolBar();
    void buildDocks();
    void buildStatusBar();
    void restoreSettings();
    void saveSettings();
    QDockWidget* makeDock(const QString& objectName, const QString& title, QWidget* widget, Qt::DockWidgetArea area);

    // Documents
    void addDocument(Document* document);
    Document* documentAt(int tab) const;
    int tabOf(const Document* document) const;
    void updateTitles();
    void onCurrentTabChanged();
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    bool askToSave(Document* document);
    bool confirmCloseAll();
    QString untitledName(Document::Kind kind);
    void openDialog();
    bool saveAsDialog(Document* document);
    void setWorkspaceFolder(const QString& folder);

    // Checks and problems
    void requestCheck(Document* document);
    void onCheckReply(Document* document, qint64 id, const QJsonObject& reply);
    void applyDiagnostics(Document* document);
    void rebuildProblems();
    void onProblemActivated(QTreeWidgetItem* item);
    // The Ops dock's call, typed at the cursor of the active pipeline (a status message
    // when the active document is none).
    void insertStep(const QString& call);

    // Kernels
    static bool compilesAlone(const Document* document);
    void requestCompile(Document* document);
    void onCompileReply(EngineClient* client, Document* document, qint64 id, const QJsonObject& reply);
    void onSassReply(CheckState& state, const QJsonObject& reply);
    void updateKernelPanel();

    // Engines
    void addEngineSlot(const QStringList& command, const QString& commandLine);
    EngineSlot* slotOf(const EngineClient* client);
    void connectEngine(EngineClient* client);
    void onEngineState(EngineClient* client, EngineClient::State state);
    void onEngineReady(EngineClient* client);
    void onReply(EngineClient* client, qint64 id, const QJsonObject& reply, const QByteArray& binary);
    void onEngineDied(EngineClient* client, const QString& reason);
    void updateEngineSelector();
    void updateStatus();
    void updateTelemetry();
    void addEngineDialog();
    void restartEngine();

    // Runs
    bool isLive(const EngineClient* client, qint64 run) const;
    RunEntry* liveEntry();
    void onRunStarted(EngineClient* client, qint64 run, const QStringList& backends);
    void onRepetition(EngineClient* client, qint64 run, const QString& backend, int index, bool warmup);
    void onStepStarted(EngineClient* client, qint64 run, const QString& backend, const QString& step, int line);
    void onTuningStarted(EngineClient* client, qint64 run, const QString& step, int index, int count,
                         const QString& configuration);
    void onStepFinished(EngineClient* client, qint64 run, const QJsonObject& figures);
    void onMemory(EngineClient* client, qint64 run, const QJsonObject& sample);
    void onRunError(EngineClient* client, qint64 run, const QJsonObject& error);
    void onRunReply(const QJsonObject& reply);
    void finishLiveRun(RunStatus status, const QString& message);
    void onStopTimeout();
    void fillPlots(const RunEntry& entry);
    void showTuning(const RunEntry& entry); // main_window_tuning.cpp
    void updateRunHeader();
    void rebuildRunSelector();
    QString originOf(const QJsonObject& head, const QStringList& backends) const;
    Document* documentOfRun(const RunEntry& entry) const;

    // Images
    void onStepSelectionChanged();
    void showValue(int run, const QString& step, const QString& backend);
    void fetchShown();
    void onFetchReply(quint64 generation, int which, const QJsonObject& reply, const QByteArray& binary);
    void finishFetch();

    // Export
    void exportStepsCsv();
    void exportRecordJson();
    void exportPlotDialog(QWidget* plot, const QString& name);
    void exportImage();

    MainWindowOptions m_options;
    std::unique_ptr<RecoveryStore> m_recovery;
    QString m_recoveryProblem;
    QList<RecoveryEntry> m_recoveryOffer;
    bool m_closedCleanly = false;
    UnsavedPrompt m_unsavedPrompt;

    QTabWidget* m_tabs = nullptr;
    QHash<const Document*, CheckState> m_checks;
    widgets::OpCatalog m_catalog;
    int m_untitledCount = 0;

    std::vector<EngineSlot> m_engines;
    int m_activeEngine = -1;

    QList<RunEntry> m_runs;
    int m_liveRun = -1;
    int m_runCount = 0; // runs started in this window, for their names
    int m_shownRun = -1;
    int m_comparedRun = -1;
    Progress m_progress;
    QHash<QString, QHash<QString, int>> m_knownSteps; // text hash -> backend -> steps per repetition
    QTimer* m_stopTimer = nullptr;
    QTimer* m_autosaveTimer = nullptr;
    bool m_stopRequested = false;
    bool m_watchdogFired = false; // the live run passed its time limit

    StepsModel* m_stepsModel = nullptr;
    QTableView* m_stepsView = nullptr;
    QComboBox* m_runSelector = nullptr;
    QComboBox* m_compareSelector = nullptr;
    QLabel* m_runHeader = nullptr;
    QTreeWidget* m_problems = nullptr;
    ImagePanel* m_images = nullptr;
    KernelPanel* m_kernelPanel = nullptr;
    widgets::OpPalette* m_opPalette = nullptr; // the Ops dock: every op, inserted into the pipeline
    bool m_kernelShown = false;                // the active document is a kernel: the Kernel dock was raised for it
    widgets::TimingPlot* m_timingPlot = nullptr;
    widgets::SpeedupPlot* m_speedupPlot = nullptr;
    widgets::MemoryPlot* m_memoryPlot = nullptr;
    widgets::TelemetryPlot* m_telemetryPlot = nullptr;
    widgets::TuningPlot* m_tuningPlot = nullptr;
    QPushButton* m_useBestButton = nullptr;
    QFileSystemModel* m_fileModel = nullptr;
    QTreeView* m_fileView = nullptr;
    QLabel* m_workspaceLabel = nullptr;
    QList<QDockWidget*> m_docks;
    QByteArray m_defaultState;

    Fetch m_fetch;
    quint64 m_fetchGeneration = 0;
    QString m_selectedValue; // the run row's value shown in Images, kept across "Compare" changes
    QString m_selectedBackend;
    int m_selectedRun = -1;

    QLabel* m_engineState = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QComboBox* m_engineSelector = nullptr;
    QComboBox* m_backendsBox = nullptr;
    QSpinBox* m_repeatBox = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_engineMenu = nullptr;
    QActionGroup* m_backendsGroup = nullptr;
    QList<QAction*> m_backendsActions;

    QAction* m_newPipeline = nullptr;
    QAction* m_newKernel = nullptr;
    QAction* m_open = nullptr;
    QAction* m_openFolder = nullptr;
    QAction* m_save = nullptr;
    QAction* m_saveAs = nullptr;
    QAction* m_saveAll = nullptr;
    QAction* m_closeTab = nullptr;
    QAction* m_quit = nullptr;
    QAction* m_run = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_addEngine = nullptr;
    QAction* m_restartEngine = nullptr;
    QAction* m_resetLayout = nullptr;
    QAction* m_exportCsv = nullptr;
    QAction* m_exportRecord = nullptr;
    QAction* m_exportImage = nullptr;
    QList<QAction*> m_exportPlots;
    QMenu* m_exportMenu = nullptr;
};

} // namespace wb::app
