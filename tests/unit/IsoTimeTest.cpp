// The one text form of times (ISO 8601 UTC with microseconds) and the parsing of times clients
// send in queries.

#include "core/IsoTime.h"

#include <Poco/DateTime.h>
#include <gtest/gtest.h>

namespace mvi::host {
namespace {

Poco::Timestamp at(int year, int month, int day, int hour, int minute, int second,
                   int microsecond = 0) {
    return Poco::DateTime(year, month, day, hour, minute, second, microsecond / 1000,
                          microsecond % 1000)
        .timestamp();
}

TEST(IsoTime, FormatsUtcWithMicroseconds) {
    EXPECT_EQ(formatIsoTime(at(2026, 11, 28, 10, 29, 1, 123456)), "2026-11-28T10:29:01.123456Z");
    EXPECT_EQ(formatIsoTime(Poco::Timestamp(0)), "1970-01-01T00:00:00.000000Z");
}

TEST(IsoTime, FormattedTimesReadBack) {
    Poco::Timestamp time = at(2026, 2, 3, 4, 5, 6, 7);
    EXPECT_EQ(parseIsoTime(formatIsoTime(time)), time);
}

TEST(IsoTime, ParsesWhatClientsWrite) {
    EXPECT_EQ(parseIsoTime("2026-11-28T10:29:01Z"), at(2026, 11, 28, 10, 29, 1));
    EXPECT_EQ(parseIsoTime("2026-11-28T10:29:01"), at(2026, 11, 28, 10, 29, 1));
    EXPECT_EQ(parseIsoTime("2026-11-28"), at(2026, 11, 28, 0, 0, 0));
    EXPECT_EQ(parseIsoTime("2026-11-28T12:29:01+02:00"), at(2026, 11, 28, 10, 29, 1));
    EXPECT_EQ(parseIsoTime("2026-11-28T10:29:01.5Z"), at(2026, 11, 28, 10, 29, 1, 500000));
}

TEST(IsoTime, RefusesOtherText) {
    for (const char* text : {"", "yesterday", "2026-11-28T", "28/11/2026", "2026-11-28T10",
                             "2026-11-28T10:29:01Zjunk", "1700000000"}) {
        EXPECT_FALSE(parseIsoTime(text).has_value()) << text;
    }
}

}  // namespace
}  // namespace mvi::host
