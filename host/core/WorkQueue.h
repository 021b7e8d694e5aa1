#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/BackgroundTask.h"

namespace mvi::host {

/// A queue of work served by a few threads of its own: the one shape of the host's background
/// workers (mirrored copies, unloads, e-mails, monitoring writes, timer runs).
///
/// `push` never waits: past `capacity` an item is refused (the caller counts or reports it),
/// unless it is pushed with `Admission::Always`. Each thread takes up to `maxBatch` items at a
/// time, in order, and hands them to `serve`; an exception `serve` throws is caught, logged and
/// counted under the queue's thread name (BackgroundTask), and the thread goes on. The items of
/// a batch are destroyed on the serving thread before the queue can count as idle, so an item
/// that holds something alive (a version) lets go of it before `waitUntilIdle` returns.
///
/// An item queued while a thread is idle wakes the thread that went idle last: under a steady
/// load the same few threads serve, their stacks and caches warm, however many the queue has
/// for when work blocks.
///
/// `stop` refuses new items at once, lets the threads serve what is queued until a deadline,
/// then hands back what is left (destroyed on the stopping thread, when the caller lets go) and
/// joins the threads. Thread-safe.
template <typename Item>
class WorkQueue {
  public:
    using Clock = std::chrono::steady_clock;

    struct Settings {
        /// The threads' name in logs and `mvi_background_errors_total{thread="..."}`.
        const char* thread = "worker";
        /// Threads serving the queue (at least one).
        unsigned threads = 1;
        /// Items waiting at most (those being served do not count); beyond, `push` refuses.
        std::size_t capacity = std::numeric_limits<std::size_t>::max();
        /// Items handed to one call of `serve` at most (a writer commits them together).
        std::size_t maxBatch = 1;
        /// When set, `tick` runs on a serving thread this often (between batches).
        Clock::duration tickInterval = Clock::duration::zero();
        /// When set, one thread starts with the queue and the others only when an item finds
        /// every thread busy (they stay until `stop`): a queue allowed many threads for work
        /// that may block starts at once and holds only the threads its load has needed.
        bool growOnDemand = false;
    };

    /// Serves a batch of 1 to `maxBatch` items, in the order they were pushed.
    using Serve = std::function<void(std::vector<Item>&)>;

    /// How `push` treats a full queue.
    enum class Admission {
        /// Refused when `capacity` items are waiting.
        Bounded,
        /// Queued whatever the count (the caller waits for its item and so bounds the queue).
        Always,
    };

    WorkQueue(Settings settings, Serve serve, std::function<void()> tick = {})
        : settings_(settings), serve_(std::move(serve)), tick_(std::move(tick)) {
        if (settings_.threads == 0) {
            settings_.threads = 1;
        }
        if (settings_.maxBatch == 0) {
            settings_.maxBatch = 1;
        }
        BackgroundTask::declare(settings_.thread);
        started_ = settings_.growOnDemand ? 1 : settings_.threads;
        for (unsigned i = 0; i < started_; ++i) {
            startThread();
        }
    }

    /// Stops at once: what is queued is dropped (see stop).
    ~WorkQueue() { stop(Clock::now()); }

    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    /// Queues `item`; false when the queue is full (Admission::Bounded) or stopping. A refused
    /// item is destroyed on the caller's thread.
    bool push(Item item, Admission admission = Admission::Bounded) {
        Sleeper* woken = nullptr;
        bool grow = false;
        {
            std::lock_guard lock(mutex_);
            if (closed_ ||
                (admission == Admission::Bounded && queue_.size() >= settings_.capacity)) {
                return false;
            }
            queue_.push_back(std::move(item));
            ++pushed_;
            if (!idle_.empty()) {
                woken = idle_.back();
                idle_.pop_back();
                woken->woken = true;
            } else if (started_ < settings_.threads) {
                ++started_;
                grow = true;
            }
        }
        if (woken != nullptr) {
            woken->wake.notify_one();
        }
        if (grow) {
            std::lock_guard lock(joinMutex_);
            if (!joined_) {
                startThread();
            }
        }
        return true;
    }

    /// Items waiting (not those being served).
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return queue_.size();
    }

    /// Threads started so far (all of them unless `growOnDemand`).
    unsigned threadsStarted() const {
        std::lock_guard lock(mutex_);
        return started_;
    }

    /// Threads waiting for an item.
    std::size_t threadsIdle() const {
        std::lock_guard lock(mutex_);
        return idle_.size();
    }

    /// Waits until every item pushed before this call has been served (or dropped by `stop`),
    /// or until `deadline`. Returns whether they all were.
    bool waitUntilServed(Clock::time_point deadline = Clock::time_point::max()) {
        std::unique_lock lock(mutex_);
        const std::uint64_t target = pushed_;
        return waitFor(lock, deadline, [&] { return done_ >= target; });
    }

    /// Waits until nothing is queued or being served, or until `deadline`; whether it is so.
    bool waitUntilIdle(Clock::time_point deadline = Clock::time_point::max()) {
        std::unique_lock lock(mutex_);
        return waitFor(lock, deadline, [&] { return queue_.empty() && busy_ == 0; });
    }

    /// Refuses new items at once; serves what is queued until `deadline`; then takes what is
    /// left out of the queue, lets the threads end after the batch they serve and joins them.
    /// Returns the items that were not served. Idempotent (a second call returns nothing).
    std::vector<Item> stop(Clock::time_point deadline) {
        std::vector<Item> abandoned;
        {
            std::unique_lock lock(mutex_);
            closed_ = true;
            waitFor(lock, deadline, [this] { return queue_.empty() && busy_ == 0; });
            stopping_ = true;
            abandoned.assign(std::make_move_iterator(queue_.begin()),
                             std::make_move_iterator(queue_.end()));
            queue_.clear();
            done_ += abandoned.size();
        }
        changed_.notify_all();
        std::vector<std::thread> threads;
        {
            std::lock_guard lock(joinMutex_);
            joined_ = true;
            threads.swap(threads_);
            for (auto& sleeper : sleepers_) {
                sleeper->wake.notify_one();
            }
        }
        for (auto& thread : threads) {
            thread.join();
        }
        return abandoned;
    }

  private:
    template <typename Done>
    bool waitFor(std::unique_lock<std::mutex>& lock, Clock::time_point deadline, Done done) {
        if (deadline == Clock::time_point::max()) {
            changed_.wait(lock, done);
            return true;
        }
        return changed_.wait_until(lock, deadline, done);
    }

    /// A serving thread's own wake-up, signalled by `push` when the thread is the last to have
    /// gone idle (`idle_`), or by `stop`.
    struct Sleeper {
        std::condition_variable wake;
        bool woken = false;
    };

    /// Starts one more serving thread (joinMutex_ held).
    void startThread() {
        sleepers_.push_back(std::make_unique<Sleeper>());
        Sleeper* sleeper = sleepers_.back().get();
        threads_.emplace_back([this, sleeper] {
            BackgroundTask::loop(settings_.thread, [this, sleeper] { run(*sleeper); });
        });
    }

    /// Waits until an item is queued for this thread, the queue stops, or `until` passes.
    void sleep(std::unique_lock<std::mutex>& lock, Sleeper& self, bool ticking,
               Clock::time_point until) {
        self.woken = false;
        idle_.push_back(&self);
        auto ready = [&] { return self.woken || stopping_; };
        if (ticking) {
            self.wake.wait_until(lock, until, ready);
        } else {
            self.wake.wait(lock, ready);
        }
        if (!self.woken) {
            idle_.erase(std::find(idle_.begin(), idle_.end(), &self));
        }
    }

    void run(Sleeper& self) {
        const bool ticking = tick_ && settings_.tickInterval > Clock::duration::zero();
        Clock::time_point nextTick = Clock::now() + settings_.tickInterval;
        std::unique_lock lock(mutex_);
        while (true) {
            if (!stopping_ && queue_.empty()) {
                sleep(lock, self, ticking, nextTick);
            }
            if (stopping_) {
                return;
            }
            if (!queue_.empty()) {
                std::vector<Item> batch;
                const std::size_t count = std::min(queue_.size(), settings_.maxBatch);
                batch.reserve(count);
                for (std::size_t i = 0; i < count; ++i) {
                    batch.push_back(std::move(queue_.front()));
                    queue_.pop_front();
                }
                ++busy_;
                lock.unlock();
                BackgroundTask::guarded(settings_.thread, [&] { serve_(batch); });
                // The items let go of what they hold before the queue may count as idle.
                batch.clear();
                lock.lock();
                --busy_;
                done_ += count;
                changed_.notify_all();
            }
            if (ticking && Clock::now() >= nextTick) {
                lock.unlock();
                BackgroundTask::guarded(settings_.thread, [this] { tick_(); });
                lock.lock();
                nextTick = Clock::now() + settings_.tickInterval;
            }
        }
    }

    Settings settings_;
    Serve serve_;
    std::function<void()> tick_;
    mutable std::mutex mutex_;
    /// One per serving thread (guarded by joinMutex_); `idle_` (guarded by mutex_) holds those of
    /// the idle threads, the last gone idle last.
    std::vector<std::unique_ptr<Sleeper>> sleepers_;
    std::vector<Sleeper*> idle_;
    /// Signalled when a batch has been served or the queue stops (waiters of `wait*`).
    std::condition_variable changed_;
    std::deque<Item> queue_;
    /// Batches being served now.
    std::size_t busy_ = 0;
    /// Items pushed, and items served or dropped, since the start.
    std::uint64_t pushed_ = 0;
    std::uint64_t done_ = 0;
    /// Set by `stop`: nothing is queued any more.
    bool closed_ = false;
    /// Set by `stop` after serving what it could: the threads end.
    bool stopping_ = false;
    /// Threads started or being started (guarded by mutex_).
    unsigned started_ = 0;
    /// Guards `threads_` and `sleepers_`, so that `stop` joins the threads once and none starts
    /// after (`joined_`).
    std::mutex joinMutex_;
    std::vector<std::thread> threads_;
    bool joined_ = false;
};

}  // namespace mvi::host
