#pragma once

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/ServiceId.h"

namespace mvi::host {

/// Severity of a log line, as a service or the host wrote it.
enum class LogLevel { Debug = 0, Info = 1, Warning = 2, Error = 3 };

/// Upper-case name of a level ("INFO").
const char* logLevelName(LogLevel level);

/// One line of a service's log.
struct LogLine {
    Poco::Timestamp time;
    LogLevel level = LogLevel::Info;
    std::string message;

    /// `2026-11-28T10:29:01.123456Z INFO message`
    std::string format() const;
};

/// The log lines of every service version, the newest `linesPerService` kept in memory for
/// each. Every line also goes to the host's own log, prefixed with the service's name and
/// version. Thread-safe.
class LogStore {
  public:
    LogStore(std::size_t linesPerService, Poco::Logger& hostLogger);

    /// Records a line for `service`.
    void append(const ServiceId& service, LogLevel level, std::string message);

    /// The last `count` lines of `service`, oldest first.
    std::vector<LogLine> tail(const ServiceId& service, std::size_t count) const;

  private:
    std::size_t linesPerService_;
    Poco::Logger& hostLogger_;
    mutable std::mutex mutex_;
    std::map<ServiceId, std::deque<LogLine>> lines_;
};

}  // namespace mvi::host
