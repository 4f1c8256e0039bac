#include "main_window.h"

#include "command_line.h"
#include "image_panel.h"
#include "image_view.h"
#include "kernel_editor.h"
#include "memory_plot.h"
#include "pipeline_editor.h"
#include "plot_export.h"
#include "speedup_plot.h"
#include "steps_model.h"
#include "telemetry_plot.h"
#include "timing_plot.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemModel>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonDocument>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QSignalBlocker>
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

#include <Qsci/qsciscintillabase.h>

#include <wb/dtype.h>

#include <algorithm>

namespace wb::app {

namespace {

constexpr int kStateVersion = 1;
constexpr int kMaxRecentFiles = 10;
constexpr qint64 kPreviewElements = 4 * 1024 * 1024; // a 2048² image whole; larger ones are strided
constexpr double kTelemetryHz = 10;

const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
const QString kFilesKey = QStringLiteral("session/files");
const QString kActiveKey = QStringLiteral("session/active");
const QString kRecentKey = QStringLiteral("recentFiles");
const QString kWorkspaceKey = QStringLiteral("workspace/folder");
const QString kEnginesKey = QStringLiteral("engines/commands");
const QString kActiveEngineKey = QStringLiteral("engines/active");
const QString kBackendsKey = QStringLiteral("run/backends");
const QString kRepeatKey = QStringLiteral("run/repeat");
const QString kTimeLimitKey = QStringLiteral("run/timeLimitSeconds");

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

// The devices document's (or a record's) GPU names by index.
QHash<int, QString> gpuNames(const QJsonObject& head)
{
    QHash<int, QString> names;
    for (const QJsonValue& gpu :
         head.value(QStringLiteral("cuda")).toObject().value(QStringLiteral("gpus")).toArray()) {
        const QJsonObject object = gpu.toObject();
        names.insert(object.value(QStringLiteral("index")).toInt(), object.value(QStringLiteral("name")).toString());
    }
    return names;
}

QString shapeText(const QJsonArray& shape)
{
    QStringList sizes;
    for (const QJsonValue& size : shape) {
        sizes.append(QString::number(size.toInteger()));
    }
    return sizes.isEmpty() ? QObject::tr("scalar") : sizes.join(QChar(0x00d7));
}

// An engine's fetch reply and its binary frame as an ImageData; nullopt with the reason
// when it is not an array the view can show.
std::optional<widgets::ImageData> imageFromFetch(const QJsonObject& reply, const QByteArray& binary, QString* error)
{
    widgets::ImageData image;
    image.name = reply.value(QStringLiteral("step")).toString();
    image.source = reply.value(QStringLiteral("backend")).toString();
    const std::optional<DType> dtype = parseDType(reply.value(QStringLiteral("dtype")).toString().toStdString());
    if (!dtype) {
        *error =
            QObject::tr("the engine sent an unknown dtype '%1'").arg(reply.value(QStringLiteral("dtype")).toString());
        return std::nullopt;
    }
    image.dtype = *dtype;
    for (const QJsonValue& size : reply.value(QStringLiteral("shape")).toArray()) {
        image.shape.append(size.toInteger());
    }
    image.bytes = binary;
    if (image.shape.isEmpty()) {
        image.shape = {1}; // a 0-D value: one element, shown as a 1×1 image and its value
    }
    if (image.shape.size() > 3 || (image.shape.size() == 3 && image.shape[2] > 4)) {
        *error = QObject::tr("%1 has the shape %2, which is not an image (up to 3 axes, at most 4 channels)")
                     .arg(image.name, shapeText(reply.value(QStringLiteral("original_shape")).toArray()));
        return std::nullopt;
    }
    if (!image.isValid()) {
        *error = QObject::tr("the engine sent %1 bytes for %2 of shape %3")
                     .arg(binary.size())
                     .arg(image.name, shapeText(reply.value(QStringLiteral("shape")).toArray()));
        return std::nullopt;
    }
    return image;
}

QString fetchCaption(const QJsonObject& reply)
{
    const QJsonArray original = reply.value(QStringLiteral("original_shape")).toArray();
    const QJsonArray shape = reply.value(QStringLiteral("shape")).toArray();
    QString text =
        QStringLiteral("%1 · %2 · %3 %4")
            .arg(reply.value(QStringLiteral("step")).toString(), reply.value(QStringLiteral("backend")).toString(),
                 shapeText(original), reply.value(QStringLiteral("dtype")).toString());
    if (shape != original) {
        text += QObject::tr(" (previewed at %1)").arg(shapeText(shape));
    }
    return text;
}

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

    m_timingPlot = new widgets::TimingPlot;
    m_speedupPlot = new widgets::SpeedupPlot;
    m_memoryPlot = new widgets::MemoryPlot;
    m_telemetryPlot = new widgets::TelemetryPlot;

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
    QDockWidget* stepsDock = makeDock(QStringLiteral("StepsDock"), tr("Steps"), steps, Qt::BottomDockWidgetArea);
    QDockWidget* problemsDock =
        makeDock(QStringLiteral("ProblemsDock"), tr("Problems"), m_problems, Qt::BottomDockWidgetArea);
    QDockWidget* imagesDock = makeDock(QStringLiteral("ImagesDock"), tr("Images"), m_images, Qt::RightDockWidgetArea);
    QDockWidget* timingDock =
        makeDock(QStringLiteral("TimingDock"), tr("Timing"), m_timingPlot, Qt::RightDockWidgetArea);
    QDockWidget* speedupDock =
        makeDock(QStringLiteral("SpeedupDock"), tr("Speedup"), m_speedupPlot, Qt::RightDockWidgetArea);
    QDockWidget* memoryDock =
        makeDock(QStringLiteral("MemoryDock"), tr("Memory"), m_memoryPlot, Qt::RightDockWidgetArea);
    QDockWidget* telemetryDock =
        makeDock(QStringLiteral("TelemetryDock"), tr("Telemetry"), m_telemetryPlot, Qt::RightDockWidgetArea);
    tabifyDockWidget(stepsDock, problemsDock);
    stepsDock->raise();
    splitDockWidget(imagesDock, timingDock, Qt::Vertical);
    tabifyDockWidget(timingDock, speedupDock);
    tabifyDockWidget(speedupDock, memoryDock);
    tabifyDockWidget(memoryDock, telemetryDock);
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

// --- Documents ------------------------------------------------------------------------

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
        connect(editor, &widgets::CodeEditor::textEditedForCheck, this, [this, document] { requestCheck(document); });
    }
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
    if (document->pipelineEditor() != nullptr) {
        requestCheck(document); // relative paths now resolve from another folder
    }
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
    if (Document* active = activeDocument(); active != nullptr && !active->isUntitled()) {
        // The folder view follows the files the user works on, until a folder is chosen.
        if (!active->path().startsWith(m_fileModel->rootPath() + QLatin1Char('/'))) {
            setWorkspaceFolder(active->directory());
        }
    }
}

// --- Recovery -------------------------------------------------------------------------

void MainWindow::autosaveNow()
{
    if (!m_recovery->isOpen()) {
        return;
    }
    QStringList failures;
    for (Document* document : documents()) {
        CheckState& state = m_checks[document];
        if (!document->isModified()) {
            continue;
        }
        if (state.autosaved && state.autosavedRevision == document->revision()) {
            continue;
        }
        RecoveryEntry entry;
        entry.id = document->id();
        entry.name = document->fileName();
        entry.originalPath = document->path();
        entry.kind = Document::kindName(document->kind());
        QString error;
        if (m_recovery->write(entry, document->text(), &error)) {
            state.autosaved = true;
            state.autosavedRevision = document->revision();
        } else {
            failures.append(error);
        }
    }
    if (!failures.isEmpty()) {
        statusBar()->showMessage(tr("Autosave failed: %1").arg(failures.join(QStringLiteral("; "))), 10000);
    }
}

QList<Document*> MainWindow::restoreRecovery(const QList<RecoveryEntry>& entries)
{
    QList<Document*> restored;
    QStringList failures;
    for (const RecoveryEntry& entry : entries) {
        QString error;
        const std::optional<QString> text = RecoveryStore::readText(entry, &error);
        const std::optional<Document::Kind> kind = Document::kindFromName(entry.kind);
        if (!text || !kind) {
            failures.append(text ? tr("%1: unknown kind '%2'").arg(entry.name, entry.kind) : error);
            continue;
        }
        Document* document = nullptr;
        if (!entry.originalPath.isEmpty()) {
            document = documentForPath(entry.originalPath);
            if (document == nullptr && QFileInfo(entry.originalPath).isFile()) {
                document = openFile(entry.originalPath, &error);
            }
        }
        if (document == nullptr) {
            document = new Document(*kind, entry.originalPath.isEmpty() ? untitledName(*kind) : QString(), this);
            if (!entry.originalPath.isEmpty()) {
                document->setPath(entry.originalPath); // the file is gone; Save writes it again
            }
            addDocument(document);
        }
        // The copy as an edit of the file: modified, undoable back to what is on disk.
        document->replaceText(*text);
        restored.append(document);
    }
    m_recovery->discardOrphans();
    m_recoveryOffer.clear();
    autosaveNow(); // the restored texts are this session's to keep safe now
    if (!failures.isEmpty()) {
        statusBar()->showMessage(tr("Not restored: %1").arg(failures.join(QStringLiteral("; "))), 15000);
    } else if (!restored.isEmpty()) {
        statusBar()->showMessage(tr("Restored %n document(s) from the recovery folder", nullptr, int(restored.size())),
                                 8000);
    }
    return restored;
}

void MainWindow::discardRecovery()
{
    m_recovery->discardOrphans();
    m_recoveryOffer.clear();
}

void MainWindow::offerRecovery()
{
    if (m_recoveryOffer.isEmpty()) {
        return;
    }
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Restore unsaved work"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* text = new QLabel(tr("Warpbench did not exit cleanly last time. These editors had changes that were not "
                               "saved; their last autosaved copies can be restored:"));
    text->setWordWrap(true);
    layout->addWidget(text);
    auto* list = new QListWidget;
    for (const RecoveryEntry& entry : m_recoveryOffer) {
        auto* item = new QListWidgetItem(
            tr("%1 — %2, autosaved %3")
                .arg(entry.name,
                     entry.originalPath.isEmpty() ? tr("never saved") : QDir::toNativeSeparators(entry.originalPath),
                     QLocale().toString(entry.savedAt.toLocalTime(), QLocale::ShortFormat)),
            list);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
    layout->addWidget(list);
    auto* buttons = new QDialogButtonBox;
    QPushButton* restore = buttons->addButton(tr("Restore Checked"), QDialogButtonBox::AcceptRole);
    QPushButton* discard = buttons->addButton(tr("Discard All"), QDialogButtonBox::DestructiveRole);
    QPushButton* later = buttons->addButton(tr("Decide Later"), QDialogButtonBox::RejectRole);
    layout->addWidget(buttons);
    QPushButton* chosen = nullptr;
    connect(buttons, &QDialogButtonBox::clicked, &dialog, [&](QAbstractButton* button) {
        chosen = qobject_cast<QPushButton*>(button);
        dialog.accept();
    });
    restore->setDefault(true);
    dialog.resize(640, 320);
    dialog.exec();
    if (chosen == restore) {
        QList<RecoveryEntry> selected;
        for (int i = 0; i < list->count(); ++i) {
            if (list->item(i)->checkState() == Qt::Checked) {
                selected.append(m_recoveryOffer[i]);
            }
        }
        restoreRecovery(selected);
    } else if (chosen == discard) {
        discardRecovery();
    } else {
        Q_UNUSED(later); // the copies stay and are offered at the next start
    }
}

// --- Checks and problems --------------------------------------------------------------

void MainWindow::requestCheck(Document* document)
{
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
    state.runDiagnostics = {}; // the text changed since the run; its error may be gone
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
    QJsonArray all = state.diagnostics;
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
                const bool warning =
                    diagnostic.value(QStringLiteral("severity")).toString() == QLatin1String("warning");
                auto* item = new QTreeWidgetItem(m_problems);
                item->setText(0, QStringLiteral("%1:%2:%3").arg(document->fileName()).arg(line).arg(column));
                item->setText(1, diagnostic.value(QStringLiteral("message")).toString());
                item->setText(2, source);
                item->setIcon(
                    0, style()->standardIcon(warning ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxCritical));
                item->setToolTip(1, diagnostic.value(QStringLiteral("text")).toString());
                item->setData(0, Qt::UserRole, line);
                item->setData(0, Qt::UserRole + 1, column);
                item->setData(0, Qt::UserRole + 2, document->id());
                (warning ? warnings : errors) += 1;
            }
        };
        add(state.diagnostics, tr("check"));
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
    for (Document* document : documents()) {
        if (document->id() == id) {
            setActiveDocument(document);
            document->editor()->goTo(item->data(0, Qt::UserRole).toInt(), item->data(0, Qt::UserRole + 1).toInt());
            return;
        }
    }
}

// --- Engines --------------------------------------------------------------------------

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
}

void MainWindow::onEngineReady(EngineClient* client)
{
    if (client != engine()) {
        return;
    }
    // The first Ready, or one after a restart: a new engine, perhaps a new op list, and the
    // checks that were in flight when the old one ended were lost.
    const widgets::OpCatalog catalog =
        widgets::OpCatalog::fromJson(client->engineInfo().value(QStringLiteral("ops")).toArray());
    if (catalog.size() != m_catalog.size() || catalog.names() != m_catalog.names()) {
        m_catalog = catalog;
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
        if (document->pipelineEditor() != nullptr && state.request == 0 &&
            (!state.answered || state.answeredRevision != document->revision())) {
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
        if (document != nullptr) {
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

// --- Runs -----------------------------------------------------------------------------

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
    m_progress.stepsPerRepetition = m_knownSteps.value(QString::number(qHash(text)));
    m_checks[document].runDiagnostics = {};
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
            {QStringLiteral("message"), tr("run failed: %1").arg(error.value(QStringLiteral("message")).toString())},
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
        if (Document* document = entry->document) {
            m_knownSteps.insert(QString::number(qHash(document->text())), m_progress.stepsPerRepetition);
        }
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
        rebuildRunSelector();
        updateRunHeader();
        if (status == RunStatus::Succeeded || status == RunStatus::ChecksFailed) {
            // show(): the first value shown, unless a row is already selected.
            const QJsonArray shown = m_runs[index].record.value(QStringLiteral("shown")).toArray();
            if (!m_stepsView->selectionModel()->hasSelection()) {
                if (!shown.isEmpty()) {
                    showValue(index, shown.first().toString(), m_runs[index].backends.value(0),
                              tr("shown: %1").arg(shown.first().toString()));
                } else if (m_stepsModel->rowCount() > 0) {
                    m_images->showMessage(tr("Select a step to see its output."));
                }
            }
        }
    }
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

// --- Steps and images -----------------------------------------------------------------

void MainWindow::selectStep(int row)
{
    if (row < 0 || row >= m_stepsModel->rowCount()) {
        return;
    }
    m_stepsView->selectionModel()->setCurrentIndex(m_stepsModel->index(row, 0),
                                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void MainWindow::onStepSelectionChanged()
{
    const QModelIndex current = m_stepsView->selectionModel()->currentIndex();
    if (!current.isValid() || m_shownRun < 0) {
        return;
    }
    const StepsModel::Row& row = m_stepsModel->rowAt(current.row());
    const RunEntry& entry = m_runs[m_shownRun];

    // The line in the editor, without taking the focus from the table.
    if (Document* document = documentOfRun(entry)) {
        setActiveDocument(document);
        widgets::CodeEditor* editor = document->editor();
        const int start = editor->positionAt(row.line, 1);
        const int end = editor->positionAt(row.line, 1 << 20);
        editor->SendScintilla(QsciScintillaBase::SCI_ENSUREVISIBLE, row.line - 1);
        editor->SendScintilla(QsciScintillaBase::SCI_SETSEL, start, end);
    }
    const QStringList backendsOfRow = row.backends();
    showValue(m_shownRun, row.transfer ? row.valueName() : row.step, backendsOfRow.value(0), row.any().displayName());
}

void MainWindow::showValue(int run, const QString& step, const QString& backend, const QString& caption)
{
    m_selectedRun = run;
    m_selectedValue = step;
    m_selectedBackend = backend;
    const RunEntry& entry = m_runs[run];

    // "Compare with": the same step on the other backend, the values shown, the named ones.
    QList<CompareChoice> choices{{tr("nothing"), {}, {}}};
    int preferred = 0;
    for (const QString& other : entry.backends) {
        if (other != backend) {
            choices.append({tr("%1 on %2").arg(step, other), step, other});
            preferred = 1;
        }
    }
    QStringList values;
    for (const QJsonValue& value : entry.record.value(QStringLiteral("shown")).toArray()) {
        values.append(value.toString());
    }
    for (const QJsonValue& value : entry.names) {
        values.append(value.toObject().value(QStringLiteral("name")).toString());
    }
    values.removeDuplicates();
    for (const QString& value : values) {
        if (value != step && !value.isEmpty()) {
            choices.append({value, value, {}});
        }
    }
    m_images->setCompareChoices(choices, preferred);
    Q_UNUSED(caption);
    fetchShown();
}

void MainWindow::fetchShown()
{
    if (m_selectedRun < 0 || m_selectedRun >= m_runs.size()) {
        return;
    }
    const RunEntry& entry = m_runs[m_selectedRun];
    const quint64 generation = ++m_fetchGeneration;
    m_fetch = {};
    m_fetch.generation = generation;
    m_fetch.run = m_selectedRun;
    if (entry.fromRecord) {
        m_images->showMessage(tr("A run record holds figures, not values: run the pipeline here to see its outputs."));
        emit imagesShown();
        return;
    }
    if (!entry.valuesAvailable || entry.engine == nullptr) {
        m_images->showMessage(entry.status == RunStatus::Running
                                  ? tr("The values can be fetched once the run has finished.")
                                  : (entry.status == RunStatus::Succeeded || entry.status == RunStatus::ChecksFailed
                                         ? tr("The values of this run are gone: an engine keeps those of its last "
                                              "finished run only. Run it again to see them.")
                                         : tr("This run did not finish, so its engine kept no values.")));
        emit imagesShown();
        return;
    }
    EngineSlot* slot = slotOf(entry.engine);
    const CompareChoice compare = m_images->currentCompare();
    const auto request = [&](int which, const QString& step, const QString& backend) {
        const qint64 id = entry.engine->fetch(entry.id, step, backend, kPreviewElements);
        slot->fetches.insert(id, {generation, which});
        m_fetch.wanted[which] = true;
        ++m_fetch.pending;
    };
    request(0, m_selectedValue, m_selectedBackend);
    if (!compare.step.isEmpty()) {
        request(1, compare.step, compare.backend.isEmpty() ? m_selectedBackend : compare.backend);
    }
    m_images->showMessage(tr("Fetching %1…").arg(m_selectedValue));
}

void MainWindow::onFetchReply(quint64 generation, int which, const QJsonObject& reply, const QByteArray& binary)
{
    if (generation != m_fetch.generation || m_fetch.pending <= 0) {
        return; // the answer to an earlier selection
    }
    --m_fetch.pending;
    if (reply.value(QStringLiteral("ok")).toBool()) {
        QString error;
        m_fetch.images[which] = imageFromFetch(reply, binary, &error);
        m_fetch.errors[which] = error;
        if (which == 0 && m_fetch.images[0]) {
            m_fetch.caption = fetchCaption(reply);
        }
    } else {
        m_fetch.errors[which] =
            reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    }
    if (m_fetch.pending == 0) {
        finishFetch();
    }
}

void MainWindow::finishFetch()
{
    if (!m_fetch.images[0]) {
        m_images->showMessage(tr("%1 cannot be shown: %2").arg(m_selectedValue, m_fetch.errors[0]));
        emit imagesShown();
        return;
    }
    const widgets::ImageData& image = *m_fetch.images[0];
    QString caption = m_fetch.caption;
    if (image.shape == QList<qint64>{1}) {
        caption += tr(" = %1").arg(widgets::pixelText(image, 0, 0).section(QLatin1Char(' '), 1));
    }
    if (m_fetch.wanted[1]) {
        if (m_fetch.images[1]) {
            caption += tr("  |  right: %1 · %2").arg(m_fetch.images[1]->name, m_fetch.images[1]->source);
        } else {
            caption += tr("  |  compare: %1").arg(m_fetch.errors[1]);
        }
    }
    m_images->showImages(image, m_fetch.images[1], caption);
    emit imagesShown();
}

// --- Export ---------------------------------------------------------------------------

void MainWindow::exportStepsCsv()
{
    if (m_stepsModel->rowCount() == 0) {
        QMessageBox::information(this, tr("Export"), tr("The steps table is empty: run a pipeline first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Steps as CSV"), QDir(m_fileModel->rootPath()).filePath(QStringLiteral("steps.csv")),
        tr("CSV (*.csv)"));
    QString error;
    if (!path.isEmpty() && !Document::writeTextFile(path, m_stepsModel->toCsv(), &error)) {
        QMessageBox::warning(this, tr("Export"), error);
    }
}

void MainWindow::exportRecordJson()
{
    if (m_shownRun < 0 || m_runs[m_shownRun].record.isEmpty()) {
        QMessageBox::information(this, tr("Export"),
                                 tr("The shown run has no record: it did not finish (the engine sends the record with "
                                    "the run's end)."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Run Record"), QDir(m_fileModel->rootPath()).filePath(QStringLiteral("run.json")),
        tr("JSON (*.json)"));
    QString error;
    if (!path.isEmpty() &&
        !Document::writeTextFile(path, QString::fromUtf8(QJsonDocument(m_runs[m_shownRun].record).toJson()), &error)) {
        QMessageBox::warning(this, tr("Export"), error);
    }
}

void MainWindow::exportPlotDialog(QWidget* plot, const QString& name)
{
    auto* custom = qobject_cast<QCustomPlot*>(plot);
    if (custom == nullptr) {
        return;
    }
    const QString base = name.section(QLatin1Char(' '), 0, 0).toLower();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export %1").arg(name), QDir(m_fileModel->rootPath()).filePath(base + QStringLiteral(".png")),
        widgets::plotFileFilter());
    QString error;
    if (!path.isEmpty() && !widgets::exportPlot(*custom, path, &error)) {
        QMessageBox::warning(this, tr("Export"), error);
    }
}

void MainWindow::exportImage()
{
    if (!m_images->showsImage()) {
        QMessageBox::information(this, tr("Export"), tr("No image is shown: select a step first."));
        return;
    }
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Image"),
        QDir(m_fileModel->rootPath()).filePath(m_images->image().name + QStringLiteral(".png")),
        tr("PNG image (*.png)"));
    if (path.isEmpty()) {
        return;
    }
    const widgets::Rendered rendered = widgets::render(m_images->image(), m_images->view()->renderOptions());
    if (!rendered.image.save(path, "PNG")) {
        QMessageBox::warning(this, tr("Export"), tr("cannot write %1").arg(QDir::toNativeSeparators(path)));
    }
}

} // namespace wb::app
