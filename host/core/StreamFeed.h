#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace mvi::host {

/// The bytes of a streamed answer on their way from a producer (a service, on any thread of its
/// own) to the HTTP front that writes them to the client. Writing never waits: the feed holds
/// at most `capacity` bytes not yet taken, and a write that does not fit is refused whole, so a
/// client that reads slowly or not at all costs the producer a refusal, never a blocked thread.
///
/// The front takes what was written either without waiting (`take`, from an event loop, which
/// leaves a wake-up to run when more comes) or waiting up to a deadline (`wait`, from a thread
/// of its own). Either side may end the stream: the producer with `end` (what it wrote is still
/// sent, then the answer ends), the front with `close` (the client left: what is pending is
/// dropped, and later writes are refused as closed).
class StreamFeed {
  public:
    /// What became of a write.
    enum class Offer {
        /// Queued for the client.
        Queued,
        /// The bytes not yet taken plus these would pass the capacity; nothing was queued.
        Full,
        /// Larger than the capacity on its own: it can never be queued.
        TooLarge,
        /// The stream is over (ended, or closed by the front); nothing was queued.
        Closed,
    };

    /// What the front found.
    enum class Take {
        /// Bytes were moved out.
        Data,
        /// Nothing yet; the stream goes on.
        Waiting,
        /// Everything was taken and the producer ended the stream (or the front closed it).
        Ended,
    };

    explicit StreamFeed(std::size_t capacity) : capacity_(capacity) {}

    StreamFeed(const StreamFeed&) = delete;
    StreamFeed& operator=(const StreamFeed&) = delete;

    // ---- the producer's side ----

    /// Queues `bytes` whole, or nothing (see Offer). Wakes a waiting front.
    Offer write(std::string_view bytes);

    /// Ends the stream once what was written is taken. Later writes are refused as closed.
    /// Idempotent.
    void end();

    /// Whether writes are refused now (ended, or closed by the front).
    bool over() const;

    // ---- the front's side ----

    /// Appends what is pending to `out` without waiting. When nothing is pending and the stream
    /// goes on, `wake` is kept and called once at the next write or end, on the writing thread and
    /// under the feed's lock (it must only hand work over, never call back into the feed).
    Take take(std::string& out, std::function<void()> wake);

    /// Appends what is pending to `out`, waiting for it up to `most`.
    Take wait(std::string& out, std::chrono::milliseconds most);

    /// The client left (or the host stops serving it): drops what is pending and refuses later
    /// writes. A kept wake-up is forgotten without being called. Idempotent.
    void close();

    /// Bytes written and not yet taken.
    std::size_t pending() const;

  private:
    Take moveOut(std::string& out);
    /// Runs the kept wake-up, if any (under the lock).
    void wakeFront();

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string pending_;
    std::function<void()> wake_;
    bool ended_ = false;
    bool closed_ = false;
};

}  // namespace mvi::host
