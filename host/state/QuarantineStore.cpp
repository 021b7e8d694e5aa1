#include "state/QuarantineStore.h"

#include <Poco/Timestamp.h>

#include <Poco/Data/Statement.h>

#include <utility>

#include "core/IsoTime.h"
#include "state/SqliteDatabase.h"

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

const std::string kWhat = "state database";

}  // namespace

QuarantineStore::QuarantineStore(std::shared_ptr<Database> database)
    : database_(std::move(database)),
      path_(database_->path()),
      session_(database_->connect(kWhat)) {}

void QuarantineStore::add(const ServiceId& id, const std::string& sha256,
                          const std::string& reason) {
    std::string at = formatIsoTime(Poco::Timestamp());
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "quarantine a build", [&] {
        session_ << "INSERT INTO quarantine (name, version, sha256, reason, at, announced) "
                    "VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (name, version) DO UPDATE SET "
                    "sha256 = excluded.sha256, reason = excluded.reason, at = excluded.at, "
                    "announced = 0",
            useRef(id.name), useRef(id.version), useRef(sha256), useRef(reason), useRef(at), now;
    });
}

std::optional<QuarantineStore::Entry> QuarantineStore::find(const ServiceId& id) const {
    for (Entry& entry : list()) {
        if (entry.id == id) {
            return std::move(entry);
        }
    }
    return std::nullopt;
}

std::vector<QuarantineStore::Entry> QuarantineStore::list() const {
    std::vector<std::string> names;
    std::vector<std::string> versions;
    std::vector<std::string> hashes;
    std::vector<std::string> reasons;
    std::vector<std::string> times;
    std::vector<int> announced;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read the quarantine", [&] {
            session_ << "SELECT name, version, sha256, reason, at, announced FROM quarantine "
                        "ORDER BY name, version",
                into(names), into(versions), into(hashes), into(reasons), into(times),
                into(announced), now;
        });
    }
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < names.size(); ++i) {
        entries.push_back(Entry{ServiceId{names[i], versions[i]}, hashes[i], reasons[i], times[i],
                                announced[i] != 0});
    }
    return entries;
}

bool QuarantineStore::remove(const ServiceId& id) {
    std::lock_guard lock(mutex_);
    std::size_t removed = 0;
    SqliteDatabase::guarded(kWhat, path_, "clear a quarantine", [&] {
        Poco::Data::Statement statement(session_);
        statement << "DELETE FROM quarantine WHERE name = ? AND version = ?", useRef(id.name),
            useRef(id.version);
        removed = statement.execute();
    });
    return removed > 0;
}

void QuarantineStore::markAnnounced(const ServiceId& id) {
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "mark a quarantine announced", [&] {
        session_ << "UPDATE quarantine SET announced = 1 WHERE name = ? AND version = ?",
            useRef(id.name), useRef(id.version), now;
    });
}

}  // namespace mvi::host
