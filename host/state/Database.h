#pragma once

#include <Poco/Data/Session.h>

#include <memory>
#include <optional>
#include <string>

namespace mvi::host {

/// The host's one SQLite file (`data.dir/mvi.db`) and its schema. Opening it brings the schema of
/// every table the host keeps there (deployments, mains, parameters, probed builds, quarantines,
/// the auth tables, notifications, monitoring values) up to SCHEMA_VERSION, one ordered list of
/// steps tracked by SQLite's `user_version`, all in one write transaction: a step that fails
/// leaves the file as it was. A file a host of an earlier layout wrote (the state tables
/// versioned, the others created when missing by each store) is brought to the same schema as a
/// fresh one, keeping its rows; a file whose schema is newer than this host's is refused.
///
/// The stores do not create tables: each takes the database and opens the connections it needs
/// (`connect`), naming itself in their errors.
///
/// Thread-safe: `connect` may be called from any thread. Several processes may open the same
/// file; the migration runs under the write lock, so only one of them applies it.
class Database {
  public:
    /// The schema this host writes (the file's `user_version`).
    static constexpr int SCHEMA_VERSION = 4;

    /// Opens (creating when missing, along with parent folders) the database at `path` and
    /// migrates its schema. ":memory:" opens a private in-memory database that every connection
    /// of this object shares (SQLite's shared cache), gone when this object and its connections
    /// are. Throws std::runtime_error naming the path and the reason (SQLite's message for a file
    /// that is not a database, a schema newer than SCHEMA_VERSION), StorageError when the machine
    /// refuses the migration (disk full, read-only, ...).
    static std::shared_ptr<Database> open(const std::string& path);

    /// See `open`.
    explicit Database(std::string path);

    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// A new connection to the database (WAL journal, synchronous writes, busy timeout; see
    /// SqliteDatabase::open). `what` names the database in errors ("monitoring database").
    Poco::Data::Session connect(const std::string& what) const;

    /// The database file's path (":memory:" for an in-memory database).
    const std::string& path() const { return path_; }

  private:
    /// Brings the schema from the file's `user_version` up to SCHEMA_VERSION in one committed
    /// transaction under the write lock; refuses a file whose schema is newer.
    void migrate(Poco::Data::Session& session);

    std::string path_;
    /// The shared-cache name of an in-memory database; empty for a file.
    std::string memoryName_;
    /// Holds an in-memory database while no store has a connection to it.
    std::optional<Poco::Data::Session> keeper_;
};

}  // namespace mvi::host
