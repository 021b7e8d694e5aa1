#pragma once

#include <Poco/Timespan.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace mvi::cli {

/// One answer of mvi-host.
struct HostAnswer {
    int status = 0;
    std::string contentType;
    std::string body;
    /// The `Allow` header (set on 405 answers).
    std::string allow;

    /// The body as JSON; a body that is not JSON is returned as a JSON string, an empty one as
    /// null.
    nlohmann::json json() const;
};

/// How an `https://` host's certificate is checked.
struct TlsTrust {
    /// PEM file of the certificates to trust instead of the system's CA store; empty: the
    /// system's.
    std::string caFile;
    /// Accept any certificate (no check at all): only when asked for explicitly.
    bool insecure = false;
};

/// The HTTP client of one mvi-host, at a base URL (`http://host:port` or `https://host:port`,
/// optionally with a path prefix), sending `Authorization: Bearer <token>` on every request when it
/// has a token.
///
/// Every request runs on a new connection. A host that cannot be reached, refuses the
/// credentials or answers an error becomes a CliError whose message says so in one line.
class HostClient {
  public:
    /// A client of the host at `url`, authenticating with `token` when it is not empty.
    HostClient(std::string url, std::string token);

    /// How every client of this process checks `https://` hosts; set before the first request.
    static void setTrust(TlsTrust trust);

    /// The host's base URL.
    const std::string& url() const { return url_; }

    /// `text` encoded as one path segment.
    static std::string segment(const std::string& text);

    /// The one-line text of an error answer's `detail`: a string as it is, a validation list as
    /// `field body.name: msg` items separated by `; `.
    static std::string describeDetail(const nlohmann::json& detail);

    /// Sends a request and returns the answer, whatever its status. `path` starts with `/` and
    /// may carry a query. Throws CliError only when the host cannot be reached.
    HostAnswer request(const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::string& contentType = "application/json") const;

    /// GETs `path` and returns the JSON answer; any status but 2xx throws CliError.
    nlohmann::json get(const std::string& path) const;

    /// Sends `body` as JSON and returns the JSON answer; any status but 2xx throws CliError.
    nlohmann::json send(const std::string& method, const std::string& path,
                        const nlohmann::json& body) const;

    /// POSTs `fields` as an HTML form (URL-encoded) and returns the answer, whatever its status.
    HostAnswer postForm(const std::string& path,
                        const std::map<std::string, std::string>& fields) const;

    /// POSTs `fields` and the file at `filePath` (as the field `file`) as multipart/form-data
    /// and returns the answer, whatever its status. Waits up to `timeout` for the answer.
    HostAnswer upload(const std::string& path, const std::map<std::string, std::string>& fields,
                      const std::string& filePath, Poco::Timespan timeout) const;

    /// GETs `path` and hands the body to `sink` piece by piece as it arrives, until the host
    /// ends it; an answer other than 2xx throws CliError. Never times out while waiting for
    /// more.
    void stream(const std::string& path,
                const std::function<void(const char*, std::size_t)>& sink) const;

    /// Throws the CliError that describes the error answer `answer`: "Not logged in" for 401,
    /// the answer's `detail` otherwise.
    [[noreturn]] void fail(const HostAnswer& answer) const;

  private:
    std::string url_;
    std::string token_;
};

}  // namespace mvi::cli
