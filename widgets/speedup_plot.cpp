#include "speedup_plot.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

namespace wb::widgets {

namespace {

QString seriesKey(int run, const QString& backend) { return QStringLiteral("%1\n%2").arg(run).arg(backend); }

constexpr double kGroupSpacing = 0.02; // between the bars of one category, in keys

QString failureReason(const StepFigures& row)
{
    if (!row.tolerance)
        return QStringLiteral("not comparable");
    if (!row.maxRelError)
        return QStringLiteral("unverified · error not finite");
    return QStringLiteral("unverified · error %1 > tol %2")
        .arg(QString::number(*row.maxRelError, 'g', 2), QString::number(*row.tolerance, 'g', 2));
}

} // namespace

SpeedupPlot::SpeedupPlot(QWidget* parent)
    : CategoryPlot(parent)
    , m_group(new QCPBarsGroup(this))
    , m_unity(new QCPItemStraightLine(this))
    , m_unityLabel(new QCPItemText(this))
    , m_failedLegend(new QCPBars(xAxis, yAxis))
    , m_separator(new QCPItemStraightLine(this))
{
    setAutoAddPlottableToLegend(false);
    m_group->setSpacingType(QCPBarsGroup::stPlotCoords);
    m_group->setSpacing(kGroupSpacing);
    yAxis->setLabel(QStringLiteral("speedup (×)"));
    addTitle(*this, QStringLiteral("Speedup per step and in total"));
    placeLegendBelow(*this, 3);

    m_unity->point1->setCoords(0, 1);
    m_unity->point2->setCoords(1, 1);
    m_unity->setPen(QPen(QColor(0x30, 0x30, 0x30), 1.2, Qt::DashLine));
    m_unityLabel->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
    m_unityLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
    m_unityLabel->position->setAxisRect(axisRect());
    m_unityLabel->position->setAxes(xAxis, yAxis);
    m_unityLabel->position->setCoords(0.998, 1);
    m_unityLabel->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    m_unityLabel->setText(QStringLiteral("1×"));
    m_unityLabel->setColor(QColor(0x30, 0x30, 0x30));
    // Over the bars: the reference stays in sight however many bars there are.
    m_unity->setLayer(QStringLiteral("axes"));
    m_unityLabel->setLayer(QStringLiteral("axes"));
    m_separator->setPen(QPen(QColor(0x90, 0x90, 0x90), 1, Qt::DotLine));
    m_separator->setVisible(false);

    m_failedLegend->setName(QStringLiteral("not verified: no speedup"));
    m_failedLegend->setBrush(failedBrush());
    m_failedLegend->setPen(QPen(failedColor()));

    setLogScale(true);
}

QCPBars* SpeedupPlot::speedupBars(int run, const QString& backend) const
{
    return m_series.value(seriesKey(run, backend)).bars;
}

QHash<int, QCPItemText*> SpeedupPlot::valueLabels(int run, const QString& backend) const
{
    return m_series.value(seriesKey(run, backend)).labels;
}

SpeedupPlot::Series& SpeedupPlot::series(int run, const QString& backend)
{
    Series& series = m_series[seriesKey(run, backend)];
    if (series.bars)
        return series;
    const QColor color = seriesColor(backendIndex(backend));
    series.bars = new QCPBars(xAxis, yAxis);
    series.bars->setName(describeBackend(run, backend));
    series.bars->setPen(QPen(color.darker(125), 1));
    series.bars->setBrush(run == 0 ? QBrush(color) : comparisonBrush(color));
    // Bars grow from the 1× line: up when faster than the reference, down when slower.
    series.bars->setBaseValue(1);
    arrange();
    return series;
}

void SpeedupPlot::arrange()
{
    QList<QPair<QPair<int, int>, QCPBars*>> order;
    for (auto it = m_series.begin(); it != m_series.end(); ++it) {
        const int run = it.key().section(QLatin1Char('\n'), 0, 0).toInt();
        order.append({{backendIndex(it.key().section(QLatin1Char('\n'), 1)), run}, it->bars});
    }
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    m_group->clear();
    m_barWidth = barWidth(static_cast<int>(order.size()), kGroupSpacing);
    for (const auto& entry : order) {
        m_group->append(entry.second);
        entry.second->setWidth(m_barWidth);
    }
    placeItems();
    orderLegend();
}

void SpeedupPlot::orderLegend()
{
    legend->clearItems();
    legend->setWrap(runCount() == 2 ? 2 : 3);
    for (QCPBars* bars : m_group->bars()) {
        if (bars->dataCount() > 0)
            bars->addToLegend();
    }
    if (!m_failed.isEmpty())
        m_failedLegend->addToLegend();
}

double SpeedupPlot::offsetOf(int run, const QString& backend) const
{
    const QCPBars* bars = speedupBars(run, backend);
    const QList<QCPBars*> members = m_group->bars();
    const qsizetype index = members.indexOf(const_cast<QCPBars*>(bars));
    if (index < 0)
        return 0;
    return (static_cast<double>(index) - (static_cast<double>(members.size()) - 1) / 2) * (m_barWidth + kGroupSpacing);
}

void SpeedupPlot::addSpeedup(int run, const QString& backend, int key, double speedup, const QString& tip)
{
    Series& series = this->series(run, backend);
    const bool first = series.bars->dataCount() == 0;
    series.bars->addData(key, speedup);
    if (first)
        orderLegend();
    registerTip(series.bars, key, tip);
    auto* label = new QCPItemText(this);
    QFont font = this->font();
    font.setPointSizeF(font.pointSizeF() * 0.9);
    label->setFont(font);
    label->setText(formatSpeedup(speedup));
    label->setPadding(QMargins(0, 2, 0, 2)); // off the bar's end
    label->setPositionAlignment(Qt::AlignHCenter | (speedup >= 1 ? Qt::AlignBottom : Qt::AlignTop));
    label->position->setCoords(key + offsetOf(run, backend), speedup);
    series.labels.insert(key, label);
    m_lowest = std::min(m_lowest, speedup);
    m_highest = std::max(m_highest, speedup);
}

void SpeedupPlot::addFailed(int run, const QString& backend, int key, bool total, const QString& reason,
                            const QString& tip)
{
    this->series(run, backend);
    FailedMark mark;
    mark.run = run;
    mark.backend = backend;
    mark.key = key;
    mark.total = total;
    mark.reason = reason;
    mark.column = new QCPItemRect(this);
    for (QCPItemPosition* corner : {mark.column->topLeft, mark.column->bottomRight}) {
        corner->setTypeX(QCPItemPosition::ptPlotCoords);
        corner->setTypeY(QCPItemPosition::ptAxisRectRatio);
        corner->setAxes(xAxis, yAxis);
        corner->setAxisRect(axisRect());
    }
    mark.column->setBrush(failedBrush());
    mark.column->setPen(QPen(failedColor(), 1));
    mark.label = new QCPItemText(this);
    mark.label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    mark.label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    mark.label->position->setAxes(xAxis, yAxis);
    mark.label->position->setAxisRect(axisRect());
    mark.label->setRotation(-90);
    mark.label->setText(reason);
    mark.label->setColor(QColor(0x20, 0x20, 0x20));
    mark.label->setBrush(QColor(255, 255, 255, 225));
    mark.label->setPadding(QMargins(3, 1, 3, 1));
    registerTip(mark.column, tip);
    registerTip(mark.label, tip);
    m_failed.append(mark);
    placeMark(mark);
    if (!legend->hasItemWithPlottable(m_failedLegend))
        orderLegend();
}

void SpeedupPlot::placeMark(const FailedMark& mark)
{
    const double x = mark.key + offsetOf(mark.run, mark.backend);
    mark.column->topLeft->setCoords(x - m_barWidth / 2, 0);
    mark.column->bottomRight->setCoords(x + m_barWidth / 2, 1);
    mark.label->position->setCoords(x, 0.5);
}

void SpeedupPlot::placeItems()
{
    for (auto it = m_series.begin(); it != m_series.end(); ++it) {
        const int run = it.key().section(QLatin1Char('\n'), 0, 0).toInt();
        const double offset = offsetOf(run, it.key().section(QLatin1Char('\n'), 1));
        for (auto label = it->labels.begin(); label != it->labels.end(); ++label)
            (*label)->position->setCoords(label.key() + offset, (*label)->position->value());
    }
    for (const FailedMark& mark : m_failed)
        placeMark(mark);
}

void SpeedupPlot::addRow(int run, int row)
{
    const RunFigures& figures = this->run(run);
    const StepFigures& step = figures.steps()[row];
    const QString reference = figures.backends().value(0);
    if (run == 0)
        yAxis->setLabel(QStringLiteral("speedup over %1 (×)").arg(reference));
    if (step.transfer || step.backend == reference)
        return;
    const int key = categoryOf(run, row);
    placeTotals(); // a new category takes the total's place; move it first
    const QString tip = describeRow(step, figures.deviceName(step.backend));
    if (step.verified && step.speedup)
        addSpeedup(run, step.backend, key, *step.speedup, tip);
    else
        addFailed(run, step.backend, key, false, failureReason(step), tip);
}

void SpeedupPlot::totalsChanged(int run)
{
    const RunFigures& figures = this->run(run);
    for (const QString& backend : figures.backends().mid(1)) {
        const std::optional<RunFigures::Total> total = figures.totalSpeedup(backend);
        if (!total)
            continue;
        Series& series = this->series(run, backend);
        removeTotal(run, backend);
        series.total = total;
    }
    setTrailingLabel(QStringLiteral("total"));
    placeTotals();
}

void SpeedupPlot::placeSeparator()
{
    // A line between the steps and the total, which is of another kind.
    bool totals = false;
    for (const Series& series : m_series)
        totals = totals || series.totalKey >= 0;
    m_separator->setVisible(totals);
    const double x = categoryCount() - 0.5;
    m_separator->point1->setCoords(x, 0);
    m_separator->point2->setCoords(x, 1);
}

void SpeedupPlot::placeTotals()
{
    const int key = categoryCount();
    for (auto it = m_series.begin(); it != m_series.end(); ++it) {
        Series& series = *it;
        if (!series.total || series.totalKey == key)
            continue;
        const int run = it.key().section(QLatin1Char('\n'), 0, 0).toInt();
        const QString backend = it.key().section(QLatin1Char('\n'), 1);
        // Take the total away from where it stood; a new category is drawn there.
        removeTotal(run, backend);
        const RunFigures& figures = this->run(run);
        const QString reference = figures.backends().value(0);
        QString tip = QStringLiteral("total on %1: %2 against %3 on %4 (uploads and downloads included)")
                          .arg(backend, formatMs(figures.totalMs(backend).value_or(0)),
                               formatMs(figures.totalMs(reference).value_or(0)), reference);
        if (series.total->verified) {
            addSpeedup(run, backend, key, series.total->speedup,
                       tip + QStringLiteral("\nspeedup %1, every compared step verified")
                                 .arg(formatSpeedup(series.total->speedup)));
        } else {
            int failed = 0;
            for (const StepFigures& row : figures.steps())
                failed += row.backend == backend && !row.transfer && row.tolerance && !row.verified;
            const QString reason = failed > 0 ? QStringLiteral("unverified · %1 of its steps failed").arg(failed)
                                              : QStringLiteral("not comparable");
            addFailed(run, backend, key, true, reason, tip + QStringLiteral("\n") + reason);
        }
        series.totalKey = key;
    }
}

void SpeedupPlot::removeTotal(int run, const QString& backend)
{
    Series& series = m_series[seriesKey(run, backend)];
    if (series.totalKey < 0)
        return;
    series.bars->data()->remove(series.totalKey);
    if (QCPItemText* label = series.labels.take(series.totalKey))
        removeItem(label);
    for (qsizetype i = m_failed.size() - 1; i >= 0; --i) {
        if (m_failed[i].total && m_failed[i].run == run && m_failed[i].backend == backend) {
            forgetTip(m_failed[i].column);
            forgetTip(m_failed[i].label);
            removeItem(m_failed[i].column);
            removeItem(m_failed[i].label);
            m_failed.remove(i);
        }
    }
    series.totalKey = -1;
}

void SpeedupPlot::clearContent()
{
    m_group->clear();
    for (const Series& series : m_series) {
        for (QCPItemText* label : series.labels)
            removeItem(label);
        removePlottable(series.bars);
    }
    for (const FailedMark& mark : m_failed) {
        removeItem(mark.column);
        removeItem(mark.label);
    }
    m_series.clear();
    m_failed.clear();
    m_failedLegend->removeFromLegend();
    m_lowest = 1;
    m_highest = 1;
    setTrailingLabel(QString());
}

void SpeedupPlot::updateValueRange()
{
    placeTotals();
    placeSeparator();
    if (logScale()) {
        // Room above the highest bar for its figure, and a little below 1× (or the lowest).
        yAxis->setRange(m_lowest / 1.8, m_highest * 4);
    } else {
        yAxis->setRange(0, m_highest * 1.15);
    }
    updateLabelVisibility();
}

void SpeedupPlot::updateLabelVisibility()
{
    // Figures are written on the bars while they fit, the failed marks' reasons while a
    // line of text fits in a column; a long run zoomed out shows the bars alone.
    const QFontMetrics metrics(font());
    const double pixels = barPixels(m_barWidth);
    const bool values = pixels * 1.25 >= metrics.horizontalAdvance(QStringLiteral("1309×"));
    const bool reasons = pixels >= metrics.height();
    for (const Series& series : m_series) {
        for (QCPItemText* label : series.labels)
            label->setVisible(values);
        // Outlines only while a bar is wide enough to show its fill inside them.
        QPen pen = series.bars->pen();
        pen.setStyle(pixels >= 4 ? Qt::SolidLine : Qt::NoPen);
        series.bars->setPen(pen);
    }
    for (const FailedMark& mark : m_failed)
        mark.label->setVisible(reasons);
}

} // namespace wb::widgets
