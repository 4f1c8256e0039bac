#pragma once
// The functions a pipeline can call, as the engine describes them: the `ops` list of its
// hello reply (docs/protocol.md) and of `warpbench-cli ops --json`, both written by
// compute/engine/ops_json.cpp from the op registry. The pipeline editor styles, completes
// and explains calls from this list. It never links the registry itself: the engine is
// another process, possibly another build, and the list it sends is the one its checker
// uses.
//
// A catalog is a value: cheap to copy (implicitly shared Qt containers), immutable once
// built, safe to read from any thread.

#include <QByteArray>
#include <QHash>
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace wb::widgets {

struct OpParam {
    QString name;
    QString type; // as the registry names it: "array", "array or number", "int", "float", ...
    bool required = true;
    QString defaultText;           // as written in a pipeline; empty when required
    QString doc;                   // one line, with units
    QStringList choices;           // "choice" parameters only
    std::optional<double> minimum; // "int" and "float" only, inclusive
    std::optional<double> maximum;
};

struct OpEntry {
    QString name;
    QString category;
    QString signature; // `gaussian(x, sigma, ksize=0, border=reflect101)`
    QString doc;       // one line
    QString returns;   // one phrase; empty for a sink
    bool sink = false;
    bool variadic = false; // the first parameter takes one or more positional arguments
    QList<OpParam> params;

    // nullptr when the op has no parameter of that name.
    const OpParam* findParam(QStringView name) const;
};

class OpCatalog {
public:
    OpCatalog() = default;

    // From the `ops` array. Entries that are not objects or have no name are left out and
    // described in *problem (empty when every entry was read); an entry without a
    // signature gets one made from its parameters, as the registry writes them.
    static OpCatalog fromJson(const QJsonArray& ops, QString* problem = nullptr);
    // From JSON text holding that array (`warpbench-cli ops --json`). Not JSON or not an
    // array: an empty catalog, and the reason in *problem.
    static OpCatalog fromJson(const QByteArray& json, QString* problem = nullptr);

    bool isEmpty() const { return m_ops.isEmpty(); }
    qsizetype size() const { return m_ops.size(); }
    // In the engine's order (by category, as `warpbench-cli ops` prints them).
    const QList<OpEntry>& ops() const { return m_ops; }
    // Names are case-sensitive, as in the language. nullptr when there is no such op.
    const OpEntry* find(QStringView name) const;
    bool contains(QStringView name) const { return find(name) != nullptr; }
    QStringList names() const;

    // The op names that start with `prefix`, sorted by code point (as Scintilla sorts
    // lists); every name for an empty prefix.
    QStringList completions(QStringView prefix) const;
    // The signature and, on a second line, the doc; empty for an unknown name.
    QString callTip(QStringView name) const;

private:
    QList<OpEntry> m_ops;
    QHash<QString, qsizetype> m_index;
};

} // namespace wb::widgets
