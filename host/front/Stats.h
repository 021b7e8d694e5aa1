#pragma once

#include <atomic>
#include <cstdint>

namespace mvi::host::front {

/// What the HTTP front counts, for `/metrics`: connections, and each kind of refusal.
struct Stats {
    using Counter = std::atomic<std::uint64_t>;

    std::atomic<std::int64_t> connections{0};
    Counter accepted{0};
    /// Requests read in full and handed to a worker (or a stream thread).
    Counter requests{0};
    std::atomic<std::int64_t> queued{0};
    std::atomic<std::int64_t> streaming{0};
    /// Streamed answers written by the event loops as their producers feed them.
    std::atomic<std::int64_t> feeds{0};

    // Refusals, each answered (or closed) as its key says.
    Counter tooManyConnections{0};
    Counter tooManyFromAddress{0};
    Counter headTimeout{0};
    Counter bodyTimeout{0};
    Counter headTooLarge{0};
    Counter bodyTooLarge{0};
    Counter queueFull{0};
    Counter streamsFull{0};
    Counter bufferFull{0};
    Counter badRequest{0};
    Counter sendTimeout{0};
    Counter idleClosed{0};
};

}  // namespace mvi::host::front
