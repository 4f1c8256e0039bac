#pragma once
// Writing any plot to a file: PNG (raster), PDF and SVG (vector), and the context menu
// that offers it. The plot is redrawn first, so what is written is what the widget shows
// once its queued replot has run, not the last frame drawn.

#include <qcustomplot.h>

#include <QSize>
#include <QString>

#include <functional>
#include <optional>

class QMenu;

namespace wb::widgets {

enum class PlotFormat { Png, Pdf, Svg };

// By the file name's suffix, any case: .png, .pdf, .svg; nullopt otherwise.
std::optional<PlotFormat> plotFormatFor(const QString& path);
// For a file dialog: "PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)".
QString plotFileFilter();

// Writes `plot` to `path` in `format`, `size` in pixels (PNG) or points (PDF, SVG); an
// empty size takes the widget's. PNG is drawn at `scale` times that (2: crisp on a
// high-density screen or in print). Replaces an existing file. False with the reason in
// `error` when the file cannot be written or comes out empty.
bool exportPlot(QCustomPlot& plot, const QString& path, PlotFormat format, QSize size = {}, double scale = 1.0,
                QString* error = nullptr);
// The same with the format from the suffix.
bool exportPlot(QCustomPlot& plot, const QString& path, QString* error = nullptr);

// Right-click on the plot: the entries `addEntries` puts first (the run plots' log axis),
// then "Export…", which asks for a file and writes it at the widget's size (PNG at 2×).
void installPlotMenu(QCustomPlot& plot, std::function<void(QMenu&)> addEntries = {});

} // namespace wb::widgets
