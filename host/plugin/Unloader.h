#pragma once

#include <Poco/Logger.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/WorkQueue.h"

namespace mvi::host {

class ServiceVersion;

/// Closes retired versions on a thread of its own.
///
/// A version's `shared_ptr` is created with `Unloader::manage`: when the last holder (routing
/// table, request, mirrored copy) lets go, the version is handed here instead of being destroyed
/// on that holder's thread (an HTTP thread, say). This thread destroys it, which closes the
/// library and checks that the dynamic loader really unmapped it.
class Unloader {
  public:
    explicit Unloader(Poco::Logger& logger);
    /// Destroys everything still queued, then stops the thread.
    ~Unloader();

    Unloader(const Unloader&) = delete;
    Unloader& operator=(const Unloader&) = delete;

    /// Wraps a new version in a `shared_ptr` whose last release hands it to this unloader.
    std::shared_ptr<ServiceVersion> manage(std::unique_ptr<ServiceVersion> version);

    /// Versions destroyed so far.
    std::uint64_t unloaded() const;

    /// Versions whose library was still mapped after closing.
    std::uint64_t stuck() const;

    /// Versions made by `manage` and not destroyed yet (in use, or queued here).
    std::size_t alive() const;

    /// Waits until every version made by `manage` is destroyed, or `deadline`. Returns whether
    /// none is left; logs a warning with how many are when the deadline passed first.
    bool waitUntilAllUnloaded(std::chrono::steady_clock::time_point deadline);

  private:
    void retire(ServiceVersion* version);
    /// Destroys one retired version and counts it (on the unloader's thread).
    void destroy(ServiceVersion* version);

    Poco::Logger& logger_;
    mutable std::mutex mutex_;
    /// Signalled each time a version is destroyed.
    std::condition_variable idle_;
    std::size_t alive_ = 0;
    std::uint64_t unloaded_ = 0;
    std::uint64_t stuck_ = 0;
    WorkQueue<ServiceVersion*> queue_;
};

}  // namespace mvi::host
