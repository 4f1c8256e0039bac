#pragma once
// Engine command lines as a user writes them (WB_ENGINE_COMMAND, a settings field), split
// into program and arguments the way a POSIX shell splits words, without its expansions.

#include <QString>
#include <QStringList>

#include <optional>

namespace wb::app {

// Blanks (spaces, tabs, newlines) separate words. Inside '...' every character is itself;
// inside "..." a backslash escapes only $ ` " \ and a newline; elsewhere a backslash makes
// the next character literal. Quotes join the word they touch: a'b c'd is one word, "".
// nullopt, with the reason in *error, for an unterminated quote or a backslash at the end.
// No variables, globs, ~, or operators: `a;b` is one word, as the shell never runs here.
std::optional<QStringList> splitCommandLine(const QString& line, QString* error = nullptr);

} // namespace wb::app
