#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/WorkQueue.h"
#include "logs/VersionLog.h"

namespace mvi::host {

/// The background writer of a store whose lines are written at intervals (`logs.flush =
/// interval`): a log that starts holding lines is scheduled, and the writer's thread writes what
/// every scheduled log holds, at most once per `interval` (a log scheduled while the writer is
/// idle is written at once; lines appended meanwhile go out together with the next write).
///
/// `stop` writes everything scheduled and ends the thread; a log scheduled after it is written
/// by the caller of `schedule` before it returns, so no held line is left behind. Thread-safe.
class LogFlusher {
  public:
    explicit LogFlusher(std::chrono::milliseconds interval);
    /// Stops (see stop).
    ~LogFlusher();

    LogFlusher(const LogFlusher&) = delete;
    LogFlusher& operator=(const LogFlusher&) = delete;

    /// `log` holds lines (VersionLog::append returned true): they are written within the
    /// interval, or now when the writer has stopped.
    void schedule(std::shared_ptr<VersionLog> log);

    /// Writes what every scheduled log holds and ends the thread. Idempotent.
    void stop();

  private:
    /// Writes what `logs` hold, then waits out the interval (unless stopping).
    void write(std::vector<std::shared_ptr<VersionLog>>& logs);

    const std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable stopping_;
    bool stopped_ = false;
    /// Last: its thread starts once the rest is built.
    WorkQueue<std::shared_ptr<VersionLog>> queue_;
};

}  // namespace mvi::host
