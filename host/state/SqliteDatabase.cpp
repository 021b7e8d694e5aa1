#include "state/SqliteDatabase.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>

#include <filesystem>

namespace mvi::host {
namespace {

constexpr std::size_t kBusyTimeoutSeconds = 10;

}  // namespace

std::optional<StorageError::Cause> SqliteDatabase::storageCause(const Poco::Exception& error) {
    namespace sqlite = Poco::Data::SQLite;
    if (dynamic_cast<const sqlite::DatabaseFullException*>(&error) != nullptr) {
        return StorageError::Cause::Full;
    }
    if (dynamic_cast<const sqlite::ReadOnlyException*>(&error) != nullptr) {
        return StorageError::Cause::ReadOnly;
    }
    if (dynamic_cast<const sqlite::IOErrorException*>(&error) != nullptr) {
        return StorageError::Cause::IoError;
    }
    if (dynamic_cast<const sqlite::DBLockedException*>(&error) != nullptr ||
        dynamic_cast<const sqlite::TableLockedException*>(&error) != nullptr) {
        return StorageError::Cause::Busy;
    }
    if (dynamic_cast<const sqlite::CorruptImageException*>(&error) != nullptr) {
        return StorageError::Cause::Damaged;
    }
    if (dynamic_cast<const sqlite::CantOpenDBFileException*>(&error) != nullptr) {
        return StorageError::Cause::CannotOpen;
    }
    return std::nullopt;
}

Poco::Data::Session SqliteDatabase::open(const std::string& what, const std::string& path) {
    const bool inMemory = path == ":memory:";
    if (!inMemory) {
        try {
            const std::filesystem::path parent = std::filesystem::path(path).parent_path();
            if (!parent.empty()) {
                std::filesystem::create_directories(parent);
            }
        } catch (const std::filesystem::filesystem_error& error) {
            throw std::runtime_error(what + " " + path +
                                     ": cannot create its folder: " + error.code().message());
        }
    }
    return connect(what, path, path);
}

Poco::Data::Session SqliteDatabase::openInMemory(const std::string& what, const std::string& name) {
    return connect(what, ":memory:", "file:" + name + "?mode=memory&cache=shared");
}

Poco::Data::Session SqliteDatabase::connect(const std::string& what, const std::string& path,
                                            const std::string& target) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    static const bool registered = [] {
        Poco::Data::SQLite::Connector::registerConnector();
        return true;
    }();
    static_cast<void>(registered);
    return guarded(what, path, "open", [&] {
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, target);
        session.setConnectionTimeout(kBusyTimeoutSeconds);
        // The first statement that reads the file: this is where a file that is not a database
        // is refused.
        std::string journalMode;
        session << "PRAGMA journal_mode = WAL", into(journalMode), now;
        session << "PRAGMA synchronous = FULL", now;
        return session;
    });
}

}  // namespace mvi::host
