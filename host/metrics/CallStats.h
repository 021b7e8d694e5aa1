#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace mvi::host {

/// Counts and latencies of the calls to one entrypoint of one loaded version: a request counter,
/// error counters by status class and a fixed-bucket latency histogram. Lock-free (atomics only),
/// so recording a call costs a few atomic increments on the request path. Thread-safe.
class CallStats {
  public:
    /// Upper bounds of the latency buckets, in seconds; a last bucket (+Inf) takes the rest.
    static constexpr std::array<double, 17> kBounds = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,    0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0};

    /// Per-bucket counts (not cumulative), the +Inf bucket last.
    using Buckets = std::array<std::uint64_t, kBounds.size() + 1>;

    /// A copy of the counters taken at one moment.
    struct Snapshot {
        std::uint64_t requests = 0;
        /// Calls answered with a status from 400 to 499.
        std::uint64_t clientErrors = 0;
        /// Calls answered with a status of 500 or more.
        std::uint64_t serverErrors = 0;
        Buckets buckets{};
        /// Total time of all calls, in seconds.
        double sumSeconds = 0;
    };

    /// Records one call answered with `status` that took `elapsed`.
    void record(int status, std::chrono::nanoseconds elapsed);

    /// Reads every counter.
    Snapshot snapshot() const;

    /// Index of the bucket `seconds` falls in (the first whose bound is >= it).
    static std::size_t bucketOf(double seconds);

  private:
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> clientErrors_{0};
    std::atomic<std::uint64_t> serverErrors_{0};
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};
    std::atomic<std::uint64_t> sumNanoseconds_{0};
};

}  // namespace mvi::host
