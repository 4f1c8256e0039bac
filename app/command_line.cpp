#include "command_line.h"

namespace wb::app {

std::optional<QStringList> splitCommandLine(const QString& line, QString* error)
{
    QStringList words;
    QString word;
    bool inWord = false; // a word has begun, perhaps an empty quoted one
    enum class Quote { None, Single, Double } quote = Quote::None;
    const auto fail = [&](const QString& why) -> std::optional<QStringList> {
        if (error != nullptr) {
            *error = why;
        }
        return std::nullopt;
    };
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        switch (quote) {
        case Quote::Single:
            if (c == QLatin1Char('\'')) {
                quote = Quote::None;
            } else {
                word += c;
            }
            break;
        case Quote::Double:
            if (c == QLatin1Char('"')) {
                quote = Quote::None;
            } else if (c == QLatin1Char('\\') && i + 1 < line.size() &&
                       QStringLiteral("$`\"\\\n").contains(line[i + 1])) {
                if (line[++i] != QLatin1Char('\n')) {
                    word += line[i];
                }
            } else {
                word += c;
            }
            break;
        case Quote::None:
            if (c == QLatin1Char(' ') || c == QLatin1Char('\t') || c == QLatin1Char('\n')) {
                if (inWord) {
                    words.append(word);
                    word.clear();
                    inWord = false;
                }
            } else if (c == QLatin1Char('\'')) {
                quote = Quote::Single;
                inWord = true;
            } else if (c == QLatin1Char('"')) {
                quote = Quote::Double;
                inWord = true;
            } else if (c == QLatin1Char('\\')) {
                if (i + 1 == line.size()) {
                    return fail(QStringLiteral("a backslash ends the command line"));
                }
                if (line[++i] != QLatin1Char('\n')) {
                    word += line[i];
                    inWord = true;
                }
            } else {
                word += c;
                inWord = true;
            }
            break;
        }
    }
    if (quote != Quote::None) {
        return fail(quote == Quote::Single ? QStringLiteral("a single quote (') is not closed")
                                           : QStringLiteral("a double quote (\") is not closed"));
    }
    if (inWord) {
        words.append(word);
    }
    return words;
}

} // namespace wb::app
