#include "image_data.h"

#include <QtGlobal>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>

namespace wb::widgets {

namespace {

float fromHalf(std::uint16_t h)
{
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const int exponent = (h >> 10) & 0x1f;
    std::uint32_t mantissa = h & 0x3ffu;
    std::uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | static_cast<std::uint32_t>(exponent + 112) << 23 | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else { // subnormal: normalise
        int e = 113;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            --e;
        }
        bits = sign | static_cast<std::uint32_t>(e) << 23 | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
}

float fromBfloat16(std::uint16_t b)
{
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof(f));
    return f;
}

template <typename T> T load(const char* p)
{
    T value;
    std::memcpy(&value, p, sizeof(T));
    return value;
}

std::complex<double> element(DType dtype, const char* p)
{
    switch (dtype) {
    case DType::U8: return static_cast<unsigned char>(*p);
    case DType::U16: return load<std::uint16_t>(p);
    case DType::I32: return load<std::int32_t>(p);
    case DType::F16: return fromHalf(load<std::uint16_t>(p));
    case DType::BF16: return fromBfloat16(load<std::uint16_t>(p));
    case DType::F32: return load<float>(p);
    case DType::F64: return load<double>(p);
    case DType::C64: return std::complex<double>(load<std::complex<float>>(p));
    case DType::C128: return load<std::complex<double>>(p);
    }
    return 0;
}

double partOf(std::complex<double> z, ImageData::Part part, bool complex)
{
    if (!complex)
        return z.real();
    switch (part) {
    case ImageData::Part::Magnitude: return std::abs(z);
    case ImageData::Part::Phase: return std::arg(z);
    case ImageData::Part::Real: return z.real();
    case ImageData::Part::Imag: return z.imag();
    }
    return z.real();
}

struct Stop {
    double t;
    int r, g, b;
};

// Nine samples of matplotlib's viridis and magma (perceptually uniform); linear between.
constexpr std::array<Stop, 9> kViridis{{{0.000, 68, 1, 84},
                                        {0.125, 71, 44, 122},
                                        {0.250, 59, 81, 139},
                                        {0.375, 44, 113, 142},
                                        {0.500, 33, 144, 141},
                                        {0.625, 39, 173, 129},
                                        {0.750, 92, 200, 99},
                                        {0.875, 170, 220, 50},
                                        {1.000, 253, 231, 37}}};
constexpr std::array<Stop, 9> kMagma{{{0.000, 0, 0, 4},
                                      {0.125, 28, 16, 68},
                                      {0.250, 79, 18, 123},
                                      {0.375, 129, 37, 129},
                                      {0.500, 181, 54, 122},
                                      {0.625, 229, 80, 100},
                                      {0.750, 251, 135, 97},
                                      {0.875, 254, 194, 135},
                                      {1.000, 252, 253, 191}}};

QRgb interpolate(const std::array<Stop, 9>& stops, double t)
{
    for (std::size_t i = 1; i < stops.size(); ++i) {
        if (t > stops[i].t)
            continue;
        const Stop& a = stops[i - 1];
        const Stop& b = stops[i];
        const double f = (t - a.t) / (b.t - a.t);
        auto mix = [f](int x, int y) { return static_cast<int>(std::lround(x + (y - x) * f)); };
        return qRgb(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
    }
    return qRgb(stops.back().r, stops.back().g, stops.back().b);
}

bool isPicture(const ImageData& data)
{
    return (data.dtype == DType::U8 || data.dtype == DType::U16) &&
           (data.channels() == 1 || data.channels() == 3 || data.channels() == 4);
}

} // namespace

bool ImageData::isValid() const
{
    if (shape.isEmpty() || shape.size() > 3)
        return false;
    qint64 count = 1;
    for (const qint64 size : shape) {
        if (size <= 0)
            return false;
        count *= size;
    }
    if (shape.size() == 3 && (shape[2] < 1 || shape[2] > 4))
        return false;
    return count * static_cast<qint64>(sizeOf(dtype)) == bytes.size();
}

int ImageData::width() const { return static_cast<int>(shape.size() == 1 ? shape[0] : shape[1]); }
int ImageData::height() const { return static_cast<int>(shape.size() == 1 ? 1 : shape[0]); }
int ImageData::channels() const { return static_cast<int>(shape.size() == 3 ? shape[2] : 1); }

double ImageData::value(int x, int y, int channel, Part part) const
{
    const qint64 index = (static_cast<qint64>(y) * width() + x) * channels() + channel;
    const char* p = bytes.constData() + index * static_cast<qint64>(sizeOf(dtype));
    return partOf(element(dtype, p), part, isComplex(dtype));
}

QRgb colormapColor(Colormap map, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    switch (map) {
    case Colormap::Gray: {
        const int v = static_cast<int>(std::lround(t * 255));
        return qRgb(v, v, v);
    }
    case Colormap::Viridis: return interpolate(kViridis, t);
    case Colormap::Magma: return interpolate(kMagma, t);
    case Colormap::Heat: {
        // matplotlib's "hot": red rises first, then green, then blue.
        auto ramp = [t](double from, double to) {
            return static_cast<int>(std::lround(std::clamp((t - from) / (to - from), 0.0, 1.0) * 255));
        };
        return qRgb(ramp(0.0, 0.365), ramp(0.365, 0.746), ramp(0.746, 1.0));
    }
    }
    return qRgb(0, 0, 0);
}

Rendered render(const ImageData& data, const RenderOptions& options)
{
    Rendered out;
    if (!data.isValid())
        return out;
    const int w = data.width(), h = data.height(), c = data.channels();
    if (isPicture(data)) {
        const double scale = data.dtype == DType::U16 ? 255.0 / 65535.0 : 1.0;
        out.image = QImage(w, h, c == 4 ? QImage::Format_ARGB32 : QImage::Format_RGB32);
        for (int y = 0; y < h; ++y) {
            auto* line = reinterpret_cast<QRgb*>(out.image.scanLine(y));
            for (int x = 0; x < w; ++x) {
                auto at = [&](int channel) { return static_cast<int>(std::lround(data.value(x, y, channel) * scale)); };
                line[x] = c == 1   ? qRgb(at(0), at(0), at(0))
                          : c == 3 ? qRgb(at(0), at(1), at(2))
                                   : qRgba(at(0), at(1), at(2), at(3));
            }
        }
        out.low = 0;
        out.high = data.dtype == DType::U16 ? 65535 : 255;
        return out;
    }
    // Through the colormap: channel 0 of multi-channel arrays, the chosen part of complex.
    std::vector<double> values(static_cast<std::size_t>(w) * h);
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            double v = data.value(x, y, 0, options.complexPart);
            if (options.logScale)
                v = std::log1p(std::max(v, 0.0));
            values[static_cast<std::size_t>(y) * w + x] = v;
            if (std::isfinite(v)) {
                low = std::min(low, v);
                high = std::max(high, v);
            }
        }
    }
    if (!std::isfinite(low))
        low = high = 0;
    out.low = options.low.value_or(low);
    out.high = options.high.value_or(high);
    out.colormapped = true;
    const double span = out.high > out.low ? out.high - out.low : 1.0;
    out.image = QImage(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y) {
        auto* line = reinterpret_cast<QRgb*>(out.image.scanLine(y));
        for (int x = 0; x < w; ++x) {
            const double v = values[static_cast<std::size_t>(y) * w + x];
            line[x] = std::isnan(v) ? qRgb(255, 0, 255) : colormapColor(options.colormap, (v - out.low) / span);
        }
    }
    return out;
}

QString pixelText(const ImageData& data, int x, int y)
{
    if (!data.isValid() || x < 0 || y < 0 || x >= data.width() || y >= data.height())
        return {};
    const QString at = QStringLiteral("(%1, %2) ").arg(x).arg(y);
    const bool integer = isInteger(data.dtype);
    auto number = [integer](double v) {
        return integer ? QString::number(static_cast<qint64>(v)) : QString::number(v, 'g', 6);
    };
    if (isComplex(data.dtype)) {
        const double re = data.value(x, y, 0, ImageData::Part::Real);
        const double im = data.value(x, y, 0, ImageData::Part::Imag);
        return at + number(re) + (im < 0 ? "-" : "+") + number(std::abs(im)) + "j";
    }
    if (data.channels() == 1)
        return at + number(data.value(x, y));
    QStringList parts;
    for (int channel = 0; channel < data.channels(); ++channel)
        parts << number(data.value(x, y, channel));
    return at + "[" + parts.join(", ") + "]";
}

} // namespace wb::widgets
