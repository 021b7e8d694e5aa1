#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

#include <istream>
#include <map>
#include <optional>
#include <string>

namespace Poco::Net {
class StreamSocket;
}

namespace mvi::test {

/// One answer read from a raw connection: its status (0 when the connection closed first), its
/// head as sent and its body.
struct RawAnswer {
    int status = 0;
    std::string head;
    std::string body;
};

/// Reads one answer (an interim `100 Continue` is an answer of its own) from `socket`: the head,
/// then as many body bytes as its Content-Length says.
RawAnswer readRawAnswer(Poco::Net::StreamSocket& socket);

/// One HTTP answer as the tests see it.
struct Response {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;

    /// The body parsed as JSON (throws when it is not JSON).
    nlohmann::json json() const { return nlohmann::json::parse(body); }

    /// A header's value, empty when absent.
    std::string header(const std::string& name) const;
};

/// Extra request headers, name -> value.
using Headers = std::map<std::string, std::string>;

/// Sends one request to 127.0.0.1:`port` over a new connection and reads the whole answer. A
/// header the answer repeats (Set-Cookie) is kept with its values joined by newlines.
Response request(unsigned port, const std::string& method, const std::string& path,
                 const std::string& body = "", const std::string& contentType = "application/json",
                 const Headers& headers = {});

/// POSTs `body` as JSON.
Response postJson(unsigned port, const std::string& path, const nlohmann::json& body);

/// GETs `path`.
Response get(unsigned port, const std::string& path);

/// `GET path` whose answer is read line by line as the host sends it (a log followed, a
/// service's streamed answer).
class StreamingGet {
  public:
    /// Sends the request and reads the answer's head (waiting up to 30 s for it).
    StreamingGet(unsigned port, const std::string& path);

    const Poco::Net::HTTPResponse& response() const { return response_; }

    /// The next line, or nothing once the answer has ended (or failed: see `failed`).
    std::optional<std::string> next();

    /// Reads lines until one contains `text`; returns whether one did.
    bool readUntil(const std::string& text);

    /// True when reading stopped on an error (a timeout) rather than the end of the answer.
    bool failed() const { return stream_->bad(); }

    /// Leaves without reading on (closes the connection).
    void leave() { session_.reset(); }

  private:
    Poco::Net::HTTPClientSession session_;
    Poco::Net::HTTPResponse response_;
    std::istream* stream_ = nullptr;
};

}  // namespace mvi::test
