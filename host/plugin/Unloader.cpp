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
    : logger_(logger), thread_([this] {
          BackgroundTask::declare(kThread);
          BackgroundTask::loop(kThread, [this] { run(); });
      }) {}

Unloader::~Unloader() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
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
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(version);
    }
    wake_.notify_one();
}

void Unloader::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;
        }
        ServiceVersion* version = queue_.front();
        queue_.pop_front();
        lock.unlock();
        bool wasLoaded = version->hasLibrary();
        bool unmapped = false;
        BackgroundTask::guarded(kThread, [version, &unmapped] { unmapped = version->unload(); });
        if (version->keptMapped()) {
            // Code of its library still runs and may call the host through the version's
            // handle: both stay until the process exits.
            keepForever(version);
        } else {
            delete version;
        }
        lock.lock();
        if (wasLoaded) {
            ++unloaded_;
            if (!unmapped) {
                ++stuck_;
            }
        }
        --alive_;
        idle_.notify_all();
    }
}

}  // namespace mvi::host
