#pragma once
// Copies of unsaved editors, so that a crash, a kill or a power cut costs at most the last
// few seconds of typing (issue 5, "Never losing work").
//
// The recovery folder (QStandardPaths::AppLocalDataLocation/recovery by default) holds one
// sub-folder per running workbench: a `session.lock` (QLockFile) held while it runs, an
// `index.json` naming each copy's document, and the copies' text. A clean exit removes its
// own folder. A folder whose lock can be taken belongs to a workbench that ended without a
// clean exit (its lock file is gone or names a process that no longer runs), and its
// copies are offered at the next start; a folder whose lock is held belongs to a workbench
// still running (a second window), and is left alone. Offered folders stay locked by the
// store that found them until they are restored or discarded, so that two workbenches
// started together never both restore the same copies.
//
// Every file is written atomically (QSaveFile), so a crash while autosaving leaves the
// previous copy whole.

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

class QLockFile;

namespace wb::app {

struct RecoveryEntry {
    QString session;      // the sub-folder it is in
    QString id;           // the document's id (Document::id())
    QString name;         // the name its tab showed: "matmul.wbp", "untitled-2.wbp"
    QString originalPath; // the document's file; empty when it had none
    QString kind;         // Document::kindName(): "pipeline", "kernel"
    QDateTime savedAt;    // when the copy was written, UTC
    QString textFile;     // the copy, absolute
};

class RecoveryStore {
public:
    // `folder`: where the sessions' folders go; made when needed.
    explicit RecoveryStore(const QString& folder);
    // Leaves this session's copies where they are (a clean exit calls discardSession()
    // first) and releases every lock the store holds.
    ~RecoveryStore();
    RecoveryStore(const RecoveryStore&) = delete;
    RecoveryStore& operator=(const RecoveryStore&) = delete;

    // AppLocalDataLocation/recovery.
    static QString defaultFolder();

    QString folder() const { return m_folder; }
    // This session's folder; empty until open() succeeded.
    QString sessionFolder() const { return m_sessionFolder; }
    bool isOpen() const { return !m_sessionFolder.isEmpty(); }

    // Makes and locks this session's folder. False with the reason when the folder cannot
    // be made or locked; the workbench then runs without autosave and says so.
    bool open(QString* error = nullptr);

    // Writes (or replaces) the copy of a document: `entry`'s id, name, originalPath and kind
    // are kept; session, savedAt and textFile are filled in.
    bool write(const RecoveryEntry& entry, const QString& text, QString* error = nullptr);
    // Forgets a document's copy (it was saved, closed or its changes undone).
    void remove(const QString& id);
    // This session's copies.
    QList<RecoveryEntry> entries() const;
    // A clean exit: this session's folder is removed.
    void discardSession();

    // The copies of sessions that ended without a clean exit, oldest first. Their folders are
    // locked by this store from now on. Sessions with no copy are removed on the way.
    QList<RecoveryEntry> orphanedEntries();
    // The text of a copy; nullopt with the reason when it cannot be read.
    static std::optional<QString> readText(const RecoveryEntry& entry, QString* error = nullptr);
    // Removes the folders orphanedEntries() found, with their copies (restored or refused).
    void discardOrphans();

private:
    bool writeIndex(QString* error);
    static QList<RecoveryEntry> readIndex(const QString& sessionFolder);

    QString m_folder;
    QString m_sessionFolder;
    QString m_session;
    std::unique_ptr<QLockFile> m_lock;
    QHash<QString, RecoveryEntry> m_entries; // this session's, by document id
    struct Claimed {
        QString folder;
        std::unique_ptr<QLockFile> lock;
    };
    std::vector<Claimed> m_claimed;
};

} // namespace wb::app
