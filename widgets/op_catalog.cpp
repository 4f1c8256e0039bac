#include "op_catalog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

#include <algorithm>

namespace wb::widgets {

namespace {

// The registry's own layout (wb::pipeline::signature()), for an engine that sends none.
QString makeSignature(const OpEntry& op)
{
    QString text = op.name + '(';
    for (qsizetype i = 0; i < op.params.size(); ++i) {
        const OpParam& param = op.params[i];
        if (i > 0)
            text += QLatin1String(", ");
        text += param.name;
        if (i == 0 && op.variadic)
            text += param.type == QLatin1String("array") ? QLatin1String(", ...") : QLatin1String("...");
        if (!param.required)
            text += '=' + param.defaultText;
    }
    return text + ')';
}

std::optional<double> optionalNumber(const QJsonObject& object, QLatin1String key)
{
    const QJsonValue value = object.value(key);
    if (!value.isDouble())
        return std::nullopt;
    return value.toDouble();
}

OpParam readParam(const QJsonObject& json)
{
    OpParam param;
    param.name = json.value(QLatin1String("name")).toString();
    param.type = json.value(QLatin1String("type")).toString();
    param.required = json.value(QLatin1String("required")).toBool(true);
    param.defaultText = json.value(QLatin1String("default")).toString();
    param.doc = json.value(QLatin1String("doc")).toString();
    for (const QJsonValue& choice : json.value(QLatin1String("choices")).toArray())
        param.choices.append(choice.toString());
    param.minimum = optionalNumber(json, QLatin1String("minimum"));
    param.maximum = optionalNumber(json, QLatin1String("maximum"));
    return param;
}

} // namespace

const OpParam* OpEntry::findParam(QStringView paramName) const
{
    const auto it = std::find_if(params.begin(), params.end(), [&](const OpParam& p) { return p.name == paramName; });
    return it == params.end() ? nullptr : &*it;
}

OpCatalog OpCatalog::fromJson(const QJsonArray& ops, QString* problem)
{
    OpCatalog catalog;
    QStringList skipped;
    for (qsizetype i = 0; i < ops.size(); ++i) {
        const QJsonObject json = ops.at(i).toObject();
        OpEntry op;
        op.name = json.value(QLatin1String("name")).toString();
        if (op.name.isEmpty()) {
            skipped.append(QString::number(i));
            continue;
        }
        if (catalog.m_index.contains(op.name)) {
            skipped.append(QStringLiteral("%1 ('%2' again)").arg(i).arg(op.name));
            continue;
        }
        op.category = json.value(QLatin1String("category")).toString();
        op.doc = json.value(QLatin1String("doc")).toString();
        op.returns = json.value(QLatin1String("returns")).toString();
        op.sink = json.value(QLatin1String("sink")).toBool(op.returns.isEmpty());
        op.variadic = json.value(QLatin1String("variadic")).toBool();
        for (const QJsonValue& param : json.value(QLatin1String("params")).toArray())
            op.params.append(readParam(param.toObject()));
        op.signature = json.value(QLatin1String("signature")).toString();
        if (op.signature.isEmpty())
            op.signature = makeSignature(op);
        catalog.m_index.insert(op.name, catalog.m_ops.size());
        catalog.m_ops.append(std::move(op));
    }
    if (problem) {
        *problem = skipped.isEmpty() ? QString()
                                     : QStringLiteral("op list entries without a usable name were left out: %1")
                                           .arg(skipped.join(QLatin1String(", ")));
    }
    return catalog;
}

OpCatalog OpCatalog::fromJson(const QByteArray& json, QString* problem)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError) {
        if (problem)
            *problem =
                QStringLiteral("the op list is not JSON: %1 at byte %2").arg(error.errorString()).arg(error.offset);
        return {};
    }
    if (!document.isArray()) {
        if (problem)
            *problem = QStringLiteral("the op list is not a JSON array");
        return {};
    }
    return fromJson(document.array(), problem);
}

const OpEntry* OpCatalog::find(QStringView name) const
{
    const auto it = m_index.constFind(name.toString());
    return it == m_index.constEnd() ? nullptr : &m_ops[*it];
}

QStringList OpCatalog::names() const
{
    QStringList list;
    list.reserve(m_ops.size());
    for (const OpEntry& op : m_ops)
        list.append(op.name);
    return list;
}

QStringList OpCatalog::completions(QStringView prefix) const
{
    QStringList list;
    for (const OpEntry& op : m_ops) {
        if (op.name.startsWith(prefix))
            list.append(op.name);
    }
    list.sort(Qt::CaseSensitive);
    return list;
}

QString OpCatalog::callTip(QStringView name) const
{
    const OpEntry* op = find(name);
    if (!op)
        return {};
    return op->doc.isEmpty() ? op->signature : op->signature + '\n' + op->doc;
}

} // namespace wb::widgets
