#include "metrics/CallStats.h"

#include <algorithm>

namespace mvi::host {

std::size_t CallStats::bucketOf(double seconds) {
    return static_cast<std::size_t>(std::lower_bound(kBounds.begin(), kBounds.end(), seconds) -
                                    kBounds.begin());
}

void CallStats::record(int status, std::chrono::nanoseconds elapsed) {
    auto nanoseconds = std::max<std::chrono::nanoseconds::rep>(elapsed.count(), 0);
    buckets_[bucketOf(static_cast<double>(nanoseconds) / 1e9)].fetch_add(1,
                                                                         std::memory_order_relaxed);
    sumNanoseconds_.fetch_add(static_cast<std::uint64_t>(nanoseconds), std::memory_order_relaxed);
    if (status >= 500) {
        serverErrors_.fetch_add(1, std::memory_order_relaxed);
    } else if (status >= 400) {
        clientErrors_.fetch_add(1, std::memory_order_relaxed);
    }
    requests_.fetch_add(1, std::memory_order_relaxed);
}

CallStats::Snapshot CallStats::snapshot() const {
    Snapshot snapshot;
    snapshot.requests = requests_.load(std::memory_order_relaxed);
    snapshot.clientErrors = clientErrors_.load(std::memory_order_relaxed);
    snapshot.serverErrors = serverErrors_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        snapshot.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    }
    snapshot.sumSeconds =
        static_cast<double>(sumNanoseconds_.load(std::memory_order_relaxed)) / 1e9;
    return snapshot;
}

}  // namespace mvi::host
