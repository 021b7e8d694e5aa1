#include "plugin/Unloader.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/BackgroundTask.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

/// The name the unloader reports errors under.
constexpr const char* kThread = "unloader";

/// Keeps a version whose library could not be closed reachable until the process exits.
void keepForever(ServiceVersion* version) {
    static std::mutex mutex;
    static auto* kept = new std::vector<std::unique_ptr<ServiceVersion>>();
    std::lock_guard lock(mutex);
    kept->emplace_back(version);
}

}  // namespace

Unloader::Unloader(Poco::Logger& logger)
    : logger_(logger), queue_({kThread}, [this](std::vector<ServiceVersion*>& versions) {
          for (ServiceVersion* version : versions) {
              destroy(version);
          }
      }) {}

Unloader::~Unloader() {
    // Everything handed over is destroyed before the unloader goes.
    queue_.stop(WorkQueue<ServiceVersion*>::Clock::time_point::max());
}

std::shared_ptr<ServiceVersion> Unloader::manage(std::unique_ptr<ServiceVersion> version) {
    {
        std::lock_guard lock(mutex_);
        ++alive_;
    }
    return std::shared_ptr<ServiceVersion>(version.release(),
                                           [this](ServiceVersion* retired) { retire(retired); });
}

std::uint64_t Unloader::unloaded() const {
    std::lock_guard lock(mutex_);
    return unloaded_;
}

std::uint64_t Unloader::stuck() const {
    std::lock_guard lock(mutex_);
    return stuck_;
}

std::size_t Unloader::alive() const {
    std::lock_guard lock(mutex_);
    return alive_;
}

bool Unloader::waitUntilAllUnloaded(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!idle_.wait_until(lock, deadline, [this] { return alive_ == 0; })) {
        logger_.warning(fmt::format(
            "{} version(s) still in use (a call that never returned holds them): not unloaded",
            alive_));
        return false;
    }
    return true;
}

void Unloader::retire(ServiceVersion* version) {
    if (!queue_.push(version)) {
        // The unloader is stopping: the last holder destroys it itself.
        destroy(version);
    }
}

void Unloader::destroy(ServiceVersion* version) {
    bool wasLoaded = version->hasLibrary();
    bool unmapped = false;
    BackgroundTask::guarded(kThread, [version, &unmapped] { unmapped = version->unload(); });
    if (version->keptMapped()) {
        // Code of its library still runs and may call the host through the version's handle:
        // both stay until the process exits.
        keepForever(version);
    } else {
        delete version;
    }
    std::lock_guard lock(mutex_);
    if (wasLoaded) {
        ++unloaded_;
        if (!unmapped) {
            ++stuck_;
        }
    }
    --alive_;
    idle_.notify_all();
}

}  // namespace mvi::host
