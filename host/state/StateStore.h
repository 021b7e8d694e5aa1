#pragma once

#include <Poco/Data/Session.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/Environment.h"
#include "core/ServiceId.h"
#include "state/Database.h"

namespace mvi::host {

/// The host's durable state in one SQLite file: which versions are deployed (with the content
/// hash of each plugin file and the environment each was given), which version of each service is
/// main, the parameter values set through the API, and which builds passed a probe (so a restart
/// does not probe them again). Every write is committed before the call returns, so the state
/// survives a crash or `kill -9` of the host. A write the data folder refuses (disk full,
/// read-only, I/O error) throws StorageError and changes nothing.
///
/// Its tables (`deployments`, `mains`, `parameters`, `probed_builds`) belong to the schema of
/// Database, which creates and migrates them.
///
/// Thread-safe: all calls share one connection behind a mutex. Several processes may open the
/// same file; they wait for each other's writes (busy timeout) instead of failing at once.
class StateStore {
  public:
    /// Opens a connection of its own to `database` (not null). Throws std::runtime_error naming
    /// the path and SQLite's message on failure.
    explicit StateStore(std::shared_ptr<Database> database);

    StateStore(const StateStore&) = delete;
    StateStore& operator=(const StateStore&) = delete;

    /// The main mark of a name, written together with a change of one of its deployments.
    struct MainMark {
        /// The name's main version after the change; nothing: the name has none.
        std::optional<std::string> version;
    };

    /// Records that (name, version) is deployed, with the content hash of its file and its
    /// environment (upsert), and `main` as the main mark of the name when given, in one
    /// transaction. Throws StorageError when the data folder refuses the write (nothing is
    /// changed then).
    void recordDeployment(const ServiceId& id, const std::string& sha256,
                          const Environment& environment,
                          const std::optional<MainMark>& main = std::nullopt);

    /// `recordDeployment` with an empty environment.
    void recordDeployment(const ServiceId& id, const std::string& sha256,
                          const std::optional<MainMark>& main = std::nullopt) {
        recordDeployment(id, sha256, Environment{}, main);
    }

    /// The environment recorded with the deployment of `id`; empty when it has none or is not
    /// deployed. Throws std::runtime_error when the recorded text is not an object of strings.
    Environment environment(const ServiceId& id) const;

    /// Forgets a deployment (its environment with it) and every parameter value saved for it;
    /// clears the main mark if it was main, or records `main` when given. All of it is committed
    /// together.
    void removeDeployment(const ServiceId& id, const std::optional<MainMark>& main = std::nullopt);

    /// Deployed versions with their hashes, ordered by name, then version text.
    std::vector<std::pair<ServiceId, std::string>> deployments() const;

    /// Marks `version` as the main one of `name`; std::nullopt clears the mark.
    void setMain(const std::string& name, const std::optional<std::string>& version);

    /// The main version recorded for `name`.
    std::optional<std::string> main(const std::string& name) const;

    /// Saves one parameter value (JSON) for a version (upsert). Throws nlohmann::json's
    /// type_error when a string in `value` is not valid UTF-8.
    void saveParameter(const ServiceId& id, const std::string& parameter,
                       const nlohmann::json& value);

    /// All parameter values saved for a version.
    std::map<std::string, nlohmann::json> parameters(const ServiceId& id) const;

    /// Remembers that the build with probe key `key` (its content hash, with a digest of its
    /// environment when it has one) passed its probe (its constructors and registration ran in a
    /// probe process without harm). Recording it again keeps the first time.
    void recordProbed(const std::string& key);

    /// Whether the build with probe key `key` passed a probe before.
    bool probed(const std::string& key) const;

    /// The database file's path.
    const std::string& path() const;

  private:
    /// Writes the main mark of `name`; call with `mutex_` held.
    void writeMainLocked(const std::string& name, const std::optional<std::string>& version);

    std::shared_ptr<Database> database_;
    std::string path_;
    mutable std::mutex mutex_;
    mutable Poco::Data::Session session_;
};

}  // namespace mvi::host
