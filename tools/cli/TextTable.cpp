#include "TextTable.h"

#include <algorithm>

namespace mvi::cli {
namespace {

// Characters of a UTF-8 text (every byte that does not continue a sequence).
std::size_t displayWidth(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// `line` without its trailing spaces.
std::string trimRight(std::string line) {
    line.erase(line.find_last_not_of(' ') + 1);
    return line;
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void TextTable::addRow(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    for (std::string& cell : cells) {
        std::replace(cell.begin(), cell.end(), '\n', ' ');
    }
    rows_.push_back(std::move(cells));
}

void TextTable::print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const std::string& header : headers_) {
        widths.push_back(displayWidth(header) + 2);
    }
    for (const auto& row : rows_) {
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], displayWidth(row[column]));
        }
    }
    auto printLine = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t column = 0; column < cells.size(); ++column) {
            if (column > 0) {
                line += "  ";
            }
            line += cells[column];
            line.append(widths[column] - displayWidth(cells[column]), ' ');
        }
        out << trimRight(std::move(line)) << '\n';
    };
    printLine(headers_);
    std::vector<std::string> dashes;
    for (std::size_t width : widths) {
        dashes.emplace_back(width, '-');
    }
    printLine(dashes);
    for (const auto& row : rows_) {
        printLine(row);
    }
}

}  // namespace mvi::cli
