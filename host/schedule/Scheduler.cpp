#include "schedule/Scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

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

Scheduler::Scheduler(unsigned threads)
    : runs_({kThread, std::max(threads, 1u)},
            [this](std::vector<std::shared_ptr<Task>>& tasks) {
                for (auto& task : tasks) {
                    run(task);
                }
            }),
      timer_([this] { BackgroundTask::loop(kThread, [this] { handOutDueTasks(); }); }) {}

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
        waiting_.emplace(task->due, task);
    }
    wake_.notify_all();
}

void Scheduler::add(const std::shared_ptr<ServiceVersion>& version, TimerSpec spec) {
    {
        // The state is read under the lock `ready` takes, and a version is ready before it calls
        // `ready`: a task is either pending when `ready` runs, or sees the version ready.
        std::lock_guard lock(mutex_);
        VersionState state = version->state();
        if (state == VersionState::Loading) {
            pending_.emplace(version.get(), std::move(spec));
            return;
        }
        if (state != VersionState::Ready) {
            // Taken out of service already: nothing starts any more.
            return;
        }
    }
    start(version, std::move(spec));
}

void Scheduler::ready(const std::shared_ptr<ServiceVersion>& version) {
    std::vector<TimerSpec> declared;
    {
        std::lock_guard lock(mutex_);
        auto [first, last] = pending_.equal_range(version.get());
        for (auto it = first; it != last; ++it) {
            declared.push_back(std::move(it->second));
        }
        pending_.erase(first, last);
    }
    for (TimerSpec& spec : declared) {
        start(version, std::move(spec));
    }
}

void Scheduler::cancel(const ServiceVersion* version) {
    std::lock_guard lock(mutex_);
    pending_.erase(version);
    auto [first, last] = byVersion_.equal_range(version);
    for (auto it = first; it != last; ++it) {
        it->second->cancelled = true;
    }
    byVersion_.erase(first, last);
    counts_.erase(version);
    for (auto it = waiting_.begin(); it != waiting_.end();) {
        it = it->second->cancelled ? waiting_.erase(it) : std::next(it);
    }
}

void Scheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& [owner, task] : byVersion_) {
            task->cancelled = true;
        }
        waiting_.clear();
        byVersion_.clear();
        pending_.clear();
    }
    wake_.notify_all();
    {
        std::lock_guard lock(joinMutex_);
        if (timer_.joinable()) {
            timer_.join();
        }
    }
    // Runs handed out but not started are dropped; those in progress finish.
    runs_.stop(Clock::now());
}

std::size_t Scheduler::size() const {
    std::lock_guard lock(mutex_);
    return byVersion_.size();
}

void Scheduler::handOutDueTasks() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (waiting_.empty()) {
            wake_.wait(lock);
            continue;
        }
        auto first = waiting_.begin();
        // A copy: while this thread waits, a task may be cancelled and leave the schedule.
        Clock::time_point due = first->first;
        if (due > Clock::now()) {
            wake_.wait_until(lock, due);
            continue;
        }
        std::shared_ptr<Task> task = first->second;
        waiting_.erase(first);
        // Out of the schedule until its run is over, so it never runs twice at once.
        runs_.push(std::move(task));
    }
}

void Scheduler::run(const std::shared_ptr<Task>& task) {
    if (!BackgroundTask::guarded(kThread, [this, &task] { runOnce(*task); })) {
        // The run failed inside the host: its next start is one interval from now, so a task
        // that keeps failing does not keep a worker busy.
        task->due = Clock::now() + task->interval;
    }
    {
        std::lock_guard lock(mutex_);
        if (task->cancelled || stopping_) {
            return;
        }
        waiting_.emplace(task->due, task);
    }
    wake_.notify_all();
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
