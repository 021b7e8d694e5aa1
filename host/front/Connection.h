#pragma once

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "front/Exchange.h"
#include "front/Settings.h"
#include "front/Stats.h"

namespace mvi::host::front {

class ConnectionLimits;

/// The largest body a request may send, and the configuration key that sets it (named in the
/// 413 answer), decided from its head.
struct BodyLimit {
    std::uint64_t bytes = 0;
    std::string key;
};

/// Decides a request's body limit from its head (the route it goes to).
using BodyLimitFor = std::function<BodyLimit(const Poco::Net::HTTPRequest&)>;

/// One client connection of the front: the bytes read and not yet used, the request being
/// read, and the bytes of answers not yet written.
///
/// A connection belongs to one thread at a time: its event loop while it waits for input or
/// for the client to read, a worker while its request is served. Nothing in it is locked: the
/// hand-over between threads goes through the event loop's inbox (a mutex), or, when a worker
/// leaves a kept-alive connection waiting for its next request and its loop still watches it,
/// through the atomic owner alone (see `returnQuietly`).
class Connection {
  public:
    using Clock = std::chrono::steady_clock;

    /// Where the connection is in its life, for the event loop's deadlines.
    enum class Phase {
        /// Between requests (or just accepted): closes silently at the idle deadline.
        Idle,
        /// Part of a request head has arrived: 408 at the head deadline.
        Head,
        /// The head is read, the body is coming: 408 when it comes slower than allowed.
        Body,
        /// Complete request handed to a worker.
        Served,
        /// The answer's bytes wait for the client to read them.
        Writing,
        /// The answer is out and the connection closes: reading and dropping what still comes.
        Lingering,
    };

    /// What `advance` found in the bytes read.
    enum class Step {
        /// Nothing complete yet.
        More,
        /// A whole request: `take()` it.
        Request,
        /// A refusal was queued as the answer; the connection closes once it is written.
        Refused,
    };

    Connection(Poco::Net::StreamSocket socket, Poco::Net::SocketAddress client,
               Poco::Net::SocketAddress server, const Settings& settings, Stats& stats,
               Poco::Net::HTTPServerParams::Ptr params, BodyBudget& budget,
               ConnectionLimits& limits);
    ~Connection();

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Poco::Net::StreamSocket& socket() { return socket_; }
    const Poco::Net::SocketAddress& client() const { return client_; }
    int fd() const { return fd_; }

    /// Reads what the socket has, up to `most` bytes. Returns false when the client closed the
    /// connection or it failed.
    bool fill(std::size_t most);

    /// Looks for the next request in the bytes read (see Step). `bodyLimit` is asked once per
    /// request, after its head.
    Step advance(const BodyLimitFor& bodyLimit, Clock::time_point now);

    /// The complete request `advance` found.
    std::unique_ptr<Request> take() { return std::move(request_); }

    /// Queues the answer (head and body) of a served request.
    void queueAnswer(Response& response, bool headOnly, bool keepAlive);
    /// Queues a short JSON error answer the front gives itself; the connection closes after it
    /// unless `keepAlive`.
    void queueError(int status, const std::string& detail, bool keepAlive,
                    const std::string& extraHeaders = {});

    /// Writes what is queued, as far as the socket takes it without waiting. `Waiting`: the
    /// answer's feed has nothing yet; its wake-up (`feedWake`) runs when it has.
    enum class Write { Done, Blocked, Failed, Waiting };
    Write write(Clock::time_point now);
    bool hasOutput() const {
        return outStart_ < out_.size() || file_ != nullptr || feed_ != nullptr;
    }
    /// Whether the answer being written is a feed (see Response::sendFeed).
    bool feeding() const { return feed_ != nullptr; }
    /// What hands the connection back to its loop when its feed has more to write; set before
    /// the loop first writes the feed.
    void setFeedWake(std::function<void()> wake) { feedWake_ = std::move(wake); }
    /// While a feed is written: reads and drops what the client sends. False when the client
    /// closed the connection (or it failed).
    bool dropWhileFeeding();

    /// Whether the connection closes once its answer is written.
    bool closing() const { return closeAfterWrite_; }
    /// Whether, once closing, it first reads and drops what the client still sends (a refused
    /// request, or input after the last answer).
    bool lingers() const { return lingerAfterWrite_ || hasInput(); }
    void closeAfterWrite() { closeAfterWrite_ = true; }

    /// After the last answer of a closing connection: stops sending and reads and drops what the
    /// client still sends, until `Settings::linger` passes (the client then reads the answer
    /// instead of a reset).
    void startLingering(Clock::time_point now);
    /// Reads and drops; false when lingering is over (client closed or failed).
    bool drop();

    /// A request is done (its answer queued): back to waiting for the next one.
    void rest(Clock::time_point now);

    Phase phase() const { return phase_; }
    void setPhase(Phase phase) { phase_ = phase; }
    /// When the current phase runs out of time.
    Clock::time_point deadline() const { return deadline_; }
    /// Unread bytes are buffered (a pipelined request, or part of one).
    bool hasInput() const { return inStart_ < in_.size(); }

    /// Closes the socket and gives back the connection's place in the limits. Idempotent.
    void close();

    /// Marks the connection to be closed by its event loop as soon as it gets it back (it failed,
    /// or a stream thread took over a duplicate of its socket).
    void abandon() { abandoned_ = true; }
    bool abandoned() const { return abandoned_; }

    /// The loop lends the connection to a worker; it keeps watching it for input meanwhile.
    void lendToWorker() { owner_.store(Owner::Worker, std::memory_order_release); }
    /// Whether a worker has the connection (the loop then touches nothing in it).
    bool lent() const { return owner_.load(std::memory_order_acquire) != Owner::Loop; }
    /// The loop saw input or a hang-up on a lent connection. True: it is still lent, and the
    /// loop stops watching it (the worker gives it back through the inbox). False: the worker
    /// returned it meanwhile, and the loop handles the event.
    bool unwatchWhileLent() {
        Owner expected = Owner::Worker;
        return owner_.compare_exchange_strong(expected, Owner::Unwatched,
                                              std::memory_order_acq_rel) ||
               expected == Owner::Unwatched;
    }
    /// The worker returns the connection to its loop without waking it. True when the loop
    /// still watches it; false when it stopped (the worker gives it back through the inbox).
    bool returnQuietly() {
        Owner expected = Owner::Worker;
        return owner_.compare_exchange_strong(expected, Owner::Loop, std::memory_order_acq_rel);
    }
    /// The loop took the connection back from its inbox.
    void takenBack() { owner_.store(Owner::Loop, std::memory_order_relaxed); }

  private:
    Step readHead(const BodyLimitFor& bodyLimit, Clock::time_point now);
    Step readBody(Clock::time_point now);
    Step readChunks(Clock::time_point now);
    Step refuse(int status, const std::string& detail, Poco::Net::NameValueCollection* = nullptr);
    void compact();
    /// Queues the feed's next bytes (framed as a chunk when chunked), or its end; `Waiting`
    /// when it has nothing yet.
    Write takeFeed();
    void extendBodyDeadline();

    Poco::Net::StreamSocket socket_;
    int fd_;
    Poco::Net::SocketAddress client_;
    Poco::Net::SocketAddress server_;
    const Settings& settings_;
    Stats& stats_;
    Poco::Net::HTTPServerParams::Ptr params_;
    BodyBudget& budget_;
    ConnectionLimits& limits_;
    bool closed_ = false;
    bool abandoned_ = false;
    enum class Owner { Loop, Worker, Unwatched };
    std::atomic<Owner> owner_{Owner::Loop};

    Phase phase_ = Phase::Idle;
    Clock::time_point deadline_;
    Clock::time_point bodyStart_;

    std::string in_;
    std::size_t inStart_ = 0;
    /// Where the search for the end of the head resumes.
    std::size_t headScanned_ = 0;

    std::unique_ptr<Request> request_;
    BodyLimit limit_;
    std::uint64_t bodyLeft_ = 0;
    bool chunked_ = false;
    enum class Chunk { Size, Data, DataEnd, Trailer } chunk_ = Chunk::Size;

    std::string out_;
    std::size_t outStart_ = 0;
    std::unique_ptr<std::istream> file_;
    std::uint64_t fileLeft_ = 0;
    std::shared_ptr<StreamFeed> feed_;
    bool feedChunked_ = false;
    std::function<void()> feedWake_;
    bool closeAfterWrite_ = false;
    bool lingerAfterWrite_ = false;
    std::uint64_t lingered_ = 0;

  public:
    /// The event loop the connection belongs to (set by it when it accepts the connection).
    std::size_t loop = 0;
};

}  // namespace mvi::host::front
