// The window itself: its actions, menus, toolbar, docks and status bar, and the settings
// it keeps across starts. What the window does lives in main_window_*.cpp, one file for
// each section of main_window.h.

#include "main_window.h"

#include "code_editor.h"
#include "command_line.h"
#include "image_panel.h"
#include "kernel_panel.h"
#include "memory_plot.h"
#include "op_palette.h"
#include "pipeline_editor.h"
#include "speedup_plot.h"
#include "steps_model.h"
#include "telemetry_plot.h"
#include "timing_plot.h"
#include "tuning_plot.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace wb::app {

namespace {

constexpr int kStateVersion = 1;

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kFilesKey = QStringLiteral("session/files");
const QString kActiveKey = QStringLiteral("session/active");
const QString kWorkspaceKey = QStringLiteral("workspace/folder");
const QString kEnginesKey = QStringLiteral("engines/commands");
const QString kActiveEngineKey = QStringLiteral("engines/active");
const QString kBackendsKey = QStringLiteral("run/backends");
const QString kRepeatKey = QStringLiteral("run/repeat");

} // namespace

// --- Construction ---------------------------------------------------------------------

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent)
    , m_options(options)
    , m_recovery(std::make_unique<RecoveryStore>(options.recoveryFolder.isEmpty() ? RecoveryStore::defaultFolder()
                                                                                  : options.recoveryFolder))
    , m_stopTimer(new QTimer(this))
    , m_autosaveTimer(new QTimer(this))
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(QStringLiteral("Warpbench"));
    setDockNestingEnabled(true);
    resize(1440, 900);

    // Orphans first: this session's own folder is never among them, but looking before it
    // exists keeps the order of the folder listing simple.
    m_recoveryOffer = m_recovery->orphanedEntries();
    if (!m_recovery->open(&m_recoveryProblem)) {
        m_recoveryProblem = tr("Autosave is off: %1").arg(m_recoveryProblem);
    }

    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    auto* placeholder = new QLabel(tr("<p style='font-size:large'>No document open</p>"
                                      "<p>New pipeline: <b>Ctrl+N</b> · Open: <b>Ctrl+O</b> · "
                                      "samples under File ▸ Open Sample</p>"
                                      "<p>Run: <b>F5</b> · Stop: <b>Shift+F5</b></p>"));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setForegroundRole(QPalette::PlaceholderText);
    auto* centre = new QStackedWidget;
    centre->addWidget(placeholder);
    centre->addWidget(m_tabs);
    setCentralWidget(centre);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this, centre] {
        centre->setCurrentWidget(m_tabs->count() > 0 ? static_cast<QWidget*>(m_tabs) : centre->widget(0));
        onCurrentTabChanged();
    });
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int tab) { closeDocument(documentAt(tab)); });

    buildActions();
    buildDocks();
    buildMenus();
    buildToolBar();
    buildStatusBar();
    m_defaultState = saveState(kStateVersion);

    // Engines: the ones given, else the local one and those the user added.
    if (!m_options.engines.isEmpty()) {
        for (const QStringList& command : m_options.engines) {
            addEngineSlot(command, command.join(QLatin1Char(' ')));
        }
    } else {
        QString problem;
        addEngineSlot(EngineClient::defaultCommand(&problem), QString());
        const QStringList saved = QSettings().value(kEnginesKey).toStringList();
        for (const QString& line : saved) {
            if (std::optional<QStringList> words = splitCommandLine(line)) {
                addEngineSlot(*words, line);
            }
        }
    }

    restoreSettings();

    m_stopTimer->setSingleShot(true);
    connect(m_stopTimer, &QTimer::timeout, this, &MainWindow::onStopTimeout);
    m_autosaveTimer->setInterval(static_cast<int>(m_options.autosaveInterval.count()));
    connect(m_autosaveTimer, &QTimer::timeout, this, &MainWindow::autosaveNow);
    m_autosaveTimer->start();

    updateTitles();
    updateStatus();
    if (!m_recoveryProblem.isEmpty()) {
        statusBar()->showMessage(m_recoveryProblem);
    }
    // The window comes first; the engine starts behind it (issue 5: shown within 1.5 s).
    QTimer::singleShot(0, this, [this] {
        if (EngineClient* client = engine()) {
            client->start();
        }
    });
}

MainWindow::~MainWindow()
{
    // Nothing may call back into this half-destroyed window: the tabs and engines are
    // silenced first, then the documents go (each takes its editor).
    // Members are destroyed before QWidget's destructor hides the docks, whose signals
    // would reach slots that use them: every child's connection to this window goes.
    const QList<QObject*> children = findChildren<QObject*>();
    for (QObject* child : children) {
        child->disconnect(this);
    }
    const QList<Document*> all = documents();
    for (Document* document : all) {
        document->disconnect(this);
        delete document;
    }
    // Without a clean close the recovery copies stay where they are, as after a crash, and
    // the next start offers them; RecoveryStore's destructor only releases the lock.
}

QDockWidget* MainWindow::makeDock(const QString& objectName, const QString& title, QWidget* widget,
                                  Qt::DockWidgetArea area)
{
    auto* dockWidget = new QDockWidget(title, this);
    dockWidget->setObjectName(objectName);
    dockWidget->setWidget(widget);
    dockWidget->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                            QDockWidget::DockWidgetFloatable);
    addDockWidget(area, dockWidget);
    m_docks.append(dockWidget);
    return dockWidget;
}

QDockWidget* MainWindow::dock(const QString& objectName) const
{
    for (QDockWidget* d : m_docks) {
        if (d->objectName() == objectName) {
            return d;
        }
    }
    return nullptr;
}

void MainWindow::buildActions()
{
    const auto make = [this](const QString& text, const QKeySequence& shortcut, QStyle::StandardPixmap icon,
                             auto slot) {
        auto* action = new QAction(style()->standardIcon(icon), text, this);
        if (!shortcut.isEmpty()) {
            action->setShortcut(shortcut);
        }
        connect(action, &QAction::triggered, this, slot);
        return action;
    };
    m_newPipeline = make(tr("&New Pipeline"), QKeySequence::New, QStyle::SP_FileIcon,
                         [this] { newDocument(Document::Kind::Pipeline); });
    m_newPipeline->setToolTip(tr("New pipeline (Ctrl+N)"));
    m_newKernel = make(tr("New &Kernel"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N), QStyle::SP_FileIcon,
                       [this] { newDocument(Document::Kind::Kernel); });
    m_open = make(tr("&Open…"), QKeySequence::Open, QStyle::SP_DialogOpenButton, [this] { openDialog(); });
    m_open->setToolTip(tr("Open a pipeline, a kernel or a run record (Ctrl+O)"));
    m_openFolder = make(tr("Open &Folder…"), QKeySequence(), QStyle::SP_DirOpenIcon, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Workspace folder"), m_fileModel->rootPath());
        if (!folder.isEmpty()) {
            setWorkspaceFolder(folder);
        }
    });
    m_save = make(tr("&Save"), QKeySequence::Save, QStyle::SP_DialogSaveButton, [this] {
        QString error;
        if (Document* document = activeDocument();
            document != nullptr && !saveDocument(document, &error) && !error.isEmpty()) {
            QMessageBox::warning(this, tr("Save"), error);
        }
    });
    m_save->setToolTip(tr("Save (Ctrl+S)"));
    m_saveAs = make(tr("Save &As…"), QKeySequence::SaveAs, QStyle::SP_DialogSaveButton, [this] {
        if (Document* document = activeDocument()) {
            saveAsDialog(document);
        }
    });
    m_saveAll =
        make(tr("Save A&ll"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S), QStyle::SP_DialogSaveButton, [this] {
            for (Document* document : documents()) {
                if (document->isModified()) {
                    QString error;
                    if (!saveDocument(document, &error) && !error.isEmpty()) {
                        QMessageBox::warning(this, tr("Save"), error);
                    }
                }
            }
        });
    m_closeTab = make(tr("&Close"), QKeySequence::Close, QStyle::SP_DialogCloseButton, [this] {
        if (Document* document = activeDocument()) {
            closeDocument(document);
        }
    });
    m_quit = make(tr("&Quit"), QKeySequence::Quit, QStyle::SP_DialogCloseButton, [this] { close(); });

    m_run = make(tr("&Run"), QKeySequence(Qt::Key_F5), QStyle::SP_MediaPlay, [this] { runActive(); });
    m_run->setToolTip(tr("Run the pipeline (F5)"));
    m_stop = make(tr("S&top"), QKeySequence(Qt::SHIFT | Qt::Key_F5), QStyle::SP_MediaStop, [this] { stopRun(); });
    m_stop->setToolTip(tr("Stop the run (Shift+F5)"));
    m_stop->setEnabled(false);

    m_backendsGroup = new QActionGroup(this);
    const QList<std::pair<QString, Backends>> choices{{tr("As the Pipeline Says (@backends)"), Backends::Pipeline},
                                                      {tr("&CPU"), Backends::Cpu},
                                                      {tr("&GPU"), Backends::Gpu},
                                                      {tr("CPU &and GPU"), Backends::Both}};
    for (const auto& [text, value] : choices) {
        auto* action = new QAction(text, this);
        action->setCheckable(true);
        action->setData(static_cast<int>(value));
        m_backendsGroup->addAction(action);
        m_backendsActions.append(action);
        connect(action, &QAction::triggered, this, [this, choice = value] { setBackends(choice); });
    }
    m_backendsActions.first()->setChecked(true);

    m_addEngine = make(tr("&Add Engine…"), QKeySequence(), QStyle::SP_ComputerIcon, [this] { addEngineDialog(); });
    m_restartEngine =
        make(tr("&Restart Engine"), QKeySequence(), QStyle::SP_BrowserReload, [this] { restartEngine(); });
    m_resetLayout = make(tr("&Reset Layout"), QKeySequence(), QStyle::SP_DesktopIcon, [this] {
        restoreState(m_defaultState, kStateVersion);
        for (QDockWidget* d : m_docks) {
            d->show();
        }
    });

    m_exportCsv = make(tr("Steps Table as &CSV…"), QKeySequence(), QStyle::SP_FileIcon, [this] { exportStepsCsv(); });
    m_exportRecord =
        make(tr("Run &Record as JSON…"), QKeySequence(), QStyle::SP_FileIcon, [this] { exportRecordJson(); });
    m_exportImage = make(tr("&Image as PNG…"), QKeySequence(), QStyle::SP_FileIcon, [this] { exportImage(); });
}

void MainWindow::buildDocks()
{
    // Steps: the run selector, the comparison and the outcome above the table.
    m_stepsModel = new StepsModel(this);
    m_stepsView = new QTableView;
    m_stepsView->setModel(m_stepsModel);
    m_stepsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_stepsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_stepsView->setAlternatingRowColors(true);
    m_stepsView->verticalHeader()->hide();
    m_stepsView->verticalHeader()->setDefaultSectionSize(m_stepsView->fontMetrics().height() + 6);
    m_stepsView->horizontalHeader()->setStretchLastSection(false);
    m_stepsView->horizontalHeader()->setSectionResizeMode(StepsModel::StepColumn, QHeaderView::Stretch);
    m_stepsView->setColumnWidth(StepsModel::LineColumn, 48);
    m_stepsView->setColumnWidth(StepsModel::ShapeColumn, 130);
    for (int column = StepsModel::CpuMsColumn; column < StepsModel::ColumnCount; ++column) {
        m_stepsView->setColumnWidth(column, column == StepsModel::ThroughputColumn ? 120 : 90);
    }
    m_stepsView->setWordWrap(false);
    m_stepsView->setTextElideMode(Qt::ElideMiddle);
    connect(m_stepsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onStepSelectionChanged);
    m_runSelector = new QComboBox;
    m_runSelector->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_runSelector->setToolTip(tr("The runs of this session and the run records opened; the results of earlier runs "
                                 "stay here"));
    connect(m_runSelector, &QComboBox::activated, this,
            [this](int item) { showRun(m_runSelector->itemData(item).toInt()); });
    m_compareSelector = new QComboBox;
    m_compareSelector->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_compareSelector->setToolTip(tr("Show another run beside this one in the Timing and Speedup plots (A/B)"));
    connect(m_compareSelector, &QComboBox::activated, this,
            [this](int item) { compareWithRun(m_compareSelector->itemData(item).toInt()); });
    m_runHeader = new QLabel;
    m_runHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_runHeader->setWordWrap(true);
    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 2);
    header->addWidget(new QLabel(tr("Run:")));
    header->addWidget(m_runSelector);
    header->addWidget(new QLabel(tr("Compare with:")));
    header->addWidget(m_compareSelector);
    header->addWidget(m_runHeader, 1);
    auto* steps = new QWidget;
    auto* stepsLayout = new QVBoxLayout(steps);
    stepsLayout->setContentsMargins(0, 0, 0, 0);
    stepsLayout->setSpacing(0);
    stepsLayout->addLayout(header);
    stepsLayout->addWidget(m_stepsView, 1);

    m_problems = new QTreeWidget;
    m_problems->setColumnCount(3);
    m_problems->setHeaderLabels({tr("Place"), tr("Message"), tr("Source")});
    m_problems->setRootIsDecorated(false);
    m_problems->setUniformRowHeights(true);
    m_problems->setAlternatingRowColors(true);
    m_problems->header()->setStretchLastSection(false);
    m_problems->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_problems->setColumnWidth(0, 200);
    connect(m_problems, &QTreeWidget::itemActivated, this, &MainWindow::onProblemActivated);

    m_images = new ImagePanel;
    connect(m_images, &ImagePanel::compareChanged, this, &MainWindow::fetchShown);

    m_kernelPanel = new KernelPanel;

    m_opPalette = new widgets::OpPalette;
    connect(m_opPalette, &widgets::OpPalette::insertRequested, this, &MainWindow::insertStep);

    m_timingPlot = new widgets::TimingPlot;
    m_speedupPlot = new widgets::SpeedupPlot;
    m_memoryPlot = new widgets::MemoryPlot;
    m_telemetryPlot = new widgets::TelemetryPlot;
    m_tuningPlot = new widgets::TuningPlot;
    m_useBestButton = new QPushButton(tr("Use best"));
    m_useBestButton->setEnabled(false);
    connect(m_useBestButton, &QPushButton::clicked, this, [this] {
        QString error;
        if (!useBestTuning(&error)) {
            statusBar()->showMessage(error, 15000);
        }
    });
    auto* tuning = new QWidget;
    auto* tuningLayout = new QVBoxLayout(tuning);
    tuningLayout->setContentsMargins(0, 0, 0, 0);
    tuningLayout->addWidget(m_useBestButton, 0, Qt::AlignLeft);
    tuningLayout->addWidget(m_tuningPlot, 1);

    m_fileModel = new QFileSystemModel(this);
    m_fileModel->setNameFilters({QStringLiteral("*.wbp"), QStringLiteral("*.cu"), QStringLiteral("*.cuh"),
                                 QStringLiteral("*.json"), QStringLiteral("*.png"), QStringLiteral("*.npy")});
    m_fileModel->setNameFilterDisables(false);
    m_fileView = new QTreeView;
    m_fileView->setModel(m_fileModel);
    m_fileView->setHeaderHidden(true);
    for (int column = 1; column < m_fileModel->columnCount(); ++column) {
        m_fileView->hideColumn(column);
    }
    connect(m_fileView, &QTreeView::activated, this, [this](const QModelIndex& index) {
        const QString path = m_fileModel->filePath(index);
        if (QFileInfo(path).isFile()) {
            QString error;
            if (Document::kindForPath(path) || path.endsWith(QLatin1String(".json"), Qt::CaseInsensitive)) {
                if (openFile(path, &error) == nullptr && !error.isEmpty()) {
                    QMessageBox::warning(this, tr("Open"), error);
                }
            }
        }
    });
    m_workspaceLabel = new QLabel;
    m_workspaceLabel->setContentsMargins(4, 2, 4, 2);
    auto* workspace = new QWidget;
    auto* workspaceLayout = new QVBoxLayout(workspace);
    workspaceLayout->setContentsMargins(0, 0, 0, 0);
    workspaceLayout->setSpacing(0);
    workspaceLayout->addWidget(m_workspaceLabel);
    workspaceLayout->addWidget(m_fileView, 1);

    QDockWidget* workspaceDock =
        makeDock(QStringLiteral("WorkspaceDock"), tr("Workspace"), workspace, Qt::LeftDockWidgetArea);
    QDockWidget* opsDock = makeDock(QStringLiteral("OpsDock"), tr("Ops"), m_opPalette, Qt::LeftDockWidgetArea);
    QDockWidget* stepsDock = makeDock(QStringLiteral("StepsDock"), tr("Steps"), steps, Qt::BottomDockWidgetArea);
    QDockWidget* problemsDock =
        makeDock(QStringLiteral("ProblemsDock"), tr("Problems"), m_problems, Qt::BottomDockWidgetArea);
    QDockWidget* imagesDock = makeDock(QStringLiteral("ImagesDock"), tr("Images"), m_images, Qt::RightDockWidgetArea);
    QDockWidget* kernelDock =
        makeDock(QStringLiteral("KernelDock"), tr("Kernel"), m_kernelPanel, Qt::RightDockWidgetArea);
    QDockWidget* timingDock =
        makeDock(QStringLiteral("TimingDock"), tr("Timing"), m_timingPlot, Qt::RightDockWidgetArea);
    QDockWidget* speedupDock =
        makeDock(QStringLiteral("SpeedupDock"), tr("Speedup"), m_speedupPlot, Qt::RightDockWidgetArea);
    QDockWidget* memoryDock =
        makeDock(QStringLiteral("MemoryDock"), tr("Memory"), m_memoryPlot, Qt::RightDockWidgetArea);
    QDockWidget* telemetryDock =
        makeDock(QStringLiteral("TelemetryDock"), tr("Telemetry"), m_telemetryPlot, Qt::RightDockWidgetArea);
    QDockWidget* tuningDock = makeDock(QStringLiteral("TuningDock"), tr("Tuning"), tuning, Qt::RightDockWidgetArea);
    // The ops under the files, both beside the editor.
    splitDockWidget(workspaceDock, opsDock, Qt::Vertical);
    tabifyDockWidget(stepsDock, problemsDock);
    stepsDock->raise();
    splitDockWidget(imagesDock, timingDock, Qt::Vertical);
    // The active kernel's report beside its editor, where a pipeline's images are.
    tabifyDockWidget(imagesDock, kernelDock);
    imagesDock->raise();
    tabifyDockWidget(timingDock, speedupDock);
    tabifyDockWidget(speedupDock, memoryDock);
    tabifyDockWidget(memoryDock, telemetryDock);
    tabifyDockWidget(telemetryDock, tuningDock);
    timingDock->raise();
    resizeDocks({workspaceDock}, {220}, Qt::Horizontal);
    resizeDocks({imagesDock}, {520}, Qt::Horizontal);
    resizeDocks({stepsDock}, {300}, Qt::Vertical);
    connect(telemetryDock, &QDockWidget::visibilityChanged, this, [this] { updateTelemetry(); });
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_newPipeline);
    file->addAction(m_newKernel);
    file->addSeparator();
    file->addAction(m_open);
    file->addAction(m_openFolder);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    QMenu* samples = file->addMenu(tr("Open Sa&mple"));
    connect(samples, &QMenu::aboutToShow, this, [this, samples] {
        samples->clear();
        QStringList folders{
            qEnvironmentVariable("WB_SAMPLES_DIR"),
            QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/warpbench/pipelines"))};
#ifdef WARPBENCH_RESOURCES_DIR
        folders.append(QStringLiteral(WARPBENCH_RESOURCES_DIR "/pipelines"));
#endif
        for (const QString& folder : folders) {
            const QFileInfoList found =
                folder.isEmpty() ? QFileInfoList()
                                 : QDir(folder).entryInfoList({QStringLiteral("*.wbp")}, QDir::Files, QDir::Name);
            for (const QFileInfo& info : found) {
                samples->addAction(info.fileName(), this, [this, path = info.absoluteFilePath()] { openFile(path); });
            }
            if (!found.isEmpty()) {
                return;
            }
        }
        samples->addAction(tr("No samples found (set WB_SAMPLES_DIR)"))->setEnabled(false);
    });
    file->addSeparator();
    file->addAction(m_save);
    file->addAction(m_saveAs);
    file->addAction(m_saveAll);
    file->addAction(m_closeTab);
    file->addSeparator();
    m_exportMenu = file->addMenu(tr("&Export"));
    m_exportMenu->addAction(m_exportCsv);
    m_exportMenu->addAction(m_exportRecord);
    m_exportMenu->addSeparator();
    const QList<std::pair<QString, QWidget*>> plots{{tr("&Timing Plot…"), m_timingPlot},
                                                    {tr("S&peedup Plot…"), m_speedupPlot},
                                                    {tr("&Memory Plot…"), m_memoryPlot},
                                                    {tr("Te&lemetry Plot…"), m_telemetryPlot}};
    for (const auto& [text, plot] : plots) {
        QAction* action = m_exportMenu->addAction(text);
        connect(action, &QAction::triggered, this, [this, target = plot, name = text] {
            exportPlotDialog(target, QString(name).remove(QLatin1Char('&')).remove(QChar(0x2026)));
        });
        m_exportPlots.append(action);
    }
    m_exportMenu->addAction(m_exportImage);
    file->addSeparator();
    file->addAction(m_quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    const auto forward = [this](void (QsciScintilla::*slot)()) {
        return [this, slot] {
            if (Document* document = activeDocument()) {
                (document->editor()->*slot)();
            }
        };
    };
    edit->addAction(tr("&Undo"), QKeySequence::Undo, this, forward(&QsciScintilla::undo));
    edit->addAction(tr("&Redo"), QKeySequence::Redo, this, forward(&QsciScintilla::redo));
    edit->addSeparator();
    edit->addAction(tr("Cu&t"), QKeySequence::Cut, this, forward(&QsciScintilla::cut));
    edit->addAction(tr("&Copy"), QKeySequence::Copy, this, forward(&QsciScintilla::copy));
    edit->addAction(tr("&Paste"), QKeySequence::Paste, this, forward(&QsciScintilla::paste));
    // The editor handles these keys itself while it has the focus; the menu entries are
    // for the mouse, so they carry no shortcut of their own that would fight the editor's.
    for (QAction* action : edit->actions()) {
        action->setShortcutContext(Qt::WidgetShortcut);
    }

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_run);
    run->addAction(m_stop);
    run->addSeparator();
    QMenu* backendsMenu = run->addMenu(tr("&Backends"));
    backendsMenu->addActions(m_backendsActions);

    m_engineMenu = menuBar()->addMenu(tr("E&ngine"));
    connect(m_engineMenu, &QMenu::aboutToShow, this, [this] {
        m_engineMenu->clear();
        auto* group = new QActionGroup(m_engineMenu);
        for (int i = 0; i < engineCount(); ++i) {
            QAction* action = m_engineMenu->addAction(engineLabel(i));
            action->setCheckable(true);
            action->setChecked(i == m_activeEngine);
            group->addAction(action);
            connect(action, &QAction::triggered, this, [this, i] { setActiveEngine(i); });
        }
        m_engineMenu->addSeparator();
        m_engineMenu->addAction(m_addEngine);
        m_engineMenu->addAction(m_restartEngine);
    });
    // Filled when shown; one placeholder so that the menu opens.
    m_engineMenu->addAction(m_addEngine);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : m_docks) {
        view->addAction(d->toggleViewAction());
    }
    view->addSeparator();
    view->addAction(m_resetLayout);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Warpbench"), this, [this] {
        QMessageBox::about(
            this, tr("About Warpbench"),
            tr("<p><b>Warpbench %1</b></p><p>A workbench for GPU computing: pipelines and kernels, run on "
               "the CPU and the GPU by a separate engine process, with honest timings.</p>")
                .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::buildToolBar()
{
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("MainToolBar"));
    bar->setMovable(true);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_newPipeline);
    bar->addAction(m_open);
    bar->addAction(m_save);
    bar->addSeparator();
    bar->addAction(m_run);
    bar->addAction(m_stop);
    bar->addSeparator();

    m_backendsBox = new QComboBox;
    m_backendsBox->addItem(tr("@backends"), static_cast<int>(Backends::Pipeline));
    m_backendsBox->addItem(tr("CPU"), static_cast<int>(Backends::Cpu));
    m_backendsBox->addItem(tr("GPU"), static_cast<int>(Backends::Gpu));
    m_backendsBox->addItem(tr("CPU + GPU"), static_cast<int>(Backends::Both));
    m_backendsBox->setToolTip(tr("Backends to run on; @backends: as the pipeline's directive says"));
    connect(m_backendsBox, &QComboBox::activated, this,
            [this](int item) { setBackends(static_cast<Backends>(m_backendsBox->itemData(item).toInt())); });
    bar->addWidget(new QLabel(tr(" Backends ")));
    bar->addWidget(m_backendsBox);

    m_repeatBox = new QSpinBox;
    m_repeatBox->setRange(0, 100000);
    m_repeatBox->setSpecialValueText(tr("@repeat"));
    m_repeatBox->setToolTip(tr("Measured repetitions of each step; @repeat: as the pipeline's directive says"));
    bar->addWidget(new QLabel(tr(" Repeat ")));
    bar->addWidget(m_repeatBox);
    bar->addSeparator();

    m_engineSelector = new QComboBox;
    m_engineSelector->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_engineSelector->setToolTip(tr("The engine that runs and checks pipelines, and its device"));
    connect(m_engineSelector, &QComboBox::activated, this, [this](int item) { setActiveEngine(item); });
    bar->addWidget(new QLabel(tr(" Engine ")));
    bar->addWidget(m_engineSelector);
    bar->addSeparator();

    auto* exportButton = new QToolButton;
    exportButton->setText(tr("Export"));
    exportButton->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    exportButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    exportButton->setMenu(m_exportMenu);
    exportButton->setToolTip(tr("Export the steps table, the run record, a plot or the image"));
    bar->addWidget(exportButton);
}

void MainWindow::buildStatusBar()
{
    m_engineState = new QLabel;
    m_deviceLabel = new QLabel;
    m_engineState->setContentsMargins(6, 0, 6, 0);
    m_deviceLabel->setContentsMargins(6, 0, 6, 0);
    statusBar()->addPermanentWidget(m_engineState);
    statusBar()->addPermanentWidget(m_deviceLabel);
}

// --- Settings -------------------------------------------------------------------------

void MainWindow::restoreSettings()
{
    QSettings settings;
    setBackends(static_cast<Backends>(std::clamp(settings.value(kBackendsKey, 0).toInt(), 0, 3)));
    m_repeatBox->setValue(settings.value(kRepeatKey, 0).toInt());
    const int activeEngine = m_options.engines.isEmpty() ? settings.value(kActiveEngineKey, 0).toInt() : 0;
    m_activeEngine = std::clamp(activeEngine, 0, engineCount() - 1);
    updateEngineSelector();

    QString workspace = settings.value(kWorkspaceKey).toString();
    if (workspace.isEmpty() || !QFileInfo(workspace).isDir()) {
        workspace = QDir::currentPath();
    }
    setWorkspaceFolder(workspace);

    if (!m_options.restoreSession) {
        return;
    }
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray(), kStateVersion);
    const QStringList files = settings.value(kFilesKey).toStringList();
    QStringList missing;
    for (const QString& path : files) {
        QString error;
        if (openFile(path, &error) == nullptr) {
            missing.append(error);
        }
    }
    if (Document* active = documentForPath(settings.value(kActiveKey).toString())) {
        setActiveDocument(active);
    }
    if (!missing.isEmpty()) {
        statusBar()->showMessage(tr("Not reopened: %1").arg(missing.join(QStringLiteral("; "))), 15000);
    }
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState(kStateVersion));
    QStringList files;
    for (Document* document : documents()) {
        if (!document->isUntitled()) {
            files.append(document->path());
        }
    }
    settings.setValue(kFilesKey, files);
    settings.setValue(kActiveKey, activeDocument() != nullptr ? activeDocument()->path() : QString());
    settings.setValue(kWorkspaceKey, m_fileModel->rootPath());
    settings.setValue(kBackendsKey, static_cast<int>(backends()));
    settings.setValue(kRepeatKey, repeat());
    if (m_options.engines.isEmpty()) {
        QStringList lines;
        for (const EngineSlot& slot : m_engines) {
            if (!slot.commandLine.isEmpty()) {
                lines.append(slot.commandLine);
            }
        }
        settings.setValue(kEnginesKey, lines);
        settings.setValue(kActiveEngineKey, m_activeEngine);
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!confirmCloseAll()) {
        event->ignore();
        return;
    }
    saveSettings();
    // A clean exit: the copies are not needed, and nothing will be offered next time.
    m_recovery->discardSession();
    m_autosaveTimer->stop();
    m_closedCleanly = true;
    for (EngineSlot& slot : m_engines) {
        slot.restartAfterStop = false;
        slot.client->stop();
    }
    event->accept();
}

} // namespace wb::app
