#include "fault/CallWatchdog.h"

#include <Poco/Exception.h>

#include <vector>

#include "core/BackgroundTask.h"

namespace mvi::host::fault {
namespace {

/// The name the watchdog reports errors under.
constexpr const char* kThread = "call-watchdog";

}  // namespace

CallWatchdog::CallWatchdog(std::size_t stuckLimit,
                           std::function<void(const std::string&)> onReplace,
                           std::chrono::milliseconds period)
    : stuckLimit_(stuckLimit), onReplace_(std::move(onReplace)), period_(period), thread_([this] {
          BackgroundTask::declare(kThread);
          BackgroundTask::loop(kThread, [this] { run(); });
      }) {}

CallWatchdog::~CallWatchdog() {
    stop();
}

void CallWatchdog::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    std::lock_guard lock(joinMutex_);
    if (thread_.joinable()) {
        thread_.join();
    }
}

std::shared_ptr<CallWatchdog::Watch> CallWatchdog::begin(std::chrono::milliseconds timeout,
                                                         std::function<void()> onDeadline) {
    auto watch = std::make_shared<Watch>();
    watch->deadline = Clock::now() + timeout;
    watch->onDeadline = std::move(onDeadline);
    std::lock_guard lock(mutex_);
    watch->position_ = watches_.insert(watches_.end(), watch);
    return watch;
}

bool CallWatchdog::end(const std::shared_ptr<Watch>& watch) {
    bool expired = false;
    {
        std::lock_guard callLock(watch->mutex_);
        watch->ended_ = true;
        expired = watch->expired_;
    }
    std::lock_guard lock(mutex_);
    if (expired) {
        --stuck_;
    } else {
        watches_.erase(watch->position_);
    }
    return !expired;
}

void CallWatchdog::requestReplacement(const std::string& reason) {
    {
        std::lock_guard lock(mutex_);
        if (limitReported_) {
            return;
        }
        limitReported_ = true;
    }
    onReplace_(reason);
}

std::size_t CallWatchdog::stuck() const {
    std::lock_guard lock(mutex_);
    return stuck_;
}

std::uint64_t CallWatchdog::expired() const {
    std::lock_guard lock(mutex_);
    return expired_;
}

void CallWatchdog::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period_, [this] { return stopping_; });
        if (stopping_) {
            return;
        }
        Clock::time_point now = Clock::now();
        std::vector<std::shared_ptr<Watch>> due;
        for (auto it = watches_.begin(); it != watches_.end();) {
            if ((*it)->deadline <= now) {
                due.push_back(*it);
                it = watches_.erase(it);
            } else {
                ++it;
            }
        }
        lock.unlock();
        std::size_t newlyStuck = 0;
        for (const auto& watch : due) {
            std::lock_guard callLock(watch->mutex_);
            if (watch->ended_) {
                continue;
            }
            watch->expired_ = true;
            ++newlyStuck;
            BackgroundTask::guarded(kThread, [&watch] {
                try {
                    watch->onDeadline();
                } catch (const Poco::IOException&) {
                    // The caller left before its 504 could be sent; the call is stuck all the
                    // same.
                }
            });
        }
        lock.lock();
        stuck_ += newlyStuck;
        expired_ += newlyStuck;
        if (stuck_ > stuckLimit_ && !limitReported_) {
            limitReported_ = true;
            std::string reason = "calls stuck past their deadline: " + std::to_string(stuck_) +
                                 " (services.stuck_calls_limit is " + std::to_string(stuckLimit_) +
                                 ")";
            lock.unlock();
            BackgroundTask::guarded(kThread, [this, &reason] { onReplace_(reason); });
            lock.lock();
        }
    }
}

}  // namespace mvi::host::fault
