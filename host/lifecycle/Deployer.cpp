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

std::shared_ptr<ServiceVersion> Deployer::quarantined(const ServiceId& id,
                                                      const std::string& path) {
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
    auto version = loader_.placeholder(id, artifact);
    version->markQuarantined(entry->reason);
    if (!entry->announced) {
        std::string message = fmt::format(
            "Quarantined: this build took the host's serving process down and is not loaded "
            "again until a different build is deployed or the quarantine is cleared: {}",
            entry->reason);
        version->log(LogLevel::Error, message);
        version->notify(Severity::Critical, message, {}, 0);
        quarantine_.markAnnounced(id);
    }
    logger_.warning(
        fmt::format("{} {}: quarantined, not loaded: {}", id.name, id.version, entry->reason));
    return version;
}

Deployer::UnquarantineResult Deployer::unquarantine(const ServiceId& id) {
    std::string path;
    {
        std::lock_guard lock(lockFor(id.name));
        if (!quarantine_.remove(id)) {
            return UnquarantineResult::NotQuarantined;
        }
        if (auto current = registry_.find(id)) {
            path = current->artifact().sourcePath;
        }
    }
    logger_.information(fmt::format("{} {}: quarantine cleared", id.name, id.version));
    if (!path.empty()) {
        deployFile(id, path);
    }
    return UnquarantineResult::Ok;
}

std::mutex& Deployer::lockFor(const std::string& name) {
    std::lock_guard lock(locksMutex_);
    auto& slot = locks_[name];
    if (!slot) {
        slot = std::make_unique<std::mutex>();
    }
    return *slot;
}

void Deployer::recordMain(const std::string& name) {
    if (startingUp_) {
        return;
    }
    state_.setMain(name, registry_.mainVersion(name));
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
    if (auto held = quarantined(id, path)) {
        return install(id, held, current);
    }
    auto version = loader_.load(id, path);
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
    auto result = registry_.publish(version);
    if (!result.published) {
        logger_.warning(fmt::format("{} {}: the new file failed to load; the serving build stays",
                                    id.name, id.version));
        return current;
    }
    if (version->state() == VersionState::Ready) {
        state_.recordDeployment(id, version->artifact().sha256);
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
    recordMain(id.name);
    return version;
}

Deployer::UploadResult Deployer::deployUpload(const ServiceId& id, const std::string& stagedPath,
                                              const std::string& pluginPath) {
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
    auto version = loader_.load(id, pluginPath);
    if (version->state() != VersionState::Ready) {
        result.outcome = UploadResult::Outcome::Failed;
        result.reason = version->error();
        try {
            Poco::File(pluginPath).remove();
        } catch (const Poco::Exception& error) {
            logger_.error(fmt::format("{} {}: cannot remove {} after its failed upload: {}",
                                      id.name, id.version, pluginPath, error.displayText()));
        }
        logger_.warning(fmt::format("{} {}: upload failed to load, nothing deployed: {}", id.name,
                                    id.version, result.reason));
        return result;
    }
    result.version = install(id, version, nullptr);
    result.outcome = UploadResult::Outcome::Deployed;
    logger_.information(fmt::format("{} {}: deployed from an upload", id.name, id.version));
    return result;
}

bool Deployer::undeploy(const ServiceId& id) {
    std::lock_guard lock(lockFor(id.name));
    return undeployLocked(id);
}

bool Deployer::undeployLocked(const ServiceId& id) {
    auto removed = registry_.remove(id);
    if (!removed) {
        return false;
    }
    if (removed->state() == VersionState::Quarantined) {
        quarantine_.remove(id);
    }
    state_.removeDeployment(id);
    recordMain(id.name);
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
    const std::string& source = version->second->artifact().sourcePath;
    if (!source.empty() &&
        Poco::Path(source).absolute().toString() == Poco::Path(pluginPath).absolute().toString()) {
        Poco::File file(source);
        if (file.exists()) {
            file.remove();
        }
    }
    version->second->log(LogLevel::Info, "killed");
    undeployLocked(id);
    return KillResult::Ok;
}

ServiceRegistry::AssignResult Deployer::assign(const ServiceId& id) {
    std::lock_guard lock(lockFor(id.name));
    auto result = registry_.assign(id);
    if (result == ServiceRegistry::AssignResult::Ok) {
        recordMain(id.name);
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
        recordMain(name);
    }
}

ParameterSet::SetResult Deployer::setParameter(ServiceVersion& version,
                                               const std::string& parameter,
                                               const nlohmann::json& value,
                                               std::vector<ValidationError>* errors) {
    auto result = version.parameters().set(parameter, value, errors);
    if (result == ParameterSet::SetResult::Ok) {
        state_.saveParameter(version.id(), parameter, value);
    }
    return result;
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
