#pragma once
// Aligned text tables printed row by row, so that a long benchmark shows each row as soon
// as it is measured. Column widths are fixed up front (at least the title's width).

#include <iosfwd>
#include <string>
#include <vector>

namespace wb::cli {

class Table {
public:
    struct Column {
        std::string title;
        int width = 0;
        bool leftAligned = false; // text columns; numbers are right-aligned
    };

    explicit Table(std::vector<Column> columns);

    void printHeader(std::ostream& out) const;
    // A cell wider than its column pushes the rest of its row to the right.
    void printRow(std::ostream& out, const std::vector<std::string>& cells) const;

private:
    std::vector<Column> m_columns;
};

// Numbers as the tables show them: a few significant digits, "-" for none.
std::string formatMs(double ms);
std::string formatRate(double value);
std::string formatError(double value);   // "3.1e-07"
std::string formatSpeedup(double value); // "12.3x"
std::string formatPercent(double value); // "98.7%"

} // namespace wb::cli
