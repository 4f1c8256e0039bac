#include "recovery.h"

#include "document.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLockFile>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>

namespace wb::app {

namespace {

const QString kLockName = QStringLiteral("session.lock");
const QString kIndexName = QStringLiteral("index.json");
constexpr int kIndexVersion = 1;

// A lock that only a dead owner makes stale: QLockFile's default also calls a lock older
// than 30 s stale, which would let a second workbench take the folder of one still running.
std::unique_ptr<QLockFile> makeLock(const QString& folder)
{
    auto lock = std::make_unique<QLockFile>(QDir(folder).filePath(kLockName));
    lock->setStaleLockTime(0);
    return lock;
}

QString copyName(const RecoveryEntry& entry)
{
    const QString suffix = QFileInfo(entry.name).suffix();
    return suffix.isEmpty() ? entry.id : entry.id + QLatin1Char('.') + suffix;
}

} // namespace

RecoveryStore::RecoveryStore(const QString& folder)
    : m_folder(QDir::cleanPath(QFileInfo(folder).absoluteFilePath()))
{
}

RecoveryStore::~RecoveryStore() = default;

QString RecoveryStore::defaultFolder()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation))
        .filePath(QStringLiteral("recovery"));
}

bool RecoveryStore::open(QString* error)
{
    if (isOpen()) {
        return true;
    }
    // The start time and the process id make the name unique and sort sessions by age.
    const QString session = QStringLiteral("%1-%2")
                                .arg(QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz")))
                                .arg(QCoreApplication::applicationPid());
    QString folder = QDir(m_folder).filePath(session);
    for (int attempt = 1; QFileInfo::exists(folder); ++attempt) {
        folder = QDir(m_folder).filePath(QStringLiteral("%1-%2").arg(session).arg(attempt));
    }
    if (!QDir().mkpath(folder)) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot make the recovery folder %1").arg(QDir::toNativeSeparators(folder));
        }
        return false;
    }
    auto lock = makeLock(folder);
    if (!lock->tryLock(0)) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot lock the recovery folder %1 (error %2)")
                         .arg(QDir::toNativeSeparators(folder))
                         .arg(static_cast<int>(lock->error()));
        }
        QDir(folder).removeRecursively();
        return false;
    }
    m_lock = std::move(lock);
    m_sessionFolder = folder;
    m_session = QFileInfo(folder).fileName();
    return true;
}

bool RecoveryStore::write(const RecoveryEntry& entry, const QString& text, QString* error)
{
    if (!isOpen()) {
        if (error != nullptr) {
            *error = QStringLiteral("the recovery folder is not open");
        }
        return false;
    }
    RecoveryEntry stored = entry;
    stored.session = m_session;
    stored.savedAt = QDateTime::currentDateTimeUtc();
    stored.textFile = QDir(m_sessionFolder).filePath(copyName(entry));
    // The copy first, then the index that names it: a crash between the two leaves an
    // index that names the previous copy, which is still there whole.
    if (!Document::writeTextFile(stored.textFile, text, error)) {
        return false;
    }
    m_entries.insert(stored.id, stored);
    return writeIndex(error);
}

void RecoveryStore::remove(const QString& id)
{
    const auto found = m_entries.constFind(id);
    if (found == m_entries.constEnd()) {
        return;
    }
    const QString textFile = found->textFile;
    m_entries.remove(id);
    writeIndex(nullptr);
    QFile::remove(textFile);
}

QList<RecoveryEntry> RecoveryStore::entries() const
{
    QList<RecoveryEntry> list = m_entries.values();
    std::sort(list.begin(), list.end(),
              [](const RecoveryEntry& a, const RecoveryEntry& b) { return a.savedAt < b.savedAt; });
    return list;
}

void RecoveryStore::discardSession()
{
    if (!isOpen()) {
        return;
    }
    m_entries.clear();
    // Everything but the lock first, so that no other workbench can take the folder as an
    // orphan while it is being removed.
    QDir folder(m_sessionFolder);
    for (const QFileInfo& info : folder.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden)) {
        if (info.fileName() != kLockName) {
            if (info.isDir()) {
                QDir(info.absoluteFilePath()).removeRecursively();
            } else {
                QFile::remove(info.absoluteFilePath());
            }
        }
    }
    m_lock.reset();
    folder.removeRecursively();
    m_sessionFolder.clear();
    m_session.clear();
}

bool RecoveryStore::writeIndex(QString* error)
{
    QJsonArray documents;
    for (const RecoveryEntry& entry : entries()) {
        documents.append(QJsonObject{
            {QStringLiteral("id"), entry.id},
            {QStringLiteral("name"), entry.name},
            {QStringLiteral("original_path"), entry.originalPath},
            {QStringLiteral("kind"), entry.kind},
            {QStringLiteral("saved_at"), entry.savedAt.toString(Qt::ISODateWithMs)},
            {QStringLiteral("file"), QFileInfo(entry.textFile).fileName()},
        });
    }
    const QJsonObject index{
        {QStringLiteral("version"), kIndexVersion},
        {QStringLiteral("pid"), QCoreApplication::applicationPid()},
        {QStringLiteral("documents"), documents},
    };
    QSaveFile file(QDir(m_sessionFolder).filePath(kIndexName));
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(index).toJson()) < 0 || !file.commit()) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot write the recovery index in %1: %2")
                         .arg(QDir::toNativeSeparators(m_sessionFolder), file.errorString());
        }
        return false;
    }
    return true;
}

QList<RecoveryEntry> RecoveryStore::readIndex(const QString& sessionFolder)
{
    QList<RecoveryEntry> list;
    QFile file(QDir(sessionFolder).filePath(kIndexName));
    if (!file.open(QIODevice::ReadOnly)) {
        return list;
    }
    const QJsonObject index = QJsonDocument::fromJson(file.readAll()).object();
    const QString session = QFileInfo(sessionFolder).fileName();
    for (const QJsonValue& value : index.value(QStringLiteral("documents")).toArray()) {
        const QJsonObject object = value.toObject();
        RecoveryEntry entry;
        entry.session = session;
        entry.id = object.value(QStringLiteral("id")).toString();
        entry.name = object.value(QStringLiteral("name")).toString();
        entry.originalPath = object.value(QStringLiteral("original_path")).toString();
        entry.kind = object.value(QStringLiteral("kind")).toString();
        entry.savedAt = QDateTime::fromString(object.value(QStringLiteral("saved_at")).toString(), Qt::ISODateWithMs);
        const QString name = object.value(QStringLiteral("file")).toString();
        // Only a plain name inside the folder: an index is data, never a path to follow.
        if (entry.id.isEmpty() || name.isEmpty() || name.contains(QLatin1Char('/')) ||
            name.startsWith(QLatin1Char('.'))) {
            continue;
        }
        entry.textFile = QDir(sessionFolder).filePath(name);
        if (QFileInfo(entry.textFile).isFile()) {
            list.append(entry);
        }
    }
    return list;
}

QList<RecoveryEntry> RecoveryStore::orphanedEntries()
{
    QList<RecoveryEntry> found;
    const QDir root(m_folder);
    const QFileInfoList sessions = root.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QFileInfo& session : sessions) {
        const QString folder = session.absoluteFilePath();
        if (folder == m_sessionFolder) {
            continue;
        }
        const bool claimed =
            std::any_of(m_claimed.begin(), m_claimed.end(), [&](const Claimed& c) { return c.folder == folder; });
        if (!claimed) {
            auto lock = makeLock(folder);
            if (!lock->tryLock(0)) {
                continue; // a workbench that still runs
            }
            m_claimed.push_back({folder, std::move(lock)});
        }
        const QList<RecoveryEntry> entries = readIndex(folder);
        if (entries.isEmpty()) {
            // Nothing to offer (it crashed before any autosave): tidy it away.
            const auto it =
                std::find_if(m_claimed.begin(), m_claimed.end(), [&](const Claimed& c) { return c.folder == folder; });
            it->lock.reset();
            QDir(folder).removeRecursively();
            m_claimed.erase(it);
            continue;
        }
        found.append(entries);
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const RecoveryEntry& a, const RecoveryEntry& b) { return a.savedAt < b.savedAt; });
    return found;
}

std::optional<QString> RecoveryStore::readText(const RecoveryEntry& entry, QString* error)
{
    return Document::readTextFile(entry.textFile, error);
}

void RecoveryStore::discardOrphans()
{
    for (Claimed& claimed : m_claimed) {
        claimed.lock.reset();
        QDir(claimed.folder).removeRecursively();
    }
    m_claimed.clear();
}

} // namespace wb::app
