#include "monitor/MonitorStore.h"

#include <Poco/Nullable.h>
#include <Poco/Tuple.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <cmath>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include "core/BackgroundTask.h"
#include "core/IsoTime.h"
#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// The name the writer reports errors under.
constexpr const char* kThread = "monitor-writer";

/// How errors name this database.
const std::string kWhat = "monitoring database";

/// The columns of the table of values in an export, as Database's schema defines them in
/// `mvi.db`: `time` is UTC microseconds since the Unix epoch, `kind` a MonitorStore::Kind,
/// `number` set for numbers and `text` for texts and JSON texts.
const char* const kColumns =
    "  id INTEGER PRIMARY KEY,"
    "  service_name TEXT NOT NULL,"
    "  service_version TEXT NOT NULL,"
    "  variable TEXT NOT NULL,"
    "  time INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  number REAL,"
    "  text TEXT";

/// Reads of one variable follow this index (in an export too).
const char* const kIndexColumns = "monitor_values (service_name, variable, time)";

/// The filter every read uses; bound as name, variable, start, end, version, version.
const char* const kWhere =
    " WHERE service_name = ? AND variable = ? AND time >= ? AND time <= ?"
    " AND (? = '' OR service_version = ?)";

using ValueRow = Poco::Tuple<Poco::Int64, int, Poco::Nullable<double>, Poco::Nullable<std::string>>;

/// Whether every number inside `value` is finite.
bool allFinite(const nlohmann::json& value) {
    if (value.is_number_float()) {
        return std::isfinite(value.get<double>());
    }
    if (value.is_structured()) {
        for (const auto& item : value) {
            if (!allFinite(item)) {
                return false;
            }
        }
    }
    return true;
}

Poco::Int64 startOf(const MonitorStore::Query& query) {
    return query.start ? query.start->epochMicroseconds() : std::numeric_limits<Poco::Int64>::min();
}

Poco::Int64 endOf(const MonitorStore::Query& query) {
    return query.end ? query.end->epochMicroseconds() : std::numeric_limits<Poco::Int64>::max();
}

}  // namespace

std::optional<MonitorStore::Durability> MonitorStore::parseDurability(const std::string& text) {
    if (text == "queued") {
        return Durability::Queued;
    }
    if (text == "durable") {
        return Durability::Durable;
    }
    return std::nullopt;
}

const char* MonitorStore::durabilityName(Durability durability) {
    return durability == Durability::Durable ? "durable" : "queued";
}

MonitorStore::MonitorStore(std::shared_ptr<Database> database, Settings settings,
                           Poco::Logger& logger)
    : database_(std::move(database)),
      path_(database_->path()),
      settings_(settings),
      logger_(logger),
      writerSession_(database_->connect(kWhat)),
      readSession_(database_->connect(kWhat)) {
    if (settings_.queueCapacity == 0) {
        settings_.queueCapacity = 1;
    }
    // Everything queued is written in one transaction (group commit).
    queue_ = std::make_unique<WorkQueue<Batch>>(
        WorkQueue<Batch>::Settings{kThread, 1, settings_.queueCapacity,
                                   std::numeric_limits<std::size_t>::max(),
                                   settings_.cleanupInterval},
        [this](std::vector<Batch>& batches) { writeAndAnswer(batches); }, [this] { cleanup(); });
}

MonitorStore::~MonitorStore() {
    stop();
}

void MonitorStore::stop() {
    stopping_ = true;
    std::lock_guard lock(stopMutex_);
    if (queue_) {
        // What is queued is written before the writer ends.
        queue_->stop(WorkQueue<Batch>::Clock::time_point::max());
    }
}

bool MonitorStore::store(const ServiceId& service, const nlohmann::json& values,
                         Poco::Timestamp time) {
    if (!values.is_object()) {
        throw std::invalid_argument("monitoring values must be a JSON object of variables");
    }
    if (values.empty()) {
        throw std::invalid_argument("monitoring values must name at least one variable");
    }
    Batch batch{service, time.epochMicroseconds(), {}, nullptr};
    batch.rows.reserve(values.size());
    for (const auto& [variable, value] : values.items()) {
        if (!isValidMemberName(variable)) {
            throw std::invalid_argument(fmt::format(
                "monitoring variable name '{}' is invalid (lowercase letters, digits and "
                "underscores, not starting with a digit, at most {} bytes)",
                limits::shorten(variable), limits::kMaxNameBytes));
        }
        if (!allFinite(value)) {
            throw std::invalid_argument(fmt::format(
                "monitoring variable '{}' holds a number that is not finite (not JSON)", variable));
        }
        Row row;
        row.variable = variable;
        if (value.is_number()) {
            row.kind = Kind::Number;
            row.number = value.get<double>();
        } else {
            std::string text;
            try {
                // Also refuses strings that are not UTF-8, whatever the kind.
                text = value.dump();
            } catch (const nlohmann::json::exception& error) {
                throw std::invalid_argument(
                    fmt::format("monitoring variable '{}' cannot be written as JSON: {}", variable,
                                error.what()));
            }
            row.kind = value.is_string() ? Kind::Text : Kind::Json;
            row.text = value.is_string() ? value.get<std::string>() : std::move(text);
        }
        batch.rows.push_back(std::move(row));
    }
    const bool durable = settings_.durability == Durability::Durable;
    std::future<void> committed;
    if (durable) {
        batch.committed = std::make_unique<std::promise<void>>();
        committed = batch.committed->get_future();
    }
    if (stopping_) {
        // The host is stopping: the caller learns that the values were not kept.
        ++dropped_;
        return false;
    }
    // A durable store waits for its batch, so the callers bound the queue themselves.
    if (!queue_->push(std::move(batch), durable ? WorkQueue<Batch>::Admission::Always
                                                : WorkQueue<Batch>::Admission::Bounded)) {
        std::uint64_t dropped = ++dropped_;
        // Said once, then every thousandth time, so an overload does not flood the log.
        if (!stopping_ && (dropped == 1 || dropped % 1000 == 0)) {
            logger_.warning(fmt::format(
                "monitoring queue full ({} waiting): values of {} {} refused ({} refused so far)",
                queue_->size(), service.name, service.version, dropped));
        }
        return false;
    }
    if (durable) {
        // Throws what the writer met when the database refused the batch.
        committed.get();
    }
    return true;
}

std::string MonitorStore::lastError() const {
    std::lock_guard lock(errorMutex_);
    return lastError_;
}

void MonitorStore::flush() {
    queue_->waitUntilServed();
}

void MonitorStore::writeAndAnswer(std::vector<Batch>& batches) {
    std::exception_ptr error = write(batches);
    for (Batch& batch : batches) {
        if (!batch.committed) {
            continue;
        }
        if (error) {
            batch.committed->set_exception(error);
        } else {
            batch.committed->set_value();
        }
    }
}

MonitorStore::Columns MonitorStore::columnsOf(std::vector<Batch>& batches) {
    Columns columns;
    for (Batch& batch : batches) {
        for (Row& row : batch.rows) {
            columns.names.push_back(batch.service.name);
            columns.versions.push_back(batch.service.version);
            columns.variables.push_back(std::move(row.variable));
            columns.times.push_back(batch.time);
            columns.kinds.push_back(static_cast<int>(row.kind));
            if (row.kind == Kind::Number) {
                columns.numbers.emplace_back(row.number);
                columns.texts.emplace_back();
            } else {
                columns.numbers.emplace_back();
                columns.texts.emplace_back(std::move(row.text));
            }
        }
    }
    return columns;
}

std::exception_ptr MonitorStore::write(std::vector<Batch>& batches) {
    try {
        std::lock_guard lock(writeMutex_);
        SqliteDatabase::guarded(kWhat, path_, "write monitoring values", [&] {
            Columns columns = columnsOf(batches);
            SqliteDatabase::inWriteTransaction(
                writerSession_, [&] {
                    writerSession_
                        << "INSERT INTO monitor_values (service_name, service_version, "
                           "variable, time, kind, number, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        use(columns.names), use(columns.versions), use(columns.variables),
                        use(columns.times), use(columns.kinds), use(columns.numbers),
                        use(columns.texts), now;
                });
        });
    } catch (const std::exception& error) {
        reportFailure(batches.size(), error.what());
        return std::current_exception();
    } catch (...) {
        reportFailure(batches.size(), "unknown error");
        return std::current_exception();
    }
    if (failedInSeries_ > 0) {
        logger_.information(fmt::format(
            "monitoring values are written again ({} batch(es) could not be written before)",
            failedInSeries_));
        failedInSeries_ = 0;
    }
    return nullptr;
}

void MonitorStore::reportFailure(std::size_t count, const std::string& reason) {
    failed_ += count;
    const std::uint64_t before = failedInSeries_;
    failedInSeries_ += count;
    {
        std::lock_guard lock(errorMutex_);
        lastError_ = formatIsoTime(Poco::Timestamp()) + " " + reason;
    }
    // The first failure of a series, then every thousandth batch, so a full disk does not flood
    // the log.
    if (before == 0 || before / 1000 != failedInSeries_ / 1000) {
        logger_.error(
            fmt::format("{} monitoring value batch(es) not written ({} in a row, {} in "
                        "all): {}",
                        count, failedInSeries_, failed_.load(), reason));
    }
}

std::size_t MonitorStore::cleanup() {
    std::lock_guard lock(writeMutex_);
    return SqliteDatabase::guarded(kWhat, path_, "remove expired monitoring values",
                                   [this] { return removeExpired(writerSession_); });
}

std::size_t MonitorStore::removeExpired(Poco::Data::Session& session) {
    if (settings_.retentionSeconds <= 0 && settings_.retentionRows == 0) {
        return 0;
    }
    std::size_t removed = 0;
    SqliteDatabase::inWriteTransaction(session, [&] {
        int changes = 0;
        if (settings_.retentionSeconds > 0) {
            Poco::Int64 limit = Poco::Timestamp().epochMicroseconds() -
                                settings_.retentionSeconds * Poco::Int64(1000000);
            session << "DELETE FROM monitor_values WHERE time < ?", use(limit), now;
            session << "SELECT changes()", into(changes), now;
            removed += static_cast<std::size_t>(changes);
        }
        if (settings_.retentionRows > 0) {
            auto keep = static_cast<Poco::Int64>(settings_.retentionRows);
            session << "DELETE FROM monitor_values WHERE id IN (SELECT id FROM (SELECT id, "
                       "ROW_NUMBER() OVER (PARTITION BY service_name, variable ORDER BY time "
                       "DESC, id DESC) AS position FROM monitor_values) WHERE position > ?)",
                use(keep), now;
            session << "SELECT changes()", into(changes), now;
            removed += static_cast<std::size_t>(changes);
        }
    });
    if (removed > 0) {
        logger_.information(fmt::format("monitoring retention removed {} value(s)", removed));
    }
    return removed;
}

std::vector<std::string> MonitorStore::variables(const std::string& name,
                                                 const std::string& version) const {
    std::vector<std::string> result;
    std::lock_guard lock(readMutex_);
    SqliteDatabase::guarded(kWhat, path_, "list monitoring variables", [&] {
        std::string versionFilter = version;
        readSession_ << "SELECT DISTINCT variable FROM monitor_values WHERE service_name = ? AND "
                        "(? = '' OR service_version = ?) ORDER BY variable",
            useRef(name), useRef(versionFilter), useRef(versionFilter), into(result), now;
    });
    return result;
}

std::vector<std::string> MonitorStore::versions(const std::string& name) const {
    std::vector<std::string> result;
    std::lock_guard lock(readMutex_);
    SqliteDatabase::guarded(kWhat, path_, "list monitored versions", [&] {
        readSession_ << "SELECT DISTINCT service_version FROM monitor_values WHERE "
                        "service_name = ? ORDER BY service_version",
            useRef(name), into(result), now;
    });
    return result;
}

nlohmann::json MonitorStore::valueOf(Kind kind, double number, const std::string& text) {
    switch (kind) {
        case Kind::Number: {
            // Whole numbers within the exactly representable range read back as integers.
            constexpr double kExact = 9007199254740992.0;
            if (std::trunc(number) == number && std::fabs(number) <= kExact) {
                return static_cast<std::int64_t>(number);
            }
            return number;
        }
        case Kind::Text:
            return text;
        case Kind::Json: {
            nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
            return value.is_discarded() ? nlohmann::json(text) : value;
        }
    }
    return nullptr;
}

MonitorStore::Series MonitorStore::read(const Query& query) const {
    std::vector<std::string> names =
        query.variables.empty() ? variables(query.name, query.version) : query.variables;
    Series series;
    std::lock_guard lock(readMutex_);
    SqliteDatabase::guarded(kWhat, path_, "read monitoring values", [&] {
        Poco::Int64 start = startOf(query);
        Poco::Int64 end = endOf(query);
        // One read transaction, so all variables come from the same moment.
        readSession_ << "BEGIN", now;
        try {
            for (const std::string& variable : names) {
                std::vector<ValueRow> rows;
                readSession_ << std::string("SELECT time, kind, number, text FROM monitor_values") +
                                    kWhere + " ORDER BY time, id",
                    useRef(query.name), useRef(variable), use(start), use(end),
                    useRef(query.version), useRef(query.version), into(rows), now;
                std::vector<Point>& points = series[variable];
                points.reserve(rows.size());
                for (const ValueRow& row : rows) {
                    const auto kind = static_cast<Kind>(row.get<1>());
                    double number = row.get<2>().isNull() ? 0.0 : row.get<2>().value();
                    std::string text = row.get<3>().isNull() ? std::string() : row.get<3>().value();
                    points.push_back(
                        Point{Poco::Timestamp(row.get<0>()), valueOf(kind, number, text)});
                }
            }
            readSession_ << "COMMIT", now;
        } catch (...) {
            try {
                readSession_ << "ROLLBACK", now;
            } catch (const Poco::Exception&) {
                // The transaction already ended; the original error is the one to report.
            }
            throw;
        }
    });
    return series;
}

void MonitorStore::exportDatabase(const Query& query, const std::string& path) const {
    std::vector<std::string> names =
        query.variables.empty() ? variables(query.name, query.version) : query.variables;
    std::lock_guard lock(readMutex_);
    SqliteDatabase::guarded(kWhat, path_, "export monitoring values", [&] {
        std::string target = path;
        readSession_ << "ATTACH DATABASE ? AS export", useRef(target), now;
        try {
            Poco::Int64 start = startOf(query);
            Poco::Int64 end = endOf(query);
            // The first read of the main database fixes the snapshot every copy comes from.
            readSession_ << "BEGIN", now;
            readSession_ << std::string("CREATE TABLE export.monitor_values (") + kColumns + ")",
                now;
            readSession_ << std::string("CREATE INDEX export.monitor_values_by_variable ON ") +
                                kIndexColumns,
                now;
            for (const std::string& variable : names) {
                readSession_ << std::string(
                                    "INSERT INTO export.monitor_values (service_name, "
                                    "service_version, variable, time, kind, number, text) "
                                    "SELECT service_name, service_version, variable, "
                                    "time, kind, number, text FROM main.monitor_values") +
                                    kWhere + " ORDER BY time, id",
                    useRef(query.name), useRef(variable), use(start), use(end),
                    useRef(query.version), useRef(query.version), now;
            }
            readSession_ << "COMMIT", now;
        } catch (...) {
            try {
                readSession_ << "ROLLBACK", now;
            } catch (const Poco::Exception&) {
                // No transaction was open.
            }
            readSession_ << "DETACH DATABASE export", now;
            throw;
        }
        readSession_ << "DETACH DATABASE export", now;
    });
}

}  // namespace mvi::host
