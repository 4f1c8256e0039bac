// MainWindow's exports: the steps table as CSV, the run record as JSON, a plot, and the
// image as it is shown.

#include "main_window.h"

#include "image_data.h"
#include "image_panel.h"
#include "image_view.h"
#include "plot_export.h"
#include "steps_model.h"

#include <QDir>
#include <QFileDialog>
#include <QFileSystemModel>
#include <QJsonDocument>

namespace wb::app {

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
