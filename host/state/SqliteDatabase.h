#pragma once

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "state/DatabaseHealth.h"
#include "state/StorageError.h"

namespace mvi::host {

/// What every store of the host does with its SQLite file: open a connection the same way, name
/// the database in its errors, and write in transactions that take the write lock up front.
/// Several stores share one file (`data.dir/mvi.db`), each through a connection of its own.
class SqliteDatabase {
  public:
    /// Opens a connection to `path` (":memory:" for a private in-memory database) through Poco's
    /// SQLite connector: creates the parent folders, waits up to 10 s for another connection's
    /// lock, and uses the WAL journal with synchronous writes, so a committed write survives
    /// `kill -9`. `what` names the database in errors ("state database"). Throws
    /// std::runtime_error naming the database, the path and SQLite's reason (e.g. a file that is
    /// not a database).
    static Poco::Data::Session open(const std::string& what, const std::string& path);

    /// Opens a connection to the in-memory database `name` in SQLite's shared cache: every
    /// connection opened with the same name in this process sees the same tables, until the last
    /// one closes. Errors name the database as `<what> :memory:`.
    static Poco::Data::Session openInMemory(const std::string& what, const std::string& name);

    /// Runs `action`, turning a Poco exception (whose what() carries only its class name) into
    /// an exception whose message is `<what> <path>: cannot <operation>: <SQLite's message>`: a
    /// StorageError when the cause lies in the machine (disk full, read-only, I/O error, busy,
    /// damaged file; see storageCause), a std::runtime_error otherwise. An error
    /// saying the file is damaged is also recorded in DatabaseHealth (so `/~ready` says so).
    template <typename Action>
    static auto guarded(const std::string& what, const std::string& path, const char* operation,
                        Action&& action) -> decltype(action()) {
        try {
            return action();
        } catch (const Poco::Exception& error) {
            noticeDamage(path, error);
            std::string message = what + " " + path + ": cannot " + operation + ": ";
            if (auto cause = storageCause(error)) {
                throw StorageError(*cause, message + StorageError::describe(*cause) + " (" +
                                               error.displayText() + ")");
            }
            throw std::runtime_error(message + error.displayText());
        }
    }

    /// The storage condition a Poco::Data SQLite exception reports (SQLITE_FULL, SQLITE_READONLY,
    /// SQLITE_IOERR, SQLITE_BUSY/LOCKED, SQLITE_CORRUPT/NOTADB, SQLITE_CANTOPEN), or nothing for
    /// any other error (a mistake in a statement, a constraint).
    static std::optional<StorageError::Cause> storageCause(const Poco::Exception& error);

    /// Runs `body` inside a transaction that takes the write lock up front (BEGIN IMMEDIATE), so
    /// that it waits out another connection's write through the busy timeout instead of failing
    /// when a read lock would have to be upgraded. Commits when `body` returns, rolls back when
    /// it throws.
    template <typename Body>
    static void inWriteTransaction(Poco::Data::Session& session, Body&& body) {
        using Poco::Data::Keywords::now;
        session << "BEGIN IMMEDIATE", now;
        try {
            body();
            session << "COMMIT", now;
        } catch (...) {
            try {
                session << "ROLLBACK", now;
            } catch (const Poco::Exception&) {
                // SQLite already ended the transaction; the original error is the one to report.
            }
            throw;
        }
    }

  private:
    /// Opens `target` (a path or an SQLite URI) the way `open` describes; errors name `path`.
    static Poco::Data::Session connect(const std::string& what, const std::string& path,
                                       const std::string& target);

    static void noticeDamage(const std::string& path, const Poco::Exception& error) {
        if (DatabaseHealth::isDamage(error)) {
            DatabaseHealth::reportDamage(path, error.displayText());
        }
    }
};

}  // namespace mvi::host
