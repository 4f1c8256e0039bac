// MainWindow's recovery: the autosaved copies of modified documents (RecoveryStore) and the
// offer, after a start that followed a crash, to restore them.

#include "main_window.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QStatusBar>
#include <QVBoxLayout>

namespace wb::app {

void MainWindow::autosaveNow()
{
    if (!m_recovery->isOpen()) {
        return;
    }
    QStringList failures;
    for (Document* document : documents()) {
        CheckState& state = m_checks[document];
        if (!document->isModified()) {
            continue;
        }
        if (state.autosaved && state.autosavedRevision == document->revision()) {
            continue;
        }
        RecoveryEntry entry;
        entry.id = document->id();
        entry.name = document->fileName();
        entry.originalPath = document->path();
        entry.kind = Document::kindName(document->kind());
        QString error;
        if (m_recovery->write(entry, document->text(), &error)) {
            state.autosaved = true;
            state.autosavedRevision = document->revision();
        } else {
            failures.append(error);
        }
    }
    if (!failures.isEmpty()) {
        statusBar()->showMessage(tr("Autosave failed: %1").arg(failures.join(QStringLiteral("; "))), 10000);
    }
}

QList<Document*> MainWindow::restoreRecovery(const QList<RecoveryEntry>& entries)
{
    QList<Document*> restored;
    QStringList failures;
    for (const RecoveryEntry& entry : entries) {
        QString error;
        const std::optional<QString> text = RecoveryStore::readText(entry, &error);
        const std::optional<Document::Kind> kind = Document::kindFromName(entry.kind);
        if (!text || !kind) {
            failures.append(text ? tr("%1: unknown kind '%2'").arg(entry.name, entry.kind) : error);
            continue;
        }
        Document* document = nullptr;
        if (!entry.originalPath.isEmpty()) {
            document = documentForPath(entry.originalPath);
            if (document == nullptr && QFileInfo(entry.originalPath).isFile()) {
                document = openFile(entry.originalPath, &error);
            }
        }
        if (document == nullptr) {
            document = new Document(*kind, entry.originalPath.isEmpty() ? untitledName(*kind) : QString(), this);
            if (!entry.originalPath.isEmpty()) {
                document->setPath(entry.originalPath); // the file is gone; Save writes it again
            }
            addDocument(document);
        }
        // The copy as an edit of the file: modified, undoable back to what is on disk.
        document->replaceText(*text);
        restored.append(document);
    }
    m_recovery->discardOrphans();
    m_recoveryOffer.clear();
    autosaveNow(); // the restored texts are this session's to keep safe now
    if (!failures.isEmpty()) {
        statusBar()->showMessage(tr("Not restored: %1").arg(failures.join(QStringLiteral("; "))), 15000);
    } else if (!restored.isEmpty()) {
        statusBar()->showMessage(tr("Restored %n document(s) from the recovery folder", nullptr, int(restored.size())),
                                 8000);
    }
    return restored;
}

void MainWindow::discardRecovery()
{
    m_recovery->discardOrphans();
    m_recoveryOffer.clear();
}

void MainWindow::offerRecovery()
{
    if (m_recoveryOffer.isEmpty()) {
        return;
    }
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Restore unsaved work"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* text = new QLabel(tr("Warpbench did not exit cleanly last time. These editors had changes that were not "
                               "saved; their last autosaved copies can be restored:"));
    text->setWordWrap(true);
    layout->addWidget(text);
    auto* list = new QListWidget;
    for (const RecoveryEntry& entry : m_recoveryOffer) {
        auto* item = new QListWidgetItem(
            tr("%1 — %2, autosaved %3")
                .arg(entry.name,
                     entry.originalPath.isEmpty() ? tr("never saved") : QDir::toNativeSeparators(entry.originalPath),
                     QLocale().toString(entry.savedAt.toLocalTime(), QLocale::ShortFormat)),
            list);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
    layout->addWidget(list);
    auto* buttons = new QDialogButtonBox;
    QPushButton* restore = buttons->addButton(tr("Restore Checked"), QDialogButtonBox::AcceptRole);
    QPushButton* discard = buttons->addButton(tr("Discard All"), QDialogButtonBox::DestructiveRole);
    QPushButton* later = buttons->addButton(tr("Decide Later"), QDialogButtonBox::RejectRole);
    layout->addWidget(buttons);
    QPushButton* chosen = nullptr;
    connect(buttons, &QDialogButtonBox::clicked, &dialog, [&](QAbstractButton* button) {
        chosen = qobject_cast<QPushButton*>(button);
        dialog.accept();
    });
    restore->setDefault(true);
    dialog.resize(640, 320);
    dialog.exec();
    if (chosen == restore) {
        QList<RecoveryEntry> selected;
        for (int i = 0; i < list->count(); ++i) {
            if (list->item(i)->checkState() == Qt::Checked) {
                selected.append(m_recoveryOffer[i]);
            }
        }
        restoreRecovery(selected);
    } else if (chosen == discard) {
        discardRecovery();
    } else {
        Q_UNUSED(later); // the copies stay and are offered at the next start
    }
}

} // namespace wb::app
