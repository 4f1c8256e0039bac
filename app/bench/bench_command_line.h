#pragma once
// What the app's benchmark programs share besides their statistics: `--name VALUE` options
// with their checks, --help, and writing the JSON record.

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>
#include <vector>

namespace wb::app::bench {

class BenchCommandLine {
public:
    // `program` prefixes the messages; `usage` is printed by --help and after a bad argument.
    BenchCommandLine(const char* program, const char* usage);

    void addInt(const char* name, int* value, int minimum);
    void addInt(const char* name, qint64* value, qint64 minimum);
    void addString(const char* name, QString* value);
    // A command line ("ssh gpu1 warpbench-cli engine --stdio"), split into words as
    // QProcess::splitCommand() does; an empty one is a bad argument.
    void addCommand(const char* name, QStringList* words);
    // A value that `accept` checks and stores (false: a bad argument).
    void addOption(const char* name, std::function<bool(const QString&)> accept);

    // Parses the arguments after the program name. Returns the exit status to leave with
    // (0 after --help, 2 after a bad argument, with the usage) or nothing to go on. Words
    // that are not options go to `positional`, or are bad arguments when it is null.
    std::optional<int> parse(const QStringList& arguments, QStringList* positional = nullptr) const;

private:
    struct Option {
        QString name;
        std::function<bool(const QString&)> accept;
    };
    const char* m_program;
    const char* m_usage;
    std::vector<Option> m_options;
};

// Writes `record` (indented JSON) atomically, with the fields every record has: "tool",
// "version" (Warpbench's) and "date" (now, UTC, ISO 8601); false with the reason.
bool writeRecord(const QString& path, const char* tool, QJsonObject record, QString* error);

} // namespace wb::app::bench
