#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/WorkQueue.h"
#include "metrics/CallStats.h"

namespace mvi::host {

class ServiceVersion;
struct RouteCall;

/// Sends copies of by-name calls to shadow versions, after the main version has answered.
///
/// A bounded queue served by a small pool of threads: enqueueing never waits, and when the
/// queue is full the copy is dropped and counted. A slow or failing shadow therefore never
/// changes the main version's answer, nor its latency beyond the enqueueing. Each queued copy
/// holds its shadow alive until it has been served. How a copy is served (the call itself and
/// its counting on the shadow) is the dispatcher's: the mirror only queues, runs and counts.
class Mirror {
  public:
    using Clock = std::chrono::steady_clock;

    /// Copies a by-name call is worth: the shadow, the entrypoint and the arguments.
    struct Copy {
        std::shared_ptr<ServiceVersion> shadow;
        std::string entrypoint;
        nlohmann::json arguments;
        /// The CallChain of the call it copies: the shadow runs with it, so nested calls from
        /// shadows are bounded like the original's.
        std::vector<std::string> chain;
        /// A copy of a call of a route (then `entrypoint` and `arguments` are unused).
        std::shared_ptr<const RouteCall> route;
    };

    /// Serves one copy on a mirror thread and returns the status its shadow answered (500 when
    /// it could not serve it).
    using Serve = std::function<int(Copy& copy)>;

    /// Queues up to `capacity` copies, served by `threads` threads through `serve`.
    Mirror(std::size_t capacity, unsigned threads, Serve serve);
    /// Stops the pool, dropping what is queued (see stop).
    ~Mirror();

    Mirror(const Mirror&) = delete;
    Mirror& operator=(const Mirror&) = delete;

    /// Queues a copy; false (and counted as dropped) when the queue is full or the mirror is
    /// stopping.
    bool enqueue(Copy copy);

    /// Stops the pool: new copies are refused at once; copies queued or being served are served
    /// until `deadline`; what is still queued then is dropped (counted as dropped, its shadows
    /// released) and the threads end after the copy they serve. Returns how many were dropped.
    std::size_t stop(Clock::time_point deadline);

    /// Copies served by a shadow (whatever it answered).
    std::uint64_t sent() const { return copies_.snapshot().requests; }
    /// Copies a shadow answered with a status of 500 or more, or could not serve.
    std::uint64_t failed() const { return copies_.snapshot().serverErrors; }
    /// Copies dropped because the queue was full (or their body was too large to copy).
    std::uint64_t dropped() const { return dropped_; }
    /// Counts a copy that was not queued at all (a body larger than a copy may carry).
    void countDropped() { ++dropped_; }

  private:
    /// Serves one copy through `serve_` and counts it.
    void run(Copy& copy);

    Serve serve_;
    /// Every copy served, whatever the shadow.
    CallStats copies_;
    std::atomic<std::uint64_t> dropped_{0};
    WorkQueue<Copy> queue_;
};

}  // namespace mvi::host
