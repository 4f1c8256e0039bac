#pragma once
// Command-line parsing for warpbench-cli's subcommands. Every mistake is a UsageError,
// printed as one line with exit status 2 before any work or allocation starts.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace wb::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The options of one subcommand: "--name value", "--name=value", and flags.
class Arguments {
public:
    // Throws UsageError for unknown options, a missing value, a value given to a flag,
    // words that are not options, or an option given twice.
    Arguments(std::string command, const std::vector<std::string>& words, std::set<std::string> valueOptions,
              std::set<std::string> flags);

    bool has(const std::string& option) const { return m_values.count(option) > 0; }
    std::optional<std::string> value(const std::string& option) const;
    std::string required(const std::string& option) const;

    // An integer in [min, max]; `fallback` when the option is absent.
    int intValue(const std::string& option, int fallback, int min, int max) const;
    // A finite number > 0; `fallback` when absent.
    double positiveNumber(const std::string& option, double fallback) const;
    // Comma-separated non-empty words ("cpu,gpu").
    std::vector<std::string> list(const std::string& option, std::vector<std::string> fallback) const;
    // Comma-separated positive whole numbers ("256,1024,4096").
    std::vector<std::int64_t> sizes(const std::string& option) const;

private:
    std::string m_command;
    std::map<std::string, std::string> m_values; // flags map to ""
};

// A positive whole number of decimal digits, at most `max`; `what` names it in the error.
std::int64_t parsePositive(const std::string& what, const std::string& text, std::int64_t max);

// Refuses an output file whose folder does not exist, so that a long run is not lost at
// the end for want of a folder.
void checkOutputFolder(const std::string& path);

} // namespace wb::cli
