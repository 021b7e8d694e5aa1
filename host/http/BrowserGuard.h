#pragma once

#include <Poco/Net/HTTPRequest.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mvi::host {

/// Keeps web pages from driving the host through the browser of someone who can reach it
/// (DESIGN.md §10). Checked once per request, before any handler runs:
///
/// - The `Host` header must name the host: a loopback name (`localhost`, `127.0.0.1`, `[::1]`),
///   the listening address, or a name of `http.allowed_hosts`, with any port. When the listening
///   address is a wildcard (`0.0.0.0`, `::`), the machine's name and the addresses of its
///   network interfaces count too. Anything else is answered 421: a page that had its own name
///   resolve to this machine (DNS rebinding) could otherwise read the host's answers.
/// - A state-changing request (any method but GET, HEAD and OPTIONS) is refused with 403 when it
///   carries an `Origin` other than the host's own (the scheme, name and port the request's
///   `Host` header names), or `Sec-Fetch-Site: cross-site` or `same-site`: a page of another
///   site sent it (cross-site request forgery).
///
/// Clients outside a browser (curl, the mvi CLI, scripts) send no `Origin` and no
/// `Sec-Fetch-Site`, so only the `Host` check concerns them, and they send the name they
/// connected to. A request without a `Host` header (HTTP/1.0) is served: browsers always send
/// one. Immutable after construction, so thread-safe.
class BrowserGuard {
  public:
    /// Why a request is refused.
    struct Refusal {
        int status = 0;
        std::string detail;
    };

    /// A guard serving the loopback names, `listenHost` (with the machine's names and addresses
    /// when it is a wildcard address) and `allowedHosts` ("*" serves any name).
    BrowserGuard(const std::string& listenHost, const std::vector<std::string>& allowedHosts);

    /// The refusal for `request`, if it is refused.
    std::optional<Refusal> check(const Poco::Net::HTTPRequest& request) const;

    /// The host names served, normalized (lower case, IPv6 addresses in brackets), sorted.
    const std::set<std::string>& hosts() const { return hosts_; }

    /// Splits `authority` (`name`, `name:port`, `[v6]`, `[v6]:port`) into its lower-case name
    /// (IPv6 addresses kept in brackets, a trailing dot removed) and its port (empty when
    /// absent); empty when it is malformed.
    static std::optional<std::pair<std::string, std::string>> splitAuthority(
        const std::string& authority);

  private:
    std::optional<Refusal> checkHost(const std::string& host) const;
    static std::optional<Refusal> checkOrigin(const Poco::Net::HTTPRequest& request);

    std::set<std::string> hosts_;
    bool anyHost_ = false;
};

}  // namespace mvi::host
