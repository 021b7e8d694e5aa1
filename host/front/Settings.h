#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace mvi::host::front {

/// The limits and sizes of the event-driven HTTP front (the `http.*` keys; see HostConfig).
struct Settings {
    /// Event loops owning the connections; 0: one per core.
    unsigned loops = 0;
    /// Threads running the route table's handlers (`http.max_threads`).
    unsigned workers = 64;
    /// Complete requests waiting for a worker at most; beyond, 503 with `Retry-After`.
    std::size_t maxQueued = 1024;
    /// Streaming answers (log follow) served at once, each on a thread of its own; beyond, 503.
    unsigned maxStreams = 64;
    /// Open connections at most; beyond, a new one is answered 503 and closed.
    std::size_t maxConnections = 16384;
    /// Open connections from one client address at most; beyond, 503 and closed.
    std::size_t maxConnectionsPerAddress = 4096;
    /// Bytes of a request head (request line and header fields) at most; beyond, 431.
    std::size_t maxHeadBytes = 16384;
    /// Time from a request's first byte (a new connection's accept) to the end of its head;
    /// beyond, 408 and the connection closes.
    std::chrono::milliseconds headTimeout{std::chrono::seconds(10)};
    /// Time a request body may take beyond what `bodyMinRate` allows; beyond, 408 and close.
    std::chrono::milliseconds bodyTimeout{std::chrono::seconds(30)};
    /// Bytes per second a body must arrive at, on average, after the first `bodyTimeout`.
    std::uint64_t bodyMinRate = 16384;
    /// Idle time after which a keep-alive connection closes.
    std::chrono::milliseconds idleTimeout{std::chrono::seconds(60)};
    /// Time an answer may wait for the client to read any of it; beyond, the connection closes.
    std::chrono::milliseconds sendTimeout{std::chrono::seconds(60)};
    /// How long a connection refused for its body keeps reading and dropping what still comes.
    std::chrono::milliseconds linger{std::chrono::seconds(5)};
    /// Request body bytes held by the front at once, all connections together; a body that
    /// would pass it is answered 503 with `Retry-After`.
    std::uint64_t maxBufferedBytes = std::uint64_t{1} << 30;
    /// The `Retry-After` of a 503 for a full queue or too many connections.
    std::chrono::seconds retryAfter{1};
    /// The `Server` header.
    const char* serverName = "mvi-host";
};

}  // namespace mvi::host::front
