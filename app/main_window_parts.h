#pragma once
// What several of MainWindow's files (main_window*.cpp) share; not in main_window.h,
// because nothing outside the window needs it.

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace wb::app::detail {

// The settings key of the run time limit, in seconds: the engines get it, and a run that
// the watchdog stopped names it.
inline const QString kTimeLimitKey = QStringLiteral("run/timeLimitSeconds");

// The devices document's (or a record's) GPU names by index.
inline QHash<int, QString> gpuNames(const QJsonObject& head)
{
    QHash<int, QString> names;
    for (const QJsonValue& gpu :
         head.value(QStringLiteral("cuda")).toObject().value(QStringLiteral("gpus")).toArray()) {
        const QJsonObject object = gpu.toObject();
        names.insert(object.value(QStringLiteral("index")).toInt(), object.value(QStringLiteral("name")).toString());
    }
    return names;
}

} // namespace wb::app::detail
