#pragma once

#include <atomic>
#include <cstdint>

namespace mvi::host {

/// The text a store's logs hold in memory, appended but not yet written (`logs.flush =
/// interval`), against a bound: lines that do not fit are written by their appender at once, so
/// no line is ever dropped for want of room. Thread-safe.
class HeldBytes {
  public:
    explicit HeldBytes(std::uint64_t limit) : limit_(limit) {}

    HeldBytes(const HeldBytes&) = delete;
    HeldBytes& operator=(const HeldBytes&) = delete;

    /// Counts `bytes` more as held when they fit within the bound and the store is not closed;
    /// false (nothing counted) otherwise.
    bool take(std::uint64_t bytes) {
        std::uint64_t held = held_.load();
        do {
            if (closed_.load() || held + bytes > limit_) {
                return false;
            }
        } while (!held_.compare_exchange_weak(held, held + bytes));
        return true;
    }

    /// `bytes` taken earlier were written (or given up).
    void release(std::uint64_t bytes) { held_.fetch_sub(bytes); }

    /// From now on nothing more is held: every line is written by its appender.
    void close() { closed_.store(true); }

    /// Bytes held now.
    std::uint64_t held() const { return held_.load(); }

  private:
    const std::uint64_t limit_;
    std::atomic<std::uint64_t> held_{0};
    std::atomic<bool> closed_{false};
};

}  // namespace mvi::host
