#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace mvi::cli {

/// A plain text table as the original platform's CLI printed them: a header, a line of dashes
/// under each column, then the rows; columns left-aligned, two spaces apart, each as wide as its
/// widest cell and at least two wider than its header.
///
/// ```
/// MAIN    NAME    VERSION    STATUS    RUNNING
/// ------  ------  ---------  --------  -----------------------------------
/// *       hello   1.0.0      running   Running (since 2026-11-28 10:29:01)
/// ```
class TextTable {
  public:
    /// A table with these column headers and no rows.
    explicit TextTable(std::vector<std::string> headers);

    /// Appends a row; missing cells are empty, extra ones are ignored.
    void addRow(std::vector<std::string> cells);

    /// Whether the table has no rows.
    bool empty() const { return rows_.empty(); }

    /// Writes the table, one line per row, without trailing spaces.
    void print(std::ostream& out) const;

  private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace mvi::cli
