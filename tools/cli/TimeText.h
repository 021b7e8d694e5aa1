#pragma once

#include <string>

namespace mvi::cli {

/// Times as the host writes them (ISO 8601 in UTC) and as a person reads and types them (local
/// time).
class TimeText {
  public:
    /// `iso` (an ISO 8601 time with a zone, as the host writes it) as local time,
    /// `YYYY-MM-DD HH:MM:SS`. Returns `iso` unchanged when it cannot be read.
    static std::string localFromIso(const std::string& iso);

    /// The ISO 8601 UTC time (`YYYY-MM-DDTHH:MM:SSZ`) a person meant by `text`: an ISO 8601 time
    /// with a zone (`2026-11-28T10:29:01Z`, `...+01:00`), a local time (`2026-11-28 10:29:01`,
    /// `2026-11-28T10:29`, `2026-11-28`), or a time that long ago (`30s`, `10m`, `2h`, `1d`).
    /// Throws CliError for anything else.
    static std::string isoFromUser(const std::string& text);
};

}  // namespace mvi::cli
