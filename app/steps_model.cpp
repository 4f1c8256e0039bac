#include "steps_model.h"

#include "plot_common.h"

#include <QBrush>
#include <QColor>
#include <QJsonArray>
#include <QLocale>

#include <cmath>

namespace wb::app {

namespace {

bool isCpu(const QString& backend) { return backend == QLatin1String("cpu"); }

QString ms(double value) { return QString::number(value, 'f', value < 10 ? 3 : (value < 1000 ? 2 : 0)); }

QString error(double value) { return QString::number(value, 'e', 1); }

QString describeTimes(const widgets::StepFigures& f)
{
    if (!f.skipped.isEmpty())
        return QStringLiteral("%1: skipped, %2").arg(f.backend, f.skipped);
    QString text = QStringLiteral("%1: median %2 ms, min %3 ms, max %4 ms over %5 repetitions")
                       .arg(f.backend, ms(f.medianMs), ms(f.minMs), ms(f.maxMs))
                       .arg(f.n);
    if (f.compileMs)
        text += QStringLiteral("\nkernel %1 in %2 ms, not counted in the times")
                    .arg(f.cacheHit ? QStringLiteral("read from the disk cache") : QStringLiteral("compiled"),
                         ms(*f.compileMs));
    return text;
}

// A row's time on one backend, or why it did not run there.
QString timeCell(const widgets::StepFigures& f)
{
    return f.skipped.isEmpty() ? ms(f.medianMs) : QStringLiteral("skipped");
}

QString csvField(const QString& text)
{
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')) || text.contains(QLatin1Char('\n'))) {
        QString quoted = text;
        quoted.replace(QLatin1Char('"'), QStringLiteral("\"\""));
        return QLatin1Char('"') + quoted + QLatin1Char('"');
    }
    return text;
}

QString csvNumber(const std::optional<double>& value)
{
    return value && std::isfinite(*value) ? QString::number(*value, 'g', QLocale::FloatingPointShortest) : QString();
}

} // namespace

QStringList StepsModel::Row::backends() const
{
    QStringList list;
    if (cpu) {
        list.append(cpu->backend);
    }
    if (gpu) {
        list.append(gpu->backend);
    }
    return list;
}

std::optional<std::pair<double, QString>> throughput(const widgets::StepFigures& figures)
{
    if (figures.medianMs <= 0) {
        return std::nullopt;
    }
    if (figures.flops > 0) {
        return std::pair{figures.flops / (figures.medianMs * 1e6), QStringLiteral("GFLOP/s")};
    }
    if (figures.bytes > 0) {
        return std::pair{figures.bytes / (figures.medianMs * 1e6), QStringLiteral("GB/s")};
    }
    return std::nullopt;
}

QString throughputText(const widgets::StepFigures& figures)
{
    const auto value = throughput(figures);
    if (!value) {
        return {};
    }
    const double v = value->first;
    const int decimals = v >= 100 ? 0 : (v >= 10 ? 1 : 2);
    return QStringLiteral("%1 %2").arg(QString::number(v, 'f', decimals), value->second);
}

StepsModel::StepsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void StepsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_figureCount = 0;
    endResetModel();
}

void StepsModel::setShapes(const QJsonArray& names)
{
    m_shapes.clear();
    for (const QJsonValue& value : names) {
        const QJsonObject name = value.toObject();
        QStringList sizes;
        for (const QJsonValue& size : name.value(QStringLiteral("shape")).toArray()) {
            sizes.append(QString::number(size.toInteger()));
        }
        const QString dtype = name.value(QStringLiteral("dtype")).toString();
        const QString shape = sizes.isEmpty() ? QStringLiteral("scalar") : sizes.join(QChar(0x00d7));
        m_shapes.insert(name.value(QStringLiteral("name")).toString(),
                        dtype.isEmpty() ? shape : shape + QLatin1Char(' ') + dtype);
    }
    if (!m_rows.isEmpty()) {
        emit dataChanged(index(0, ShapeColumn), index(rowCount() - 1, ShapeColumn));
    }
}

bool StepsModel::addStep(const QJsonObject& figures, QString* error)
{
    std::optional<widgets::StepFigures> parsed = widgets::StepFigures::fromJson(figures, error);
    if (!parsed) {
        return false;
    }
    addStep(*parsed);
    return true;
}

int StepsModel::insertPosition(const widgets::StepFigures& figures) const
{
    const bool upload = figures.step.startsWith(QLatin1String("upload "));
    if (upload) {
        // Before the first step row of its line or of a later line.
        for (int i = 0; i < m_rows.size(); ++i) {
            if (!m_rows[i].transfer && m_rows[i].line >= figures.line) {
                return i;
            }
        }
        return static_cast<int>(m_rows.size());
    }
    // A download: after the last row of its line or of an earlier line.
    int position = static_cast<int>(m_rows.size());
    for (int i = static_cast<int>(m_rows.size()) - 1; i >= 0; --i) {
        if (m_rows[i].line <= figures.line) {
            position = i + 1;
            break;
        }
        position = i;
    }
    return position;
}

void StepsModel::addStep(const widgets::StepFigures& figures)
{
    ++m_figureCount;
    const bool cpu = isCpu(figures.backend);
    if (!figures.transfer) {
        for (int i = 0; i < m_rows.size(); ++i) {
            Row& row = m_rows[i];
            if (row.transfer || row.step != figures.step || row.line != figures.line) {
                continue;
            }
            std::optional<widgets::StepFigures>& half = cpu ? row.cpu : row.gpu;
            if (half) {
                continue; // another occurrence of the step on this line
            }
            half = figures;
            emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
            return;
        }
    }
    Row row;
    row.step = figures.step;
    row.line = figures.line;
    row.transfer = figures.transfer;
    (cpu ? row.cpu : row.gpu) = figures;
    const int position = figures.transfer ? insertPosition(figures) : static_cast<int>(m_rows.size());
    beginInsertRows({}, position, position);
    m_rows.insert(position, row);
    endInsertRows();
}

int StepsModel::firstRowOfLine(int line) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows[i].line == line) {
            return i;
        }
    }
    return -1;
}

int StepsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int StepsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant StepsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount) {
        return {};
    }
    if (role == Qt::DisplayRole) {
        switch (section) {
        case LineColumn: return tr("Line");
        case StepColumn: return tr("Step");
        case ShapeColumn: return tr("Shape");
        case CpuMsColumn: return tr("CPU ms");
        case GpuMsColumn: return tr("GPU ms");
        case SpeedupColumn: return tr("Speedup");
        case ThroughputColumn: return tr("Throughput");
        case MaxErrorColumn: return tr("Max error");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case CpuMsColumn:
        case GpuMsColumn: return tr("Median over the measured repetitions; warm-up runs excluded");
        case SpeedupColumn: return tr("CPU median / GPU median, shown only when the GPU's result was verified");
        case ThroughputColumn: return tr("GFLOP/s for steps that compute, GB/s for the others (the GPU's when it ran)");
        case MaxErrorColumn: return tr("Max relative error of the GPU's result against the CPU's");
        default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole) {
        return section == StepColumn || section == ShapeColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                               : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant StepsModel::display(const Row& row, int column) const
{
    switch (column) {
    case LineColumn: return row.line;
    case StepColumn: return row.any().displayName();
    case ShapeColumn: return m_shapes.value(row.valueName());
    case CpuMsColumn: return row.cpu ? timeCell(*row.cpu) : QString();
    case GpuMsColumn: return row.gpu ? timeCell(*row.gpu) : QString();
    case SpeedupColumn:
        if (!row.gpu || !row.cpu || !row.cpu->skipped.isEmpty()) {
            return QString();
        }
        if (row.gpu->speedup) {
            return widgets::formatSpeedup(*row.gpu->speedup);
        }
        return row.gpu->tolerance ? tr("unverified") : tr("not comparable");
    case ThroughputColumn: return throughputText(row.any());
    case MaxErrorColumn: return row.gpu && row.gpu->maxRelError ? error(*row.gpu->maxRelError) : QString();
    default: return {};
    }
}

QVariant StepsModel::sortValue(const Row& row, int column) const
{
    switch (column) {
    case LineColumn: return row.line;
    case CpuMsColumn: return row.cpu ? QVariant(row.cpu->medianMs) : QVariant();
    case GpuMsColumn: return row.gpu ? QVariant(row.gpu->medianMs) : QVariant();
    case SpeedupColumn: return row.gpu && row.gpu->speedup ? QVariant(*row.gpu->speedup) : QVariant();
    case ThroughputColumn: {
        const auto value = throughput(row.any());
        return value ? QVariant(value->first) : QVariant();
    }
    case MaxErrorColumn: return row.gpu && row.gpu->maxRelError ? QVariant(*row.gpu->maxRelError) : QVariant();
    default: {
        const QVariant text = display(row, column);
        return text.toString().isEmpty() ? QVariant() : text;
    }
    }
}

QString StepsModel::toolTip(const Row& row, int column) const
{
    switch (column) {
    case StepColumn: {
        QString tip = row.step;
        if (!row.any().fused.isEmpty()) {
            tip += tr("\nfused into it: %1").arg(row.any().fused.join(QStringLiteral(", ")));
        }
        return tip;
    }
    case CpuMsColumn: return row.cpu ? describeTimes(*row.cpu) : QString();
    case GpuMsColumn: return row.gpu ? describeTimes(*row.gpu) : QString();
    case SpeedupColumn:
        if (row.gpu && row.cpu && row.cpu->skipped.isEmpty() && !row.gpu->speedup) {
            if (!row.gpu->tolerance) {
                return tr("The backends compute different numbers by design (randn): no speedup is claimed");
            }
            return tr("Not verified: error %1 > tolerance %2, so no speedup is shown")
                .arg(row.gpu->maxRelError ? error(*row.gpu->maxRelError) : tr("not a finite number"),
                     error(*row.gpu->tolerance));
        }
        return {};
    case ThroughputColumn: {
        QStringList lines;
        for (const auto* half : {&row.cpu, &row.gpu}) {
            if (*half) {
                const QString text = throughputText(**half);
                if (!text.isEmpty()) {
                    lines.append(QStringLiteral("%1: %2").arg((*half)->backend, text));
                }
            }
        }
        return lines.join(QLatin1Char('\n'));
    }
    case MaxErrorColumn:
        if (row.gpu && row.gpu->maxRelError) {
            return row.gpu->tolerance ? tr("max |GPU - CPU| / max |CPU| = %1; tolerance %2 (%3)")
                                            .arg(error(*row.gpu->maxRelError), error(*row.gpu->tolerance),
                                                 row.gpu->verified ? tr("verified") : tr("not verified"))
                                      : tr("max |GPU - CPU| / max |CPU| = %1; no tolerance (not comparable)")
                                            .arg(error(*row.gpu->maxRelError));
        }
        return {};
    default: return {};
    }
}

QVariant StepsModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const Row& row = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole: return display(row, column);
    case Qt::ToolTipRole: {
        const QString tip = toolTip(row, column);
        return tip.isEmpty() ? QVariant() : QVariant(tip);
    }
    case Qt::TextAlignmentRole:
        return column == StepColumn || column == ShapeColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                             : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (column == SpeedupColumn && row.gpu && row.cpu && !row.gpu->speedup) {
            return QBrush(row.gpu->tolerance ? QColor(0xc6, 0x28, 0x28) : QColor(0x75, 0x75, 0x75));
        }
        if (row.transfer) {
            return QBrush(QColor(0x60, 0x6a, 0x75));
        }
        return {};
    case SortRole: return sortValue(row, column);
    case LineRole: return row.line;
    case StepRole: return row.step;
    case ValueRole: return row.transfer ? row.valueName() : row.step;
    case BackendsRole: return row.backends();
    default: return {};
    }
}

QString StepsModel::toCsv() const
{
    QStringList lines;
    lines.append(QStringLiteral("line,step,transfer,shape,cpu_backend,cpu_median_ms,cpu_min_ms,cpu_max_ms,"
                                "gpu_backend,gpu_median_ms,gpu_min_ms,gpu_max_ms,n,flops,bytes,speedup,verified,"
                                "max_rel_error,tolerance"));
    for (const Row& row : m_rows) {
        const widgets::StepFigures& any = row.any();
        QStringList fields{QString::number(row.line), csvField(row.step),
                           row.transfer ? QStringLiteral("true") : QStringLiteral("false"),
                           csvField(m_shapes.value(row.valueName()))};
        for (const auto* half : {&row.cpu, &row.gpu}) {
            if (*half) {
                fields << csvField((*half)->backend) << csvNumber((*half)->medianMs) << csvNumber((*half)->minMs)
                       << csvNumber((*half)->maxMs);
            } else {
                fields << QString() << QString() << QString() << QString();
            }
        }
        fields << QString::number(any.n) << csvNumber(any.flops) << csvNumber(any.bytes)
               << (row.gpu ? csvNumber(row.gpu->speedup) : QString())
               << (row.gpu && row.cpu ? (row.gpu->verified ? QStringLiteral("true") : QStringLiteral("false"))
                                      : QString())
               << (row.gpu ? csvNumber(row.gpu->maxRelError) : QString())
               << (row.gpu ? csvNumber(row.gpu->tolerance) : QString());
        lines.append(fields.join(QLatin1Char(',')));
    }
    return lines.join(QStringLiteral("\r\n")) + QStringLiteral("\r\n");
}

} // namespace wb::app
