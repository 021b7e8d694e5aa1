#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/ServiceId.h"
#include "state/Database.h"

namespace mvi::host {

/// Builds that took the serving process down, kept in the state database (table `quarantine`) so
/// that no restart loads them again: written by the supervisor after a death, read by the serving
/// process when it loads a version. A quarantine names one build (its content hash); deploying a
/// different build of the same version, or clearing it (`POST /services/~unquarantine`), ends it.
///
/// Thread-safe: one connection behind a mutex; several processes may open the same file.
class QuarantineStore {
  public:
    /// One quarantined build.
    struct Entry {
        ServiceId id;
        std::string sha256;
        /// What happened, for `GET /services/`, the version's log and the notification.
        std::string reason;
        /// ISO 8601 UTC time it was quarantined.
        std::string at;
        /// Whether a serving process has raised the notification and written the log line yet.
        bool announced = false;
    };

    /// Opens a connection of its own to `database` (not null). Throws std::runtime_error naming
    /// the path and SQLite's message.
    explicit QuarantineStore(std::shared_ptr<Database> database);

    QuarantineStore(const QuarantineStore&) = delete;
    QuarantineStore& operator=(const QuarantineStore&) = delete;

    /// Quarantines build `sha256` of `id` (replacing an earlier quarantine of `id`).
    void add(const ServiceId& id, const std::string& sha256, const std::string& reason);

    /// The quarantine of `id`, if any.
    std::optional<Entry> find(const ServiceId& id) const;

    /// Every quarantine, ordered by name and version.
    std::vector<Entry> list() const;

    /// Ends the quarantine of `id`; returns whether there was one.
    bool remove(const ServiceId& id);

    /// Records that the quarantine of `id` was announced.
    void markAnnounced(const ServiceId& id);

  private:
    std::shared_ptr<Database> database_;
    std::string path_;
    mutable std::mutex mutex_;
    mutable Poco::Data::Session session_;
};

}  // namespace mvi::host
