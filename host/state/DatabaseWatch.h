#pragma once

#include <Poco/Timer.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

namespace mvi::host {

/// Watches the database file of a running host. Every `period`, on a thread of its own, it
/// compares the file at the database's path with the one the host opened (device and inode, as
/// they were when the watch was made): a file deleted or replaced under the host is recorded in
/// DatabaseHealth, so `/~ready` says so. Every problem DatabaseHealth holds for the file (damage
/// met by a query too) is then handed to `announce` once, on the same thread (the host raises a
/// Critical notification and logs it).
class DatabaseWatch {
  public:
    /// Receives one problem, a full sentence. An exception it throws is logged and counted
    /// (BackgroundTask thread "database-watch"); the problem is not offered again.
    using Announce = std::function<void(const std::string& problem)>;

    /// Watches `path`, which this process has open now, and starts the thread.
    DatabaseWatch(std::string path, Announce announce,
                  std::chrono::milliseconds period = std::chrono::seconds(1));

    /// Stops the thread (see stop).
    ~DatabaseWatch();

    DatabaseWatch(const DatabaseWatch&) = delete;
    DatabaseWatch& operator=(const DatabaseWatch&) = delete;

    /// One round of the checks the thread runs every period. Thread-safe.
    void check();

    /// Stops the thread, waiting for a round in progress. Idempotent.
    void stop();

  private:
    void onTimer(Poco::Timer& timer);

    std::string path_;
    Announce announce_;
    std::mutex mutex_;
    bool known_ = false;
    dev_t device_ = 0;
    ino_t inode_ = 0;
    /// How many of the file's problems were handed to `announce_`.
    std::size_t announced_ = 0;
    Poco::Timer timer_;
    std::once_flag stopped_;
};

}  // namespace mvi::host
