#include "plugin/PluginLoader.h"

#include <Poco/DigestEngine.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Process.h>
#include <Poco/SHA2Engine.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>
#include <mvi/registration.hpp>

#include <link.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "fault/PhaseTable.h"
#include "plugin/ElfCheck.h"
#include "plugin/HostApi.h"
#include "plugin/PluginThreads.h"
#include "state/StorageError.h"

namespace mvi::host {
namespace {

/// A load given up because the host is stopping: nothing is wrong with the build.
class HostStopping : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// UNIQUE symbols named in a reason; the rest are counted.
constexpr std::size_t kNamedSymbols = 3;

/// "3 STB_GNU_UNIQUE symbols (a, b, c, ...)".
std::string describeUnique(const std::vector<std::string>& names) {
    std::string listed;
    for (std::size_t i = 0; i < names.size() && i < kNamedSymbols; ++i) {
        listed += (i == 0 ? "" : ", ") + names[i];
    }
    if (names.size() > kNamedSymbols) {
        listed += ", ...";
    }
    return fmt::format("{} STB_GNU_UNIQUE symbol{} ({})", names.size(),
                       names.size() == 1 ? "" : "s", listed);
}

/// Records where the library opened from `path` is mapped, so a crash's backtrace frames inside
/// it can be named and the threads its code starts are counted against it.
void recordMapping(std::uint32_t phaseIndex, const std::string& path,
                   const std::shared_ptr<PluginThreads::Library>& threads) {
    struct Search {
        const std::string* path;
        std::uint64_t base = 0;
        std::uint64_t size = 0;
    } search{&path};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            auto* wanted = static_cast<Search*>(data);
            if (info->dlpi_name == nullptr || *wanted->path != info->dlpi_name) {
                return 0;
            }
            std::uint64_t end = 0;
            for (int i = 0; i < info->dlpi_phnum; ++i) {
                const auto& header = info->dlpi_phdr[i];
                if (header.p_type == PT_LOAD) {
                    end = std::max<std::uint64_t>(end, header.p_vaddr + header.p_memsz);
                }
            }
            wanted->base = info->dlpi_addr;
            wanted->size = end;
            return 1;
        },
        &search);
    fault::PhaseTable::instance().setLibrary(phaseIndex, path, search.base, search.size);
    PluginThreads::instance().setMapping(threads, search.base, search.base + search.size);
}

}  // namespace

PluginLoader::PluginLoader(std::string cacheDir, HostServices services, Vetting vetting,
                           Unloader& unloader, Poco::Logger& logger)
    : cacheDir_(std::move(cacheDir)),
      services_(services),
      unloader_(unloader),
      logger_(logger),
      vetting_(std::move(vetting)) {
    Poco::File cache(cacheDir_);
    if (cache.exists()) {
        cache.remove(true);
    }
    cache.createDirectories();
}

std::string PluginLoader::probeKey(const std::string& sha256, const Environment& environment) {
    if (environment.empty()) {
        return sha256;
    }
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(EnvironmentRules::toJson(environment).dump());
    return sha256 + "+env:" + Poco::DigestEngine::digestToHex(engine.digest());
}

std::shared_ptr<ServiceVersion> PluginLoader::load(const ServiceId& id,
                                                   const std::string& sourcePath,
                                                   StorageErrors storageErrors) {
    return load(id, sourcePath, Environment{}, storageErrors);
}

std::shared_ptr<ServiceVersion> PluginLoader::load(const ServiceId& id,
                                                   const std::string& sourcePath,
                                                   const Environment& environment,
                                                   StorageErrors storageErrors) {
    Artifact artifact;
    artifact.sourcePath = sourcePath;
    std::shared_ptr<ServiceVersion> version;
    try {
        artifact = stage(id, sourcePath);
        version = unloader_.manage(
            std::make_unique<ServiceVersion>(id, artifact, services_, environment));
        vet(*version);
        open(*version);
        version->markReady();
        ++loaded_;
        logger_.information(fmt::format("loaded {} {} from {} (sha256 {})", id.name, id.version,
                                        sourcePath, artifact.sha256.substr(0, 12)));
        version->log(LogLevel::Info, fmt::format("loaded from {} (sha256 {})", sourcePath,
                                                 artifact.sha256.substr(0, 12)));
    } catch (const std::exception& error) {
        if (!version && storageErrors == StorageErrors::Throw &&
            dynamic_cast<const StorageError*>(&error) != nullptr) {
            throw;  // The build was not even copied: no version, no notification.
        }
        if (!version) {
            version = unloader_.manage(
                std::make_unique<ServiceVersion>(id, artifact, services_, environment));
        }
        // The reason may quote what the plugin declared or said: it is kept and shown bounded.
        std::string reason = limits::shorten(error.what(), limits::kMaxReasonBytes);
        version->markFailed(reason);
        ++failed_;
        if (!artifact.cachePath.empty()) {
            Poco::File staged(artifact.cachePath);
            if (staged.exists()) {
                staged.remove();
            }
        }
        if (dynamic_cast<const HostStopping*>(&error) != nullptr) {
            // Not the build's fault: no notification outlives the stop.
            logger_.information(fmt::format("not loading {} {} from {}: {}", id.name, id.version,
                                            sourcePath, reason));
            version->log(LogLevel::Info, "not loaded: " + reason);
            return version;
        }
        logger_.error(fmt::format("failed to load {} {} from {}: {}", id.name, id.version,
                                  sourcePath, reason));
        version->log(LogLevel::Error, "failed to load: " + reason);
        services_.notifications.raise(id, Severity::Critical, "Failed to load: " + reason);
    }
    return version;
}

std::shared_ptr<ServiceVersion> PluginLoader::placeholder(const ServiceId& id,
                                                          const Artifact& artifact,
                                                          const Environment& environment) {
    return unloader_.manage(std::make_unique<ServiceVersion>(id, artifact, services_, environment));
}

Artifact PluginLoader::stage(const ServiceId& id, const std::string& sourcePath) {
    std::ifstream input(sourcePath, std::ios::binary);
    if (!input) {
        throw std::runtime_error("cannot read " + sourcePath + ": " + std::strerror(errno));
    }
    Artifact artifact;
    artifact.sourcePath = sourcePath;
    std::string temporary =
        Poco::Path(cacheDir_, fmt::format(".{}.{}.part", id.str(), ++loads_)).toString();
    // A copy cut short (a full disk) is not left behind.
    struct RemoveUnlessRenamed {
        const std::string& path;
        ~RemoveUnlessRenamed() { std::remove(path.c_str()); }
    } cleanup{temporary};
    {
        std::ofstream output(temporary, std::ios::binary | std::ios::trunc);
        if (!output) {
            StorageError::throwForErrno(errno, "cannot write the plugin cache " + temporary);
        }
        Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
        std::array<char, 1 << 16> block;
        while (input) {
            input.read(block.data(), block.size());
            std::streamsize got = input.gcount();
            if (got <= 0) {
                break;
            }
            engine.update(block.data(), static_cast<unsigned>(got));
            errno = 0;
            output.write(block.data(), got);
            if (!output) {
                // Disk full and the like answer as storage errors (507/503 to an upload).
                StorageError::throwForErrno(errno != 0 ? errno : EIO,
                                            "cannot copy " + sourcePath + " into the plugin cache");
            }
            artifact.bytes += static_cast<std::uint64_t>(got);
        }
        if (input.bad()) {
            throw std::runtime_error("cannot read " + sourcePath + ": " + std::strerror(errno));
        }
        errno = 0;
        output.close();
        if (!output) {
            StorageError::throwForErrno(errno != 0 ? errno : EIO,
                                        "cannot copy " + sourcePath + " into the plugin cache");
        }
        artifact.sha256 = Poco::DigestEngine::digestToHex(engine.digest());
    }
    // Unique per content and per load: the loader must never return a copy it already holds.
    artifact.cachePath =
        Poco::Path(cacheDir_, fmt::format("{}.{}.{}.so", id.str(), artifact.sha256.substr(0, 16),
                                          loads_.load()))
            .toString();
    Poco::File(temporary).renameTo(artifact.cachePath);
    return artifact;
}

void PluginLoader::vet(ServiceVersion& version) {
    const Artifact& artifact = version.artifact();
    const ServiceId& id = version.id();
    // The private copy is checked, as it is the file that would be opened.
    std::string fileName = Poco::Path(artifact.sourcePath).getFileName();
    ElfCheck::Result elf = ElfCheck::inspect(artifact.cachePath, fileName);
    if (!elf.ok()) {
        throw std::runtime_error(elf.problem);
    }
    if (!elf.uniqueSymbols.empty()) {
        std::string what = fmt::format("{} has {}", fileName, describeUnique(elf.uniqueSymbols));
        if (!vetting_.allowUniqueSymbols) {
            throw std::runtime_error(fmt::format(
                "{}: the dynamic loader shares each of them with every other build that defines "
                "it (two builds would share state) and never unloads the library. Rebuild it "
                "with the mvi_add_plugin CMake helper, which compiles with -fno-gnu-unique and "
                "exports only the two ABI symbols (or add -fno-gnu-unique to its compile "
                "options); plugins.allow_unique_symbols=true loads it anyway",
                what));
        }
        std::string warning = fmt::format(
            "{}, loaded because plugins.allow_unique_symbols is true: it shares them with every "
            "other build that defines them and its library is never unloaded; rebuild it with "
            "mvi_add_plugin (-fno-gnu-unique)",
            what);
        logger_.warning(fmt::format("{} {}: {}", id.name, id.version, warning));
        version.log(LogLevel::Warning, warning);
        services_.notifications.raise(id, Severity::Warning, warning);
    }
    if (vetting_.probe == nullptr) {
        return;
    }
    const std::string key = probeKey(artifact.sha256, version.environment());
    bool probedBefore = false;
    try {
        probedBefore = vetting_.probed && vetting_.probed(key);
    } catch (const std::exception& error) {
        logger_.error(fmt::format("{} {}: cannot tell whether build sha256 {} was probed: {}",
                                  id.name, id.version, artifact.sha256.substr(0, 12),
                                  error.what()));
    }
    if (probedBefore) {
        return;
    }
    auto started = std::chrono::steady_clock::now();
    BuildProbe::Outcome outcome = vetting_.probe->run(artifact.cachePath, version.environment());
    if (outcome.stopped) {
        throw HostStopping(outcome.reason);
    }
    if (!outcome.passed) {
        throw std::runtime_error(outcome.reason);
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (!outcome.registrationError.empty()) {
        // It returned: safe to try here, where the services it may need are. Not remembered,
        // as its registration did not finish.
        logger_.information(fmt::format(
            "{} {}: build sha256 {} returned from its probe in {} ms with a failed registration "
            "({}); trying it in the serving process",
            id.name, id.version, artifact.sha256.substr(0, 12), took.count(),
            outcome.registrationError));
        return;
    }
    logger_.information(fmt::format("{} {}: build sha256 {} passed its probe in {} ms", id.name,
                                    id.version, artifact.sha256.substr(0, 12), took.count()));
    try {
        if (vetting_.recordProbed) {
            vetting_.recordProbed(key);
        }
    } catch (const std::exception& error) {
        logger_.error(
            fmt::format("{} {}: cannot remember that build sha256 {} passed its probe: {}", id.name,
                        id.version, artifact.sha256.substr(0, 12), error.what()));
    }
}

void PluginLoader::open(ServiceVersion& version) {
    const Artifact& artifact = version.artifact();
    // The build's constructors run inside dlopen: a crash there is the build's registration.
    fault::PhaseScope phase(version.phaseIndex(), fault::Phase::Registration, "");
    // Tracked before it is opened: a thread its constructors start is counted too.
    version.trackThreads(PluginThreads::instance().track(artifact.cachePath, version.phaseIndex()));
    version.attachLibrary(std::make_unique<SharedObject>(artifact.cachePath));
    // Owned by the version from here: a refused build is closed like any other, after the
    // threads its constructors may have started.
    recordMapping(version.phaseIndex(), artifact.cachePath, version.threads());
    const SharedObject* library = version.library();
    auto* abiVersion = library->function<uint32_t()>(MVI_PLUGIN_ABI_VERSION_SYMBOL);
    if (abiVersion == nullptr) {
        throw std::runtime_error(
            "missing symbol mvi_plugin_abi_version: not an MVI plugin (build it with "
            "mvi_add_plugin and declare the service with MVI_SERVICE)");
    }
    uint32_t packed = abiVersion();
    uint32_t major = MVI_ABI_VERSION_GET_MAJOR(packed);
    uint32_t minor = MVI_ABI_VERSION_GET_MINOR(packed);
    if (major != MVI_ABI_VERSION_MAJOR || minor > MVI_ABI_VERSION_MINOR) {
        throw std::runtime_error(fmt::format(
            "incompatible plugin ABI {}.{}: this host speaks ABI {}.{} (same major, minor up to "
            "{}); rebuild the plugin against this host's SDK",
            major, minor, MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR, MVI_ABI_VERSION_MINOR));
    }
    auto* registerFn = library->function<std::remove_pointer_t<mvi_plugin_register_fn>>(
        MVI_PLUGIN_REGISTER_SYMBOL);
    if (registerFn == nullptr) {
        throw std::runtime_error(
            "missing symbol mvi_plugin_register: the plugin declares no "
            "service");
    }

    mvi_registrar registrar;
    registrar.version = &version;
    registrar.abiMinor = minor;
    mvi_status status = registerFn(&hostApi(), version.handle(), &registrar);
    registrar.open = false;
    // Composed as the SDK's fake host composes it (mvi/registration.hpp).
    if (auto reason =
            registration::failure_reason(status, registrar.pluginError, registrar.problems)) {
        throw std::runtime_error(*reason);
    }
}

}  // namespace mvi::host
