#include "lifecycle/Deployer.h"

#include <Poco/DigestEngine.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SHA2Engine.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <vector>

#include "state/StorageError.h"

namespace mvi::host {
namespace {

/// Hex SHA-256 of the file at `path`; empty when it cannot be read.
std::string contentHash(const std::string& path) {
    try {
        std::ifstream input(path, std::ios::binary);
        if (!input) {
            return "";
        }
        Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
        std::array<char, 1 << 16> block;
        while (input) {
            input.read(block.data(), block.size());
            if (input.gcount() <= 0) {
                break;
            }
            engine.update(block.data(), static_cast<unsigned>(input.gcount()));
        }
        return input.bad() ? "" : Poco::DigestEngine::digestToHex(engine.digest());
    } catch (const Poco::Exception&) {
        return "";
    }
}

/// Whether the file at `path` holds exactly the build `artifact` was loaded from.
bool hasContent(const std::string& path, const Artifact& artifact) {
    try {
        if (Poco::File(path).getSize() != artifact.bytes) {
            return false;
        }
    } catch (const Poco::Exception&) {
        return false;
    }
    return contentHash(path) == artifact.sha256;
}

}  // namespace

Deployer::Deployer(ServiceRegistry& registry, PluginLoader& loader, StateStore& state,
                   QuarantineStore& quarantine, Poco::Logger& logger)
    : registry_(registry),
      loader_(loader),
      state_(state),
      quarantine_(quarantine),
      logger_(logger) {}

std::shared_ptr<ServiceVersion> Deployer::quarantined(const ServiceId& id, const std::string& path,
                                                      const Environment& environment) {
    std::optional<QuarantineStore::Entry> entry;
    try {
        entry = quarantine_.find(id);
    } catch (const std::exception& error) {
        logger_.error(fmt::format("{} {}: cannot read the quarantine: {}", id.name, id.version,
                                  error.what()));
    }
    if (!entry) {
        return nullptr;
    }
    std::string sha256 = contentHash(path);
    if (sha256 != entry->sha256) {
        quarantine_.remove(id);
        logger_.information(
            fmt::format("{} {}: a different build ends its quarantine", id.name, id.version));
        return nullptr;
    }
    Artifact artifact;
    artifact.sourcePath = path;
    artifact.sha256 = sha256;
    auto version = loader_.placeholder(id, artifact, environment);
    version->markQuarantined(entry->reason);
    if (!entry->announced) {
        std::string message = fmt::format(
            "Quarantined: this build took the host's serving process down and is not loaded "
            "again until a different build is deployed or the quarantine is cleared: {}",
            entry->reason);
        version->log(LogLevel::Error, message);
        try {
            version->notify(Severity::Critical, message, {}, 0);
            quarantine_.markAnnounced(id);
        } catch (const StorageError& error) {
            // Held all the same; announced at the next load once the data folder takes writes.
            logger_.error(fmt::format("{} {}: cannot announce its quarantine: {}", id.name,
                                      id.version, error.what()));
        }
    }
    logger_.warning(
        fmt::format("{} {}: quarantined, not loaded: {}", id.name, id.version, entry->reason));
    return version;
}

Deployer::UnquarantineResult Deployer::unquarantine(const ServiceId& id) {
    std::string path;
    std::optional<QuarantineStore::Entry> entry;
    {
        std::lock_guard lock(lockFor(id.name));
        entry = quarantine_.find(id);
        if (!entry || !quarantine_.remove(id)) {
            return UnquarantineResult::NotQuarantined;
        }
        if (auto current = registry_.find(id)) {
            path = current->artifact().sourcePath;
        }
    }
    logger_.information(fmt::format("{} {}: quarantine cleared", id.name, id.version));
    if (!path.empty()) {
        try {
            deployFile(id, path);
        } catch (const StorageError&) {
            // The build could not be put in place: it stays quarantined, in memory and on disk.
            restoreQuarantine(*entry);
            throw;
        }
    }
    return UnquarantineResult::Ok;
}

void Deployer::restoreQuarantine(const QuarantineStore::Entry& entry) {
    try {
        quarantine_.add(entry.id, entry.sha256, entry.reason);
        if (entry.announced) {
            quarantine_.markAnnounced(entry.id);
        }
    } catch (const std::exception& error) {
        logger_.error(
            fmt::format("{} {}: cannot quarantine the build again after a failed "
                        "unquarantine; it is loaded at the next start: {}",
                        entry.id.name, entry.id.version, error.what()));
    }
}

void Deployer::removeQuietly(const ServiceId& id, const std::string& path) {
    try {
        Poco::File file(path);
        if (file.exists()) {
            file.remove();
        }
    } catch (const Poco::Exception& error) {
        logger_.error(fmt::format("{} {}: cannot remove {}: {}", id.name, id.version, path,
                                  error.displayText()));
    }
}

std::mutex& Deployer::lockFor(const std::string& name) {
    std::lock_guard lock(locksMutex_);
    auto& slot = locks_[name];
    if (!slot) {
        slot = std::make_unique<std::mutex>();
    }
    return *slot;
}

std::optional<StateStore::MainMark> Deployer::mainMark(const ServiceRegistry::Route* next) const {
    if (startingUp_) {
        return std::nullopt;
    }
    if (next == nullptr || !next->main) {
        return StateStore::MainMark{};
    }
    return StateStore::MainMark{next->main->id().version};
}

std::shared_ptr<ServiceVersion> Deployer::deployFile(const ServiceId& id, const std::string& path) {
    std::lock_guard lock(lockFor(id.name));
    auto current = registry_.find(id);
    if (!Poco::File(path).exists()) {
        // Removed (or an upload that failed to load) before its turn came: its removal is
        // handled on its own.
        logger_.information(
            fmt::format("{} {}: {} is gone before it could be loaded", id.name, id.version, path));
        return current;
    }
    if (current && current->state() == VersionState::Ready &&
        hasContent(path, current->artifact())) {
        logger_.information(fmt::format("{} {}: {} is unchanged, the serving build stays", id.name,
                                        id.version, path));
        return current;
    }
    // A changed file of a deployed version keeps the version's environment; a new file gets the
    // one recorded for it (at start-up), which is none for a file dropped into the folder.
    const Environment environment = current ? current->environment() : state_.environment(id);
    if (auto held = quarantined(id, path, environment)) {
        return install(id, held, current);
    }
    auto version = loader_.load(id, path, environment);
    if (current && current->state() == VersionState::Ready &&
        version->state() == VersionState::Ready &&
        current->artifact().sha256 == version->artifact().sha256) {
        logger_.information(fmt::format("{} {}: {} is unchanged, the serving build stays", id.name,
                                        id.version, path));
        return current;
    }
    return install(id, version, current);
}

std::shared_ptr<ServiceVersion> Deployer::install(const ServiceId& id,
                                                  std::shared_ptr<ServiceVersion> version,
                                                  const std::shared_ptr<ServiceVersion>& current) {
    if (version->state() == VersionState::Ready) {
        for (const auto& [parameter, value] : state_.parameters(id)) {
            if (version->parameters().set(parameter, value) != ParameterSet::SetResult::Ok) {
                version->log(LogLevel::Warning,
                             fmt::format("saved value {} of parameter {} does not fit this build; "
                                         "it keeps its initial value",
                                         limits::shorten(value.dump()), parameter));
            }
        }
    }
    // Written first: the table changes only once the state database holds the change.
    auto commit = [&](const ServiceRegistry::Route* next) {
        std::optional<StateStore::MainMark> main = mainMark(next);
        if (version->state() == VersionState::Ready) {
            state_.recordDeployment(id, version->artifact().sha256, version->environment(), main);
        } else if (main) {
            state_.setMain(id.name, main->version);
        }
    };
    auto result = registry_.publish(version, commit);
    if (!result.published) {
        logger_.warning(fmt::format("{} {}: the new file failed to load; the serving build stays",
                                    id.name, id.version));
        return current;
    }
    if (version->state() == VersionState::Ready) {
        if (result.replaced) {
            ++swaps_;
            version->log(LogLevel::Info,
                         fmt::format("swapped in build sha256 {} (replacing {})",
                                     version->artifact().sha256.substr(0, 12),
                                     result.replaced->artifact().sha256.substr(0, 12)));
        }
    }
    if (startingUp_ && state_.main(id.name) == id.version) {
        if (version->state() == VersionState::Ready) {
            registry_.assign(id);
        } else if (version->state() == VersionState::Quarantined) {
            // The name keeps pointing at it, so calls by name say why they cannot be served.
            registry_.holdMain(id);
        }
    }
    return version;
}

Deployer::UploadResult Deployer::deployUpload(const ServiceId& id, const std::string& stagedPath,
                                              const std::string& pluginPath,
                                              const Environment& environment) {
    std::lock_guard lock(lockFor(id.name));
    UploadResult result;
    if (registry_.find(id) || Poco::File(pluginPath).exists()) {
        result.outcome = UploadResult::Outcome::AlreadyDeployed;
        return result;
    }
    try {
        Poco::File(stagedPath).renameTo(pluginPath, Poco::File::OPT_FAIL_ON_OVERWRITE);
    } catch (const Poco::FileExistsException&) {
        result.outcome = UploadResult::Outcome::AlreadyDeployed;
        return result;
    }
    std::shared_ptr<ServiceVersion> version;
    try {
        version = loader_.load(id, pluginPath, environment, PluginLoader::StorageErrors::Throw);
    } catch (const StorageError&) {
        removeQuietly(id, pluginPath);
        throw;
    }
    if (version->state() != VersionState::Ready) {
        result.outcome = UploadResult::Outcome::Failed;
        result.reason = version->error();
        removeQuietly(id, pluginPath);
        logger_.warning(fmt::format("{} {}: upload failed to load, nothing deployed: {}", id.name,
                                    id.version, result.reason));
        return result;
    }
    try {
        result.version = install(id, version, nullptr);
    } catch (...) {
        // Not recorded, so not deployed: its file must not be loaded by a later scan or start.
        removeQuietly(id, pluginPath);
        throw;
    }
    result.outcome = UploadResult::Outcome::Deployed;
    logger_.information(fmt::format("{} {}: deployed from an upload", id.name, id.version));
    return result;
}

bool Deployer::undeploy(const ServiceId& id) {
    std::lock_guard lock(lockFor(id.name));
    return undeployLocked(id);
}

bool Deployer::undeployLocked(const ServiceId& id) {
    // Written first: the table changes only once the state database holds the change.
    auto removed = registry_.remove(id, [&](const ServiceRegistry::Route* next) {
        state_.removeDeployment(id, mainMark(next));
    });
    if (!removed) {
        return false;
    }
    if (removed->state() == VersionState::Quarantined) {
        try {
            quarantine_.remove(id);
        } catch (const std::exception& error) {
            // Harmless: a quarantine ends when a different build of the version is deployed.
            logger_.error(
                fmt::format("{} {}: cannot end the quarantine of the undeployed build: {}", id.name,
                            id.version, error.what()));
        }
    }
    logger_.information(fmt::format("{} {}: undeployed", id.name, id.version));
    return true;
}

Deployer::KillResult Deployer::kill(const ServiceId& id, const std::string& pluginPath) {
    std::lock_guard lock(lockFor(id.name));
    auto table = registry_.snapshot();
    auto route = table->find(id.name);
    if (route == table->end()) {
        return KillResult::UnknownService;
    }
    auto version = route->second.versions.find(id.version);
    if (version == route->second.versions.end()) {
        return KillResult::UnknownVersion;
    }
    if (route->second.main == version->second && route->second.versions.size() > 1) {
        return KillResult::MainWithShadows;
    }
    std::shared_ptr<ServiceVersion> killed = version->second;
    // Undeployed first (recorded, then taken out of the table): when the state database refuses
    // the change, nothing changes, the file included.
    undeployLocked(id);
    killed->log(LogLevel::Info, "killed");
    const std::string& source = killed->artifact().sourcePath;
    if (!source.empty() &&
        Poco::Path(source).absolute().toString() == Poco::Path(pluginPath).absolute().toString()) {
        removeQuietly(id, source);
    }
    return KillResult::Ok;
}

ServiceRegistry::AssignResult Deployer::assign(const ServiceId& id) {
    std::lock_guard lock(lockFor(id.name));
    // Written first: the table changes only once the state database holds the change.
    auto result = registry_.assign(id, [&](const ServiceRegistry::Route* next) {
        if (auto main = mainMark(next)) {
            state_.setMain(id.name, main->version);
        }
    });
    if (result == ServiceRegistry::AssignResult::Ok) {
        if (auto version = registry_.find(id)) {
            version->log(LogLevel::Info, "assigned as main version");
        }
    }
    return result;
}

void Deployer::restoreMains() {
    startingUp_ = false;
    auto table = registry_.snapshot();
    for (const auto& [name, route] : *table) {
        std::lock_guard lock(lockFor(name));
        auto recorded = state_.main(name);
        if (recorded && route.main && route.main->id().version == *recorded) {
            continue;
        }
        if (recorded && route.versions.count(*recorded) != 0 &&
            registry_.assign(ServiceId{name, *recorded}) == ServiceRegistry::AssignResult::Ok) {
            continue;
        }
        state_.setMain(name, registry_.mainVersion(name));
    }
}

ParameterSet::SetResult Deployer::setParameter(ServiceVersion& version,
                                               const std::string& parameter,
                                               const nlohmann::json& value,
                                               std::vector<ValidationError>* errors) {
    // One change at a time per name, so the saved value and the applied one are the same.
    std::lock_guard lock(lockFor(version.id().name));
    auto result = version.parameters().check(parameter, value, errors);
    if (result != ParameterSet::SetResult::Ok) {
        return result;
    }
    // Saved first: a value the state database refuses is not applied.
    state_.saveParameter(version.id(), parameter, value);
    return version.parameters().set(parameter, value, errors);
}

void Deployer::syncFolder(const std::string& directory) {
    std::set<std::string> present;
    std::vector<std::pair<ServiceId, std::string>> files;
    for (Poco::DirectoryIterator it(directory), end; it != end; ++it) {
        if (it.name().empty() || it.name().front() == '.' || !it->isFile()) {
            continue;
        }
        if (auto id = parsePluginFileName(it.name())) {
            present.insert(it->path());
            files.emplace_back(*id, it->path());
        } else {
            logger_.warning(
                fmt::format("ignoring {}: plugin files are named "
                            "<name>_<version>.so (e.g. hello_1.0.0.so; a name of at most {} bytes)",
                            it->path(), limits::kMaxNameBytes));
        }
    }
    // Lowest versions first, so that under the "first" policy the first version is main.
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        return a.first.name != b.first.name ? a.first.name < b.first.name
                                            : compareVersions(a.first.version, b.first.version) < 0;
    });
    for (const auto& [id, path] : files) {
        queue_.post(id.name, [this, id = id, path = path] { deployFile(id, path); });
    }
    queue_.waitUntilIdle();
    std::string prefix = Poco::Path(directory).makeDirectory().toString();
    std::vector<ServiceId> gone;
    for (const auto& [name, route] : *registry_.snapshot()) {
        for (const auto& [version, candidate] : route.versions) {
            const std::string& source = candidate->artifact().sourcePath;
            if (source.rfind(prefix, 0) == 0 && present.count(source) == 0) {
                gone.push_back(candidate->id());
            }
        }
    }
    for (const ServiceId& id : gone) {
        undeploy(id);
    }
}

void Deployer::fileChanged(const ServiceId& id, const std::string& path, bool present) {
    queue_.post(id.name, [this, id, path, present] {
        if (present) {
            deployFile(id, path);
            return;
        }
        // Only a version that was loaded from this very file is undeployed with it.
        auto current = registry_.find(id);
        if (current && current->artifact().sourcePath == path) {
            undeploy(id);
        }
    });
}

}  // namespace mvi::host
