#include "front/Connection.h"

#include <Poco/Exception.h>
#include <Poco/MemoryStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>

#include "front/ConnectionLimits.h"

namespace mvi::host::front {
namespace {

constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

/// Longest chunk-size line (with extensions) of a chunked body.
constexpr std::size_t kMaxChunkLine = 1024;

/// Scratch space of one thread's reads.
char* scratch(std::size_t& size) {
    thread_local std::array<char, 65536> buffer;
    size = buffer.size();
    return buffer.data();
}

/// Parses a decimal Content-Length strictly (digits only, no sign, no overflow).
bool parseLength(const std::string& text, std::uint64_t& length) {
    std::string value = Poco::trim(text);
    if (value.empty() || value.size() > 19) {
        return false;
    }
    length = 0;
    for (char c : value) {
        if (c < '0' || c > '9') {
            return false;
        }
        length = length * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
}

/// Parses a chunk size (hexadecimal, extensions after `;` ignored).
bool parseChunkSize(const char* begin, const char* end, std::uint64_t& size) {
    size = 0;
    const char* p = begin;
    for (; p != end && *p != ';' && *p != ' ' && *p != '\t'; ++p) {
        int digit;
        if (*p >= '0' && *p <= '9') {
            digit = *p - '0';
        } else if (*p >= 'a' && *p <= 'f') {
            digit = *p - 'a' + 10;
        } else if (*p >= 'A' && *p <= 'F') {
            digit = *p - 'A' + 10;
        } else {
            return false;
        }
        if (size > (std::uint64_t{1} << 56)) {
            return false;
        }
        size = size * 16 + static_cast<std::uint64_t>(digit);
    }
    return p != begin;
}

}  // namespace

Connection::Connection(Poco::Net::StreamSocket socket, Poco::Net::SocketAddress client,
                       Poco::Net::SocketAddress server, const Settings& settings, Stats& stats,
                       Poco::Net::HTTPServerParams::Ptr params, BodyBudget& budget,
                       ConnectionLimits& limits)
    : socket_(std::move(socket)),
      fd_(socket_.impl()->sockfd()),
      client_(std::move(client)),
      server_(std::move(server)),
      settings_(settings),
      stats_(stats),
      params_(std::move(params)),
      budget_(budget),
      limits_(limits),
      deadline_(Clock::now() + settings.headTimeout) {}

Connection::~Connection() {
    close();
}

void Connection::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    if (feed_) {
        // The client is gone or the host stops: the producer's later writes are refused.
        feed_->close();
        feed_.reset();
        stats_.feeds.fetch_sub(1, std::memory_order_relaxed);
    }
    try {
        socket_.close();
    } catch (const Poco::Exception&) {
        // Closed either way.
    }
    limits_.release(client_.host());
}

void Connection::compact() {
    if (inStart_ == 0) {
        return;
    }
    if (inStart_ >= in_.size()) {
        in_.clear();
    } else {
        in_.erase(0, inStart_);
    }
    headScanned_ -= std::min(headScanned_, inStart_);
    inStart_ = 0;
}

bool Connection::fill(std::size_t most) {
    compact();
    std::size_t size = 0;
    char* buffer = scratch(size);
    std::size_t got = 0;
    while (got < most) {
        int n = 0;
        try {
            n = socket_.receiveBytes(buffer, static_cast<int>(std::min(size, most - got)));
        } catch (const Poco::Exception&) {
            return false;
        }
        if (n < 0) {
            return true;
        }
        if (n == 0) {
            return false;
        }
        in_.append(buffer, static_cast<std::size_t>(n));
        got += static_cast<std::size_t>(n);
        if (static_cast<std::size_t>(n) < size) {
            return true;
        }
    }
    return true;
}

Connection::Step Connection::advance(const BodyLimitFor& bodyLimit, Clock::time_point now) {
    while (true) {
        switch (phase_) {
            case Phase::Idle: {
                // Empty lines before a request line are ignored (RFC 9112, 2.2).
                while (inStart_ < in_.size() && (in_[inStart_] == '\r' || in_[inStart_] == '\n')) {
                    ++inStart_;
                }
                if (inStart_ == in_.size()) {
                    return Step::More;
                }
                phase_ = Phase::Head;
                headScanned_ = inStart_;
                deadline_ = now + settings_.headTimeout;
                break;
            }
            case Phase::Head:
                return readHead(bodyLimit, now);
            case Phase::Body:
                return chunked_ ? readChunks(now) : readBody(now);
            default:
                return Step::More;
        }
    }
}

Connection::Step Connection::readHead(const BodyLimitFor& bodyLimit, Clock::time_point now) {
    std::size_t from = std::max(headScanned_, inStart_);
    std::size_t end = in_.find("\r\n\r\n", from);
    if (end == std::string::npos) {
        headScanned_ = in_.size() >= 3 ? std::max(inStart_, in_.size() - 3) : inStart_;
        if (in_.size() - inStart_ > settings_.maxHeadBytes) {
            stats_.headTooLarge.fetch_add(1, std::memory_order_relaxed);
            return refuse(431, "request head is larger than the limit of " +
                                   std::to_string(settings_.maxHeadBytes) +
                                   " bytes (http.max_head_bytes)");
        }
        return Step::More;
    }
    std::size_t headLength = end + 4 - inStart_;
    if (headLength > settings_.maxHeadBytes) {
        stats_.headTooLarge.fetch_add(1, std::memory_order_relaxed);
        return refuse(431, "request head is larger than the limit of " +
                               std::to_string(settings_.maxHeadBytes) +
                               " bytes (http.max_head_bytes)");
    }
    request_ = std::make_unique<Request>(socket_, client_, server_, params_, budget_);
    try {
        Poco::MemoryInputStream head(in_.data() + inStart_, headLength);
        request_->read(head);
    } catch (const Poco::Exception& error) {
        stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
        std::string message = error.message().empty() ? error.displayText() : error.message();
        if (message.find("Too many") != std::string::npos ||
            message.find("too long") != std::string::npos) {
            stats_.headTooLarge.fetch_add(1, std::memory_order_relaxed);
            return refuse(431, "request head field: " + message);
        }
        return refuse(400, "malformed request head: " + message);
    }
    inStart_ += headLength;
    headScanned_ = inStart_;

    const std::string& version = request_->getVersion();
    if (version != Poco::Net::HTTPMessage::HTTP_1_1 &&
        version != Poco::Net::HTTPMessage::HTTP_1_0) {
        stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
        return refuse(505, "HTTP version not supported: " + version);
    }
    std::uint64_t length = 0;
    chunked_ = false;
    if (request_->has(Poco::Net::HTTPMessage::TRANSFER_ENCODING)) {
        std::string coding =
            Poco::toLower(Poco::trim(request_->get(Poco::Net::HTTPMessage::TRANSFER_ENCODING)));
        if (coding != "chunked") {
            stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
            return refuse(501, "transfer encoding not supported: " + coding);
        }
        if (request_->has(Poco::Net::HTTPMessage::CONTENT_LENGTH)) {
            stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
            return refuse(400, "both Content-Length and Transfer-Encoding are set");
        }
        chunked_ = true;
    } else if (request_->has(Poco::Net::HTTPMessage::CONTENT_LENGTH)) {
        if (!parseLength(request_->get(Poco::Net::HTTPMessage::CONTENT_LENGTH), length)) {
            stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
            return refuse(400, "malformed Content-Length header");
        }
    }
    bool expectContinue = request_->getExpectContinue();
    request_->erase("Expect");
    if (!chunked_ && length == 0) {
        phase_ = Phase::Served;
        return Step::Request;
    }
    limit_ = bodyLimit(*request_);
    if (length > limit_.bytes) {
        stats_.bodyTooLarge.fetch_add(1, std::memory_order_relaxed);
        return refuse(413, "request body is larger than the limit of " +
                               std::to_string(limit_.bytes) + " bytes (" + limit_.key + ")");
    }
    if (!chunked_ && !request_->reserveBody(length)) {
        stats_.bufferFull.fetch_add(1, std::memory_order_relaxed);
        return refuse(503, "the host holds too many request bodies; retry shortly");
    }
    if (expectContinue && (chunked_ || in_.size() - inStart_ < length)) {
        out_ += kContinue;
    }
    bodyLeft_ = length;
    chunk_ = Chunk::Size;
    phase_ = Phase::Body;
    bodyStart_ = now;
    deadline_ = now + settings_.bodyTimeout;
    return chunked_ ? readChunks(now) : readBody(now);
}

void Connection::extendBodyDeadline() {
    std::uint64_t received = request_->body().size();
    auto allowed = std::chrono::milliseconds(
        settings_.bodyMinRate == 0 ? 0 : received * 1000 / settings_.bodyMinRate);
    deadline_ = bodyStart_ + settings_.bodyTimeout + allowed;
}

Connection::Step Connection::readBody(Clock::time_point) {
    std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(in_.size() - inStart_, bodyLeft_));
    if (take > 0) {
        request_->appendBody(in_.data() + inStart_, take);
        inStart_ += take;
        bodyLeft_ -= take;
    }
    if (bodyLeft_ == 0) {
        phase_ = Phase::Served;
        return Step::Request;
    }
    extendBodyDeadline();
    return Step::More;
}

Connection::Step Connection::readChunks(Clock::time_point) {
    while (true) {
        switch (chunk_) {
            case Chunk::Size: {
                std::size_t lineEnd = in_.find("\r\n", inStart_);
                if (lineEnd == std::string::npos) {
                    if (in_.size() - inStart_ > kMaxChunkLine) {
                        stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
                        return refuse(400, "malformed chunked body: chunk size line too long");
                    }
                    extendBodyDeadline();
                    return Step::More;
                }
                std::uint64_t size = 0;
                if (!parseChunkSize(in_.data() + inStart_, in_.data() + lineEnd, size)) {
                    stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
                    return refuse(400, "malformed chunked body: bad chunk size");
                }
                inStart_ = lineEnd + 2;
                if (size == 0) {
                    chunk_ = Chunk::Trailer;
                    break;
                }
                if (request_->body().size() + size > limit_.bytes) {
                    stats_.bodyTooLarge.fetch_add(1, std::memory_order_relaxed);
                    return refuse(413, "request body is larger than the limit of " +
                                           std::to_string(limit_.bytes) + " bytes (" + limit_.key +
                                           ")");
                }
                bodyLeft_ = size;
                chunk_ = Chunk::Data;
                break;
            }
            case Chunk::Data: {
                std::size_t take = static_cast<std::size_t>(
                    std::min<std::uint64_t>(in_.size() - inStart_, bodyLeft_));
                if (take > 0 && !request_->appendBody(in_.data() + inStart_, take)) {
                    stats_.bufferFull.fetch_add(1, std::memory_order_relaxed);
                    return refuse(503, "the host holds too many request bodies; retry shortly");
                }
                inStart_ += take;
                bodyLeft_ -= take;
                if (bodyLeft_ > 0) {
                    extendBodyDeadline();
                    return Step::More;
                }
                chunk_ = Chunk::DataEnd;
                break;
            }
            case Chunk::DataEnd:
                if (in_.size() - inStart_ < 2) {
                    return Step::More;
                }
                if (in_.compare(inStart_, 2, "\r\n") != 0) {
                    stats_.badRequest.fetch_add(1, std::memory_order_relaxed);
                    return refuse(400, "malformed chunked body: chunk not followed by CRLF");
                }
                inStart_ += 2;
                chunk_ = Chunk::Size;
                break;
            case Chunk::Trailer: {
                std::size_t lineEnd = in_.find("\r\n", inStart_);
                if (lineEnd == std::string::npos) {
                    if (in_.size() - inStart_ > settings_.maxHeadBytes) {
                        stats_.headTooLarge.fetch_add(1, std::memory_order_relaxed);
                        return refuse(431, "chunked body trailer too large");
                    }
                    return Step::More;
                }
                bool last = lineEnd == inStart_;
                inStart_ = lineEnd + 2;
                if (last) {
                    phase_ = Phase::Served;
                    return Step::Request;
                }
                break;
            }
        }
    }
}

Connection::Step Connection::refuse(int status, const std::string& detail,
                                    Poco::Net::NameValueCollection*) {
    request_.reset();
    // What follows the refused part cannot be told apart from a next request: the rest of the
    // connection's input is dropped.
    in_.clear();
    inStart_ = 0;
    headScanned_ = 0;
    queueError(status, detail, false);
    lingerAfterWrite_ = true;
    phase_ = Phase::Writing;
    return Step::Refused;
}

void Connection::queueError(int status, const std::string& detail, bool keepAlive,
                            const std::string& extraHeaders) {
    std::string body = nlohmann::json{{"detail", detail}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::string reason = Poco::Net::HTTPResponse::getReasonForStatus(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    out_ += "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    out_ +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    out_ += keepAlive ? "Connection: Keep-Alive\r\n" : "Connection: Close\r\n";
    out_ += "Date: " + httpDate() + "\r\n";
    out_ += std::string("Server: ") + settings_.serverName + "\r\n";
    out_ += extraHeaders;
    out_ += "\r\n";
    out_ += body;
    if (!keepAlive) {
        closeAfterWrite_ = true;
    }
}

void Connection::queueAnswer(Response& response, bool headOnly, bool keepAlive) {
    std::string head = response.head(keepAlive, settings_.serverName);
    if (outStart_ == out_.size()) {
        out_ = std::move(head);
        outStart_ = 0;
    } else {
        out_ += head;
    }
    std::shared_ptr<StreamFeed> feed = response.takeFeed();
    if (feed && !response.hasBody(headOnly)) {
        feed->close();
        feed.reset();
    }
    if (feed) {
        feed_ = std::move(feed);
        stats_.feeds.fetch_add(1, std::memory_order_relaxed);
        feedChunked_ = response.getChunkedTransferEncoding();
        closeAfterWrite_ = true;
    } else if (response.hasBody(headOnly)) {
        if (auto file = response.takeFile()) {
            file_ = std::move(file);
            fileLeft_ = response.fileSize();
        } else {
            out_ += response.body();
        }
    }
    if (!keepAlive) {
        closeAfterWrite_ = true;
    }
}

Connection::Write Connection::write(Clock::time_point now) {
    while (true) {
        if (outStart_ == out_.size()) {
            out_.clear();
            outStart_ = 0;
            if (feed_) {
                if (Write fed = takeFeed(); fed != Write::Done) {
                    return fed;
                }
                continue;
            }
            if (!file_) {
                return Write::Done;
            }
            std::size_t size = 0;
            char* buffer = scratch(size);
            file_->read(buffer,
                        static_cast<std::streamsize>(std::min<std::uint64_t>(size, fileLeft_)));
            std::streamsize got = file_->gcount();
            if (got <= 0) {
                file_.reset();
                // A file shorter than announced: the answer cannot be completed.
                return fileLeft_ == 0 ? Write::Done : Write::Failed;
            }
            fileLeft_ -= static_cast<std::uint64_t>(got);
            out_.assign(buffer, static_cast<std::size_t>(got));
            if (fileLeft_ == 0) {
                file_.reset();
            }
        }
        int n = 0;
        try {
            n = socket_.sendBytes(
                out_.data() + outStart_,
                static_cast<int>(std::min<std::size_t>(out_.size() - outStart_, 1 << 30)),
                MSG_NOSIGNAL);
        } catch (const Poco::Exception& error) {
            // Poco 1.11 throws for a full send buffer of a non-blocking socket instead of
            // returning -1: the rest is written when the client has read some.
            if (error.code() != EAGAIN && error.code() != EWOULDBLOCK) {
                return Write::Failed;
            }
            n = -1;
        }
        if (n < 0) {
            deadline_ = now + settings_.sendTimeout;
            return Write::Blocked;
        }
        outStart_ += static_cast<std::size_t>(n);
        deadline_ = now + settings_.sendTimeout;
    }
}

Connection::Write Connection::takeFeed() {
    std::string bytes;
    StreamFeed::Take taken = feed_->take(bytes, feedWake_);
    if (!bytes.empty()) {
        if (feedChunked_) {
            out_ = fmt::format("{:x}\r\n", bytes.size());
            out_ += bytes;
            out_ += "\r\n";
        } else {
            out_ = std::move(bytes);
        }
        return Write::Done;
    }
    if (taken == StreamFeed::Take::Waiting) {
        // Nothing to send until the producer writes: no send deadline meanwhile.
        deadline_ = Clock::time_point::max();
        return Write::Waiting;
    }
    // Ended: the last chunk (HTTP/1.1), or the close alone (HTTP/1.0), ends the answer.
    feed_.reset();
    feedWake_ = nullptr;
    stats_.feeds.fetch_sub(1, std::memory_order_relaxed);
    if (feedChunked_) {
        out_ = "0\r\n\r\n";
    }
    return Write::Done;
}

bool Connection::dropWhileFeeding() {
    std::size_t size = 0;
    char* buffer = scratch(size);
    while (true) {
        try {
            int n = socket_.receiveBytes(buffer, static_cast<int>(size), MSG_DONTWAIT);
            if (n == 0) {
                return false;
            }
            if (n < 0) {
                return true;
            }
        } catch (const Poco::TimeoutException&) {
            return true;
        } catch (const Poco::Exception& error) {
            return error.code() == EAGAIN || error.code() == EWOULDBLOCK;
        }
    }
}

void Connection::startLingering(Clock::time_point now) {
    phase_ = Phase::Lingering;
    deadline_ = now + settings_.linger;
    try {
        socket_.shutdownSend();
    } catch (const Poco::Exception&) {
        // The client is gone; dropping its input ends at once.
    }
}

bool Connection::drop() {
    std::size_t size = 0;
    char* buffer = scratch(size);
    while (lingered_ < (std::uint64_t{1} << 30)) {
        int n = 0;
        try {
            n = socket_.receiveBytes(buffer, static_cast<int>(size));
        } catch (const Poco::Exception&) {
            return false;
        }
        if (n < 0) {
            return true;
        }
        if (n == 0) {
            return false;
        }
        lingered_ += static_cast<std::uint64_t>(n);
    }
    return false;
}

void Connection::rest(Clock::time_point now) {
    phase_ = Phase::Idle;
    deadline_ = now + settings_.idleTimeout;
    request_.reset();
    limit_ = {};
    chunked_ = false;
    bodyLeft_ = 0;
    headScanned_ = inStart_;
}

}  // namespace mvi::host::front
