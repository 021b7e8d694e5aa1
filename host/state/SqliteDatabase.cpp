#include "state/SqliteDatabase.h"

#include <Poco/Data/SQLite/Connector.h>

#include <filesystem>

namespace mvi::host {
namespace {

constexpr std::size_t kBusyTimeoutSeconds = 10;

}  // namespace

Poco::Data::Session SqliteDatabase::open(const std::string& what, const std::string& path) {
    using Poco::Data::Keywords::into;
    using Poco::Data::Keywords::now;
    static const bool registered = [] {
        Poco::Data::SQLite::Connector::registerConnector();
        return true;
    }();
    static_cast<void>(registered);
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
    return guarded(what, path, "open", [&] {
        Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, path);
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
