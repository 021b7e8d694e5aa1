#include "core/IsoTime.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/RegularExpression.h>

namespace mvi::host {

std::string formatIsoTime(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ");
}

std::optional<Poco::Timestamp> parseIsoTime(const std::string& text) {
    // Poco's parser accepts nearly anything; the shape is checked first.
    static const Poco::RegularExpression shape(
        R"(^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?$)");
    Poco::DateTime time;
    int offset = 0;
    if (!shape.match(text) || !Poco::DateTimeParser::tryParse(
                                  Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, time, offset)) {
        return std::nullopt;
    }
    time.makeUTC(offset);
    return time.timestamp();
}

}  // namespace mvi::host
