// BrowserGuard: which Host names are served, and which state-changing requests a web page of
// another origin may not send.

#include "http/BrowserGuard.h"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/String.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace mvi::host {
namespace {

/// A request with `headers`; `host` empty leaves the Host header out.
Poco::Net::HTTPRequest requestWith(const std::string& method, const std::string& host,
                                   const std::map<std::string, std::string>& headers = {}) {
    Poco::Net::HTTPRequest request(method, "/services/~tar", Poco::Net::HTTPMessage::HTTP_1_1);
    if (!host.empty()) {
        request.setHost(host);
    } else {
        request.erase(Poco::Net::HTTPRequest::HOST);
    }
    for (const auto& [name, value] : headers) {
        request.set(name, value);
    }
    return request;
}

/// The status the guard answers (0: served).
int statusOf(const BrowserGuard& guard, const Poco::Net::HTTPRequest& request) {
    auto refusal = guard.check(request);
    return refusal ? refusal->status : 0;
}

TEST(BrowserGuard, ServesTheLoopbackNamesWithAnyPort) {
    BrowserGuard guard("127.0.0.1", {});
    for (const char* host : {"localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1:80",
                             "[::1]:8080", "[::1]", "[0:0:0:0:0:0:0:1]:9", "localhost.:8080"}) {
        EXPECT_EQ(statusOf(guard, requestWith("GET", host)), 0) << host;
    }
}

TEST(BrowserGuard, RefusesOtherNamesWith421SayingHowToServeThem) {
    BrowserGuard guard("127.0.0.1", {});
    for (const char* host : {"rebind.evil.example", "rebind.evil.example:8080", "10.0.0.1:8080",
                             "localhost.evil.example", "127.0.0.1.evil.example", "[::2]:80",
                             "local host", "localhost:80x", "[::1"}) {
        auto refusal = guard.check(requestWith("GET", host));
        ASSERT_TRUE(refusal) << host;
        EXPECT_EQ(refusal->status, 421) << host;
        EXPECT_NE(refusal->detail.find("http.allowed_hosts"), std::string::npos) << refusal->detail;
        EXPECT_NE(refusal->detail.find("DNS rebinding"), std::string::npos) << refusal->detail;
    }
    // HTTP/1.0 clients may send no Host at all; browsers always send one.
    EXPECT_EQ(statusOf(guard, requestWith("GET", "")), 0);
}

TEST(BrowserGuard, ServesTheAllowedHostsAndTheListeningAddress) {
    BrowserGuard guard("192.0.2.10", {"mvi.example.com", " Other.Example:8443 ", "[2001:db8::1]"});
    for (const char* host : {"mvi.example.com", "MVI.example.com:443", "other.example",
                             "[2001:db8::1]:8080", "192.0.2.10:8080", "localhost:8080"}) {
        EXPECT_EQ(statusOf(guard, requestWith("GET", host)), 0) << host;
    }
    // Listening off loopback serves the machine's name too.
    std::string machine = Poco::toLower(Poco::Net::DNS::hostName());
    EXPECT_EQ(statusOf(guard, requestWith("GET", machine + ":8080")), 0) << machine;
    EXPECT_EQ(statusOf(guard, requestWith("GET", "evil.example")), 421);
}

TEST(BrowserGuard, AStarServesEveryName) {
    BrowserGuard guard("127.0.0.1", {"*"});
    EXPECT_EQ(statusOf(guard, requestWith("GET", "anything.example:1234")), 0);
}

TEST(BrowserGuard, AMalformedAllowedHostIsAConfigurationError) {
    EXPECT_THROW(BrowserGuard("127.0.0.1", {"http://mvi.example.com/"}), Poco::SyntaxException);
}

TEST(BrowserGuard, StateChangingRequestsFromAnotherOriginAre403) {
    BrowserGuard guard("127.0.0.1", {});
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH"}) {
        for (const char* origin :
             {"http://evil.example", "null", "http://127.0.0.1:9999", "http://localhost:8080",
              "https://127.0.0.1:8081", "file://", "127.0.0.1:8080"}) {
            auto refusal = guard.check(requestWith(method, "127.0.0.1:8080", {{"Origin", origin}}));
            ASSERT_TRUE(refusal) << method << " " << origin;
            EXPECT_EQ(refusal->status, 403);
            EXPECT_NE(refusal->detail.find("cross-origin"), std::string::npos) << refusal->detail;
        }
    }
    // Reading is left alone: a page cannot read the answer without CORS, which is not offered.
    for (const char* method : {"GET", "HEAD", "OPTIONS"}) {
        EXPECT_EQ(statusOf(guard, requestWith(method, "127.0.0.1:8080",
                                              {{"Origin", "http://evil.example"},
                                               {"Sec-Fetch-Site", "cross-site"}})),
                  0)
            << method;
    }
}

TEST(BrowserGuard, TheHostsOwnOriginAndNoOriginAreServed) {
    BrowserGuard guard("127.0.0.1", {"mvi.example.com"});
    EXPECT_EQ(statusOf(guard, requestWith("POST", "127.0.0.1:8080",
                                          {{"Origin", "http://127.0.0.1:8080"},
                                           {"Sec-Fetch-Site", "same-origin"}})),
              0);
    EXPECT_EQ(statusOf(guard, requestWith("POST", "localhost:8080",
                                          {{"Origin", "HTTP://LocalHost:8080"}})),
              0);
    // Default ports: a proxy serving https://mvi.example.com passes the Host header on.
    EXPECT_EQ(statusOf(guard, requestWith("POST", "mvi.example.com",
                                          {{"Origin", "https://mvi.example.com"}})),
              0);
    EXPECT_EQ(statusOf(guard, requestWith("POST", "mvi.example.com",
                                          {{"Origin", "http://mvi.example.com:80"}})),
              0);
    // curl, the CLI and scripts: neither Origin nor Sec-Fetch-*.
    EXPECT_EQ(statusOf(guard, requestWith("POST", "127.0.0.1:8080")), 0);
    // A typed address or a bookmark.
    EXPECT_EQ(statusOf(guard, requestWith("POST", "127.0.0.1:8080", {{"Sec-Fetch-Site", "none"}})),
              0);
}

TEST(BrowserGuard, SecFetchSiteCrossOrSameSiteIs403) {
    BrowserGuard guard("127.0.0.1", {});
    for (const char* site : {"cross-site", "same-site", "Cross-Site"}) {
        auto refusal =
            guard.check(requestWith("POST", "127.0.0.1:8080", {{"Sec-Fetch-Site", site}}));
        ASSERT_TRUE(refusal) << site;
        EXPECT_EQ(refusal->status, 403);
        EXPECT_NE(refusal->detail.find("Sec-Fetch-Site"), std::string::npos) << refusal->detail;
    }
}

TEST(BrowserGuard, SplitsAuthorities) {
    using Split = std::optional<std::pair<std::string, std::string>>;
    EXPECT_EQ(BrowserGuard::splitAuthority("Example.COM:80"), Split({"example.com", "80"}));
    EXPECT_EQ(BrowserGuard::splitAuthority("[::1]:8080"), Split({"[::1]", "8080"}));
    EXPECT_EQ(BrowserGuard::splitAuthority("[2001:DB8::1]"), Split({"[2001:db8::1]", ""}));
    EXPECT_EQ(BrowserGuard::splitAuthority("host."), Split({"host", ""}));
    for (const char* bad : {"", ":80", "[::1", "[::1]x", "[nope]", "a b", "host:", "host:1:2",
                            "host:123456", "user@host"}) {
        EXPECT_FALSE(BrowserGuard::splitAuthority(bad)) << bad;
    }
}

}  // namespace
}  // namespace mvi::host
