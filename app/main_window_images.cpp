// MainWindow's images: a row of the Steps table selects its line in the editor, and its
// value (and one to compare it with) is fetched from the engine and shown in Images.

#include "main_window.h"

#include "code_editor.h"
#include "image_data.h"
#include "image_panel.h"
#include "steps_model.h"

#include <QTableView>

#include <Qsci/qsciscintillabase.h>

#include <wb/dtype.h>

#include <optional>

namespace wb::app {

namespace {

constexpr qint64 kPreviewElements = 4 * 1024 * 1024; // a 2048² image whole; larger ones are strided

QString shapeText(const QJsonArray& shape)
{
    QStringList sizes;
    for (const QJsonValue& size : shape) {
        sizes.append(QString::number(size.toInteger()));
    }
    return sizes.isEmpty() ? QObject::tr("scalar") : sizes.join(QChar(0x00d7));
}

// An engine's fetch reply and its binary frame as an ImageData; nullopt with the reason
// when it is not an array the view can show.
std::optional<widgets::ImageData> imageFromFetch(const QJsonObject& reply, const QByteArray& binary, QString* error)
{
    widgets::ImageData image;
    image.name = reply.value(QStringLiteral("step")).toString();
    image.source = reply.value(QStringLiteral("backend")).toString();
    const std::optional<DType> dtype = parseDType(reply.value(QStringLiteral("dtype")).toString().toStdString());
    if (!dtype) {
        *error =
            QObject::tr("the engine sent an unknown dtype '%1'").arg(reply.value(QStringLiteral("dtype")).toString());
        return std::nullopt;
    }
    image.dtype = *dtype;
    for (const QJsonValue& size : reply.value(QStringLiteral("shape")).toArray()) {
        image.shape.append(size.toInteger());
    }
    image.bytes = binary;
    if (image.shape.isEmpty()) {
        image.shape = {1}; // a 0-D value: one element, shown as a 1×1 image and its value
    }
    if (image.shape.size() > 3 || (image.shape.size() == 3 && image.shape[2] > 4)) {
        *error = QObject::tr("%1 has the shape %2, which is not an image (up to 3 axes, at most 4 channels)")
                     .arg(image.name, shapeText(reply.value(QStringLiteral("original_shape")).toArray()));
        return std::nullopt;
    }
    if (!image.isValid()) {
        *error = QObject::tr("the engine sent %1 bytes for %2 of shape %3")
                     .arg(binary.size())
                     .arg(image.name, shapeText(reply.value(QStringLiteral("shape")).toArray()));
        return std::nullopt;
    }
    return image;
}

QString fetchCaption(const QJsonObject& reply)
{
    const QJsonArray original = reply.value(QStringLiteral("original_shape")).toArray();
    const QJsonArray shape = reply.value(QStringLiteral("shape")).toArray();
    QString text =
        QStringLiteral("%1 · %2 · %3 %4")
            .arg(reply.value(QStringLiteral("step")).toString(), reply.value(QStringLiteral("backend")).toString(),
                 shapeText(original), reply.value(QStringLiteral("dtype")).toString());
    if (shape != original) {
        text += QObject::tr(" (previewed at %1)").arg(shapeText(shape));
    }
    return text;
}

} // namespace

void MainWindow::selectStep(int row)
{
    if (row < 0 || row >= m_stepsModel->rowCount()) {
        return;
    }
    m_stepsView->selectionModel()->setCurrentIndex(m_stepsModel->index(row, 0),
                                                   QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void MainWindow::onStepSelectionChanged()
{
    const QModelIndex current = m_stepsView->selectionModel()->currentIndex();
    if (!current.isValid() || m_shownRun < 0) {
        return;
    }
    const StepsModel::Row& row = m_stepsModel->rowAt(current.row());
    const RunEntry& entry = m_runs[m_shownRun];

    // The line in the editor, without taking the focus from the table.
    if (Document* document = documentOfRun(entry)) {
        setActiveDocument(document);
        widgets::CodeEditor* editor = document->editor();
        const int start = editor->positionAt(row.line, 1);
        const int end = editor->positionAt(row.line, 1 << 20);
        editor->SendScintilla(QsciScintillaBase::SCI_ENSUREVISIBLE, row.line - 1);
        editor->SendScintilla(QsciScintillaBase::SCI_SETSEL, start, end);
    }
    const QStringList backendsOfRow = row.backends();
    showValue(m_shownRun, row.transfer ? row.valueName() : row.step, backendsOfRow.value(0));
}

void MainWindow::showValue(int run, const QString& step, const QString& backend)
{
    m_selectedRun = run;
    m_selectedValue = step;
    m_selectedBackend = backend;
    const RunEntry& entry = m_runs[run];

    // "Compare with": the same step on the other backend, the values shown, the named ones.
    QList<CompareChoice> choices{{tr("nothing"), {}, {}}};
    int preferred = 0;
    for (const QString& other : entry.backends) {
        if (other != backend) {
            choices.append({tr("%1 on %2").arg(step, other), step, other});
            preferred = 1;
        }
    }
    QStringList values;
    for (const QJsonValue& value : entry.record.value(QStringLiteral("shown")).toArray()) {
        values.append(value.toString());
    }
    for (const QJsonValue& value : entry.names) {
        values.append(value.toObject().value(QStringLiteral("name")).toString());
    }
    values.removeDuplicates();
    for (const QString& value : values) {
        if (value != step && !value.isEmpty()) {
            choices.append({value, value, {}});
        }
    }
    // A check's difference comes alone, in its own colours; another can be chosen beside it.
    const bool difference = ImagePanel::isDifference(step);
    m_images->setCompareChoices(choices, difference ? 0 : preferred, !difference);
    fetchShown();
}

void MainWindow::fetchShown()
{
    if (m_selectedRun < 0 || m_selectedRun >= m_runs.size()) {
        return;
    }
    const RunEntry& entry = m_runs[m_selectedRun];
    const quint64 generation = ++m_fetchGeneration;
    m_fetch = {};
    m_fetch.generation = generation;
    m_fetch.run = m_selectedRun;
    if (entry.fromRecord) {
        m_images->showMessage(tr("A run record holds figures, not values: run the pipeline here to see its outputs."));
        emit imagesShown();
        return;
    }
    if (!entry.valuesAvailable || entry.engine == nullptr) {
        m_images->showMessage(entry.status == RunStatus::Running
                                  ? tr("The values can be fetched once the run has finished.")
                                  : (entry.status == RunStatus::Succeeded || entry.status == RunStatus::ChecksFailed
                                         ? tr("The values of this run are gone: an engine keeps those of its last "
                                              "finished run only. Run it again to see them.")
                                         : tr("This run did not finish, so its engine kept no values.")));
        emit imagesShown();
        return;
    }
    EngineSlot* slot = slotOf(entry.engine);
    const CompareChoice compare = m_images->currentCompare();
    const auto request = [&](int which, const QString& step, const QString& backend) {
        const qint64 id = entry.engine->fetch(entry.id, step, backend, kPreviewElements);
        slot->fetches.insert(id, {generation, which});
        m_fetch.wanted[which] = true;
        ++m_fetch.pending;
    };
    request(0, m_selectedValue, m_selectedBackend);
    if (!compare.step.isEmpty()) {
        request(1, compare.step, compare.backend.isEmpty() ? m_selectedBackend : compare.backend);
    }
    m_images->showMessage(tr("Fetching %1…").arg(m_selectedValue));
}

void MainWindow::onFetchReply(quint64 generation, int which, const QJsonObject& reply, const QByteArray& binary)
{
    if (generation != m_fetch.generation || m_fetch.pending <= 0) {
        return; // the answer to an earlier selection
    }
    --m_fetch.pending;
    if (reply.value(QStringLiteral("ok")).toBool()) {
        QString error;
        m_fetch.images[which] = imageFromFetch(reply, binary, &error);
        m_fetch.errors[which] = error;
        if (which == 0 && m_fetch.images[0]) {
            m_fetch.caption = fetchCaption(reply);
        }
    } else {
        m_fetch.errors[which] =
            reply.value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    }
    if (m_fetch.pending == 0) {
        finishFetch();
    }
}

void MainWindow::finishFetch()
{
    if (!m_fetch.images[0]) {
        m_images->showMessage(tr("%1 cannot be shown: %2").arg(m_selectedValue, m_fetch.errors[0]));
        emit imagesShown();
        return;
    }
    const widgets::ImageData& image = *m_fetch.images[0];
    QString caption = m_fetch.caption;
    if (image.shape == QList<qint64>{1}) {
        caption += tr(" = %1").arg(widgets::pixelText(image, 0, 0).section(QLatin1Char(' '), 1));
    }
    if (m_fetch.wanted[1]) {
        if (m_fetch.images[1]) {
            caption += tr("  |  right: %1 · %2").arg(m_fetch.images[1]->name, m_fetch.images[1]->source);
        } else {
            caption += tr("  |  compare: %1").arg(m_fetch.errors[1]);
        }
    }
    m_images->showImages(image, m_fetch.images[1], caption);
    emit imagesShown();
}

} // namespace wb::app
