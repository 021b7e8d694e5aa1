#include "logs/LogFlusher.h"

#include <limits>

namespace mvi::host {

LogFlusher::LogFlusher(std::chrono::milliseconds interval)
    : interval_(interval),
      queue_(
          [] {
              WorkQueue<std::shared_ptr<VersionLog>>::Settings settings;
              settings.thread = "logs";
              settings.threads = 1;
              settings.maxBatch = std::numeric_limits<std::size_t>::max();
              return settings;
          }(),
          [this](std::vector<std::shared_ptr<VersionLog>>& logs) { write(logs); }) {}

LogFlusher::~LogFlusher() {
    stop();
}

void LogFlusher::schedule(std::shared_ptr<VersionLog> log) {
    // Each log is queued at most once per write of its held lines, so the queue stays as short
    // as the number of logs.
    if (!queue_.push(log, WorkQueue<std::shared_ptr<VersionLog>>::Admission::Always)) {
        log->flush();
    }
}

void LogFlusher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    stopping_.notify_all();
    queue_.stop(WorkQueue<std::shared_ptr<VersionLog>>::Clock::time_point::max());
}

void LogFlusher::write(std::vector<std::shared_ptr<VersionLog>>& logs) {
    for (const auto& log : logs) {
        log->flush();
    }
    // What is appended from now on waits for the interval, to go out in one write.
    std::unique_lock lock(mutex_);
    stopping_.wait_for(lock, interval_, [this] { return stopped_; });
}

}  // namespace mvi::host
