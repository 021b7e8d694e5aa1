#include "http/BrowserGuard.h"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetworkInterface.h>
#include <Poco/String.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mvi::host {
namespace {

/// Names every host serves.
const char* const LOOPBACK_NAMES[] = {"localhost", "127.0.0.1", "[::1]"};

/// Methods that change nothing (RFC 9110, 9.2.1), served whatever page sent them.
bool isSafeMethod(const std::string& method) {
    return method == Poco::Net::HTTPRequest::HTTP_GET ||
           method == Poco::Net::HTTPRequest::HTTP_HEAD ||
           method == Poco::Net::HTTPRequest::HTTP_OPTIONS;
}

/// An address as a `Host` header writes it: IPv6 in brackets.
std::string hostForm(const Poco::Net::IPAddress& address) {
    std::string text = Poco::toLower(address.toString());
    return address.family() == Poco::Net::IPAddress::IPv6 ? "[" + text + "]" : text;
}

bool isDigits(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(),
                                        [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// The port an origin of `scheme` uses when it names none.
std::string defaultPort(const std::string& scheme) {
    return scheme == "https" ? "443" : "80";
}

std::string crossSiteAdvice() {
    return "state-changing requests are accepted from the host's own pages and from clients "
           "outside a browser (curl, the mvi CLI, scripts)";
}

}  // namespace

BrowserGuard::BrowserGuard(const std::string& listenHost,
                           const std::vector<std::string>& allowedHosts) {
    hosts_.insert(std::begin(LOOPBACK_NAMES), std::end(LOOPBACK_NAMES));
    Poco::Net::IPAddress address;
    if (Poco::Net::IPAddress::tryParse(listenHost, address)) {
        if (address.isWildcard()) {
            for (const auto& interface : Poco::Net::NetworkInterface::list()) {
                for (const auto& tuple : interface.addressList()) {
                    hosts_.insert(hostForm(tuple.get<Poco::Net::NetworkInterface::IP_ADDRESS>()));
                }
            }
        } else {
            hosts_.insert(hostForm(address));
        }
        if (!address.isLoopback()) {
            hosts_.insert(Poco::toLower(Poco::Net::DNS::hostName()));
        }
    } else if (auto name = splitAuthority(listenHost)) {
        hosts_.insert(name->first);
        if (name->first != "localhost") {
            hosts_.insert(Poco::toLower(Poco::Net::DNS::hostName()));
        }
    }
    for (const std::string& entry : allowedHosts) {
        std::string allowed = Poco::trim(entry);
        if (allowed == "*") {
            anyHost_ = true;
            continue;
        }
        auto name = splitAuthority(allowed);
        if (!name) {
            throw Poco::SyntaxException(fmt::format(
                "configuration key http.allowed_hosts: '{}' is not a host name or address",
                allowed));
        }
        hosts_.insert(name->first);
    }
}

std::optional<std::pair<std::string, std::string>> BrowserGuard::splitAuthority(
    const std::string& authority) {
    std::string name;
    std::string port;
    bool hasPort = false;
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string::npos) {
            return std::nullopt;
        }
        name = authority.substr(0, close + 1);
        std::string rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') {
                return std::nullopt;
            }
            hasPort = true;
            port = rest.substr(1);
        }
        Poco::Net::IPAddress address;
        if (!Poco::Net::IPAddress::tryParse(name.substr(1, name.size() - 2), address)) {
            return std::nullopt;
        }
        name = hostForm(address);
    } else {
        auto colon = authority.find(':');
        name = authority.substr(0, colon);
        if (colon != std::string::npos) {
            hasPort = true;
            port = authority.substr(colon + 1);
        }
        if (!name.empty() && name.back() == '.') {
            name.pop_back();
        }
        name = Poco::toLower(name);
        bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
            return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_';
        });
        if (!valid) {
            return std::nullopt;
        }
    }
    if (hasPort && (!isDigits(port) || port.size() > 5)) {
        return std::nullopt;
    }
    return std::make_pair(name, port);
}

std::optional<BrowserGuard::Refusal> BrowserGuard::check(
    const Poco::Net::HTTPRequest& request) const {
    if (request.has(Poco::Net::HTTPRequest::HOST)) {
        if (auto refusal = checkHost(request.getHost())) {
            return refusal;
        }
    }
    if (isSafeMethod(request.getMethod())) {
        return std::nullopt;
    }
    return checkOrigin(request);
}

std::optional<BrowserGuard::Refusal> BrowserGuard::checkHost(const std::string& host) const {
    auto authority = splitAuthority(host);
    if (authority && (anyHost_ || hosts_.count(authority->first) > 0)) {
        return std::nullopt;
    }
    // The names served are not listed: they may include the machine's addresses.
    return Refusal{421, fmt::format("this host does not serve the name '{}' (it serves localhost, "
                                    "127.0.0.1, [::1], its listening address and the names of "
                                    "http.allowed_hosts): a web page reaching it under another "
                                    "name could read its answers (DNS rebinding). To serve that "
                                    "name, add it to http.allowed_hosts",
                                    host)};
}

std::optional<BrowserGuard::Refusal> BrowserGuard::checkOrigin(
    const Poco::Net::HTTPRequest& request) {
    const std::string fetchSite = Poco::toLower(request.get("Sec-Fetch-Site", ""));
    if (fetchSite == "cross-site" || fetchSite == "same-site") {
        return Refusal{403, fmt::format("cross-site request refused: the browser says a page of "
                                        "another site sent it (Sec-Fetch-Site: {}); {}",
                                        fetchSite, crossSiteAdvice())};
    }
    if (!request.has("Origin")) {
        return std::nullopt;
    }
    const std::string origin = request.get("Origin");
    auto separator = origin.find("://");
    std::string scheme = Poco::toLower(origin.substr(0, separator));
    std::optional<std::pair<std::string, std::string>> from;
    if (separator != std::string::npos) {
        from = splitAuthority(origin.substr(separator + 3));
    }
    std::optional<std::pair<std::string, std::string>> own;
    if (request.has(Poco::Net::HTTPRequest::HOST)) {
        own = splitAuthority(request.getHost());
    }
    if (from && own) {
        std::string fromPort = from->second.empty() ? defaultPort(scheme) : from->second;
        std::string ownPort = own->second.empty() ? defaultPort(scheme) : own->second;
        if (from->first == own->first && fromPort == ownPort) {
            return std::nullopt;
        }
    }
    return Refusal{
        403, fmt::format("cross-origin request refused: it comes from a page of '{}', not of "
                         "this host ('{}'); {}",
                         origin, request.get(Poco::Net::HTTPRequest::HOST, ""), crossSiteAdvice())};
}

}  // namespace mvi::host
