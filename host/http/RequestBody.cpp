#include "http/RequestBody.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <istream>

#include "core/HttpError.h"

namespace mvi::host {
namespace {

HttpError tooLarge(std::uint64_t limit, const std::string& limitKey) {
    return HttpError(413, fmt::format("request body is larger than the limit of {} bytes ({})",
                                      limit, limitKey));
}

/// The announced length, if any; 400 for a `Content-Length` that is not a number.
std::int64_t announcedLength(const Poco::Net::HTTPServerRequest& request) {
    try {
        return request.hasContentLength() ? request.getContentLength64() : -1;
    } catch (const Poco::SyntaxException&) {
        throw HttpError(400, "malformed Content-Length header");
    }
}

}  // namespace

void RequestBody::deferContinue(const Poco::Net::HTTPServerRequest& request) {
    if (request.getExpectContinue()) {
        request.response().setStatus(Poco::Net::HTTPResponse::HTTP_CONTINUE);
    }
}

RequestBody::RequestBody(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response)
    : request_(request), response_(response) {
    if (response_.getStatus() == Poco::Net::HTTPResponse::HTTP_CONTINUE) {
        continuePending_ = request_.getExpectContinue();
        response_.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
    }
}

bool RequestBody::announced() const {
    return request_.getChunkedTransferEncoding() || request_.hasContentLength();
}

void RequestBody::accept(std::uint64_t limit, const std::string& limitKey) {
    std::int64_t length = announcedLength(request_);
    if (length > 0 && static_cast<std::uint64_t>(length) > limit) {
        throw tooLarge(limit, limitKey);
    }
    if (continuePending_) {
        continuePending_ = false;
        response_.sendContinue();
    }
}

std::string RequestBody::read(std::uint64_t limit, const std::string& limitKey) {
    // Without a length and without chunks a request has no body (RFC 9112, 6.3); reading on
    // would wait for the connection to close.
    if (!announced()) {
        consumed_ = true;
        return {};
    }
    accept(limit, limitKey);
    std::istream& stream = request_.stream();
    std::string body;
    std::array<char, 16384> block;
    while (stream) {
        stream.read(block.data(), block.size());
        std::streamsize got = stream.gcount();
        if (got <= 0) {
            break;
        }
        if (body.size() + static_cast<std::uint64_t>(got) > limit) {
            throw tooLarge(limit, limitKey);
        }
        body.append(block.data(), static_cast<std::size_t>(got));
    }
    consumed_ = !stream.bad();
    return body;
}

bool RequestBody::drain(std::uint64_t most) {
    if (!announced()) {
        consumed_ = true;
        return true;
    }
    std::istream& stream = request_.stream();
    std::array<char, 1 << 16> scratch;
    std::uint64_t dropped = 0;
    while (stream && dropped <= most) {
        std::uint64_t wanted = std::min<std::uint64_t>(scratch.size(), most + 1 - dropped);
        stream.read(scratch.data(), static_cast<std::streamsize>(wanted));
        if (stream.gcount() <= 0) {
            break;
        }
        dropped += static_cast<std::uint64_t>(stream.gcount());
    }
    if (stream.bad() || dropped > most) {
        return false;
    }
    consumed_ = true;
    return true;
}

void RequestBody::linger(std::chrono::milliseconds time) {
    auto* server = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request_);
    if (server == nullptr) {
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + time;
    try {
        Poco::Net::StreamSocket& socket = server->socket();
        // The answer is out; the FIN after it tells the client that nothing more comes.
        socket.shutdownSend();
        if (!announced()) {
            return;
        }
        std::istream& stream = request_.stream();
        std::array<char, 1 << 16> scratch;
        std::uint64_t dropped = 0;
        while (stream && dropped < kLingerBytes) {
            auto left = std::chrono::duration_cast<std::chrono::microseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                break;
            }
            socket.setReceiveTimeout(Poco::Timespan(left.count()));
            stream.read(scratch.data(), scratch.size());
            if (stream.gcount() <= 0) {
                break;
            }
            dropped += static_cast<std::uint64_t>(stream.gcount());
        }
    } catch (const Poco::Exception&) {
        // The client went away or the socket failed: the connection closes either way.
    } catch (const std::exception&) {
        // As above.
    }
}

}  // namespace mvi::host
