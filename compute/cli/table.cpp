#include "table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace wb::cli {

namespace {

std::string printfText(const char* format, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

} // namespace

Table::Table(std::vector<Column> columns)
    : m_columns(std::move(columns))
{
    for (Column& column : m_columns)
        column.width = std::max(column.width, static_cast<int>(column.title.size()));
}

void Table::printHeader(std::ostream& out) const
{
    std::vector<std::string> titles;
    int total = 0;
    for (const Column& column : m_columns) {
        titles.push_back(column.title);
        total += column.width + 2;
    }
    printRow(out, titles);
    out << std::string(static_cast<std::size_t>(std::max(total - 2, 0)), '-') << '\n';
}

void Table::printRow(std::ostream& out, const std::vector<std::string>& cells) const
{
    std::string line;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const Column& column = m_columns[i];
        const std::string cell = i < cells.size() ? cells[i] : std::string();
        const std::string pad(static_cast<std::size_t>(std::max(column.width - static_cast<int>(cell.size()), 0)), ' ');
        if (i)
            line += "  ";
        line += column.leftAligned ? cell + pad : pad + cell;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
}

std::string formatMs(double ms)
{
    if (ms >= 1000)
        return printfText("%.0f", ms);
    if (ms >= 100)
        return printfText("%.1f", ms);
    if (ms >= 10)
        return printfText("%.2f", ms);
    return printfText("%.3f", ms);
}

std::string formatRate(double value)
{
    if (value >= 100)
        return printfText("%.0f", value);
    if (value >= 10)
        return printfText("%.1f", value);
    return printfText("%.2f", value);
}

std::string formatError(double value) { return std::isnan(value) ? "NaN" : printfText("%.1e", value); }

std::string formatSpeedup(double value) { return printfText("%.1fx", value); }

std::string formatPercent(double value) { return printfText("%.1f%%", value); }

} // namespace wb::cli
