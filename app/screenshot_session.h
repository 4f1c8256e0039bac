#pragma once
// `warpbench --screenshots DIR SAMPLE.wbp`: drives a MainWindow through the views the
// documentation shows and writes each as a PNG, so that scripts/screenshots.sh needs no
// input automation. It uses only the window's public functions, as a test would:
//
//   workbench-run.png     SAMPLE run on the engine's backends: the steps table, the timing
//                         plot and an output in the Images dock
//   image-compare.png     the Images dock comparing the run's input with an output
//   check-difference.png  only when a check of SAMPLE fails: its Problems entry activated,
//                         the difference |x - ref| in the Images dock with its colour scale
//   editor-diagnostic.png SAMPLE edited (not saved) to misspell an op: the squiggle, the
//                         margin marker and the Problems dock
//   kernel-editor.png     resources/kernels/saxpy.cu (beside SAMPLE's folder) compiled, then
//                         edited (not saved) with a typo: the compile's diagnostic in the
//                         editor and Problems, the Kernel dock's last good report out of date
//
// A finished CPU+GPU run needs a GPU or a run record made on one; with `--record FILE` the
// record is opened and `record-run.png` shows it.

#include <QObject>
#include <QString>
#include <QStringList>

namespace wb::app {

class MainWindow;

class ScreenshotSession : public QObject {
    Q_OBJECT

public:
    ScreenshotSession(MainWindow& window, const QString& outputFolder, const QString& sample,
                      const QString& record = {});

    // Takes the pictures; false with the reason when a step did not happen in time.
    bool run(QString* error);
    QStringList written() const { return m_written; }

private:
    bool grab(const QString& name, QWidget* widget, QString* error);
    bool kernelEditor(QString* error);
    bool checkDifference(QString* error);

    MainWindow& m_window;
    QString m_folder;
    QString m_sample;
    QString m_record;
    QStringList m_written;
};

} // namespace wb::app
