#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace mvi::host {

/// The body of one request, read within a size limit so that a client sending too much still
/// reads the answer.
///
/// A body announced (`Content-Length`) larger than the limit is refused before any of it is
/// read; a client that asked `Expect: 100-continue` then gets the 413 instead of `100 Continue`
/// and never sends it. A body found too large while it is read (chunked) is refused at once.
/// Either way the connection closes after the answer, and `linger` first reads and drops what the
/// client still sends (bounded in time and bytes), as nginx does: closing a socket with unread
/// input resets the connection, and the client would see the reset instead of the answer.
class RequestBody {
  public:
    /// Keeps Poco's server from answering `Expect: 100-continue` before the request's handler ran
    /// (it does unless the response's status was changed): called by the handler factory for
    /// every request. `RequestBody` sends the `100 Continue` when the body is accepted.
    static void deferContinue(const Poco::Net::HTTPServerRequest& request);

    RequestBody(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// Whether the request announces a body (a length or chunks; without either it has none).
    bool announced() const;

    /// Whether a body was announced and not read to its end.
    bool pending() const { return announced() && !consumed_; }

    /// Refuses (HttpError 413, naming `limitKey`) a body announced larger than `limit` bytes;
    /// otherwise lets the client send it (`100 Continue` when it waits for one).
    void accept(std::uint64_t limit, const std::string& limitKey);

    /// Accepts and reads the whole body; throws HttpError 413 past `limit` bytes.
    std::string read(std::uint64_t limit, const std::string& limitKey);

    /// Records that the caller read the body to its end itself (after `accept`).
    void markConsumed() { consumed_ = true; }

    /// Reads and drops what is left of the body, at most `most` bytes and one more. When the body
    /// ended within `most` bytes it counts as read and true is returned; false when it goes on
    /// (or the stream failed), and the connection must then close after the answer.
    bool drain(std::uint64_t most);

    /// After an answer was sent in full with `Connection: close`: stops sending and reads and
    /// drops what the client still sends, until it stops, `time` passed, or the byte bound.
    void linger(std::chrono::milliseconds time);

    /// Most bytes `linger` reads.
    static constexpr std::uint64_t kLingerBytes = std::uint64_t{1} << 30;

  private:
    Poco::Net::HTTPServerRequest& request_;
    Poco::Net::HTTPServerResponse& response_;
    bool continuePending_ = false;
    bool consumed_ = false;
};

}  // namespace mvi::host
