#pragma once

#include <Poco/Logger.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/ServiceId.h"
#include "plugin/BuildProbe.h"
#include "plugin/ServiceVersion.h"
#include "plugin/Unloader.h"

namespace mvi::host {

/// Turns a plugin file into a `ServiceVersion`.
///
/// The file is copied to a private cache path unique to its content and to this load (the
/// watched folder may be written carelessly; the cache never is, and a fresh path means the
/// dynamic loader never hands back an already-loaded copy), vetted (its ELF structure complete,
/// no STB_GNU_UNIQUE symbols, and, for a build not seen before, a probe run of its constructors
/// and registration in a throw-away process; see `Vetting`), checked, opened with
/// `RTLD_NOW | RTLD_LOCAL`, its ABI version compared with the host's, and its registration
/// function run. Anything that goes wrong yields a version in the `Failed` state with a reason
/// a person can act on; `load` never throws.
class PluginLoader {
  public:
    /// How a build is checked before it is opened (DESIGN.md §9). Whatever the settings, a
    /// file whose ELF structure is incomplete (cut short, not a 64-bit shared object for this
    /// machine) is refused.
    struct Vetting {
        /// Load a build that has STB_GNU_UNIQUE dynamic symbols, with a Warning notification
        /// and a line in its log, instead of refusing it.
        bool allowUniqueSymbols = false;
        /// Tries each build not probed before in a probe process before opening it; none: no
        /// probe (the probe process's own loader, unit tests).
        BuildProbe* probe = nullptr;
        /// Whether the build with this probe key (see `probeKey`) passed a probe before (it is
        /// not probed again).
        std::function<bool(const std::string& key)> probed;
        /// Remembers that the build with this probe key passed its probe.
        std::function<void(const std::string& key)> recordProbed;
    };

    /// `cacheDir` is emptied and created; `services` are handed to every loaded version; every
    /// build is checked with `vetting` before it is opened; every version is closed by
    /// `unloader` once its last user lets go.
    PluginLoader(std::string cacheDir, HostServices services, Vetting vetting, Unloader& unloader,
                 Poco::Logger& logger);

    /// What load does when the private copy of the build cannot be written (a full disk).
    enum class StorageErrors {
        /// The version is Failed with the reason, like any other failure (a scan of the folder).
        MarkFailed,
        /// The StorageError is thrown and no version is made (an upload, answered 507/503).
        Throw,
    };

    /// Loads `sourcePath` as `id` with an empty environment. The result is Ready or Failed.
    std::shared_ptr<ServiceVersion> load(const ServiceId& id, const std::string& sourcePath,
                                         StorageErrors storageErrors = StorageErrors::MarkFailed);

    /// Loads `sourcePath` as `id`, given `environment` (which its registration may read
    /// already, in the probe process too). The result is Ready or Failed.
    std::shared_ptr<ServiceVersion> load(const ServiceId& id, const std::string& sourcePath,
                                         const Environment& environment,
                                         StorageErrors storageErrors = StorageErrors::MarkFailed);

    /// What the vetting's `probed` and `recordProbed` are given for a build with content hash
    /// `sha256` loaded with `environment`: the hash alone for an empty environment, else the
    /// hash and a digest of the environment, as a registration may behave differently in
    /// another environment.
    static std::string probeKey(const std::string& sha256, const Environment& environment);

    /// A version of `id` that is listed but never loaded (no library), for the deployer to mark
    /// (quarantined, say). Released through the unloader like every version.
    std::shared_ptr<ServiceVersion> placeholder(const ServiceId& id, const Artifact& artifact,
                                                const Environment& environment = {});

    /// Loads that ended Ready so far.
    std::uint64_t loaded() const { return loaded_.load(); }

    /// Loads that ended Failed so far.
    std::uint64_t failed() const { return failed_.load(); }

  private:
    /// Copies `sourcePath` into the cache, hashing it on the way. Throws on I/O errors.
    Artifact stage(const ServiceId& id, const std::string& sourcePath);

    /// Checks the staged copy of a build before it is opened; throws std::runtime_error with
    /// the reason when it is refused.
    void vet(ServiceVersion& version);

    /// Opens, checks and registers; throws std::runtime_error with the reason on failure.
    void open(ServiceVersion& version);

    std::string cacheDir_;
    HostServices services_;
    Unloader& unloader_;
    Poco::Logger& logger_;
    std::atomic<unsigned long long> loads_{0};
    Vetting vetting_;
    std::atomic<std::uint64_t> loaded_{0};
    std::atomic<std::uint64_t> failed_{0};
};

}  // namespace mvi::host
