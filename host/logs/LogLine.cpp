#include "logs/LogLine.h"

#include "core/IsoTime.h"

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

std::string LogLine::formatTime(const Poco::Timestamp& time) {
    return formatIsoTime(time);
}

std::string LogLine::format() const {
    return formatTime(time) + " " + logLevelName(level) + " " + message;
}

std::vector<std::string> LogLine::splitMessage(std::string_view message) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (true) {
        std::size_t end = message.find('\n', start);
        std::string_view line =
            message.substr(start, end == std::string_view::npos ? end : end - start);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (end == std::string_view::npos) {
            if (!line.empty() || lines.empty()) {
                lines.emplace_back(line);
            }
            return lines;
        }
        lines.emplace_back(line);
        start = end + 1;
    }
}

}  // namespace mvi::host
