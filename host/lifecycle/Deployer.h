#pragma once

#include <Poco/Logger.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/ServiceId.h"
#include "lifecycle/DeployQueue.h"
#include "plugin/PluginLoader.h"
#include "plugin/ServiceRegistry.h"
#include "state/QuarantineStore.h"
#include "state/StateStore.h"

namespace mvi::host {

/// Every lifecycle operation on a version: deploy a file, undeploy, assign main, set a
/// parameter durably, and bring the table in line with the plugins folder.
///
/// Operations on one service name run one at a time (a lock per name); operations on different
/// names run side by side, and none of them blocks requests, which only read the registry's
/// snapshots. Each operation records its outcome in the state store, so a restart (even after
/// `kill -9`) brings back the same versions, the same mains and the same parameter values.
///
/// All or nothing: every change is written to the state store first and applied in memory only
/// once that write is committed. When the data folder refuses it (disk full, read-only, I/O
/// error) the operation throws StorageError and nothing has changed, in memory or on disk.
class Deployer {
  public:
    Deployer(ServiceRegistry& registry, PluginLoader& loader, StateStore& state,
             QuarantineStore& quarantine, Poco::Logger& logger);

    /// Loads `path` as `id` and puts it in place (replacing the build serving `id`, if any, which
    /// then drains). A file whose content equals the build already serving `id` is left alone.
    /// A file that fails to load leaves a ready build of `id` serving, with the failure shown as
    /// its reload error. Parameter values saved for `id` are applied to the new build. The new
    /// build keeps the environment of the build it replaces; a version not loaded yet gets the
    /// environment recorded for it (none for a file that was never uploaded).
    std::shared_ptr<ServiceVersion> deployFile(const ServiceId& id, const std::string& path);

    /// Outcome of `unquarantine`.
    enum class UnquarantineResult { Ok, NotQuarantined };

    /// Ends the quarantine of `id` and loads its file again (the build is trusted once more; if
    /// it takes the serving process down again it is quarantined again).
    UnquarantineResult unquarantine(const ServiceId& id);

    /// Takes `id` out of service (it drains, then unloads) and forgets its saved state. Returns
    /// false when `id` is not deployed.
    bool undeploy(const ServiceId& id);

    /// Outcome of `deployUpload`.
    struct UploadResult {
        /// What happened.
        enum class Outcome {
            /// The version loaded and serves (as main or as a shadow).
            Deployed,
            /// `id` is deployed already (ready or failed) or its file is in the plugins folder;
            /// nothing changed.
            AlreadyDeployed,
            /// The file could not be loaded; it was removed and nothing changed.
            Failed,
        };
        Outcome outcome = Outcome::Failed;
        /// The version now serving (Deployed).
        std::shared_ptr<ServiceVersion> version;
        /// Why the load failed (Failed).
        std::string reason;
    };

    /// Deploys a new version from an uploaded file: renames `stagedPath` to `pluginPath` (in the
    /// same folder, so the file appears whole), loads it with `environment` (its registration
    /// may read it) and puts it in place, the environment recorded with the deployment before
    /// the version serves. Refuses, leaving `stagedPath` alone, when `id` is deployed or
    /// `pluginPath` exists. When the load fails, `pluginPath` is removed and the failed version
    /// is not listed, so nothing changes.
    UploadResult deployUpload(const ServiceId& id, const std::string& stagedPath,
                              const std::string& pluginPath, const Environment& environment = {});

    /// Outcome of `kill`.
    enum class KillResult { Ok, UnknownService, UnknownVersion, MainWithShadows };

    /// Undeploys `id` (it drains, then unloads) and deletes its file when it was loaded from
    /// `pluginPath`. Refuses the main version of a name that has other versions.
    KillResult kill(const ServiceId& id, const std::string& pluginPath);

    /// Makes `id` main and records it.
    ServiceRegistry::AssignResult assign(const ServiceId& id);

    /// Ends start-up: restores the recorded main of every loaded name. Until then, deploying
    /// leaves the recorded mains alone (and makes a version main as soon as it loads when it
    /// is the recorded main of its name), so the first scan cannot overwrite them.
    void restoreMains();

    /// Saves a parameter value of `version`, then applies it. Returns the ParameterSet result;
    /// throws StorageError (the value is not applied) when the state store refuses it.
    ParameterSet::SetResult setParameter(ServiceVersion& version, const std::string& parameter,
                                         const nlohmann::json& value,
                                         std::vector<ValidationError>* errors = nullptr);

    /// Brings the table in line with `directory`: loads new and changed files (those of
    /// different names side by side, see DeployQueue), undeploys versions whose file (in that
    /// folder) is gone. Returns once all of it is done.
    void syncFolder(const std::string& directory);

    /// Queues the work for a plugin file that appeared or changed (`present`) or went away at
    /// `path`: deploying it, or undeploying the version loaded from that very file. Returns at
    /// once; the work of one name is done in the order it was queued.
    void fileChanged(const ServiceId& id, const std::string& path, bool present);

    /// Drops queued file work and waits for the work that runs. For stopping.
    void stopQueue() { queue_.stop(); }

    /// Builds that replaced the serving build of the same version so far (hot swaps).
    std::uint64_t swaps() const { return swaps_.load(); }

    /// Whether start-up (the first scan of the plugins folder and `restoreMains`) is over.
    bool startedUp() const { return !startingUp_.load(); }

  private:
    std::mutex& lockFor(const std::string& name);
    /// Puts a loaded version in place; call with the name's lock held.
    std::shared_ptr<ServiceVersion> install(const ServiceId& id,
                                            std::shared_ptr<ServiceVersion> version,
                                            const std::shared_ptr<ServiceVersion>& current);
    /// `undeploy` with the name's lock held.
    bool undeployLocked(const ServiceId& id);
    /// The main mark to record with a change whose route becomes `next`; nothing during
    /// start-up, when the recorded mains are left alone.
    std::optional<StateStore::MainMark> mainMark(const ServiceRegistry::Route* next) const;
    /// Removes the file at `path`, if any; a failure is logged.
    void removeQuietly(const ServiceId& id, const std::string& path);
    /// Quarantines a build again after an unquarantine failed to put it in place.
    void restoreQuarantine(const QuarantineStore::Entry& entry);
    /// When build `path` of `id` is quarantined, a Quarantined version for it (announced once
    /// with a Critical notification and a log line); null when it is not. A different build of
    /// `id` ends the quarantine.
    std::shared_ptr<ServiceVersion> quarantined(const ServiceId& id, const std::string& path,
                                                const Environment& environment);

    ServiceRegistry& registry_;
    PluginLoader& loader_;
    StateStore& state_;
    QuarantineStore& quarantine_;
    Poco::Logger& logger_;
    std::atomic<bool> startingUp_{true};
    std::atomic<std::uint64_t> swaps_{0};
    std::mutex locksMutex_;
    std::map<std::string, std::unique_ptr<std::mutex>> locks_;
    /// Last, so its threads end before anything they use goes.
    DeployQueue queue_;
};

}  // namespace mvi::host
