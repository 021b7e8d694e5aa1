#include "TimeText.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/LocalDateTime.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <regex>

#include "CliError.h"

namespace mvi::cli {
namespace {

std::string isoUtc(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%SZ");
}

[[noreturn]] void badTime(const std::string& text) {
    throw CliError("Cannot read the time '" + text +
                   "': use YYYY-MM-DD [HH:MM[:SS]] (local time), an ISO 8601 time with a zone, "
                   "or a duration such as 30s, 10m, 2h or 1d");
}

}  // namespace

std::string TimeText::localFromIso(const std::string& iso) {
    Poco::DateTime time;
    int zone = 0;
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, iso, time,
                                        zone) &&
        !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, iso, time, zone)) {
        return iso;
    }
    time.makeUTC(zone);
    return Poco::DateTimeFormatter::format(Poco::LocalDateTime(time), "%Y-%m-%d %H:%M:%S");
}

std::string TimeText::isoFromUser(const std::string& text) {
    static const std::regex duration(R"(^(\d{1,9})([smhd])$)");
    static const std::regex dateTime(
        R"(^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)"
        R"((Z|[+-]\d{2}:?\d{2})?$)");
    std::smatch match;
    if (std::regex_match(text, match, duration)) {
        long long count = std::stoll(match[1].str());
        long long seconds = count * (match[2] == "s"   ? 1
                                     : match[2] == "m" ? 60
                                     : match[2] == "h" ? 3600
                                                       : 86400);
        Poco::Timestamp now;
        return isoUtc(now - Poco::Timespan(seconds, 0).totalMicroseconds());
    }
    if (!std::regex_match(text, match, dateTime)) {
        badTime(text);
    }
    auto number = [&](std::size_t group) {
        return match[group].matched ? std::stoi(match[group].str()) : 0;
    };
    int year = number(1), month = number(2), day = number(3);
    int hour = number(4), minute = number(5), second = number(6);
    if (!Poco::DateTime::isValid(year, month, day, hour, minute, second)) {
        badTime(text);
    }
    if (!match[7].matched) {
        return isoUtc(
            Poco::LocalDateTime(year, month, day, hour, minute, second).utc().timestamp());
    }
    Poco::DateTime time(year, month, day, hour, minute, second);
    std::string zone = match[7].str();
    if (zone != "Z") {
        zone.erase(std::remove(zone.begin(), zone.end(), ':'), zone.end());
        int offset = std::stoi(zone.substr(1, 2)) * 3600 + std::stoi(zone.substr(3, 2)) * 60;
        time.makeUTC(zone[0] == '-' ? -offset : offset);
    }
    return isoUtc(time.timestamp());
}

}  // namespace mvi::cli
