#include "plugin/PluginLoader.h"

#include <Poco/DigestEngine.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Process.h>
#include <Poco/SHA2Engine.h>
#include <fmt/format.h>

#include <link.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "fault/PhaseTable.h"
#include "plugin/HostApi.h"
#include "plugin/PluginThreads.h"

namespace mvi::host {
namespace {

constexpr std::array<char, 4> kElfMagic = {'\x7f', 'E', 'L', 'F'};

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

PluginLoader::PluginLoader(std::string cacheDir, HostServices services, Unloader& unloader,
                           Poco::Logger& logger)
    : cacheDir_(std::move(cacheDir)), services_(services), unloader_(unloader), logger_(logger) {
    Poco::File cache(cacheDir_);
    if (cache.exists()) {
        cache.remove(true);
    }
    cache.createDirectories();
}

std::shared_ptr<ServiceVersion> PluginLoader::load(const ServiceId& id,
                                                   const std::string& sourcePath) {
    Artifact artifact;
    artifact.sourcePath = sourcePath;
    std::shared_ptr<ServiceVersion> version;
    try {
        artifact = stage(id, sourcePath);
        version = unloader_.manage(std::make_unique<ServiceVersion>(id, artifact, services_));
        version->connect(scheduler_, dispatcher_);
        open(*version);
        version->markReady();
        ++loaded_;
        logger_.information(fmt::format("loaded {} {} from {} (sha256 {})", id.name, id.version,
                                        sourcePath, artifact.sha256.substr(0, 12)));
        version->log(LogLevel::Info, fmt::format("loaded from {} (sha256 {})", sourcePath,
                                                 artifact.sha256.substr(0, 12)));
    } catch (const std::exception& error) {
        if (!version) {
            version = unloader_.manage(std::make_unique<ServiceVersion>(id, artifact, services_));
        }
        std::string reason = error.what();
        version->markFailed(reason);
        ++failed_;
        if (!artifact.cachePath.empty()) {
            Poco::File staged(artifact.cachePath);
            if (staged.exists()) {
                staged.remove();
            }
        }
        logger_.error(fmt::format("failed to load {} {} from {}: {}", id.name, id.version,
                                  sourcePath, reason));
        version->log(LogLevel::Error, "failed to load: " + reason);
        services_.notifications.raise(id, Severity::Critical, "Failed to load: " + reason);
    }
    return version;
}

std::shared_ptr<ServiceVersion> PluginLoader::placeholder(const ServiceId& id,
                                                          const Artifact& artifact) {
    return unloader_.manage(std::make_unique<ServiceVersion>(id, artifact, services_));
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
    {
        std::ofstream output(temporary, std::ios::binary | std::ios::trunc);
        if (!output) {
            throw std::runtime_error("cannot write the plugin cache " + temporary);
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
            output.write(block.data(), got);
            artifact.bytes += static_cast<std::uint64_t>(got);
        }
        if (input.bad() || !output) {
            throw std::runtime_error("copying " + sourcePath + " into the plugin cache failed");
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

void PluginLoader::open(ServiceVersion& version) {
    const Artifact& artifact = version.artifact();
    {
        std::ifstream file(artifact.cachePath, std::ios::binary);
        std::array<char, 4> magic{};
        file.read(magic.data(), magic.size());
        if (file.gcount() != 4 || magic != kElfMagic) {
            throw std::runtime_error(
                "not an ELF shared object (is this really a compiled plugin?)");
        }
    }
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
    if (status != MVI_OK) {
        std::string reason = registrar.pluginError.empty()
                                 ? fmt::format("registration failed with status {}", status)
                                 : "registration failed: " + registrar.pluginError;
        if (!registrar.problems.empty()) {
            reason += " (" + registrar.problems.front() + ")";
        }
        throw std::runtime_error(reason);
    }
    if (!registrar.problems.empty()) {
        std::string reason = "invalid declaration: " + registrar.problems.front();
        for (std::size_t i = 1; i < registrar.problems.size(); ++i) {
            reason += "; " + registrar.problems[i];
        }
        throw std::runtime_error(reason);
    }
}

}  // namespace mvi::host
