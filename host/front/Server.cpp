#include "front/Server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/PollSet.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <Poco/Runnable.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "front/StreamingHandler.h"

namespace mvi::host::front {
namespace {

using Clock = std::chrono::steady_clock;

/// How often a loop looks for connections past their deadline.
constexpr std::chrono::milliseconds kSweepInterval{100};

/// How long a loop stops accepting when the process has no descriptor left.
constexpr std::chrono::milliseconds kAcceptPause{100};

/// Bytes a loop reads from one connection per readiness event.
constexpr std::size_t kReadPerEvent = 256 * 1024;

/// Connections a loop accepts per readiness event of the listening socket.
constexpr int kAcceptsPerEvent = 64;

unsigned loopCount(unsigned configured) {
    if (configured > 0) {
        return configured;
    }
    return std::max(1U, std::thread::hardware_concurrency());
}

/// Writes a short answer to a socket that will be closed at once (never waits).
void answerAndClose(Poco::Net::StreamSocket& socket, int status, const std::string& detail,
                    std::chrono::seconds retryAfter) {
    std::string body = "{\"detail\":\"" + detail + "\"}";
    std::string text = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
        "Retry-After: {}\r\nConnection: Close\r\n\r\n{}",
        status,
        Poco::Net::HTTPResponse::getReasonForStatus(
            static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)),
        body.size(), retryAfter.count(), body);
    try {
        socket.sendBytes(text.data(), static_cast<int>(text.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
        socket.shutdownSend();
        socket.close();
    } catch (const Poco::Exception&) {
        // The client is gone already.
    }
}

}  // namespace

/// One event loop: a thread polling the listening socket, its connections and a wake-up socket
/// on which workers signal connections given back (the inbox).
class EventLoop {
  public:
    EventLoop(Server& server, std::size_t index) : server_(server), index_(index) {
        int pair[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
            throw Poco::IOException("cannot create the event loop's wake-up socket pair");
        }
        wakeRead_ = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(pair[0]));
        wakeWrite_ = Poco::Net::StreamSocket(new Poco::Net::StreamSocketImpl(pair[1]));
        poll_.add(wakeRead_, Poco::Net::PollSet::POLL_READ);
        poll_.add(server_.listener_, Poco::Net::PollSet::POLL_READ);
        listening_ = true;
    }

    ~EventLoop() { join(); }

    void start() {
        thread_ = std::thread([this] { run(); });
    }

    void join() {
        if (thread_.joinable()) {
            quit_.store(true, std::memory_order_release);
            wake();
            thread_.join();
        }
    }

    /// Takes `connection` back from a worker (thread-safe).
    void give(std::shared_ptr<Connection> connection) {
        {
            std::lock_guard lock(inboxMutex_);
            inbox_.push_back(std::move(connection));
        }
        wake();
    }

    /// Asks the loop to stop accepting and close its idle connections (thread-safe).
    void drain() {
        draining_.store(true, std::memory_order_release);
        wake();
    }

  private:
    /// A connection of this loop. While it is lent to a worker, it stays in the poll set (saving
    /// two system calls per request) but the loop touches only the entry.
    struct Entry {
        std::shared_ptr<Connection> connection;
        int mode = 0;
    };

    void wake() {
        if (!woken_.exchange(true, std::memory_order_acq_rel)) {
            char byte = 1;
            try {
                wakeWrite_.sendBytes(&byte, 1, MSG_NOSIGNAL);
            } catch (const Poco::Exception&) {
                // The loop is closing.
            }
        }
    }

    void run() {
        auto nextSweep = Clock::now() + kSweepInterval;
        while (!quit_.load(std::memory_order_acquire)) {
            Poco::Net::PollSet::SocketModeMap ready;
            try {
                ready =
                    poll_.poll(Poco::Timespan(0, static_cast<long>(kSweepInterval.count() * 1000)));
            } catch (const Poco::Exception& error) {
                server_.logger_.error(
                    fmt::format("HTTP event loop: poll failed: {}", error.displayText()));
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                continue;
            }
            auto now = Clock::now();
            for (const auto& [socket, mode] : ready) {
                if (socket == wakeRead_) {
                    takeInbox(now);
                } else if (socket == server_.listener_) {
                    accept(now);
                } else {
                    event(socket.impl()->sockfd(), mode, now);
                }
            }
            if (draining_.load(std::memory_order_acquire) && !drained_) {
                drainNow();
            }
            if (now >= nextSweep) {
                sweep(now);
                nextSweep = now + kSweepInterval;
            }
        }
        for (auto& [fd, entry] : connections_) {
            entry.connection->close();
        }
        connections_.clear();
    }

    void takeInbox(Clock::time_point now) {
        char bytes[256];
        try {
            while (wakeRead_.receiveBytes(bytes, sizeof bytes) > 0) {
            }
        } catch (const Poco::Exception&) {
            // Nothing more to read.
        }
        woken_.store(false, std::memory_order_release);
        std::vector<std::shared_ptr<Connection>> taken;
        {
            std::lock_guard lock(inboxMutex_);
            taken.swap(inbox_);
        }
        for (auto& connection : taken) {
            int fd = connection->fd();
            auto found = connections_.find(fd);
            if (found == connections_.end() || found->second.connection != connection) {
                // Not one of this loop's (cannot happen): it closes.
                connection->close();
                continue;
            }
            connection->takenBack();
            if (connection->abandoned()) {
                close(fd);
                continue;
            }
            process(fd, now);
        }
    }

    void accept(Clock::time_point now) {
        if (draining_.load(std::memory_order_acquire)) {
            return;
        }
        for (int i = 0; i < kAcceptsPerEvent; ++i) {
            Poco::Net::SocketAddress client;
            Poco::Net::StreamSocket socket;
            try {
                socket = server_.listener_.acceptConnection(client);
            } catch (const Poco::Exception& error) {
                if (error.code() == EMFILE || error.code() == ENFILE || error.code() == ENOBUFS ||
                    error.code() == ENOMEM) {
                    // Out of descriptors: the listening socket would stay ready and spin the
                    // loop; it is left alone for a while.
                    server_.logger_.warning(fmt::format(
                        "HTTP front: cannot accept a connection: {}", error.displayText()));
                    poll_.remove(server_.listener_);
                    listening_ = false;
                    resumeListening_ = now + kAcceptPause;
                }
                return;
            }
            auto connection = server_.adopt(std::move(socket), client);
            if (!connection) {
                continue;
            }
            connection->loop = index_;
            int fd = connection->fd();
            connections_[fd] = Entry{std::move(connection), 0};
            watch(fd, Poco::Net::PollSet::POLL_READ);
        }
    }

    void watch(int fd, int mode) {
        Entry& entry = connections_.at(fd);
        if (entry.mode == mode) {
            return;
        }
        if (entry.mode == 0) {
            poll_.add(entry.connection->socket(), mode);
        } else {
            poll_.update(entry.connection->socket(), mode);
        }
        entry.mode = mode;
    }

    /// Stops watching `fd` and forgets it: it goes to a worker, or closes.
    std::shared_ptr<Connection> release(int fd) {
        auto found = connections_.find(fd);
        std::shared_ptr<Connection> connection = std::move(found->second.connection);
        if (found->second.mode != 0) {
            poll_.remove(connection->socket());
        }
        connections_.erase(found);
        return connection;
    }

    void close(int fd) {
        auto connection = release(fd);
        connection->close();
    }

    void event(int fd, int mode, Clock::time_point now) {
        auto found = connections_.find(fd);
        if (found == connections_.end()) {
            return;
        }
        if (found->second.connection->lent() && found->second.connection->unwatchWhileLent()) {
            // Input (a pipelined request) or a hang-up while a worker has the connection: it is
            // looked at when the worker gives it back.
            poll_.remove(found->second.connection->socket());
            found->second.mode = 0;
            return;
        }
        Connection& connection = *found->second.connection;
        if (connection.feeding() && (mode & Poco::Net::PollSet::POLL_WRITE) == 0) {
            // Waiting for the feed: what the client sends meanwhile is dropped (the connection
            // closes after the stream), and its hang-up ends the stream.
            if (!connection.dropWhileFeeding()) {
                close(fd);
            }
            return;
        }
        if (connection.phase() == Connection::Phase::Lingering) {
            if (!connection.drop()) {
                close(fd);
            }
            return;
        }
        if ((mode & Poco::Net::PollSet::POLL_READ) != 0 &&
            connection.phase() != Connection::Phase::Writing) {
            if (!connection.fill(kReadPerEvent)) {
                // The client closed (or the connection broke): a request read in full before
                // the end is still answered; anything else ends here.
                if (connection.advance(server_.bodyLimit_, now) == Connection::Step::Request) {
                    connection.closeAfterWrite();
                    dispatch(fd, now);
                } else {
                    close(fd);
                }
                return;
            }
        } else if ((mode & Poco::Net::PollSet::POLL_ERROR) != 0 &&
                   (mode & Poco::Net::PollSet::POLL_WRITE) == 0) {
            close(fd);
            return;
        }
        process(fd, now);
    }

    /// Moves the connection on as far as it can go without waiting.
    void process(int fd, Clock::time_point now) {
        Connection& connection = *connections_.at(fd).connection;
        while (true) {
            if (connection.hasOutput()) {
                switch (connection.write(now)) {
                    case Connection::Write::Failed:
                        close(fd);
                        return;
                    case Connection::Write::Blocked:
                        watch(fd, Poco::Net::PollSet::POLL_WRITE);
                        return;
                    case Connection::Write::Waiting:
                        // Watched for input only to notice a client that leaves.
                        watch(fd, Poco::Net::PollSet::POLL_READ);
                        return;
                    case Connection::Write::Done:
                        break;
                }
            }
            if (connection.phase() == Connection::Phase::Writing) {
                if (connection.closing() || server_.stopping_.load(std::memory_order_acquire)) {
                    if (connection.lingers()) {
                        connection.startLingering(now);
                        watch(fd, Poco::Net::PollSet::POLL_READ);
                    } else {
                        close(fd);
                    }
                    return;
                }
                connection.rest(now);
            }
            if (connection.phase() == Connection::Phase::Lingering) {
                watch(fd, Poco::Net::PollSet::POLL_READ);
                return;
            }
            Connection::Step step = connection.advance(server_.bodyLimit_, now);
            if (step == Connection::Step::More) {
                if (connection.hasOutput()) {
                    continue;
                }
                if (connection.phase() == Connection::Phase::Idle && !connection.hasInput() &&
                    draining_.load(std::memory_order_acquire)) {
                    close(fd);
                    return;
                }
                watch(fd, Poco::Net::PollSet::POLL_READ);
                return;
            }
            if (step == Connection::Step::Refused) {
                continue;
            }
            if (dispatch(fd, now)) {
                return;
            }
        }
    }

    /// Hands the connection's complete request to the workers; false (and a 503 queued) when
    /// their queue is full.
    bool dispatch(int fd, Clock::time_point) {
        // Watched for input while lent: a worker that leaves the connection waiting for its next
        // request returns it without waking the loop.
        watch(fd, Poco::Net::PollSet::POLL_READ);
        Entry& entry = connections_.at(fd);
        auto connection = entry.connection;
        connection->lendToWorker();
        if (server_.dispatch(connection)) {
            return true;
        }
        connection->takenBack();
        connection->take();
        connection->queueError(
            503, "the host has too many requests waiting; retry shortly (http.max_queued)", true,
            fmt::format("Retry-After: {}\r\n", server_.settings_.retryAfter.count()));
        connection->setPhase(Connection::Phase::Writing);
        return false;
    }

    void sweep(Clock::time_point now) {
        if (!listening_ && now >= resumeListening_ && !draining_.load(std::memory_order_acquire)) {
            poll_.add(server_.listener_, Poco::Net::PollSet::POLL_READ);
            listening_ = true;
        }
        std::vector<int> expired;
        for (const auto& [fd, entry] : connections_) {
            if (!entry.connection->lent() && entry.connection->deadline() <= now) {
                expired.push_back(fd);
            }
        }
        Stats& stats = server_.stats_;
        for (int fd : expired) {
            Connection& connection = *connections_.at(fd).connection;
            switch (connection.phase()) {
                case Connection::Phase::Head:
                    stats.headTimeout.fetch_add(1, std::memory_order_relaxed);
                    timeOut(fd, "request head not received in time (http.head_timeout_seconds)",
                            now);
                    break;
                case Connection::Phase::Body:
                    stats.bodyTimeout.fetch_add(1, std::memory_order_relaxed);
                    timeOut(fd,
                            "request body not received in time (http.body_timeout_seconds, "
                            "http.body_min_rate)",
                            now);
                    break;
                case Connection::Phase::Writing:
                    stats.sendTimeout.fetch_add(1, std::memory_order_relaxed);
                    close(fd);
                    break;
                case Connection::Phase::Idle:
                    stats.idleClosed.fetch_add(1, std::memory_order_relaxed);
                    close(fd);
                    break;
                default:
                    close(fd);
                    break;
            }
        }
    }

    void timeOut(int fd, const std::string& detail, Clock::time_point now) {
        Connection& connection = *connections_.at(fd).connection;
        connection.take();
        connection.queueError(408, detail, false);
        connection.setPhase(Connection::Phase::Writing);
        // The deadline is the client's to read the 408 in.
        process(fd, now);
        auto found = connections_.find(fd);
        if (found != connections_.end() &&
            found->second.connection->phase() == Connection::Phase::Lingering) {
            close(fd);
        }
    }

    void drainNow() {
        drained_ = true;
        if (listening_) {
            poll_.remove(server_.listener_);
            listening_ = false;
        }
        std::vector<int> idle;
        for (const auto& [fd, entry] : connections_) {
            if (!entry.connection->lent() && entry.connection->phase() == Connection::Phase::Idle &&
                !entry.connection->hasInput()) {
                idle.push_back(fd);
            }
        }
        for (int fd : idle) {
            close(fd);
        }
    }

    Server& server_;
    const std::size_t index_;
    Poco::Net::PollSet poll_;
    Poco::Net::StreamSocket wakeRead_;
    Poco::Net::StreamSocket wakeWrite_;
    std::unordered_map<int, Entry> connections_;
    std::mutex inboxMutex_;
    std::vector<std::shared_ptr<Connection>> inbox_;
    std::atomic<bool> woken_{false};
    std::atomic<bool> quit_{false};
    std::atomic<bool> draining_{false};
    bool drained_ = false;
    bool listening_ = false;
    Clock::time_point resumeListening_;
    std::thread thread_;
};

namespace {

/// A streaming answer on a stream thread: Poco's own response writes to the socket (chunked).
class StreamJob : public Poco::Runnable {
  public:
    StreamJob(Poco::Net::StreamSocket socket, std::unique_ptr<Request> request,
              std::unique_ptr<Poco::Net::HTTPRequestHandler> handler,
              Poco::Net::HTTPServerParams::Ptr params, const Settings& settings, Stats& stats,
              std::atomic<std::size_t>& busy)
        : socket_(std::move(socket)),
          request_(std::move(request)),
          handler_(std::move(handler)),
          params_(std::move(params)),
          settings_(settings),
          stats_(stats),
          busy_(busy) {}

    void run() override {
        try {
            Poco::Net::StreamSocket& socket = socket_;
            socket.setBlocking(true);
            socket.setSendTimeout(Poco::Timespan(settings_.sendTimeout.count() * 1000));
            Poco::Net::HTTPServerSession session(socket, params_);
            Poco::Net::HTTPServerResponseImpl response(session);
            response.setVersion(request_->getVersion());
            response.setKeepAlive(false);
            response.set("Server", settings_.serverName);
            response.set("Date", httpDate());
            request_->setResponse(response);
            try {
                handler_->handleRequest(*request_, response);
                if (!response.sent()) {
                    response.send();
                }
            } catch (const Poco::Exception&) {
                // The client went away, or the socket failed: the stream ends.
            } catch (const std::exception&) {
                // As above.
            }
        } catch (const Poco::Exception&) {
            // The connection could not be prepared; it closes.
        }
        handler_.reset();
        request_.reset();
        try {
            socket_.close();
        } catch (const Poco::Exception&) {
            // Closed either way.
        }
        stats_.streaming.fetch_sub(1, std::memory_order_relaxed);
        busy_.fetch_sub(1, std::memory_order_acq_rel);
        delete this;
    }

  private:
    Poco::Net::StreamSocket socket_;
    std::unique_ptr<Request> request_;
    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler_;
    Poco::Net::HTTPServerParams::Ptr params_;
    const Settings& settings_;
    Stats& stats_;
    std::atomic<std::size_t>& busy_;
};

}  // namespace

Server::Server(Poco::Net::ServerSocket listener, Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
               Settings settings, BodyLimitFor bodyLimit, Stats& stats, Poco::Logger& logger)
    : listener_(std::move(listener)),
      address_(listener_.address()),
      factory_(std::move(factory)),
      settings_(settings),
      bodyLimit_(std::move(bodyLimit)),
      logger_(logger),
      params_(new Poco::Net::HTTPServerParams),
      stats_(stats),
      limits_(settings_, stats_),
      budget_(settings_.maxBufferedBytes),
      streams_("http-stream", 1, static_cast<int>(std::max(1U, settings_.maxStreams))) {
    params_->setServerName(settings_.serverName);
    params_->setKeepAlive(false);
    listener_.setBlocking(false);
}

Server::~Server() {
    stop();
    stopAll(Clock::now());
}

void Server::start() {
    if (started_) {
        return;
    }
    started_ = true;
    // Workers start as requests need them: a start (or a restart after a crash) does not wait
    // for hundreds of threads, and a steady load keeps only those it needs.
    WorkQueue<std::shared_ptr<Connection>>::Settings workers;
    workers.thread = "http";
    workers.threads = std::max(1U, settings_.workers);
    workers.capacity = settings_.maxQueued;
    workers.growOnDemand = true;
    workers_ = std::make_unique<WorkQueue<std::shared_ptr<Connection>>>(
        workers, [this](std::vector<std::shared_ptr<Connection>>& batch) {
            for (auto& connection : batch) {
                stats_.queued.fetch_sub(1, std::memory_order_relaxed);
                serve(std::move(connection));
            }
        });
    unsigned count = loopCount(settings_.loops);
    for (unsigned i = 0; i < count; ++i) {
        loops_.push_back(std::make_unique<EventLoop>(*this, i));
    }
    for (auto& loop : loops_) {
        loop->start();
    }
}

void Server::stop() {
    if (stopping_.exchange(true)) {
        return;
    }
    for (auto& loop : loops_) {
        loop->drain();
    }
}

bool Server::stopAll(std::chrono::steady_clock::time_point deadline) {
    if (stoppedAll_) {
        return true;
    }
    stop();
    while (busy() > 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (busy() > 0) {
        return false;
    }
    stoppedAll_ = true;
    for (auto& loop : loops_) {
        loop->join();
    }
    if (workers_) {
        for (auto& connection : workers_->stop(Clock::now())) {
            connection->close();
        }
    }
    streams_.joinAll();
    loops_.clear();
    try {
        listener_.close();
    } catch (const Poco::Exception&) {
        // Closed either way.
    }
    return true;
}

unsigned Server::port() const {
    return address_.port();
}

std::shared_ptr<Connection> Server::adopt(Poco::Net::StreamSocket socket,
                                          const Poco::Net::SocketAddress& client) {
    switch (limits_.admit(client.host())) {
        case ConnectionLimits::Admit::TooMany:
            stats_.tooManyConnections.fetch_add(1, std::memory_order_relaxed);
            answerAndClose(socket, 503, "the host has too many connections (http.max_connections)",
                           settings_.retryAfter);
            return nullptr;
        case ConnectionLimits::Admit::TooManyFromAddress:
            stats_.tooManyFromAddress.fetch_add(1, std::memory_order_relaxed);
            answerAndClose(socket, 503,
                           "too many connections from this address "
                           "(http.max_connections_per_address)",
                           settings_.retryAfter);
            return nullptr;
        case ConnectionLimits::Admit::Yes:
            break;
    }
    stats_.accepted.fetch_add(1, std::memory_order_relaxed);
    try {
        socket.setBlocking(false);
        socket.setNoDelay(true);
    } catch (const Poco::Exception&) {
        limits_.release(client.host());
        return nullptr;
    }
    return std::make_shared<Connection>(std::move(socket), client, address_, settings_, stats_,
                                        params_, budget_, limits_);
}

bool Server::dispatch(std::shared_ptr<Connection> connection) {
    busy_.fetch_add(1, std::memory_order_acq_rel);
    stats_.queued.fetch_add(1, std::memory_order_relaxed);
    if (workers_->push(std::move(connection))) {
        stats_.requests.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    stats_.queued.fetch_sub(1, std::memory_order_relaxed);
    busy_.fetch_sub(1, std::memory_order_acq_rel);
    stats_.queueFull.fetch_add(1, std::memory_order_relaxed);
    return false;
}

void Server::handBack(std::shared_ptr<Connection> connection) {
    std::size_t loop = connection->loop;
    loops_.at(loop)->give(std::move(connection));
}

void Server::serve(std::shared_ptr<Connection> connection) {
    while (true) {
        std::unique_ptr<Request> request = connection->take();
        bool headOnly = request->getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD;
        Response* answering = nullptr;
        auto response = std::make_unique<Response>([this, connection, headOnly, &answering] {
            // Another thread answers while the worker is held (see Response): the answer goes
            // out now and the connection closes after it.
            connection->queueAnswer(*answering, headOnly, false);
            connection->setPhase(Connection::Phase::Writing);
            handBack(connection);
        });
        answering = response.get();
        response->setVersion(request->getVersion());
        response->setKeepAlive(request->getKeepAlive());
        response->servedBy(std::this_thread::get_id());
        request->setResponse(*response);

        std::unique_ptr<Poco::Net::HTTPRequestHandler> handler;
        try {
            handler.reset(factory_->createRequestHandler(*request));
        } catch (const std::exception& error) {
            logger_.error(fmt::format("HTTP front: no handler: {}", error.what()));
        }
        auto* streaming = dynamic_cast<StreamingHandler*>(handler.get());
        if (streaming != nullptr && streaming->streams(*request)) {
            if (stream(connection, std::move(request), std::move(handler))) {
                busy_.fetch_sub(1, std::memory_order_acq_rel);
                return;
            }
            stats_.streamsFull.fetch_add(1, std::memory_order_relaxed);
            connection->queueError(
                503, "the host serves too many streams; retry shortly (http.max_streams)", true,
                fmt::format("Retry-After: {}\r\n", settings_.retryAfter.count()));
            connection->setPhase(Connection::Phase::Writing);
            busy_.fetch_sub(1, std::memory_order_acq_rel);
            handBack(std::move(connection));
            return;
        }
        if (handler) {
            try {
                handler->handleRequest(*request, *response);
            } catch (const std::exception& error) {
                logger_.error(fmt::format("HTTP front: a handler failed: {}", error.what()));
                if (!response->sent() && !response->sentElsewhere()) {
                    response->body().clear();
                    response->setStatusAndReason(
                        Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
                    response->setContentType("application/json");
                    response->body() = "{\"detail\":\"internal error\"}";
                    response->setKeepAlive(false);
                }
            }
        } else {
            response->setStatusAndReason(Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
            response->setContentType("application/json");
            response->body() = "{\"detail\":\"internal error: no handler\"}";
            response->setKeepAlive(false);
        }
        handler.reset();
        if (response->sentElsewhere()) {
            busy_.fetch_sub(1, std::memory_order_acq_rel);
            return;
        }
        if (response->feeding()) {
            // A streamed answer: its loop writes it as the producer feeds it, without this
            // worker, and the connection closes after it.
            connection->setFeedWake([this, weak = std::weak_ptr<Connection>(connection)] {
                if (auto fed = weak.lock()) {
                    handBack(std::move(fed));
                }
            });
            connection->queueAnswer(*response, headOnly, false);
            connection->setPhase(Connection::Phase::Writing);
            busy_.fetch_sub(1, std::memory_order_acq_rel);
            handBack(std::move(connection));
            return;
        }
        bool keepAlive = response->getKeepAlive() && request->getKeepAlive() &&
                         !stopping_.load(std::memory_order_acquire);
        connection->queueAnswer(*response, headOnly, keepAlive);
        response.reset();
        request.reset();
        connection->setPhase(Connection::Phase::Writing);
        auto now = Clock::now();
        auto written = connection->write(now);
        busy_.fetch_sub(1, std::memory_order_acq_rel);
        if (written == Connection::Write::Failed) {
            connection->abandon();
            handBack(std::move(connection));
            return;
        }
        if (written == Connection::Write::Blocked || connection->closing()) {
            // The loop writes the rest, or closes (after lingering when input is left).
            handBack(std::move(connection));
            return;
        }
        connection->rest(now);
        Connection::Step next =
            connection->hasInput() ? connection->advance(bodyLimit_, now) : Connection::Step::More;
        if (next != Connection::Step::Request) {
            // Waiting for the rest of the next request, its loop still watching: returned
            // without a wake-up, unless the loop has something to do (an answer to write, input
            // it stopped watching for, a stop).
            if (next == Connection::Step::More && !connection->hasOutput() &&
                !stopping_.load(std::memory_order_acquire) && connection->returnQuietly()) {
                return;
            }
            handBack(std::move(connection));
            return;
        }
        // The next request was already read in full (pipelined): served here, in order.
        busy_.fetch_add(1, std::memory_order_acq_rel);
        stats_.requests.fetch_add(1, std::memory_order_relaxed);
    }
}

bool Server::stream(const std::shared_ptr<Connection>& connection, std::unique_ptr<Request> request,
                    std::unique_ptr<Poco::Net::HTTPRequestHandler> handler) {
    // The stream thread writes to a duplicate of the socket; the event loop closes the original
    // (it is still in its poll set) when it gets the connection back.
    int duplicate = ::dup(connection->fd());
    if (duplicate < 0) {
        return false;
    }
    StreamJob* job = nullptr;
    {
        // Only the job holds the socket (its own copy and its request's) once it runs: a copy let
        // go here meanwhile would be counted down beside the stream thread's, inside Poco.
        Poco::Net::StreamSocket socket(new Poco::Net::StreamSocketImpl(duplicate));
        request->setSocket(socket);
        job = new StreamJob(socket, std::move(request), std::move(handler), params_, settings_,
                            stats_, busy_);
    }
    busy_.fetch_add(1, std::memory_order_acq_rel);
    stats_.streaming.fetch_add(1, std::memory_order_relaxed);
    try {
        streams_.start(*job);
        connection->abandon();
        handBack(connection);
        return true;
    } catch (const Poco::NoThreadAvailableException&) {
        delete job;
        stats_.streaming.fetch_sub(1, std::memory_order_relaxed);
        busy_.fetch_sub(1, std::memory_order_acq_rel);
        return false;
    }
}

}  // namespace mvi::host::front
