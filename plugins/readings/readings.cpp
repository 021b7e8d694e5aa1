// The "readings" example service: a small web service with its own routes and static files. It
// keeps a time series of readings (time, value) in memory, takes new ones as a CSV upload and
// shows them as a chart on a page of its own:
//
//     GET    /services/readings/page      the page (text/html); it loads static/chart.css and
//                                          static/chart.js, shipped in assets/ beside the .so
//     GET    /services/readings/data.json the readings, oldest first, as JSON (what chart.js draws)
//     GET    /services/readings/data.csv  the same as CSV (time,value)
//     POST   /services/readings/data.csv  adds the rows of a CSV body (text/csv): 201 and a summary
//     DELETE /services/readings/data.csv  forgets every reading: 204
//     GET    /services/readings/events    server-sent events: `readings` with the count after
//                                          each upload or clearing (the page redraws on it)
//
//     printf 'time,value\n2026-12-04T13:00:00Z,12.5\n2026-12-04T13:05:00Z,13.1\n' > day.csv
//     url=http://localhost:8080/services/readings
//     curl -H 'Content-Type: text/csv' --data-binary @day.csv $url/data.csv
//     xdg-open $url/page
//
// An upload is taken whole or not at all: a malformed row refuses it (422, the `detail` names the
// line and what is wrong with it) and nothing is stored. At most kCapacity readings are kept;
// beyond that the oldest go. The readings live as long as the loaded version (a new build or a
// restart starts empty).
#include <mvi/service.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace readings {

/// How many readings the service keeps at most; an upload that goes beyond drops the oldest.
constexpr std::size_t kCapacity = 10000;

/// One reading: when (milliseconds since the Unix epoch, UTC) and the value measured.
struct Reading {
    std::int64_t time = 0;
    double value = 0;
};

/// Days since 1970-01-01 of the civil date y-m-d (proleptic Gregorian; H. Hinnant's algorithm).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// The civil date of `days` since 1970-01-01, as {year, month, day}.
void civilFromDays(std::int64_t days, std::int64_t& y, unsigned& m, unsigned& d) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

/// Reads exactly `count` digits at `pos` of `text` into `out`; advances `pos`.
bool digits(std::string_view text, std::size_t& pos, std::size_t count, unsigned& out) {
    if (pos + count > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        out = out * 10 + static_cast<unsigned>(c - '0');
    }
    pos += count;
    return true;
}

/// The time of an ISO 8601 date-time, `2026-12-04T13:05:00Z`: seconds and their fraction are
/// optional, a space may stand for the `T`, and the offset (`Z`, `+01:00`, `-0500`) too (no
/// offset means UTC). Nothing when `text` is anything else.
std::optional<std::int64_t> parseIsoTime(std::string_view text) {
    std::size_t pos = 0;
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
        !digits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
        !digits(text, pos, 2, day) || pos >= text.size() ||
        (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') ||
        !digits(text, ++pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !digits(text, pos, 2, minute)) {
        return std::nullopt;
    }
    std::int64_t millis = 0;
    if (pos < text.size() && text[pos] == ':') {
        if (!digits(text, ++pos, 2, second)) {
            return std::nullopt;
        }
        if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
            std::size_t start = ++pos;
            int scale = 100;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                millis += scale * (text[pos] - '0');
                scale /= 10;
                ++pos;
            }
            if (pos == start) {
                return std::nullopt;
            }
        }
    }
    std::int64_t offsetMinutes = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const int sign = text[pos++] == '-' ? -1 : 1;
        unsigned offsetHours = 0, offsetRest = 0;
        if (!digits(text, pos, 2, offsetHours)) {
            return std::nullopt;
        }
        if (pos < text.size() && text[pos] == ':') {
            ++pos;
        }
        if (!digits(text, pos, 2, offsetRest) || offsetHours > 23 || offsetRest > 59) {
            return std::nullopt;
        }
        offsetMinutes = sign * static_cast<std::int64_t>(offsetHours * 60 + offsetRest);
    }
    static const unsigned monthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > monthDays[month - 1] ||
        (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    const std::int64_t seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 +
                                 minute * 60 + second - offsetMinutes * 60;
    return seconds * 1000 + millis;
}

/// `time` (milliseconds since the epoch) as ISO 8601 in UTC with milliseconds:
/// `2026-12-04T13:05:00.000Z`.
std::string formatIsoTime(std::int64_t time) {
    std::int64_t days = time / 86400000;
    std::int64_t rest = time % 86400000;
    if (rest < 0) {
        rest += 86400000;
        --days;
    }
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
    civilFromDays(days, year, month, day);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", year, month, day,
                       rest / 3600000, rest / 60000 % 60, rest / 1000 % 60, rest % 1000);
}

/// `text` without the spaces and tabs around it, and without one pair of double quotes around
/// what is left (a quoted CSV field).
std::string_view field(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        text = text.substr(1, text.size() - 2);
    }
    return text;
}

/// Whether `a` equals the lowercase word `word` ignoring ASCII case.
bool isWord(std::string_view a, std::string_view word) {
    return a.size() == word.size() &&
           std::equal(a.begin(), a.end(), word.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? static_cast<char>(x - 'A' + 'a') : x) == y;
           });
}

/// A field quoted for a message, cut short when long.
std::string quoted(std::string_view text) {
    constexpr std::size_t kShown = 40;
    return "'" + std::string(text.substr(0, kShown)) + (text.size() > kShown ? "...'" : "'");
}

/// The readings of a CSV body: one `time,value` row per line, after an optional header line
/// `time,value`. A time is ISO 8601 (see parseIsoTime) or a number of seconds since the Unix
/// epoch; a value is a finite number. Blank lines are skipped, CRLF line ends accepted. Throws
/// mvi::HttpError 422 naming the first bad line (1-based, as an editor counts).
std::vector<Reading> parseCsv(std::string_view body) {
    std::vector<Reading> rows;
    std::size_t lineNumber = 0;
    bool first = true;
    while (!body.empty()) {
        const std::size_t end = body.find('\n');
        std::string_view line = body.substr(0, end);
        body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
        ++lineNumber;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (field(line).empty()) {
            continue;
        }
        auto fail = [&](const std::string& problem) {
            throw mvi::HttpError(
                422, fmt::format("line {}: {}; nothing was stored", lineNumber, problem));
        };
        std::vector<std::string_view> fields;
        for (std::size_t start = 0;;) {
            const std::size_t comma = line.find(',', start);
            fields.push_back(field(line.substr(start, comma - start)));
            if (comma == std::string_view::npos) {
                break;
            }
            start = comma + 1;
        }
        const bool header =
            first && fields.size() == 2 && isWord(fields[0], "time") && isWord(fields[1], "value");
        first = false;
        if (header) {
            continue;
        }
        if (fields.size() != 2) {
            fail(fmt::format("expected 2 fields (time,value), found {}", fields.size()));
        }
        Reading reading;
        if (auto time = parseIsoTime(fields[0])) {
            reading.time = *time;
        } else {
            double seconds = 0;
            auto [rest, error] =
                std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), seconds);
            if (fields[0].empty() || error != std::errc() ||
                rest != fields[0].data() + fields[0].size() || !std::isfinite(seconds) ||
                std::fabs(seconds) > 1e14) {
                fail(
                    fmt::format("time {} is neither an ISO 8601 date-time "
                                "(2026-12-04T13:05:00Z) nor seconds since 1970",
                                quoted(fields[0])));
            }
            reading.time = static_cast<std::int64_t>(std::llround(seconds * 1000));
        }
        auto [rest, error] =
            std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), reading.value);
        if (fields[1].empty() || error != std::errc() ||
            rest != fields[1].data() + fields[1].size() || !std::isfinite(reading.value)) {
            fail(fmt::format("value {} is not a finite number", quoted(fields[1])));
        }
        rows.push_back(reading);
    }
    if (rows.empty()) {
        throw mvi::HttpError(422, "the CSV holds no rows: expected lines of time,value");
    }
    return rows;
}

/// The readings kept in memory, ordered by time (readings of the same time in the order they
/// came), at most kCapacity of them. Safe to use from several threads at once.
/// The open event streams of the page's viewers. An event goes to each; a stream whose viewer
/// left is forgotten at the next event, and one that reads too slowly misses that event (it
/// asks for data.json on the next anyway).
class Listeners {
  public:
    void add(mvi::Stream stream) {
        std::lock_guard<std::mutex> lock(mutex_);
        streams_.push_back(std::move(stream));
    }

    /// Sends event `name` with `data` to every viewer; a comment (no name) is a heartbeat.
    void publish(std::string_view name, const nlohmann::json& data) {
        const std::string text = data.dump();
        std::lock_guard<std::mutex> lock(mutex_);
        auto over = std::remove_if(streams_.begin(), streams_.end(), [&](const mvi::Stream& s) {
            const mvi::Stream::Sent sent = name.empty() ? s.comment(text) : s.event(text, name);
            return sent == mvi::Stream::Sent::Closed;
        });
        streams_.erase(over, streams_.end());
    }

  private:
    std::mutex mutex_;
    std::vector<mvi::Stream> streams_;
};

class Store {
  public:
    /// What adding a batch did.
    struct Added {
        std::size_t added = 0;
        std::size_t dropped = 0;  ///< The oldest readings removed to stay within kCapacity.
        std::size_t count = 0;    ///< Readings kept now.
    };

    Added add(const std::vector<Reading>& batch) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const Reading& reading : batch) {
            readings_.emplace(reading.time, reading.value);
        }
        Added result{batch.size(), 0, 0};
        while (readings_.size() > kCapacity) {
            readings_.erase(readings_.begin());
            ++result.dropped;
        }
        result.count = readings_.size();
        return result;
    }

    std::vector<Reading> all() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::vector<Reading> out;
        out.reserve(readings_.size());
        for (const auto& [time, value] : readings_) {
            out.push_back({time, value});
        }
        return out;
    }

    void clear() {
        std::lock_guard<std::mutex> lock(mutex_);
        readings_.clear();
    }

  private:
    mutable std::mutex mutex_;
    std::multimap<std::int64_t, double> readings_;
};

/// The page: the chart's style and script come from the version's static files (relative URLs,
/// so the page works by name, /services/readings/page, and by version,
/// /services/readings_1.0.0/page); the script reads data.json beside the page.
constexpr const char* kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Readings</title>
<link rel="stylesheet" href="static/chart.css">
<link rel="icon" type="image/svg+xml" href="static/favicon.svg">
<script src="static/chart.js" defer></script>
</head>
<body>
<main>
<h1>Readings</h1>
<p id="summary" role="status">Loading the readings...</p>
<svg id="chart" viewBox="0 0 800 320" role="img" aria-label="Readings over time"></svg>
<form id="upload">
<label>Add readings from a CSV file (<code>time,value</code> rows)
<input type="file" name="file" accept=".csv,text/csv"></label>
<button type="submit">Upload</button>
</form>
<p id="message" role="alert"></p>
<p class="links"><a href="data.json">data.json</a> &middot; <a href="data.csv">data.csv</a></p>
</main>
</body>
</html>
)";

/// Whether a body of `contentType` may be read as CSV: text/csv or text/plain, or no type at all.
bool csvType(const std::optional<std::string>& contentType) {
    if (!contentType) {
        return true;
    }
    std::string_view type = *contentType;
    type = field(type.substr(0, type.find(';')));
    return isWord(type, "text/csv") || isWord(type, "text/plain");
}

}  // namespace readings

MVI_SERVICE(service) {
    using readings::Reading;
    // One store per loaded version, shared by its routes.
    auto store = std::make_shared<readings::Store>();
    auto listeners = std::make_shared<readings::Listeners>();

    service
        .route(mvi::Method::Get, "/page",
               [](const mvi::Request&) {
                   return mvi::Response::text(readings::kPage, "text/html; charset=utf-8");
               })
        .description("A page showing the readings as a chart (drawn by static/chart.js).")
        .content_type("text/html");

    service
        .route(mvi::Method::Get, "/data.json",
               [store](const mvi::Request&) {
                   nlohmann::json rows = nlohmann::json::array();
                   for (const Reading& reading : store->all()) {
                       rows.push_back({{"time", readings::formatIsoTime(reading.time)},
                                       {"value", reading.value}});
                   }
                   return mvi::Response::json({{"count", rows.size()},
                                               {"capacity", readings::kCapacity},
                                               {"readings", std::move(rows)}});
               })
        .description("The readings, oldest first: {count, capacity, readings: [{time, value}]}.")
        .content_type("application/json");

    service
        .route(mvi::Method::Get, "/data.csv",
               [store](const mvi::Request&) {
                   std::string csv = "time,value\n";
                   for (const Reading& reading : store->all()) {
                       csv += fmt::format("{},{}\n", readings::formatIsoTime(reading.time),
                                          reading.value);
                   }
                   return mvi::Response::text(std::move(csv), "text/csv; charset=utf-8");
               })
        .description("The readings, oldest first, as CSV (time,value).")
        .content_type("text/csv");

    service
        .route(mvi::Method::Post, "/data.csv",
               [store, listeners](const mvi::Request& request) {
                   if (!readings::csvType(request.header("Content-Type"))) {
                       throw mvi::HttpError(
                           415, fmt::format("send the readings as text/csv, not {}",
                                            readings::quoted(*request.header("Content-Type"))));
                   }
                   const std::vector<Reading> batch = readings::parseCsv(request.body);
                   const auto [earliest, latest] = std::minmax_element(
                       batch.begin(), batch.end(),
                       [](const Reading& a, const Reading& b) { return a.time < b.time; });
                   const readings::Store::Added added = store->add(batch);
                   mvi::log::info("added {} readings ({} dropped), {} kept", added.added,
                                  added.dropped, added.count);
                   listeners->publish("readings", {{"count", added.count}});
                   return mvi::Response::json({{"added", added.added},
                                               {"dropped", added.dropped},
                                               {"count", added.count},
                                               {"capacity", readings::kCapacity},
                                               {"from", readings::formatIsoTime(earliest->time)},
                                               {"to", readings::formatIsoTime(latest->time)}})
                       .with_status(201);
               })
        .description(
            "Adds the rows of a CSV body (text/csv: an optional header time,value, then one "
            "ISO 8601 time or Unix seconds and a number per line). All or nothing: 422 names "
            "the first bad line. Answers 201 with {added, dropped, count, capacity, from, to}.")
        .content_type("application/json");

    service
        .route(mvi::Method::Delete, "/data.csv",
               [store, listeners](const mvi::Request&) {
                   store->clear();
                   listeners->publish("readings", {{"count", 0}});
                   return mvi::Response{204, {}, {}};
               })
        .description("Forgets every reading.");

    service
        .route(mvi::Method::Get, "/events",
               [listeners](const mvi::Request&) {
                   return mvi::Response::events([listeners](mvi::Stream stream) {
                       stream.comment("readings");
                       listeners->add(std::move(stream));
                   });
               })
        .description(
            "Server-sent events: `readings` with {count} after each upload or "
            "clearing; a comment every 15 seconds keeps the stream alive.")
        .content_type("text/event-stream");
    // The heartbeat also forgets the streams of viewers who left without an upload since.
    service.call_every(
        15.0, [listeners] { listeners->publish({}, "heartbeat"); }, true);
}
