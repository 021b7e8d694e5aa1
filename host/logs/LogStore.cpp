#include "logs/LogStore.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>

#include <algorithm>

namespace mvi::host {

const char* logLevelName(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "DEBUG";
        case LogLevel::Info:
            return "INFO";
        case LogLevel::Warning:
            return "WARNING";
        case LogLevel::Error:
            return "ERROR";
    }
    return "INFO";
}

std::string LogLine::format() const {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ") + " " +
           logLevelName(level) + " " + message;
}

LogStore::LogStore(std::size_t linesPerService, Poco::Logger& hostLogger)
    : linesPerService_(linesPerService), hostLogger_(hostLogger) {}

void LogStore::append(const ServiceId& service, LogLevel level, std::string message) {
    std::string hostLine = "[" + service.name + " " + service.version + "] " + message;
    switch (level) {
        case LogLevel::Debug:
            hostLogger_.debug(hostLine);
            break;
        case LogLevel::Info:
            hostLogger_.information(hostLine);
            break;
        case LogLevel::Warning:
            hostLogger_.warning(hostLine);
            break;
        case LogLevel::Error:
            hostLogger_.error(hostLine);
            break;
    }
    std::lock_guard lock(mutex_);
    auto& lines = lines_[service];
    lines.push_back(LogLine{Poco::Timestamp(), level, std::move(message)});
    while (lines.size() > linesPerService_) {
        lines.pop_front();
    }
}

std::vector<LogLine> LogStore::tail(const ServiceId& service, std::size_t count) const {
    std::lock_guard lock(mutex_);
    auto found = lines_.find(service);
    if (found == lines_.end()) {
        return {};
    }
    const auto& lines = found->second;
    std::size_t skip = lines.size() > count ? lines.size() - count : 0;
    return std::vector<LogLine>(lines.begin() + static_cast<std::ptrdiff_t>(skip), lines.end());
}

}  // namespace mvi::host
