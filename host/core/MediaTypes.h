#pragma once

#include <istream>
#include <map>
#include <string>

namespace mvi::host {

/// The media type of a file, told by its extension, from a table in the format of Debian's
/// `/etc/mime.types` (package `media-types`): one type per line followed by its extensions,
/// `#` starting a comment.
///
/// Extensions are compared without regard to case. A `text/*` type gets `; charset=utf-8`.
/// A file without a known extension is `application/octet-stream`.
class MediaTypes {
  public:
    /// Where the system's table is read from.
    static constexpr const char* kSystemTable = "/etc/mime.types";

    /// An empty table: every file is `application/octet-stream`.
    MediaTypes() = default;

    /// Reads a table from `table`.
    explicit MediaTypes(std::istream& table);

    /// The system's table, read once from `kSystemTable`; when that file cannot be read, a small
    /// built-in table of the common web types (HTML, CSS, JavaScript, JSON, SVG, images, text).
    static const MediaTypes& system();

    /// The `Content-Type` of a file named `fileName` (a path is fine: only the last extension
    /// counts).
    std::string of(const std::string& fileName) const;

    /// How many extensions the table knows.
    std::size_t size() const { return types_.size(); }

  private:
    /// Lower-case extension -> media type.
    std::map<std::string, std::string> types_;
};

}  // namespace mvi::host
