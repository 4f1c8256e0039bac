#include "tuning_plot.h"

#include "plot_common.h"

#include <QToolTip>

#include <algorithm>
#include <cmath>
#include <limits>

namespace wb::widgets {

namespace {

// The best configuration's colour: apart from the backends' blue and green.
const QColor kBestColor(230, 120, 20);
const QColor kPassedColor(90, 140, 200);

} // namespace

std::optional<TuningFigures> TuningFigures::fromJson(const QJsonObject& object, QString* error)
{
    const auto refuse = [&](const QString& why) -> std::optional<TuningFigures> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QJsonValue parameters = object.value(QStringLiteral("parameters"));
    const QJsonValue configurations = object.value(QStringLiteral("configurations"));
    if (!parameters.isArray() || !configurations.isArray())
        return refuse(QStringLiteral("a tuning record needs 'parameters' and 'configurations' lists"));
    TuningFigures tuning;
    tuning.step = object.value(QStringLiteral("step")).toString();
    tuning.line = object.value(QStringLiteral("line")).toInt();
    tuning.backend = object.value(QStringLiteral("backend")).toString();
    tuning.note = object.value(QStringLiteral("note")).toString();
    for (const QJsonValue& parameter : parameters.toArray())
        tuning.parameters.append(parameter.toString());
    for (const QJsonValue& value : configurations.toArray()) {
        const QJsonObject entry = value.toObject();
        const QJsonArray values = entry.value(QStringLiteral("values")).toArray();
        if (values.size() != tuning.parameters.size())
            return refuse(QStringLiteral("a tuning configuration needs one value per parameter"));
        Configuration configuration;
        for (const QJsonValue& v : values)
            configuration.values.append(v.toInteger());
        configuration.label = entry.value(QStringLiteral("label")).toString();
        configuration.n = entry.value(QStringLiteral("n")).toInt();
        configuration.medianMs = entry.value(QStringLiteral("median_ms")).toDouble();
        configuration.minMs = entry.value(QStringLiteral("min_ms")).toDouble();
        configuration.maxMs = entry.value(QStringLiteral("max_ms")).toDouble();
        configuration.passed = entry.value(QStringLiteral("passed")).toBool();
        configuration.compileMs = entry.value(QStringLiteral("compile_ms")).toDouble();
        configuration.cacheHit = entry.value(QStringLiteral("cache_hit")).toBool();
        configuration.failure = entry.value(QStringLiteral("failure")).toString();
        tuning.configurations.append(configuration);
    }
    const QJsonValue best = object.value(QStringLiteral("best"));
    if (best.isDouble() && best.toInt() >= 0 && best.toInt() < tuning.configurations.size())
        tuning.best = best.toInt();
    return tuning;
}

QVector<qint64> TuningFigures::axisValues(int p) const
{
    QVector<qint64> values;
    for (const Configuration& configuration : configurations)
        if (p < configuration.values.size() && !values.contains(configuration.values[p]))
            values.append(configuration.values[p]);
    return values;
}

TuningPlot::TuningPlot(QWidget* parent)
    : QCustomPlot(parent)
{
    m_title = addTitle(*this, tr("Tuning"));
    setMouseTracking(true);
    clearTuning();
}

void TuningPlot::clearTuning()
{
    clearPlottables();
    clearItems();
    m_passed = m_best = m_failed = nullptr;
    m_map = nullptr;
    m_labels.clear();
    if (m_scale) {
        plotLayout()->remove(m_scale);
        plotLayout()->simplify();
        m_scale = nullptr;
    }
    m_tuning = {};
    m_mode = Mode::Empty;
    m_title->setText(tr("Tuning: no tuning run yet (@tune in a pipeline)"));
    xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    xAxis->setLabel({});
    yAxis->setLabel({});
    replot(rpQueuedReplot);
}

void TuningPlot::setTuning(const TuningFigures& tuning)
{
    clearTuning();
    m_tuning = tuning;
    QString title = tr("Tuning %1 (line %2)").arg(tuning.step).arg(tuning.line);
    if (!tuning.note.isEmpty()) {
        m_title->setText(title + QStringLiteral(": ") + tuning.note);
        replot(rpQueuedReplot);
        return;
    }
    if (tuning.best) {
        const TuningFigures::Configuration& best = tuning.configurations[*tuning.best];
        title += tr(" · best %1, %2").arg(best.label, formatMs(best.medianMs));
    } else {
        title += tr(" · no configuration passed");
    }
    m_title->setText(title);
    if (tuning.parameters.size() == 2)
        showHeatMap();
    else if (tuning.parameters.size() == 1)
        showBars();
    replot(rpQueuedReplot);
}

QStringList TuningPlot::valueLabels() const
{
    QStringList texts;
    for (const QCPItemText* label : m_labels)
        texts.append(label ? label->text() : QString());
    return texts;
}

QCPItemText* TuningPlot::addLabel(double key, double value, const QString& text, int index)
{
    auto* label = new QCPItemText(this);
    label->position->setCoords(key, value);
    label->setText(text);
    label->setClipToAxisRect(false);
    m_labels[index] = label;
    return label;
}

QString TuningPlot::describe(int index) const
{
    const TuningFigures::Configuration& c = m_tuning.configurations[index];
    QString text = c.label;
    if (c.n > 0)
        text += tr("\nmedian %1, min %2, max %3 (n = %4)")
                    .arg(formatMs(c.medianMs), formatMs(c.minMs), formatMs(c.maxMs))
                    .arg(c.n);
    text += tr("\ncompile %1%2").arg(formatMs(c.compileMs), c.cacheHit ? tr(" (disk cache)") : QString());
    text += c.passed ? (m_tuning.best == index ? tr("\nverified · the best") : tr("\nverified"))
                     : tr("\nfailed: %1").arg(c.failure);
    return text;
}

void TuningPlot::showBars()
{
    m_mode = Mode::Bars;
    const auto makeBars = [&](const QString& name, const QBrush& brush, const QColor& pen) {
        auto* bars = new QCPBars(xAxis, yAxis);
        bars->setName(name);
        bars->setBrush(brush);
        bars->setPen(QPen(pen, 1));
        bars->setWidth(0.6);
        return bars;
    };
    m_passed = makeBars(tr("verified"), QBrush(kPassedColor), kPassedColor.darker(130));
    m_best = makeBars(tr("best"), QBrush(kBestColor), kBestColor.darker(130));
    m_failed = makeBars(tr("failed"), failedBrush(), failedColor());
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    m_labels.fill(nullptr, m_tuning.configurations.size());
    double highest = 0;
    for (const TuningFigures::Configuration& c : m_tuning.configurations)
        highest = std::max(highest, c.medianMs);
    for (int i = 0; i < m_tuning.configurations.size(); ++i) {
        const TuningFigures::Configuration& c = m_tuning.configurations[i];
        ticker->addTick(i, QString::number(c.values.value(0)));
        QCPBars* bars = !c.passed ? m_failed : m_tuning.best == i ? m_best : m_passed;
        bars->addData(i, c.n > 0 ? c.medianMs : 0);
        QCPItemText* label = addLabel(
            i, c.n > 0 ? c.medianMs : 0,
            !c.passed ? tr("failed") : (m_tuning.best == i ? tr("best\n") : QString()) + formatMs(c.medianMs), i);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        label->setColor(!c.passed ? failedColor() : m_tuning.best == i ? kBestColor.darker(140) : Qt::black);
    }
    xAxis->setTicker(ticker);
    xAxis->setLabel(m_tuning.parameters.value(0));
    xAxis->setRange(-0.6, m_tuning.configurations.size() - 0.4);
    yAxis->setLabel(tr("median time (ms)"));
    yAxis->setRange(0, highest > 0 ? highest * 1.25 : 1);
    legend->setVisible(true);
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
}

void TuningPlot::showHeatMap()
{
    m_mode = Mode::HeatMap;
    legend->setVisible(false);
    const QVector<qint64> xs = m_tuning.axisValues(0);
    const QVector<qint64> ys = m_tuning.axisValues(1);
    m_map = new QCPColorMap(xAxis, yAxis);
    m_map->data()->setSize(static_cast<int>(xs.size()), static_cast<int>(ys.size()));
    m_map->data()->setRange(QCPRange(0, std::max<double>(1, xs.size() - 1)),
                            QCPRange(0, std::max<double>(1, ys.size() - 1)));
    double lowest = std::numeric_limits<double>::infinity(), highest = 0;
    for (int i = 0; i < xs.size(); ++i)
        for (int j = 0; j < ys.size(); ++j)
            m_map->data()->setCell(i, j, std::numeric_limits<double>::quiet_NaN());
    m_labels.fill(nullptr, m_tuning.configurations.size());
    for (int index = 0; index < m_tuning.configurations.size(); ++index) {
        const TuningFigures::Configuration& c = m_tuning.configurations[index];
        const int i = static_cast<int>(xs.indexOf(c.values.value(0)));
        const int j = static_cast<int>(ys.indexOf(c.values.value(1)));
        if (c.passed && c.n > 0) {
            m_map->data()->setCell(i, j, c.medianMs);
            lowest = std::min(lowest, c.medianMs);
            highest = std::max(highest, c.medianMs);
        }
        if (!c.passed) {
            // Hatched like a failed bar; the NaN cell under it has no colour of a time.
            for (const QBrush& brush : {QBrush(QColor(240, 240, 240)), failedBrush()}) {
                auto* cell = new QCPItemRect(this);
                cell->topLeft->setCoords(i - 0.5, j + 0.5);
                cell->bottomRight->setCoords(i + 0.5, j - 0.5);
                cell->setPen(Qt::NoPen);
                cell->setBrush(brush);
            }
        }
        QCPItemText* label = addLabel(i, j, c.passed ? formatMs(c.medianMs) : tr("failed"), index);
        label->setPositionAlignment(Qt::AlignCenter);
        label->setBrush(QColor(255, 255, 255, 190));
        label->setPadding(QMargins(3, 1, 3, 1));
        if (m_tuning.best == index) {
            label->setText(tr("best\n%1").arg(label->text()));
            label->setFont(QFont(font().family(), font().pointSize(), QFont::Bold));
            auto* outline = new QCPItemRect(this);
            outline->topLeft->setCoords(i - 0.5, j + 0.5);
            outline->bottomRight->setCoords(i + 0.5, j - 0.5);
            outline->setPen(QPen(kBestColor, 3));
        }
    }
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhNanColor);
    gradient.setNanColor(failedColor().lighter(150));
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    m_scale = new QCPColorScale(this);
    plotLayout()->addElement(1, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("median time (ms)"));
    m_map->setColorScale(m_scale);
    // After the scale, whose own range the map takes when joined to it.
    if (std::isfinite(lowest))
        m_map->setDataRange(QCPRange(lowest, highest > lowest ? highest : lowest * 1.01 + 1e-9));
    const auto axisTicker = [](const QVector<qint64>& values) {
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        for (int k = 0; k < values.size(); ++k)
            ticker->addTick(k, QString::number(values[k]));
        return ticker;
    };
    xAxis->setTicker(axisTicker(xs));
    yAxis->setTicker(axisTicker(ys));
    xAxis->setLabel(m_tuning.parameters.value(0));
    yAxis->setLabel(m_tuning.parameters.value(1));
    xAxis->setRange(-0.5, xs.size() - 0.5);
    yAxis->setRange(-0.5, ys.size() - 0.5);
}

void TuningPlot::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    const QPointF at = event->position();
    const long i = std::lround(xAxis->pixelToCoord(at.x()));
    int index = -1;
    if (m_mode == Mode::Bars && i >= 0 && i < m_tuning.configurations.size()) {
        index = static_cast<int>(i);
    } else if (m_mode == Mode::HeatMap) {
        const long j = std::lround(yAxis->pixelToCoord(at.y()));
        const QVector<qint64> xs = m_tuning.axisValues(0), ys = m_tuning.axisValues(1);
        for (int k = 0; k < m_tuning.configurations.size() && i >= 0 && i < xs.size() && j >= 0 && j < ys.size(); ++k)
            if (m_tuning.configurations[k].values == QVector<qint64>{xs[i], ys[j]})
                index = k;
    }
    if (index >= 0 && axisRect()->rect().contains(at.toPoint()))
        QToolTip::showText(event->globalPosition().toPoint(), describe(index), this);
    else
        QToolTip::hideText();
}

} // namespace wb::widgets
