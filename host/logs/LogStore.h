#pragma once

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ServiceId.h"
#include "logs/HeldBytes.h"
#include "logs/LogFlusher.h"
#include "logs/LogFollower.h"
#include "logs/LogLine.h"
#include "logs/LogQuery.h"
#include "logs/VersionLog.h"

namespace mvi::host {

/// The logs of every service version, on disk under `directory`: `<name>/<version>.log`, rotated
/// and capped per version (see VersionLog). A service's own lines and the host's lifecycle
/// events for that version (loaded, swapped in, draining, unloaded, failed) are written there;
/// every warning and error also goes to the host's own log, prefixed with the service's name and
/// version, and every other line too at the host's debug level.
/// Logs outlive the process: a new store on the same folder reads what an earlier one wrote.
///
/// The host's own log is kept beside them, as the log of `kHostLog` (`<directory>/~host.log`,
/// rotated and capped the same way; see HostLogChannel); its stream lives until `close`.
///
/// How lines reach the files is `Settings::flush`: each one before `append` returns (`Line`), or
/// held in memory and written by a background thread at most every `flushInterval`
/// (`Interval`). Reads and followers see every appended line at once either way; `close` and
/// the destructor write everything held. Thread-safe.
class LogStore {
  public:
    /// How appended lines reach the files (`logs.flush`).
    enum class Flush {
        /// Written and flushed by `append`: a killed process loses no appended line.
        Line,
        /// Held in memory (within `maxHeldBytes`) and written by a background thread at most
        /// every `flushInterval`: a process killed loses the lines of the last interval.
        Interval,
    };

    /// The `logs.flush` a host uses when the key is not set.
    static constexpr Flush kDefaultFlush = Flush::Interval;

    /// The flush named `text` ("line" or "interval"), if any.
    static std::optional<Flush> parseFlush(const std::string& text);

    /// The configuration name of `flush`.
    static const char* flushName(Flush flush);

    /// The limits of each version's log, and how lines reach the files.
    struct Settings : VersionLog::Settings {
        Flush flush = kDefaultFlush;
        /// With `Flush::Interval`: the shortest time between two writes of a log's held lines.
        std::chrono::milliseconds flushInterval{5};
        /// With `Flush::Interval`: text held in memory by all logs of the store at most; a line
        /// beyond it is written by its `append` (after the lines its log holds).
        std::uint64_t maxHeldBytes = 64 * 1024 * 1024;
    };

    /// The id under which the host's own log is kept (never a service's: names cannot hold `~`).
    static const ServiceId kHostLog;

    LogStore(std::string directory, Settings settings, Poco::Logger& hostLogger);
    /// Writes everything held.
    ~LogStore();

    LogStore(const LogStore&) = delete;
    LogStore& operator=(const LogStore&) = delete;

    /// Records `message` for `service` (a message of several lines becomes several lines, all
    /// with the same time and level).
    void append(const ServiceId& service, LogLevel level, std::string message);

    /// The stored lines of `service` that `query` selects, oldest first, each formatted as
    /// LogLine::format.
    std::vector<std::string> read(const ServiceId& service, const LogQuery& query) const;

    /// The last `count` stored lines of `service`, oldest first.
    std::vector<std::string> tail(const ServiceId& service, std::size_t count) const;

    /// The stored lines of `service` written at or after `from`, oldest first.
    std::vector<std::string> since(const ServiceId& service, Poco::Timestamp from) const;

    /// True when `service` has a log on disk (it may no longer be deployed).
    bool contains(const ServiceId& service) const;

    /// Starts following `service`'s log after the lines `query` selects.
    std::unique_ptr<LogFollower> follow(const ServiceId& service, const LogQuery& query);

    /// A build of `service` was created; its log's stream is live until as many `endStream`.
    void beginStream(const ServiceId& service);

    /// A build of `service` was unloaded or failed to load. When none is left, followers of
    /// its log end (after the lines already written).
    void endStream(const ServiceId& service);

    /// Ends every follower, now and from now on (the host is stopping), and writes the lines
    /// held in memory. Lines are still stored; from now on each is written by its `append`.
    void close();

    /// The folder holding the logs.
    const std::string& directory() const { return directory_; }

  private:
    /// `<directory>/<name>/<version>.log` (`<directory>/~host.log` for kHostLog). Throws
    /// Poco::InvalidArgumentException for an invalid name or version (they become file names).
    std::string pathFor(const ServiceId& service) const;

    /// The log of `service`, created on first use (throws like `pathFor`).
    std::shared_ptr<VersionLog> logFor(const ServiceId& service) const;

    std::string directory_;
    Settings settings_;
    Poco::Logger& hostLogger_;
    mutable std::mutex mutex_;
    mutable std::map<ServiceId, std::shared_ptr<VersionLog>> logs_;
    mutable bool closed_ = false;
    /// With `Flush::Interval`: the text the logs hold, and their writer (null otherwise).
    std::shared_ptr<HeldBytes> held_;
    std::unique_ptr<LogFlusher> flusher_;
};

}  // namespace mvi::host
