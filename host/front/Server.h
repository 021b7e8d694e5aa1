#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "core/WorkQueue.h"
#include "front/Connection.h"
#include "front/ConnectionLimits.h"
#include "front/Settings.h"
#include "front/Stats.h"

namespace mvi::host::front {

class EventLoop;

/// The event-driven HTTP front: a few event loops (Poco `PollSet`) own every connection and read
/// each request, head and body, into the connection's buffer; a complete request goes to a fixed
/// pool of workers that run the handlers of Poco's `HTTPRequestHandlerFactory`, and the answer,
/// written into memory, goes back out without holding the worker when the client reads slowly.
/// Idle and slow clients cost their buffers, not a thread. Requests of one connection are served
/// in order (HTTP/1.1 pipelining); `Expect: 100-continue` is answered as soon as the head is read
/// and the body accepted. A handler that streams (StreamingHandler) runs on a bounded pool of
/// stream threads and writes to the socket itself.
///
/// Limits (Settings) answer as nginx does: 431 for a head too large, 408 at the head or body
/// deadline, 413 for a body over its route's limit, 503 with `Retry-After` when the workers'
/// queue or the stream threads are full, 503 and close past the connection limits; an idle
/// keep-alive connection closes at its deadline. Each refusal is counted in `stats()`.
class Server {
  public:
    /// Serves on `listener` (bound and listening) with `factory`'s handlers. `bodyLimit` gives
    /// each request's body limit from its head; `stats` (which outlives the server) counts.
    Server(Poco::Net::ServerSocket listener, Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
           Settings settings, BodyLimitFor bodyLimit, Stats& stats, Poco::Logger& logger);
    /// Stops (stopAll) unless `release`d.
    ~Server();

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Starts the event loops and workers.
    void start();

    /// Accepts no more connections and lets no connection stay open after its current request:
    /// idle connections close now, answers in progress say `Connection: close`.
    void stop();

    /// Requests being served (by workers or stream threads).
    std::size_t busy() const { return busy_.load(std::memory_order_acquire); }

    /// After `stop`: waits until the requests being served end or `deadline`, then closes every
    /// connection and joins the threads. Returns false, without joining anything, when requests
    /// are still being served at the deadline (a call stuck in a plugin): the caller then lets
    /// the server go with the process.
    bool stopAll(std::chrono::steady_clock::time_point deadline);

    /// The port of the listening socket.
    unsigned port() const;

    const Stats& stats() const { return stats_; }
    const Settings& settings() const { return settings_; }

  private:
    friend class EventLoop;

    /// Runs on a worker: serves the connection's complete request, then any request already
    /// complete behind it, then gives the connection back to its loop.
    void serve(std::shared_ptr<Connection> connection);
    /// Hands `request` to a stream thread; false when none is free.
    bool stream(const std::shared_ptr<Connection>& connection, std::unique_ptr<Request> request,
                std::unique_ptr<Poco::Net::HTTPRequestHandler> handler);
    /// Gives `connection` back to its event loop.
    void handBack(std::shared_ptr<Connection> connection);
    /// Queues a request for the workers; false when the queue is full.
    bool dispatch(std::shared_ptr<Connection> connection);
    /// A new connection for the loops.
    std::shared_ptr<Connection> adopt(Poco::Net::StreamSocket socket,
                                      const Poco::Net::SocketAddress& client);

    Poco::Net::ServerSocket listener_;
    Poco::Net::SocketAddress address_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    const Settings settings_;
    BodyLimitFor bodyLimit_;
    Poco::Logger& logger_;
    Poco::Net::HTTPServerParams::Ptr params_;
    Stats& stats_;
    ConnectionLimits limits_;
    BodyBudget budget_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> busy_{0};
    std::vector<std::unique_ptr<EventLoop>> loops_;
    std::unique_ptr<WorkQueue<std::shared_ptr<Connection>>> workers_;
    Poco::ThreadPool streams_;
    bool started_ = false;
    bool stoppedAll_ = false;
};

}  // namespace mvi::host::front
