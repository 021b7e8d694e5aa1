#pragma once

#include <Poco/Timestamp.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mvi::host {

/// Severity of a log line, as a service or the host wrote it.
enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

/// Upper-case name of a level ("INFO").
const char* logLevelName(LogLevel level);

/// One line of a service's log, as it is written to the version's log file.
struct LogLine {
    Poco::Timestamp time;
    LogLevel level = LogLevel::Info;
    /// One line of text: no line break.
    std::string message;

    /// `2026-11-28T10:29:01.123456Z INFO message`: a timestamp of fixed width (UTC, microseconds),
    /// so that lines compare in time order as text.
    std::string format() const;

    /// `time` as the leading timestamp of `format()`.
    static std::string formatTime(const Poco::Timestamp& time);

    /// Splits a message into the lines it holds (at `\n`, dropping a `\r` before it and a final
    /// empty line), so that every stored line is one entry. An empty message is one empty line.
    static std::vector<std::string> splitMessage(std::string_view message);
};

}  // namespace mvi::host
