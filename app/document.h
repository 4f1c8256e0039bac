#pragma once
// One document of the workbench: a pipeline (`.wbp`) or a kernel (`.cu`) with its editor,
// its file and whether it has changes that are not saved. Files are UTF-8 text; a file that
// is not valid UTF-8 is refused instead of being opened with replacement characters (saving
// it would destroy the bytes that could not be read). Saving is atomic (QSaveFile): the old
// file stays whole until the new one is completely written, so a full disk or a crash in the
// middle of a save never costs the file (DESIGN.md, "Nothing the user made is lost").
//
// The editor is made with the document and owned by it until the main window puts it in a
// tab; it is deleted with the document either way.

#include <QObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace wb::widgets {
class CodeEditor;
class PipelineEditor;
} // namespace wb::widgets

namespace wb::app {

class Document : public QObject {
    Q_OBJECT

public:
    enum class Kind { Pipeline, Kernel };
    Q_ENUM(Kind)

    // By the file name's suffix: .wbp a pipeline; .cu and .cuh a kernel; nullopt otherwise.
    static std::optional<Kind> kindForPath(const QString& path);
    // "pipeline" and "kernel", as the recovery index writes them, and back.
    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(const QString& name);
    // The suffix new documents of a kind get: "wbp", "cu".
    static QString defaultSuffix(Kind kind);

    // An untitled document named `untitledName` ("untitled-1.wbp"), empty and unmodified.
    Document(Kind kind, const QString& untitledName, QObject* parent = nullptr);
    ~Document() override;

    Kind kind() const { return m_kind; }
    widgets::CodeEditor* editor() const;
    // The pipeline editor, null for a kernel.
    widgets::PipelineEditor* pipelineEditor() const;

    // The file, absolute and clean; empty while untitled.
    QString path() const { return m_path; }
    bool isUntitled() const { return m_path.isEmpty(); }
    // The file's name, or the untitled name.
    QString fileName() const;
    // The folder relative paths in the text are read from (a pipeline's `load("...")`):
    // the file's folder, empty while untitled.
    QString directory() const;
    // The tab's title: the file name, with "*" after it while there are unsaved changes.
    QString title() const;

    QString text() const;
    // Replaces the text as an edit would (undoable, modified): for restoring a recovered copy.
    void replaceText(const QString& text);
    bool isModified() const;
    // Counts changes of the text; the autosave writes a document again only when it moved.
    quint64 revision() const { return m_revision; }
    // A stable id for this document's recovery copy.
    QString id() const { return m_id; }

    // Reads `path` into the editor: not modified afterwards, no undo history. False with the
    // reason when it cannot be read or is not UTF-8 text; the document is then unchanged.
    bool load(const QString& path, QString* error = nullptr);
    // Writes the text to path() atomically. False with the reason when untitled or when
    // the file cannot be written; the document then stays modified.
    bool save(QString* error = nullptr);
    // Writes to `path` and makes it the document's file.
    bool saveAs(const QString& path, QString* error = nullptr);
    // Makes `path` the document's file without writing it (a recovered copy of a file that
    // is restored keeps its file, and stays modified).
    void setPath(const QString& path);

    // Reads a text file the way load() does, without a document.
    static std::optional<QString> readTextFile(const QString& path, QString* error = nullptr);
    // Writes a text file atomically, as save() does.
    static bool writeTextFile(const QString& path, const QString& text, QString* error = nullptr);

signals:
    void titleChanged();
    void pathChanged(const QString& path);
    void modificationChanged(bool modified);
    void textChanged();

private:
    Kind m_kind;
    QString m_untitledName;
    QString m_path;
    QString m_id;
    quint64 m_revision = 0;
    QPointer<widgets::CodeEditor> m_editor;
};

} // namespace wb::app
