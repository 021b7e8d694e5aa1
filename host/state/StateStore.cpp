#include "state/StateStore.h"

#include "core/IsoTime.h"
#include "state/SqliteDatabase.h"

#include <Poco/Timestamp.h>

#include <cstddef>
#include <stdexcept>
#include <utility>

namespace mvi::host {
namespace {

using namespace Poco::Data::Keywords;

/// How errors name this database.
const std::string kWhat = "state database";

}  // namespace

StateStore::StateStore(std::shared_ptr<Database> database)
    : database_(std::move(database)),
      path_(database_->path()),
      session_(database_->connect(kWhat)) {}

void StateStore::recordDeployment(const ServiceId& id, const std::string& sha256,
                                  const Environment& environment,
                                  const std::optional<MainMark>& main) {
    const std::string text = EnvironmentRules::toJson(environment).dump();
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "record a deployment", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            session_ << "INSERT INTO deployments (name, version, sha256, environment) "
                        "VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (name, version) DO UPDATE SET sha256 = excluded.sha256, "
                        "environment = excluded.environment",
                useRef(id.name), useRef(id.version), useRef(sha256), useRef(text), now;
            if (main) {
                writeMainLocked(id.name, main->version);
            }
        });
    });
}

void StateStore::removeDeployment(const ServiceId& id, const std::optional<MainMark>& main) {
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "remove a deployment", [&] {
        SqliteDatabase::inWriteTransaction(session_, [&] {
            session_ << "DELETE FROM parameters WHERE name = ? AND version = ?", useRef(id.name),
                useRef(id.version), now;
            session_ << "DELETE FROM mains WHERE name = ? AND version = ?", useRef(id.name),
                useRef(id.version), now;
            session_ << "DELETE FROM deployments WHERE name = ? AND version = ?", useRef(id.name),
                useRef(id.version), now;
            if (main) {
                writeMainLocked(id.name, main->version);
            }
        });
    });
}

void StateStore::writeMainLocked(const std::string& name,
                                 const std::optional<std::string>& version) {
    if (version) {
        session_ << "INSERT INTO mains (name, version) VALUES (?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET version = excluded.version",
            useRef(name), useRef(*version), now;
    } else {
        session_ << "DELETE FROM mains WHERE name = ?", useRef(name), now;
    }
}

std::vector<std::pair<ServiceId, std::string>> StateStore::deployments() const {
    std::vector<std::string> names;
    std::vector<std::string> versions;
    std::vector<std::string> hashes;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "list deployments", [&] {
            session_ << "SELECT name, version, sha256 FROM deployments ORDER BY name, version",
                into(names), into(versions), into(hashes), now;
        });
    }
    std::vector<std::pair<ServiceId, std::string>> result;
    result.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        result.emplace_back(ServiceId{names[i], versions[i]}, hashes[i]);
    }
    return result;
}

Environment StateStore::environment(const ServiceId& id) const {
    std::vector<std::string> texts;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read an environment", [&] {
            session_ << "SELECT environment FROM deployments WHERE name = ? AND version = ?",
                useRef(id.name), useRef(id.version), into(texts), now;
        });
    }
    if (texts.empty()) {
        return {};
    }
    try {
        return EnvironmentRules::fromJson(nlohmann::json::parse(texts.front()));
    } catch (const std::exception& e) {
        throw std::runtime_error("state database " + path_ + ": the environment of " + id.str() +
                                 " is not a JSON object of strings: " + e.what());
    }
}

void StateStore::setMain(const std::string& name, const std::optional<std::string>& version) {
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "set the main version",
                            [&] { writeMainLocked(name, version); });
}

std::optional<std::string> StateStore::main(const std::string& name) const {
    std::vector<std::string> versions;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read the main version", [&] {
            session_ << "SELECT version FROM mains WHERE name = ?", useRef(name), into(versions),
                now;
        });
    }
    if (versions.empty()) {
        return std::nullopt;
    }
    return versions.front();
}

void StateStore::saveParameter(const ServiceId& id, const std::string& parameter,
                               const nlohmann::json& value) {
    const std::string text = value.dump();
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "save a parameter value", [&] {
        session_ << "INSERT INTO parameters (name, version, parameter, value) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (name, version, parameter) DO UPDATE SET value = excluded.value",
            useRef(id.name), useRef(id.version), useRef(parameter), useRef(text), now;
    });
}

std::map<std::string, nlohmann::json> StateStore::parameters(const ServiceId& id) const {
    std::vector<std::string> names;
    std::vector<std::string> texts;
    {
        std::lock_guard lock(mutex_);
        SqliteDatabase::guarded(kWhat, path_, "read parameter values", [&] {
            session_ << "SELECT parameter, value FROM parameters WHERE name = ? AND version = ?",
                useRef(id.name), useRef(id.version), into(names), into(texts), now;
        });
    }
    std::map<std::string, nlohmann::json> result;
    for (std::size_t i = 0; i < names.size(); ++i) {
        try {
            result.emplace(names[i], nlohmann::json::parse(texts[i]));
        } catch (const nlohmann::json::parse_error& e) {
            throw std::runtime_error("state database " + path_ + ": value of parameter " +
                                     names[i] + " of " + id.str() + " is not JSON: " + e.what());
        }
    }
    return result;
}

void StateStore::recordProbed(const std::string& key) {
    std::string at = formatIsoTime(Poco::Timestamp());
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "record a probed build", [&] {
        session_ << "INSERT INTO probed_builds (sha256, probed_at) VALUES (?, ?) "
                    "ON CONFLICT (sha256) DO NOTHING",
            useRef(key), useRef(at), now;
    });
}

bool StateStore::probed(const std::string& key) const {
    int count = 0;
    std::lock_guard lock(mutex_);
    SqliteDatabase::guarded(kWhat, path_, "read probed builds", [&] {
        session_ << "SELECT COUNT(*) FROM probed_builds WHERE sha256 = ?", useRef(key), into(count),
            now;
    });
    return count > 0;
}

const std::string& StateStore::path() const {
    return path_;
}

}  // namespace mvi::host
