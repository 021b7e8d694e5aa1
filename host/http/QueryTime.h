#pragma once

#include <Poco/Timestamp.h>

#include <optional>
#include <string>

namespace mvi::host {

/// Parses an ISO 8601 date and time from a query parameter (`2026-11-28T10:29:01Z`; fractions
/// and offsets allowed; the date alone means midnight; no offset means UTC). Nothing for any
/// other text.
std::optional<Poco::Timestamp> parseQueryTime(const std::string& text);

/// Formats `time` as ISO 8601 UTC with microseconds (`2026-11-28T10:29:01.123456Z`).
std::string formatIsoTime(const Poco::Timestamp& time);

}  // namespace mvi::host
