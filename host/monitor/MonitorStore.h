#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Logger.h>
#include <Poco/Nullable.h>
#include <Poco/Timestamp.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ServiceId.h"
#include "core/WorkQueue.h"
#include "state/Database.h"

namespace mvi::host {

/// Monitoring values of services: time-stamped numbers, texts and JSON texts, kept in the table
/// `monitor_values` of an SQLite file (the host's `data.dir/mvi.db`).
///
/// `store` validates the values and hands them to a background writer, which takes everything
/// handed over so far and writes it in one transaction. How long `store` waits is the durability
/// setting: with Durable it returns once its values are committed (calls arriving while a commit
/// runs share the next one: group commit), with Queued as soon as they are queued. In queued
/// mode a full queue refuses a call as a whole (counted); what was accepted is written, also on
/// shutdown. A batch the database refuses is counted, logged (the first of a series, then every
/// thousandth) and kept as `lastError`; in durable mode its callers also get the error.
/// The writer also applies the retention rules every `cleanupInterval`.
///
/// Rows: service name, service version, variable, time (UTC microseconds since the Unix epoch),
/// kind (0 number, 1 text, 2 JSON) and the value in `number` (REAL) or `text` (TEXT). Numbers
/// read back as integers when they are whole. Thread-safe; readers use a connection of their own.
class MonitorStore {
  public:
    /// How a value is stored.
    enum class Kind { Number = 0, Text = 1, Json = 2 };

    /// When `store` returns.
    enum class Durability {
        /// Once the values are queued. A crash of the process (or `kill -9`) loses what is still
        /// queued: at most `queueCapacity` calls' values, in practice those of the last commit's
        /// duration (milliseconds).
        Queued,
        /// Once the values are committed to the database (WAL, synchronous): acknowledged values
        /// survive a crash of the process.
        Durable,
    };

    /// "queued" / "durable"; nothing for anything else.
    static std::optional<Durability> parseDurability(const std::string& text);

    /// The configuration name of `durability`.
    static const char* durabilityName(Durability durability);

    /// Durability, queue size and retention.
    struct Settings {
        /// Calls of `store` waiting for the writer; in queued mode more are refused. In durable
        /// mode a call is never refused for a full queue: each caller waits for its commit.
        std::size_t queueCapacity = 1024;
        /// Rows older than this many seconds are removed; 0 keeps them.
        std::int64_t retentionSeconds = 0;
        /// Rows kept per service name and variable (the newest); 0 keeps all.
        std::uint64_t retentionRows = 0;
        /// Time between two retention cleanups.
        std::chrono::milliseconds cleanupInterval = std::chrono::seconds(60);
        /// When `store` returns.
        Durability durability = Durability::Durable;
    };

    /// What a read asks for. Times are inclusive; empty `variables` means all.
    struct Query {
        std::string name;
        /// Only this version's rows; all versions of the name when empty.
        std::string version;
        std::optional<Poco::Timestamp> start;
        std::optional<Poco::Timestamp> end;
        std::vector<std::string> variables;
    };

    /// One stored value.
    struct Point {
        Poco::Timestamp time;
        nlohmann::json value;
    };

    /// Points by variable, each in time order.
    using Series = std::map<std::string, std::vector<Point>>;

    /// Opens two connections of its own to `database` (not null; its schema holds the table and
    /// its index), one for the writer and one for reads, and starts the writer. Throws
    /// std::runtime_error naming the path and SQLite's message on failure.
    MonitorStore(std::shared_ptr<Database> database, Settings settings,
                 Poco::Logger& logger = Poco::Logger::get("mvi"));

    /// Writes everything accepted, then stops the writer (see stop).
    ~MonitorStore();

    MonitorStore(const MonitorStore&) = delete;
    MonitorStore& operator=(const MonitorStore&) = delete;

    /// Checks `values` (a non-empty JSON object whose keys are valid variable names) and hands
    /// them to the writer for `service` with one timestamp, `time`; in durable mode waits until
    /// they are committed. Returns false when the queue is full (queued mode) or the store is
    /// stopped (nothing of this call is kept). Throws std::invalid_argument naming the problem
    /// for values that are not such an object, or hold a number that is not finite; in durable
    /// mode, StorageError (or std::runtime_error) when the database refused to write them.
    bool store(const ServiceId& service, const nlohmann::json& values,
               Poco::Timestamp time = Poco::Timestamp());

    /// The durability setting.
    Durability durability() const { return settings_.durability; }

    /// Waits until everything queued before this call is written (or failed to be).
    void flush();

    /// Refuses new values from now on (`store` returns false), writes everything accepted and
    /// stops the writer. Reads keep working. Idempotent.
    void stop();

    /// Runs the retention rules now; returns how many rows were removed.
    std::size_t cleanup();

    /// Calls of `store` refused because the queue was full.
    std::uint64_t droppedBatches() const { return dropped_.load(); }

    /// Batches (the values of one `store` call) the writer failed to write (the database
    /// refused them; logged).
    std::uint64_t failedBatches() const { return failed_.load(); }

    /// Why the last batch could not be written, with its UTC time (ISO 8601); empty when every
    /// batch was written.
    std::string lastError() const;

    /// The variables stored for `name` (and `version` when not empty), sorted.
    std::vector<std::string> variables(const std::string& name,
                                       const std::string& version = "") const;

    /// The versions of `name` that have rows, sorted as text.
    std::vector<std::string> versions(const std::string& name) const;

    /// The points matching `query`; every requested (or, with none requested, every stored)
    /// variable has an entry, possibly empty.
    Series read(const Query& query) const;

    /// Writes a fresh SQLite file at `path` (which must not exist) holding the `monitor_values`
    /// rows matching `query`, copied in one read transaction so the copy is consistent.
    void exportDatabase(const Query& query, const std::string& path) const;

    /// The value of a row as JSON.
    static nlohmann::json valueOf(Kind kind, double number, const std::string& text);

  private:
    struct Row {
        std::string variable;
        Kind kind = Kind::Number;
        double number = 0;
        std::string text;
    };
    struct Batch {
        ServiceId service;
        Poco::Int64 time = 0;
        std::vector<Row> rows;
        /// Set once the batch is written or failed (durable mode: its caller waits on it).
        std::unique_ptr<std::promise<void>> committed;
    };

    /// The rows of batches as columns, bound to one INSERT that runs once per row.
    struct Columns {
        std::vector<std::string> names;
        std::vector<std::string> versions;
        std::vector<std::string> variables;
        std::vector<Poco::Int64> times;
        std::vector<int> kinds;
        std::vector<Poco::Nullable<double>> numbers;
        std::vector<Poco::Nullable<std::string>> texts;
    };

    /// Writes `batches` (the writer thread) and answers their durable callers.
    void writeAndAnswer(std::vector<Batch>& batches);
    /// Moves the rows of `batches` into columns.
    static Columns columnsOf(std::vector<Batch>& batches);
    /// Writes `batches` in one transaction; returns the error (null when written).
    std::exception_ptr write(std::vector<Batch>& batches);
    /// Counts, logs and remembers a failed write of `count` batches.
    void reportFailure(std::size_t count, const std::string& reason);
    std::size_t removeExpired(Poco::Data::Session& session);

    std::shared_ptr<Database> database_;
    std::string path_;
    Settings settings_;
    Poco::Logger& logger_;
    /// Guards `writerSession_` (the writer thread and `cleanup`).
    std::mutex writeMutex_;
    Poco::Data::Session writerSession_;
    mutable std::mutex readMutex_;
    mutable Poco::Data::Session readSession_;

    /// Set by `stop`: no values are taken any more.
    std::atomic<bool> stopping_{false};
    /// Serialises stopping the writer.
    std::mutex stopMutex_;
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> failed_{0};
    /// Failed batches since the last successful write (writer thread only).
    std::uint64_t failedInSeries_ = 0;
    mutable std::mutex errorMutex_;
    std::string lastError_;
    /// The batches waiting for the writer, and the writer thread (last: it stops first).
    std::unique_ptr<WorkQueue<Batch>> queue_;
};

}  // namespace mvi::host
