#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/WorkQueue.h"
#include "plugin/TimerService.h"

namespace mvi::host {

class ServiceVersion;

/// Runs the periodic tasks of every loaded version on a small pool of threads.
///
/// The tasks wait in one schedule ordered by their next start; a timer thread hands each one,
/// when due, to the worker threads (a WorkQueue). A task is taken out of the queue
/// while it runs and put back afterwards, so it never runs twice at once; its next start is the
/// previous start plus the interval, or right away when the run took longer than that (logged
/// as a warning on the version's log and raised as a Warning notification). A run holds its
/// version alive (a `shared_ptr` locked from the task's `weak_ptr`), so the version's library
/// is closed only after the run finished; a version that is no longer ready runs nothing more.
class Scheduler : public TimerService {
  public:
    using Clock = std::chrono::steady_clock;

    /// Starts `threads` worker threads (at least one).
    explicit Scheduler(unsigned threads);
    /// Stops the workers (see stop).
    ~Scheduler();

    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Schedules `spec` for `version` when it is ready, keeps it until `ready` while the version
    /// loads, drops it when the version is out of service (TimerService::add).
    void add(const std::shared_ptr<ServiceVersion>& version, TimerSpec spec) override;

    /// Schedules the tasks `version` declared while it loaded.
    void ready(const std::shared_ptr<ServiceVersion>& version) override;

    /// Takes every task of `version` out of the schedule, and drops those waiting for it to be
    /// ready. A run in progress finishes (it holds its version) and is not scheduled again.
    void cancel(const ServiceVersion* version) override;

    /// Schedules `spec` for `version` whatever its state: the first run is due now, or one
    /// interval from now when `spec.waitFirst` is set. Ignored once the scheduler is stopping.
    void start(const std::shared_ptr<ServiceVersion>& version, TimerSpec spec);

    /// Cancels every task and waits for the runs in progress to finish. Idempotent.
    void stop();

    /// Tasks scheduled (waiting or running), over all versions.
    std::size_t size() const;

  private:
    struct Task {
        std::weak_ptr<ServiceVersion> version;
        const ServiceVersion* owner = nullptr;
        TimerSpec spec;
        std::string label;
        Clock::duration interval{};
        Clock::time_point due;
        bool cancelled = false;
    };

    /// The timer thread: hands each task to the workers when it is due.
    void handOutDueTasks();
    /// A worker: runs `task` once and puts it back in the schedule.
    void run(const std::shared_ptr<Task>& task);
    /// Runs one task once and sets its next start; call without the lock.
    void runOnce(Task& task);

    mutable std::mutex mutex_;
    /// Signalled when the schedule changes (the timer thread waits on it).
    std::condition_variable wake_;
    /// Tasks waiting for their next start (a running task is not in it).
    std::multimap<Clock::time_point, std::shared_ptr<Task>> waiting_;
    std::multimap<const ServiceVersion*, std::shared_ptr<Task>> byVersion_;
    std::map<const ServiceVersion*, unsigned> counts_;
    /// Tasks of versions still loading, scheduled when they are ready.
    std::multimap<const ServiceVersion*, TimerSpec> pending_;
    bool stopping_ = false;
    /// Runs due now, served by the worker threads.
    WorkQueue<std::shared_ptr<Task>> runs_;
    /// Guards joining `timer_`.
    std::mutex joinMutex_;
    std::thread timer_;
};

}  // namespace mvi::host
