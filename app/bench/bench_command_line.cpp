#include "bench_command_line.h"

#include <wb/version.h>

#include <QDateTime>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>

#include <cstdio>
#include <utility>

namespace wb::app::bench {

BenchCommandLine::BenchCommandLine(const char* program, const char* usage)
    : m_program(program)
    , m_usage(usage)
{
}

void BenchCommandLine::addInt(const char* name, int* value, int minimum)
{
    addOption(name, [value, minimum](const QString& text) {
        bool ok = false;
        const int parsed = text.toInt(&ok);
        if (ok && parsed >= minimum) {
            *value = parsed;
        }
        return ok && parsed >= minimum;
    });
}

void BenchCommandLine::addInt(const char* name, qint64* value, qint64 minimum)
{
    addOption(name, [value, minimum](const QString& text) {
        bool ok = false;
        const qint64 parsed = text.toLongLong(&ok);
        if (ok && parsed >= minimum) {
            *value = parsed;
        }
        return ok && parsed >= minimum;
    });
}

void BenchCommandLine::addString(const char* name, QString* value)
{
    addOption(name, [value](const QString& text) {
        *value = text;
        return true;
    });
}

void BenchCommandLine::addCommand(const char* name, QStringList* words)
{
    addOption(name, [words](const QString& text) {
        QStringList split = QProcess::splitCommand(text);
        if (split.isEmpty()) {
            return false;
        }
        *words = std::move(split);
        return true;
    });
}

void BenchCommandLine::addOption(const char* name, std::function<bool(const QString&)> accept)
{
    m_options.push_back({QString::fromLatin1(name), std::move(accept)});
}

std::optional<int> BenchCommandLine::parse(const QStringList& arguments, QStringList* positional) const
{
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString& argument = arguments[i];
        if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            std::fputs(m_usage, stdout);
            return 0;
        }
        bool ok = false;
        QString shown = argument;
        if (argument.startsWith(QLatin1String("--"))) {
            for (const Option& option : m_options) {
                if (option.name == argument && i + 1 < arguments.size()) {
                    shown += QLatin1Char(' ') + arguments[i + 1];
                    ok = option.accept(arguments[++i]);
                    break;
                }
            }
        } else if (positional != nullptr) {
            positional->append(argument);
            ok = true;
        }
        if (!ok) {
            std::fprintf(stderr, "%s: bad argument '%s'\n%s", m_program, qPrintable(shown), m_usage);
            return 2;
        }
    }
    return std::nullopt;
}

bool writeRecord(const QString& path, const char* tool, QJsonObject record, QString* error)
{
    record.insert(QStringLiteral("tool"), QLatin1String(tool));
    record.insert(QStringLiteral("version"), QLatin1String(wb::kVersionString));
    record.insert(QStringLiteral("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(record).toJson()) < 0 || !file.commit()) {
        *error = QStringLiteral("could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace wb::app::bench
