#pragma once

#include <Poco/Timestamp.h>

#include <optional>
#include <string>

namespace mvi::host {

/// Formats `time` as ISO 8601 UTC with microseconds (`2026-11-28T10:29:01.123456Z`): the one
/// shape of every time the host shows or stores as text.
std::string formatIsoTime(const Poco::Timestamp& time);

/// Parses an ISO 8601 date and time as a client writes it (`2026-11-28T10:29:01Z`; fractions
/// and offsets allowed; the date alone means midnight; no offset means UTC). Nothing for any
/// other text.
std::optional<Poco::Timestamp> parseIsoTime(const std::string& text);

}  // namespace mvi::host
