#include "arguments.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

namespace wb::cli {

namespace {

bool allDigits(const std::string& text)
{
    return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

} // namespace

Arguments::Arguments(std::string command, const std::vector<std::string>& words, std::set<std::string> valueOptions,
                     std::set<std::string> flags)
    : m_command(std::move(command))
{
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (word.rfind("--", 0) != 0 || word.size() == 2)
            throw UsageError("unexpected argument '" + word + "' for " + m_command);
        const auto equals = word.find('=');
        const std::string option = word.substr(0, equals);
        std::string value;
        if (valueOptions.count(option)) {
            if (equals != std::string::npos)
                value = word.substr(equals + 1);
            else if (i + 1 < words.size())
                value = words[++i];
            else
                throw UsageError(option + " needs a value");
        } else if (flags.count(option)) {
            if (equals != std::string::npos)
                throw UsageError(option + " takes no value");
        } else {
            throw UsageError("unknown option '" + option + "' for " + m_command);
        }
        if (!m_values.emplace(option, value).second)
            throw UsageError(option + " is given twice");
    }
}

std::optional<std::string> Arguments::value(const std::string& option) const
{
    const auto found = m_values.find(option);
    if (found == m_values.end())
        return std::nullopt;
    return found->second;
}

std::string Arguments::required(const std::string& option) const
{
    const auto found = value(option);
    if (!found)
        throw UsageError(m_command + " needs " + option);
    return *found;
}

int Arguments::intValue(const std::string& option, int fallback, int min, int max) const
{
    const auto text = value(option);
    if (!text)
        return fallback;
    int parsed = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (error != std::errc() || end != text->data() + text->size() || parsed < min || parsed > max)
        throw UsageError(option + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                         ", got '" + *text + "'");
    return parsed;
}

double Arguments::positiveNumber(const std::string& option, double fallback) const
{
    const auto text = value(option);
    if (!text)
        return fallback;
    double parsed = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), parsed);
    if (error != std::errc() || end != text->data() + text->size() || !std::isfinite(parsed) || parsed <= 0)
        throw UsageError(option + " must be a number greater than 0, got '" + *text + "'");
    return parsed;
}

std::vector<std::string> Arguments::list(const std::string& option, std::vector<std::string> fallback) const
{
    const auto text = value(option);
    if (!text)
        return fallback;
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text->find(',', start);
        const std::string item = text->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (item.empty())
            throw UsageError(option + " has an empty item in '" + *text + "'");
        items.push_back(item);
        if (comma == std::string::npos)
            return items;
        start = comma + 1;
    }
}

std::vector<std::int64_t> Arguments::sizes(const std::string& option) const
{
    std::vector<std::int64_t> sizes;
    for (const std::string& item : list(option, {}))
        sizes.push_back(parsePositive("size", item, std::numeric_limits<std::int64_t>::max()));
    if (sizes.empty())
        throw UsageError(m_command + " needs " + option);
    return sizes;
}

std::int64_t parsePositive(const std::string& what, const std::string& text, std::int64_t max)
{
    if (!allDigits(text))
        throw UsageError(what + " '" + text + "' is not a positive whole number");
    std::int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (error != std::errc() || end != text.data() + text.size() || parsed > max)
        throw UsageError(what + " '" + text + "' is too large");
    if (parsed == 0)
        throw UsageError(what + " must be at least 1, got 0");
    return parsed;
}

void checkOutputFolder(const std::string& path)
{
    const std::filesystem::path folder = std::filesystem::path(path).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder))
        throw UsageError("cannot write " + path + ": folder " + folder.string() + " does not exist");
}

} // namespace wb::cli
