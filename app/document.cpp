#include "document.h"

#include "kernel_editor.h"
#include "pipeline_editor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStringDecoder>
#include <QUuid>

namespace wb::app {

namespace {

// Larger files are refused: they are not pipelines or kernels anyone typed, and a text
// editor holding hundreds of megabytes would freeze the window.
constexpr qint64 kMaxTextFileBytes = 64LL * 1024 * 1024;

QString cleanAbsolute(const QString& path) { return QDir::cleanPath(QFileInfo(path).absoluteFilePath()); }

} // namespace

std::optional<Document::Kind> Document::kindForPath(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("wbp")) {
        return Kind::Pipeline;
    }
    if (suffix == QLatin1String("cu") || suffix == QLatin1String("cuh")) {
        return Kind::Kernel;
    }
    return std::nullopt;
}

QString Document::kindName(Kind kind)
{
    return kind == Kind::Pipeline ? QStringLiteral("pipeline") : QStringLiteral("kernel");
}

std::optional<Document::Kind> Document::kindFromName(const QString& name)
{
    if (name == QLatin1String("pipeline")) {
        return Kind::Pipeline;
    }
    if (name == QLatin1String("kernel")) {
        return Kind::Kernel;
    }
    return std::nullopt;
}

QString Document::defaultSuffix(Kind kind)
{
    return kind == Kind::Pipeline ? QStringLiteral("wbp") : QStringLiteral("cu");
}

Document::Document(Kind kind, const QString& untitledName, QObject* parent)
    : QObject(parent)
    , m_kind(kind)
    , m_untitledName(untitledName)
    , m_id(QUuid::createUuid().toString(QUuid::WithoutBraces))
{
    if (kind == Kind::Pipeline) {
        m_editor = new widgets::PipelineEditor;
    } else {
        m_editor = new widgets::KernelEditor;
    }
    connect(m_editor, &QsciScintilla::textChanged, this, [this] {
        ++m_revision;
        emit textChanged();
    });
    connect(m_editor, &QsciScintilla::modificationChanged, this, [this](bool modified) {
        emit modificationChanged(modified);
        emit titleChanged();
    });
}

Document::~Document()
{
    // The tab widget may have deleted the editor already (QPointer then holds null).
    delete m_editor.data();
}

widgets::CodeEditor* Document::editor() const { return m_editor.data(); }

widgets::PipelineEditor* Document::pipelineEditor() const
{
    return m_kind == Kind::Pipeline ? static_cast<widgets::PipelineEditor*>(m_editor.data()) : nullptr;
}

QString Document::fileName() const { return isUntitled() ? m_untitledName : QFileInfo(m_path).fileName(); }

QString Document::directory() const { return isUntitled() ? QString() : QFileInfo(m_path).absolutePath(); }

QString Document::title() const { return isModified() ? fileName() + QLatin1Char('*') : fileName(); }

QString Document::text() const { return m_editor != nullptr ? m_editor->text() : QString(); }

void Document::replaceText(const QString& text)
{
    if (m_editor == nullptr) {
        return;
    }
    // One undoable action: select everything and replace it, as a paste would.
    m_editor->selectAll(true);
    m_editor->replaceSelectedText(text);
    m_editor->setCursorPosition(0, 0);
}

bool Document::isModified() const { return m_editor != nullptr && m_editor->isModified(); }

std::optional<QString> Document::readTextFile(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return std::nullopt;
    }
    if (file.size() > kMaxTextFileBytes) {
        if (error != nullptr) {
            *error = QStringLiteral("%1 is %2 MiB; text files of more than %3 MiB are not opened")
                         .arg(QDir::toNativeSeparators(path))
                         .arg(file.size() / (1024 * 1024))
                         .arg(kMaxTextFileBytes / (1024 * 1024));
        }
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot read %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return std::nullopt;
    }
    QStringDecoder decoder(QStringDecoder::Utf8);
    QString text = decoder(bytes);
    if (decoder.hasError()) {
        if (error != nullptr) {
            *error = QStringLiteral("%1 is not UTF-8 text; it was not opened, so that saving cannot change the bytes "
                                    "that could not be read")
                         .arg(QDir::toNativeSeparators(path));
        }
        return std::nullopt;
    }
    return text;
}

bool Document::writeTextFile(const QString& path, const QString& text, QString* error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        }
        return false;
    }
    const QByteArray bytes = text.toUtf8();
    if (file.write(bytes) != bytes.size() || !file.commit()) {
        if (error != nullptr) {
            *error = QStringLiteral("cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
        }
        file.cancelWriting();
        return false;
    }
    return true;
}

bool Document::load(const QString& path, QString* error)
{
    std::optional<QString> text = readTextFile(path, error);
    if (!text || m_editor == nullptr) {
        return false;
    }
    m_editor->setDocumentText(*text);
    setPath(path);
    emit titleChanged();
    return true;
}

bool Document::save(QString* error)
{
    if (isUntitled()) {
        if (error != nullptr) {
            *error = QStringLiteral("%1 has no file yet: use Save As").arg(m_untitledName);
        }
        return false;
    }
    if (!writeTextFile(m_path, text(), error)) {
        return false;
    }
    m_editor->markSaved();
    emit titleChanged();
    return true;
}

bool Document::saveAs(const QString& path, QString* error)
{
    if (!writeTextFile(path, text(), error)) {
        return false;
    }
    setPath(path);
    m_editor->markSaved();
    emit titleChanged();
    return true;
}

void Document::setPath(const QString& path)
{
    const QString clean = path.isEmpty() ? QString() : cleanAbsolute(path);
    if (clean == m_path) {
        return;
    }
    m_path = clean;
    emit pathChanged(m_path);
    emit titleChanged();
}

} // namespace wb::app
