#pragma once

#include <Poco/MemoryStream.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <thread>

#include "core/StreamFeed.h"

namespace mvi::host::front {

/// Body bytes the front holds for one request, counted against `Settings::maxBufferedBytes`
/// until the request is done with.
class BodyBudget {
  public:
    explicit BodyBudget(std::uint64_t limit) : limit_(limit) {}

    /// Takes `bytes` more; false (and nothing taken) when that would pass the limit.
    bool take(std::uint64_t bytes);
    void give(std::uint64_t bytes) { held_.fetch_sub(bytes, std::memory_order_relaxed); }
    std::uint64_t held() const { return held_.load(std::memory_order_relaxed); }

  private:
    const std::uint64_t limit_;
    std::atomic<std::uint64_t> held_{0};
};

/// One request read in full by the front: Poco's request head (parsed by `HTTPRequest::read`),
/// its body in memory, and the addresses of its connection. Handlers see it through Poco's
/// `HTTPServerRequest`, as under Poco's own server.
class Request : public Poco::Net::HTTPServerRequest {
  public:
    Request(Poco::Net::StreamSocket socket, Poco::Net::SocketAddress client,
            Poco::Net::SocketAddress server, Poco::Net::HTTPServerParams::Ptr params,
            BodyBudget& budget);
    ~Request() override;

    std::istream& stream() override;
    const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
    const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
    const Poco::Net::HTTPServerParams& serverParams() const override { return *params_; }
    Poco::Net::HTTPServerResponse& response() const override { return *response_; }
    bool secure() const override { return false; }

    /// The connection's socket: a handler that streams its answer looks whether the client left.
    Poco::Net::StreamSocket& socket() { return socket_; }

    void setResponse(Poco::Net::HTTPServerResponse& response) { response_ = &response; }
    void setSocket(Poco::Net::StreamSocket socket) { socket_ = std::move(socket); }

    /// Appends body bytes; false when the front's body budget is spent.
    bool appendBody(const char* data, std::size_t size);
    /// Takes `bytes` of the budget ahead (a body of known length); false when spent.
    bool reserveBody(std::uint64_t bytes);
    const std::string& body() const { return body_; }

  private:
    Poco::Net::StreamSocket socket_;
    Poco::Net::SocketAddress client_;
    Poco::Net::SocketAddress server_;
    Poco::Net::HTTPServerParams::Ptr params_;
    BodyBudget& budget_;
    std::uint64_t budgeted_ = 0;
    std::string body_;
    std::unique_ptr<Poco::MemoryInputStream> stream_;
    Poco::Net::HTTPServerResponse* response_ = nullptr;
};

/// An answer written into memory by a handler on a worker, then sent by the front without the
/// worker: the front writes what the socket takes and an event loop the rest, at the client's
/// pace. A file (`sendFile`) is read from its open descriptor as the client reads, so it may be
/// removed once the handler returns.
///
/// A flush of `send()`'s stream from another thread than the worker running the handler (the
/// call watchdog answering 504 while the call is stuck) sends the answer at once, as it is; the
/// worker then leaves it alone. A flush on the worker's own thread does nothing.
class Response : public Poco::Net::HTTPServerResponse {
  public:
    /// `sendNow` runs on the flushing thread when another thread flushes.
    explicit Response(std::function<void()> sendNow);

    void sendContinue() override {}
    std::ostream& send() override;
    void sendFile(const std::string& path, const std::string& mediaType) override;
    /// Sends `length` bytes of `stream`, from where it stands, as the body (the `Content-Type`
    /// is the caller's to set): read as the client reads, like a file of `sendFile`, so a file
    /// opened by the handler (a part of it, for a range) is never held in memory whole.
    void sendStream(std::unique_ptr<std::istream> stream, std::uint64_t length);
    /// Sends the bytes of `feed` as the body, as its producer writes them (chunked for HTTP/1.1,
    /// up to the close for HTTP/1.0): the event loop writes them without a worker, and the
    /// connection closes when the feed ends or the client leaves (the feed is then closed).
    void sendFeed(std::shared_ptr<StreamFeed> feed);
    void sendBuffer(const void* buffer, std::size_t length) override;
    void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
    void requireAuthentication(const std::string& realm) override;
    bool sent() const override { return sent_; }

    /// The thread running the handler; a flush from any other sends the answer at once.
    void servedBy(std::thread::id worker) { worker_ = worker; }

    /// Whether the answer was sent from another thread (and must be left alone).
    bool sentElsewhere() const { return sentElsewhere_.load(std::memory_order_acquire); }

    /// The status line and header fields, then an empty line: `Content-Length` is the body's (or
    /// the file's; a feed's body is chunked instead, and its connection closes), `Connection` says
    /// whether the connection stays open, `Date` and `Server` are set. A HEAD request (`headOnly`)
    /// and statuses without a body send no body.
    std::string head(bool keepAlive, const char* serverName);
    /// Whether the body is sent (not for HEAD, 1xx, 204 and 304).
    bool hasBody(bool headOnly) const;

    std::string& body() { return body_; }
    std::unique_ptr<std::istream> takeFile() { return std::move(file_); }
    /// Whether the body is a feed (`sendFeed`).
    bool feeding() const { return feed_ != nullptr; }
    std::shared_ptr<StreamFeed> takeFeed() { return std::move(feed_); }
    std::uint64_t fileSize() const { return fileSize_; }

  private:
    class Buffer : public std::streambuf {
      public:
        explicit Buffer(Response& owner) : owner_(owner) {}

      protected:
        int_type overflow(int_type c) override;
        std::streamsize xsputn(const char* data, std::streamsize size) override;
        int sync() override;

      private:
        Response& owner_;
    };

    std::string body_;
    Buffer buffer_;
    std::ostream out_;
    std::unique_ptr<std::istream> file_;
    std::uint64_t fileSize_ = 0;
    std::shared_ptr<StreamFeed> feed_;
    bool sent_ = false;
    std::function<void()> sendNow_;
    std::thread::id worker_;
    std::atomic<bool> sentElsewhere_{false};
};

/// The `Date` header's value for now, made at most once a second per thread.
const std::string& httpDate();

}  // namespace mvi::host::front
