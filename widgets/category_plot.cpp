#include "category_plot.h"

#include "plot_export.h"

#include <QMenu>
#include <QMouseEvent>
#include <QToolTip>

namespace wb::widgets {

CategoryPlot::CategoryPlot(QWidget* parent)
    : QCustomPlot(parent)
    , m_ticker(new CategoryTicker(xAxis))
{
    setMinimumSize(240, 160);
    setMouseTracking(true);
    xAxis->setTicker(m_ticker);
    xAxis->grid()->setVisible(false);
    xAxis->setTickLength(0, 3);
    xAxis->setSubTicks(false);
    yAxis->grid()->setSubGridVisible(false);
    // Zoom and drag along the steps only (a long run has more than fit); a double click
    // shows all of them again.
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Horizontal);
    axisRect()->setRangeZoom(Qt::Horizontal);
    connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (!m_settingKeyRange)
            m_autoKeyRange = false;
    });
    connect(this, &QCustomPlot::beforeReplot, this, &CategoryPlot::beforeRedraw);
    installPlotMenu(*this, [this](QMenu& menu) {
        QAction* log = menu.addAction(tr("Logarithmic axis"));
        log->setCheckable(true);
        log->setChecked(m_logScale);
        connect(log, &QAction::toggled, this, &CategoryPlot::setLogScale);
    });
}

void CategoryPlot::startRun(const QString& label)
{
    m_run.clear();
    if (!label.isNull())
        m_run.setLabel(label);
    rebuild();
}

bool CategoryPlot::addStep(const QJsonObject& figures, QString* error)
{
    const std::optional<StepFigures> row = StepFigures::fromJson(figures, error);
    if (!row)
        return false;
    addStep(*row);
    return true;
}

void CategoryPlot::addStep(const StepFigures& figures)
{
    m_run.addStep(figures);
    if (!m_backends.contains(figures.backend))
        m_backends.append(figures.backend);
    addRow(0, static_cast<int>(m_run.steps().size()) - 1);
    changed();
}

void CategoryPlot::finishRun(const QJsonObject& totalMs)
{
    m_run.setTotals(totalMs);
    totalsChanged(0);
    changed();
}

void CategoryPlot::setRun(const RunFigures& run)
{
    m_run = run;
    rebuild();
}

void CategoryPlot::setComparison(const RunFigures& run)
{
    m_comparison = run;
    rebuild();
}

void CategoryPlot::clearComparison()
{
    m_comparison.reset();
    rebuild();
}

QString CategoryPlot::runName(int index) const
{
    const QString label = run(index).label();
    if (!label.isEmpty())
        return label;
    if (!m_comparison)
        return {};
    return index == 0 ? QStringLiteral("A") : QStringLiteral("B");
}

int CategoryPlot::categoryKey(const QString& valueName, int line) const
{
    return m_categoryKeys.value(QStringLiteral("%1\n%2\n0").arg(valueName).arg(line), -1);
}

void CategoryPlot::setLogScale(bool on)
{
    if (on == m_logScale)
        return;
    m_logScale = on;
    yAxis->setScaleType(on ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (on) {
        QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
        ticker->setSubTickCount(8);
        yAxis->setTicker(ticker);
        yAxis->setNumberFormat(QStringLiteral("g"));
        yAxis->setNumberPrecision(6);
        yAxis->grid()->setSubGridVisible(true);
    } else {
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        yAxis->setNumberFormat(QStringLiteral("gb"));
        yAxis->setNumberPrecision(6);
        yAxis->grid()->setSubGridVisible(false);
    }
    changed();
    emit logScaleChanged(on);
}

int CategoryPlot::categoryOf(int run, int row)
{
    QVector<int>& keys = m_rowKeys[run];
    if (row < keys.size() && keys[row] >= 0)
        return keys[row];
    if (row >= keys.size())
        keys.resize(row + 1, -1);
    const StepFigures& figures = this->run(run).steps()[row];
    const QString base = QStringLiteral("%1\n%2").arg(figures.valueName()).arg(figures.line);
    const int occurrence =
        m_occurrences[QStringLiteral("%1\n%2\n%3\n%4").arg(run).arg(figures.backend).arg(figures.transfer).arg(base)]++;
    const QString key = QStringLiteral("%1\n%2").arg(base).arg(occurrence);
    auto it = m_categoryKeys.find(key);
    if (it == m_categoryKeys.end()) {
        it = m_categoryKeys.insert(key, categoryCount());
        m_categoryNames.append(QString());
        m_categoryHasStep.append(false);
    }
    const int index = *it;
    // Named after the step where there is one (a fused step's "y (+10 fused)"), else after
    // the transferred value.
    if (m_categoryNames[index].isEmpty() || (!figures.transfer && !m_categoryHasStep[index])) {
        QString name = figures.transfer ? figures.valueName() : figures.displayName();
        if (occurrence > 0)
            name += QStringLiteral(" (%1)").arg(occurrence + 1);
        m_categoryNames[index] = name;
        m_categoryHasStep[index] = !figures.transfer;
        m_ticker->setLabel(index, name);
        if (index == categoryCount() - 1 && !m_trailing.isEmpty())
            m_ticker->setLabel(categoryCount(), m_trailing);
    }
    keys[row] = index;
    return index;
}

void CategoryPlot::setTrailingLabel(const QString& label)
{
    m_trailing = label;
    QVector<QString> labels = m_ticker->labels();
    labels.resize(categoryCount());
    if (!label.isEmpty())
        labels.append(label);
    m_ticker->setLabels(labels);
}

int CategoryPlot::backendIndex(const QString& backend) const
{
    const qsizetype index = m_backends.indexOf(backend);
    return index < 0 ? static_cast<int>(m_backends.size()) : static_cast<int>(index);
}

QString CategoryPlot::describeBackend(int run, const QString& backend, bool withDevice) const
{
    const QString device = withDevice ? this->run(run).deviceName(backend) : QString();
    QString text = device.isEmpty() ? backend : QStringLiteral("%1 · %2").arg(backend, device);
    if (m_comparison)
        text = QStringLiteral("%1 · %2").arg(runName(run), text);
    return text;
}

void CategoryPlot::changed() { replot(rpQueuedReplot); }

double CategoryPlot::barPixels(double width) const
{
    // The axis rect is laid out after this is asked (beforeReplot): judge from the viewport.
    return std::max(60, viewport().width() - 110) / std::max(xAxis->range().size(), 1.0) * width;
}

void CategoryPlot::registerTip(QCPAbstractPlottable* plottable, int key, const QString& text)
{
    m_plottableTips[plottable].insert(key, text);
}

void CategoryPlot::registerTip(QCPAbstractItem* item, const QString& text) { m_itemTips.insert(item, text); }

void CategoryPlot::forgetTips()
{
    m_plottableTips.clear();
    m_itemTips.clear();
}

QString CategoryPlot::describeRow(const StepFigures& row, const QString& device)
{
    QStringList lines;
    lines << QStringLiteral("%1 (line %2) on %3%4")
                 .arg(row.displayName())
                 .arg(row.line)
                 .arg(row.backend, device.isEmpty() ? QString() : QStringLiteral(" · ") + device);
    lines << QStringLiteral("median %1 (min %2, max %3) of %4 runs")
                 .arg(formatMs(row.medianMs), formatMs(row.minMs), formatMs(row.maxMs))
                 .arg(row.n);
    if (row.medianMs > 0 && row.flops > 0)
        lines << QStringLiteral("%1 GFLOP/s").arg(QString::number(row.flops / row.medianMs / 1e6, 'g', 4));
    else if (row.medianMs > 0 && row.bytes > 0)
        lines << QStringLiteral("%1 GB/s").arg(QString::number(row.bytes / row.medianMs / 1e6, 'g', 4));
    if (!row.fused.isEmpty())
        lines << QStringLiteral("fused: %1").arg(row.fused.join(QStringLiteral(", ")));
    if (!row.transfer && (row.maxRelError || row.tolerance)) {
        const QString error =
            row.maxRelError ? QString::number(*row.maxRelError, 'g', 2) : QStringLiteral("not finite");
        const QString tolerance = row.tolerance ? QString::number(*row.tolerance, 'g', 2) : QStringLiteral("none");
        lines << QStringLiteral("error %1, tolerance %2: %3")
                     .arg(error, tolerance, row.verified ? QStringLiteral("verified") : QStringLiteral("not verified"));
    }
    if (row.speedup)
        lines << QStringLiteral("speedup %1").arg(formatSpeedup(*row.speedup));
    return lines.join(QLatin1Char('\n'));
}

void CategoryPlot::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() != Qt::NoButton)
        return;
    const QPointF position = event->position();
    QString text;
    for (QCPAbstractItem* item : m_itemTips.keys()) {
        const double distance = item->visible() ? item->selectTest(position, false) : -1;
        if (distance >= 0 && distance < selectionTolerance()) {
            text = m_itemTips.value(item);
            break;
        }
    }
    if (text.isEmpty()) {
        int index = -1;
        if (QCPAbstractPlottable* plottable = plottableAt(position, false, &index)) {
            const auto tips = m_plottableTips.find(plottable);
            auto* bars = qobject_cast<QCPBars*>(plottable);
            if (tips != m_plottableTips.end() && bars && index >= 0 && index < bars->dataCount())
                text = tips->value(static_cast<int>(std::lround(bars->data()->at(index)->key)));
        }
    }
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void CategoryPlot::mouseDoubleClickEvent(QMouseEvent* event)
{
    QCustomPlot::mouseDoubleClickEvent(event);
    m_autoKeyRange = true;
    changed();
}

void CategoryPlot::rebuild()
{
    clearContent();
    forgetTips();
    m_backends = m_run.backends();
    if (m_comparison) {
        for (const QString& backend : m_comparison->backends()) {
            if (!m_backends.contains(backend))
                m_backends.append(backend);
        }
    }
    m_categoryNames.clear();
    m_categoryKeys.clear();
    m_categoryHasStep.clear();
    m_occurrences.clear();
    m_rowKeys[0].clear();
    m_rowKeys[1].clear();
    m_ticker->setLabels({});
    setTrailingLabel(m_trailing);
    for (int r = 0; r < runCount(); ++r) {
        for (int i = 0; i < run(r).steps().size(); ++i)
            addRow(r, i);
    }
    for (int r = 0; r < runCount(); ++r) {
        if (run(r).finished())
            totalsChanged(r);
    }
    changed();
}

void CategoryPlot::beforeRedraw()
{
    if (m_autoKeyRange) {
        m_settingKeyRange = true;
        const int keys = categoryCount() + (m_trailing.isEmpty() ? 0 : 1);
        xAxis->setRange(-0.6, std::max(keys, 1) - 0.4);
        m_settingKeyRange = false;
    }
    updateValueRange();
}

} // namespace wb::widgets
