#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace mvi::host::fault {

/// Deadlines for calls into plugin code. A call is watched from `begin` to `end`; when its
/// deadline passes first, the watchdog thread runs the call's `onDeadline` once (answer 504 to the
/// caller, count it, warn) and the call is *stuck* until it returns, if ever. When more calls are
/// stuck at once than the limit, or when `requestReplacement` is called, `onReplace` runs once with
/// the reason: the host then asks to be replaced by a fresh serving process instead of leaking
/// threads for ever.
///
/// `onDeadline` and `end` of one call are serialised: after `end` returns false, the caller must
/// not answer (the watchdog did); after it returns true, `onDeadline` never runs.
class CallWatchdog {
  public:
    using Clock = std::chrono::steady_clock;

    /// One watched call.
    class Watch {
      public:
        Clock::time_point deadline;
        std::function<void()> onDeadline;

      private:
        friend class CallWatchdog;
        std::mutex mutex_;
        bool ended_ = false;
        bool expired_ = false;
        std::list<std::shared_ptr<Watch>>::iterator position_;
    };

    /// Starts the watchdog thread, checking every `period`.
    CallWatchdog(std::size_t stuckLimit, std::function<void(const std::string&)> onReplace,
                 std::chrono::milliseconds period = std::chrono::milliseconds(100));
    /// Stops the thread (see stop).
    ~CallWatchdog();

    CallWatchdog(const CallWatchdog&) = delete;
    CallWatchdog& operator=(const CallWatchdog&) = delete;

    /// Watches a call that must end within `timeout`.
    std::shared_ptr<Watch> begin(std::chrono::milliseconds timeout,
                                 std::function<void()> onDeadline);

    /// Ends watching; returns false when the deadline passed first (`onDeadline` ran).
    bool end(const std::shared_ptr<Watch>& watch);

    /// Asks once (whatever the number of stuck calls) for the serving process to be replaced.
    void requestReplacement(const std::string& reason);

    /// Stops the thread; watched calls are forgotten (their deadlines no longer fire).
    /// Idempotent.
    void stop();

    /// Calls past their deadline that have not returned.
    std::size_t stuck() const;

    /// Calls that passed their deadline, ever.
    std::uint64_t expired() const;

  private:
    void run();

    std::size_t stuckLimit_;
    std::function<void(const std::string&)> onReplace_;
    std::chrono::milliseconds period_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::list<std::shared_ptr<Watch>> watches_;
    std::size_t stuck_ = 0;
    std::uint64_t expired_ = 0;
    bool limitReported_ = false;
    bool stopping_ = false;
    /// Serialises joining the thread.
    std::mutex joinMutex_;
    std::thread thread_;
};

}  // namespace mvi::host::fault
