#include "plot_export.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>

namespace wb::widgets {

namespace {

bool fail(QString* error, const QString& message)
{
    if (error)
        *error = message;
    return false;
}

const char* suffixOf(PlotFormat format)
{
    switch (format) {
    case PlotFormat::Png: return "png";
    case PlotFormat::Pdf: return "pdf";
    case PlotFormat::Svg: return "svg";
    }
    return "";
}

bool writeSvg(QCustomPlot& plot, const QString& path, QSize size)
{
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(size);
    generator.setViewBox(QRect(QPoint(0, 0), size));
    // At the screen's resolution, a point of text is as many pixels as on the widget (and
    // in the PNG and PDF); the generator's default of 72 dpi would shrink the text.
    generator.setResolution(plot.logicalDpiX());
    generator.setTitle(plot.windowTitle());
    generator.setDescription(QStringLiteral("Warpbench plot"));
    QCPPainter painter;
    if (!painter.begin(&generator))
        return false;
    painter.setMode(QCPPainter::pmVectorized);
    plot.toPainter(&painter, size.width(), size.height());
    return painter.end();
}

} // namespace

std::optional<PlotFormat> plotFormatFor(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    for (const PlotFormat format : {PlotFormat::Png, PlotFormat::Pdf, PlotFormat::Svg}) {
        if (suffix == QLatin1String(suffixOf(format)))
            return format;
    }
    return std::nullopt;
}

QString plotFileFilter() { return QStringLiteral("PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)"); }

bool exportPlot(QCustomPlot& plot, const QString& path, PlotFormat format, QSize size, double scale, QString* error)
{
    const QSize target = size.isEmpty() ? plot.size() : size;
    if (target.isEmpty())
        return fail(error, QStringLiteral("%1: nothing to draw, the plot has no size").arg(path));
    const QFileInfo info(path);
    if (!info.absoluteDir().exists())
        return fail(error, QStringLiteral("%1: no such folder").arg(info.absolutePath()));
    if (info.exists() && !QFile::remove(path))
        return fail(error, QStringLiteral("%1: cannot replace the file").arg(path));
    // The plots work out ranges and labels just before a redraw (beforeReplot); a queued
    // one may not have run yet.
    plot.replot(QCustomPlot::rpImmediateRefresh);
    bool written = false;
    switch (format) {
    case PlotFormat::Png: written = plot.savePng(path, target.width(), target.height(), scale); break;
    case PlotFormat::Pdf: written = plot.savePdf(path, target.width(), target.height()); break;
    case PlotFormat::Svg: written = writeSvg(plot, path, target); break;
    }
    if (!written)
        return fail(error, QStringLiteral("%1: could not be written").arg(path));
    if (QFileInfo(path).size() <= 0)
        return fail(error, QStringLiteral("%1: came out empty").arg(path));
    return true;
}

bool exportPlot(QCustomPlot& plot, const QString& path, QString* error)
{
    const std::optional<PlotFormat> format = plotFormatFor(path);
    if (!format)
        return fail(error, QStringLiteral("%1: unknown format; the name must end in .png, .pdf or .svg").arg(path));
    return exportPlot(plot, path, *format, {}, 1.0, error);
}

void installPlotMenu(QCustomPlot& plot, std::function<void(QMenu&)> addEntries)
{
    plot.setContextMenuPolicy(Qt::CustomContextMenu);
    QCustomPlot* target = &plot;
    QObject::connect(target, &QWidget::customContextMenuRequested, target, [target, addEntries](const QPoint& at) {
        QMenu menu(target);
        if (addEntries) {
            addEntries(menu);
            menu.addSeparator();
        }
        menu.addAction(QObject::tr("Export…"), target, [target] {
            QString filter;
            QString path = QFileDialog::getSaveFileName(target, QObject::tr("Export plot"), QStringLiteral("plot.png"),
                                                        plotFileFilter(), &filter);
            if (path.isEmpty())
                return;
            std::optional<PlotFormat> format = plotFormatFor(path);
            if (!format) {
                // No suffix typed: the chosen filter's.
                format = filter.startsWith(QLatin1String("PDF"))   ? PlotFormat::Pdf
                         : filter.startsWith(QLatin1String("SVG")) ? PlotFormat::Svg
                                                                   : PlotFormat::Png;
                path += QLatin1Char('.') + QLatin1String(suffixOf(*format));
            }
            QString error;
            if (!exportPlot(*target, path, *format, {}, *format == PlotFormat::Png ? 2.0 : 1.0, &error))
                QMessageBox::warning(target, QObject::tr("Export plot"), error);
        });
        menu.exec(target->mapToGlobal(at));
    });
}

} // namespace wb::widgets
