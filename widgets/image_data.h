#pragma once
// Arrays as the workbench shows them: the host bytes of a fetched step output (engine
// `fetch`, docs/protocol.md) and how they become pixels. Qt-side on purpose: the compute
// library never sees Qt, and conversions between the two live here (STYLE.md, rule 2).

#include <wb/dtype.h>

#include <QByteArray>
#include <QImage>
#include <QList>
#include <QString>

#include <optional>

namespace wb::widgets {

// A row-major array: (H, W), (H, W, C) with C in 1..4, or (N) shown as one row.
struct ImageData {
    QString name;   // the step's label
    QString source; // the backend it came from: "cpu", "cuda:0"
    DType dtype = DType::U8;
    QList<qint64> shape;
    QByteArray bytes;

    bool isValid() const; // shape of 1 to 3 axes, bytes matching shape and dtype
    int width() const;
    int height() const;
    int channels() const;
    // The element at (x, y, channel) as a double; complex as its magnitude unless `part` says
    // otherwise (see Part).
    enum class Part { Magnitude, Phase, Real, Imag };
    double value(int x, int y, int channel = 0, Part part = Part::Magnitude) const;
};

// Heat: black through red and yellow to white (matplotlib's "hot"), for magnitudes such as a
// check's difference |x - ref|, where the largest values should stand out.
enum class Colormap { Gray, Viridis, Magma, Heat };

struct RenderOptions {
    Colormap colormap = Colormap::Viridis;
    bool logScale = false; // log1p of the value before mapping (floats and complex)
    ImageData::Part complexPart = ImageData::Part::Magnitude;
    std::optional<double> low;  // the value mapped to the colormap's first colour; default min
    std::optional<double> high; // ... and to its last; default max
    bool colorScale = false;    // ImageView draws the colormap's bar with low and high beside the image
};

struct Rendered {
    QImage image;
    double low = 0; // the range the colours span (after log, when logScale)
    double high = 0;
    bool colormapped = false; // through the colormap (false for pictures shown as they are)
};

// u8 and u16 with 1, 3 or 4 channels are shown as the picture they are (u16 scaled to 8
// bits, 1 channel in gray); everything else, and one channel of the others, goes through
// the colormap between low and high. NaN pixels are drawn magenta so they stand out.
Rendered render(const ImageData& data, const RenderOptions& options = {});

// "(12, 7) 0.53125", "(12, 7) [255, 128, 0]", "(3, 4) 1.5+2j"; empty outside the image.
QString pixelText(const ImageData& data, int x, int y);

// The colour for t in [0, 1].
QRgb colormapColor(Colormap map, double t);

} // namespace wb::widgets
