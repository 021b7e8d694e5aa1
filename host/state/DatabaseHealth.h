#pragma once

#include <Poco/Exception.h>

#include <string>
#include <vector>

namespace mvi::host {

/// What is known to be wrong with the host's database files while it runs, by file path: a
/// damaged page met by any query (SQLite's "database disk image is malformed" or "file is not a
/// database"), or the file deleted or replaced under the running host (see DatabaseWatch).
/// `/~ready` answers 503 while a problem is recorded; nothing clears one but a restart.
///
/// Process-wide and thread-safe: every store reports through `SqliteDatabase::guarded`.
class DatabaseHealth {
  public:
    /// Whether `error`, thrown by Poco's SQLite connector, says the file is damaged.
    static bool isDamage(const Poco::Exception& error);

    /// Whether an error message holding SQLite's words says the file is damaged.
    static bool isDamage(const std::string& message);

    /// Records that a query on `path` met damage (`message`: SQLite's words). The first report
    /// of each file is kept; later ones add nothing. Never throws.
    static void reportDamage(const std::string& path, const std::string& message) noexcept;

    /// Records `problem` (a full sentence) for `path` unless the same text is recorded already.
    /// Never throws.
    static void report(const std::string& path, const std::string& problem) noexcept;

    /// The problems recorded for `path`, oldest first.
    static std::vector<std::string> problems(const std::string& path);
};

}  // namespace mvi::host
