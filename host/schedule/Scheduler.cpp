#include "schedule/Scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/BackgroundTask.h"
#include "fault/PhaseTable.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {
namespace {

/// The name the scheduler's workers report errors under.
constexpr const char* kThread = "scheduler";

double secondsOf(Scheduler::Clock::duration duration) {
    return std::chrono::duration<double>(duration).count();
}

}  // namespace

Scheduler::Scheduler(unsigned threads) {
    BackgroundTask::declare(kThread);
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
        workers_.emplace_back([this] { BackgroundTask::loop(kThread, [this] { work(); }); });
    }
}

Scheduler::~Scheduler() {
    stop();
}

void Scheduler::start(const std::shared_ptr<ServiceVersion>& version, TimerSpec spec) {
    auto task = std::make_shared<Task>();
    task->version = version;
    task->owner = version.get();
    task->interval = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(spec.intervalSeconds));
    if (task->interval <= Clock::duration::zero()) {
        task->interval = Clock::duration(1);
    }
    task->due = spec.waitFirst ? Clock::now() + task->interval : Clock::now();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        unsigned number = ++counts_[task->owner];
        task->label = spec.name.empty() ? fmt::format("periodic task #{}", number)
                                        : fmt::format("periodic task '{}'", spec.name);
        task->spec = std::move(spec);
        byVersion_.emplace(task->owner, task);
        queue_.emplace(task->due, task);
    }
    wake_.notify_all();
}

void Scheduler::cancel(const ServiceVersion* version) {
    std::lock_guard lock(mutex_);
    auto [first, last] = byVersion_.equal_range(version);
    for (auto it = first; it != last; ++it) {
        it->second->cancelled = true;
    }
    byVersion_.erase(first, last);
    counts_.erase(version);
    for (auto it = queue_.begin(); it != queue_.end();) {
        it = it->second->cancelled ? queue_.erase(it) : std::next(it);
    }
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) {
            return;
        }
        stopping_ = true;
        for (auto& [owner, task] : byVersion_) {
            task->cancelled = true;
        }
        queue_.clear();
        byVersion_.clear();
    }
    wake_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
    std::lock_guard lock(mutex_);
    workers_.clear();
}

std::size_t Scheduler::size() const {
    std::lock_guard lock(mutex_);
    return byVersion_.size();
}

void Scheduler::work() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            wake_.wait(lock);
            continue;
        }
        auto first = queue_.begin();
        // A copy: while this thread waits, another may take the entry out of the queue.
        Clock::time_point due = first->first;
        if (due > Clock::now()) {
            wake_.wait_until(lock, due);
            continue;
        }
        std::shared_ptr<Task> task = first->second;
        queue_.erase(first);
        lock.unlock();
        if (!BackgroundTask::guarded(kThread, [this, &task] { runOnce(*task); })) {
            // The run failed inside the host: its next start is one interval from now, so a
            // task that keeps failing does not keep a worker busy.
            task->due = Clock::now() + task->interval;
        }
        lock.lock();
        if (!task->cancelled && !stopping_) {
            queue_.emplace(task->due, task);
        }
    }
}

void Scheduler::runOnce(Task& task) {
    std::shared_ptr<ServiceVersion> version = task.version.lock();
    if (!version || version->state() != VersionState::Ready) {
        std::lock_guard lock(mutex_);
        task.cancelled = true;
        return;
    }
    Clock::time_point started = Clock::now();
    mvi_status status;
    {
        fault::PhaseScope phase(version->phaseIndex(), fault::Phase::Timer, task.label);
        status = task.spec.callback(task.spec.userdata);
    }
    Clock::time_point ended = Clock::now();
    if (status != MVI_OK) {
        version->log(LogLevel::Error,
                     fmt::format("{} failed with status {}; it runs again at its next time",
                                 task.label, status));
    }
    Clock::time_point next = started + task.interval;
    if (ended > next) {
        version->log(
            LogLevel::Warning,
            fmt::format("{} ran {:.3f} s, longer than its interval of {:g} s; the next "
                        "run starts right away",
                        task.label, secondsOf(ended - started), task.spec.intervalSeconds));
        version->notify(Severity::Warning,
                        fmt::format("The {} runs longer than its interval of {:g} s", task.label,
                                    task.spec.intervalSeconds),
                        {}, 0);
        next = ended;
    }
    task.due = next;
}

}  // namespace mvi::host
