// Authentication end to end: a real mvi-host with auth on, called over real HTTP with and without
// bearer tokens and the login cookie.

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Sends one request with extra headers over a new connection.
Response send(unsigned port, const std::string& method, const std::string& path,
              const std::string& body = "", const Headers& headers = {},
              const std::string& contentType = "application/json") {
    return request(port, method, path, body, contentType, headers);
}

Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

Headers cookie(const std::string& token) {
    return {{"Cookie", "theme=dark; mvi_token=" + token}};
}

/// POST /auth/login with URL-encoded form fields.
Response login(unsigned port, const std::string& user, const std::string& password) {
    return send(port, "POST", "/auth/login", "username=" + user + "&password=" + password, {},
                "application/x-www-form-urlencoded");
}

/// A request of the management and service API, with the status it answers when authenticated.
struct Route {
    std::string method;
    std::string path;
    std::string body;
    int status;
};

/// Every management and service route, each harmless to repeat.
std::vector<Route> protectedRoutes() {
    return {
        {"GET", "/services/", "", 200},
        {"POST", "/services/hello/hello", R"({"name": "Bob"})", 200},
        {"POST", "/services/hello_1.0.0/hello", R"({"name": "Ann"})", 200},
        {"GET", "/services/hello/~parameters", "", 200},
        {"GET", "/services/hello/~parameters/greeting_phrase", "", 200},
        {"POST", "/services/hello/~parameters/greeting_phrase", R"({"value": "Hello"})", 200},
        {"PUT", "/services/~assign", R"({"name": "hello", "version": "1.0.0"})", 200},
        {"GET", "/services/~logs?name=hello&tail=5", "", 200},
        {"GET", "/notifications/", "", 200},
        {"GET", "/auth/verify", "", 200},
        {"GET", "/auth/token", "", 200},
        {"GET", "/no/such/route", "", 404},
    };
}

/// One host with auth on and the hello example, shared by the suite; its administrator's
/// password is "secret".
class Auth : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string work = makeTemporaryDirectory();
        fs::create_directories(fs::path(work) / "plugins");
        installPlugin(builtPlugin("hello"), (fs::path(work) / "plugins").string(),
                      "hello_1.0.0.so");
        host_ = new HostProcess(
            {"--define", "auth.enabled=true", "--define", "auth.admin_password=secret"}, work);
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    static unsigned port() { return host_->port(); }

    /// A fresh login token.
    static std::string freshToken() {
        Response response = login(port(), "admin", "secret");
        EXPECT_EQ(response.status, 200) << response.body;
        return response.json().at("token").get<std::string>();
    }

    /// The 401 answer's detail, checking the status and the headers of a 401.
    static std::string refusal(const Response& response) {
        EXPECT_EQ(response.status, 401) << response.body;
        EXPECT_EQ(response.header("WWW-Authenticate"), "Bearer");
        EXPECT_EQ(response.header("Content-Type"), "application/json");
        return response.json().at("detail").get<std::string>();
    }

    static HostProcess* host_;
};

HostProcess* Auth::host_ = nullptr;

TEST_F(Auth, EveryRouteAnswers401WithoutAToken) {
    std::vector<Route> routes = protectedRoutes();
    routes.push_back({"POST", "/auth/token", "{}", 200});
    routes.push_back({"DELETE", "/auth/token/abc", "", 404});
    routes.push_back({"POST", "/auth/logout", "", 200});
    routes.push_back(
        {"POST", "/services/hello/~parameters/greeting_phrase", R"({"value": "Changed"})", 200});
    for (const Route& route : routes) {
        Response response = send(port(), route.method, route.path, route.body);
        std::string detail = refusal(response);
        EXPECT_NE(detail.find("missing"), std::string::npos) << route.path << ": " << detail;
    }
    // Nothing was changed, and no token was issued.
    std::string token = freshToken();
    Response phrase =
        send(port(), "GET", "/services/hello/~parameters/greeting_phrase", "", bearer(token));
    ASSERT_EQ(phrase.status, 200) << phrase.body;
    EXPECT_EQ(phrase.json(), "Hello");
}

TEST_F(Auth, PublicRoutesNeedNoToken) {
    EXPECT_EQ(send(port(), "GET", "/~health").status, 200);
    EXPECT_EQ(send(port(), "GET", "/~version").status, 200);
    // Readiness without a token: only whether the host is ready.
    Response ready = send(port(), "GET", "/~ready");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_EQ(ready.json(), json({{"status", "ready"}, {"ready", true}}));
    Response detailed = send(port(), "GET", "/~ready", "", bearer(freshToken()));
    EXPECT_EQ(detailed.json().at("loaded_versions"), 1) << detailed.body;
    EXPECT_EQ(login(port(), "admin", "secret").status, 200);
}

TEST_F(Auth, EveryRouteWorksWithABearerToken) {
    std::string token = freshToken();
    for (const Route& route : protectedRoutes()) {
        Response response = send(port(), route.method, route.path, route.body, bearer(token));
        EXPECT_EQ(response.status, route.status)
            << route.method << " " << route.path << ": " << response.body;
    }
    Response call =
        send(port(), "POST", "/services/hello/hello", R"({"name": "Bob"})", bearer(token));
    EXPECT_EQ(call.json(), "Hello Bob");
}

TEST_F(Auth, EveryRouteWorksWithTheLoginCookie) {
    std::string token = freshToken();
    for (const Route& route : protectedRoutes()) {
        Response response = send(port(), route.method, route.path, route.body, cookie(token));
        EXPECT_EQ(response.status, route.status)
            << route.method << " " << route.path << ": " << response.body;
    }
}

TEST_F(Auth, LoginAnswersATokenAndSetsTheCookie) {
    Response response = login(port(), "admin", "secret");
    ASSERT_EQ(response.status, 200) << response.body;
    json body = response.json();
    std::string token = body.at("token");
    // mvi's cookie, and the same token under the name the original platform's CLI reads.
    EXPECT_EQ(response.header("Set-Cookie"),
              "mvi_token=" + token + "; HttpOnly; Path=/; SameSite=Strict\ndaeploy=" + token +
                  "; HttpOnly; Path=/; SameSite=Strict");
    // auth.token_days = 30 by default.
    EXPECT_TRUE(body.at("expires_at").is_string()) << body;

    Response verify = send(port(), "GET", "/auth/verify", "", bearer(token));
    ASSERT_EQ(verify.status, 200) << verify.body;
    EXPECT_EQ(verify.json().at("user"), "admin");
    EXPECT_EQ(verify.json().at("auth"), true);
}

TEST_F(Auth, EveryRouteWorksWithTheOriginalsCookie) {
    std::string token = freshToken();
    for (const Route& route : protectedRoutes()) {
        Response response =
            send(port(), route.method, route.path, route.body, {{"Cookie", "daeploy=" + token}});
        EXPECT_EQ(response.status, route.status)
            << route.method << " " << route.path << ": " << response.body;
    }
}

TEST_F(Auth, ABrowserLoginGoesOnToItsDestination) {
    Response page = send(port(), "GET", "/auth/login?destination=/services/");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find(R"(action="/auth/login?destination=%2Fservices%2F")"),
              std::string::npos)
        << page.body;

    Headers browser{{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
    Response loggedIn =
        send(port(), "POST", "/auth/login?destination=/services/", "username=admin&password=secret",
             browser, "application/x-www-form-urlencoded");
    EXPECT_EQ(loggedIn.status, 303) << loggedIn.body;
    EXPECT_EQ(loggedIn.header("Location"), "/services/");
    EXPECT_NE(loggedIn.header("Set-Cookie").find("mvi_token="), std::string::npos);

    // A wrong password shows the form again, saying why.
    Response refused = send(port(), "POST", "/auth/login", "username=admin&password=guess", browser,
                            "application/x-www-form-urlencoded");
    EXPECT_EQ(refused.status, 401);
    EXPECT_NE(refused.body.find("Incorrect username or password"), std::string::npos);
    EXPECT_NE(refused.body.find("<form"), std::string::npos);

    // Never on to another site.
    for (const char* destination : {"//example.com/", "https://example.com/", "/\\example.com"}) {
        Response elsewhere =
            send(port(), "POST", std::string("/auth/login?destination=") + destination,
                 "username=admin&password=secret", browser, "application/x-www-form-urlencoded");
        EXPECT_EQ(elsewhere.status, 422) << destination << ": " << elsewhere.body;
        EXPECT_EQ(elsewhere.header("Location"), "");
    }
}

TEST_F(Auth, TheStartPageAsksABrowserToLogIn) {
    Response browser = send(port(), "GET", "/", "", {{"Accept", "text/html"}});
    EXPECT_EQ(browser.status, 303);
    EXPECT_EQ(browser.header("Location"), "/auth/login?destination=%2F");
    refusal(send(port(), "GET", "/"));
    Response page = send(port(), "GET", "/", "", cookie(freshToken()));
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    // The dashboard's page, which loads only the host's own script and style.
    EXPECT_NE(page.body.find(R"(<script src="/~web/dashboard.js" defer></script>)"),
              std::string::npos)
        << page.body;
    EXPECT_NE(page.header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
    // Its files need no token (the login page uses its style too).
    Response script = send(port(), "GET", "/~web/dashboard.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(send(port(), "GET", "/~web/.hidden").status, 404);
    EXPECT_EQ(send(port(), "GET", "/~web/..%2Fhost.log").status, 401);
}

TEST_F(Auth, ABrowserLogoutEndsTheCookiesToken) {
    std::string token = freshToken();
    Response out = send(port(), "GET", "/auth/logout", "", {{"Cookie", "daeploy=" + token}});
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(out.header("Location"), "/");
    EXPECT_NE(out.header("Set-Cookie").find("daeploy=; "), std::string::npos);
    EXPECT_NE(out.header("Set-Cookie").find("mvi_token=; "), std::string::npos);
    refusal(send(port(), "GET", "/services/", "", bearer(token)));
}

TEST_F(Auth, TokensInTheOriginalsShapes) {
    std::string admin = freshToken();
    // The original's CLI sends the days in the body under another key; null never expires.
    Response forever =
        send(port(), "POST", "/auth/token", R"({"expire_in_days": null})", bearer(admin));
    ASSERT_EQ(forever.status, 200) << forever.body;
    EXPECT_EQ(forever.json().at("Token"), forever.json().at("token"));
    EXPECT_EQ(forever.json().at("Id"), forever.json().at("id"));
    EXPECT_TRUE(forever.json().at("expires_at").is_null());
    Response zero = send(port(), "POST", "/auth/token", R"({"expire_in_days": 0})", bearer(admin));
    EXPECT_TRUE(zero.json().at("expires_at").is_null()) << zero.body;
    // Its manager read them from the query.
    Response fromQuery = send(port(), "POST", "/auth/token?expire_in_days=2", "", bearer(admin));
    ASSERT_EQ(fromQuery.status, 200) << fromQuery.body;
    ASSERT_TRUE(fromQuery.json().at("expires_at").is_string());
    Poco::DateTime expires;
    int zone = 0;
    ASSERT_TRUE(Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT,
                                               fromQuery.json().at("expires_at"), expires, zone));
    EXPECT_NEAR(static_cast<double>(expires.timestamp() - Poco::Timestamp()) / 1e6, 2 * 86400.0,
                600);
    Response twice = send(port(), "POST", "/auth/token?expire_in_days=2",
                          R"({"expires_in_days": 3})", bearer(admin));
    EXPECT_EQ(twice.status, 422) << twice.body;

    std::string id = forever.json().at("Id");
    json ids = send(port(), "GET", "/auth/token", "", bearer(admin)).json();
    EXPECT_NE(std::find(ids.begin(), ids.end(), json(id)), ids.end()) << ids;
    Response revoked = send(port(), "DELETE", "/auth/token?uuid=" + id, "", bearer(admin));
    EXPECT_EQ(revoked.status, 200) << revoked.body;
    ids = send(port(), "GET", "/auth/token", "", bearer(admin)).json();
    EXPECT_EQ(std::find(ids.begin(), ids.end(), json(id)), ids.end()) << ids;
    Response again = send(port(), "DELETE", "/auth/token?uuid=" + id, "", bearer(admin));
    EXPECT_EQ(again.status, 410) << again.body;
    EXPECT_EQ(send(port(), "DELETE", "/auth/token", "", bearer(admin)).status, 422);
}

TEST_F(Auth, LoginAcceptsMultipartForms) {
    const std::string boundary = "XyZzY";
    std::string body;
    for (auto [name, value] : {std::pair{"username", "admin"}, std::pair{"password", "secret"}}) {
        body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
                "\"\r\n\r\n" + value + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    Response response =
        send(port(), "POST", "/auth/login", body, {}, "multipart/form-data; boundary=" + boundary);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_FALSE(response.json().at("token").get<std::string>().empty());
}

TEST_F(Auth, WrongCredentialsAre401AndIssueNothing) {
    std::string token = freshToken();
    auto count = [&] {
        return send(port(), "GET", "/auth/token?details=true", "", bearer(token)).json().size();
    };
    std::size_t before = count();
    for (auto [user, password] :
         {std::pair{"admin", "Secret"}, std::pair{"admin", ""}, std::pair{"root", "secret"}}) {
        Response response = login(port(), user, password);
        EXPECT_EQ(response.status, 401) << response.body;
        EXPECT_EQ(response.json(), json({{"detail", "Incorrect username or password"}}));
        EXPECT_EQ(response.header("Set-Cookie"), "");
    }
    Response missing = send(port(), "POST", "/auth/login", "username=admin", {},
                            "application/x-www-form-urlencoded");
    EXPECT_EQ(missing.status, 422) << missing.body;
    EXPECT_EQ(missing.json().at("detail")[0].at("loc"), json({"body", "password"}));
    Response inUrl = send(port(), "POST", "/auth/login?username=admin&password=secret", "", {},
                          "application/x-www-form-urlencoded");
    EXPECT_EQ(inUrl.status, 422) << inUrl.body;
    EXPECT_EQ(count(), before);
}

TEST_F(Auth, TokensAreCreatedListedAndRevoked) {
    std::string admin = freshToken();
    Response created =
        send(port(), "POST", "/auth/token", R"({"expires_in_days": 2})", bearer(admin));
    ASSERT_EQ(created.status, 200) << created.body;
    std::string token = created.json().at("token");
    std::string id = created.json().at("id");
    ASSERT_TRUE(created.json().at("expires_at").is_string()) << created.body;

    EXPECT_EQ(send(port(), "GET", "/services/", "", bearer(token)).status, 200);
    auto listed = [&](const std::string& wanted) {
        for (const json& entry :
             send(port(), "GET", "/auth/token?details=true", "", bearer(admin)).json()) {
            if (entry.at("id") == wanted) {
                return entry;
            }
        }
        return json();
    };
    json entry = listed(id);
    ASSERT_TRUE(entry.is_object());
    EXPECT_EQ(entry.at("user"), "admin");
    EXPECT_EQ(entry.at("revoked"), false);
    EXPECT_EQ(entry.at("expires_at"), created.json().at("expires_at"));
    EXPECT_TRUE(entry.at("created_at").is_string());

    Response revoked = send(port(), "DELETE", "/auth/token/" + id, "", bearer(admin));
    ASSERT_EQ(revoked.status, 200) << revoked.body;
    EXPECT_EQ(revoked.json(), "OK");
    std::string detail = refusal(send(port(), "GET", "/services/", "", bearer(token)));
    EXPECT_NE(detail.find("revoked"), std::string::npos) << detail;
    EXPECT_EQ(listed(id).at("revoked"), true);

    Response unknown = send(port(), "DELETE", "/auth/token/no-such-id", "", bearer(admin));
    EXPECT_EQ(unknown.status, 404) << unknown.body;

    Response forever =
        send(port(), "POST", "/auth/token", R"({"expires_in_days": null})", bearer(admin));
    ASSERT_EQ(forever.status, 200) << forever.body;
    EXPECT_TRUE(forever.json().at("expires_at").is_null());
    EXPECT_EQ(send(port(), "GET", "/auth/verify", "", bearer(forever.json().at("token"))).status,
              200);
}

TEST_F(Auth, ATokenRequestWithoutABodyGetsTheDefaultExpiry) {
    // No Content-Length and no chunked encoding: a request without a body.
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port()));
    session.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest request("POST", "/auth/token", Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + freshToken());
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    ASSERT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK) << body;
    EXPECT_TRUE(json::parse(body).at("expires_at").is_string()) << body;
}

TEST_F(Auth, MalformedTokenRequestsAre422AndIssueNothing) {
    std::string admin = freshToken();
    auto count = [&] {
        return send(port(), "GET", "/auth/token?details=true", "", bearer(admin)).json().size();
    };
    std::size_t before = count();
    for (const char* body : {R"({"expires_in_days": 0})", R"({"expires_in_days": -1})",
                             R"({"expires_in_days": "3"})", R"({"expires_in_days": true})",
                             R"({"expires_in_days": 1e9})", R"({"days": 3})", "[1]", "{"}) {
        Response response = send(port(), "POST", "/auth/token", body, bearer(admin));
        EXPECT_EQ(response.status, 422) << body << ": " << response.body;
        EXPECT_TRUE(response.json().at("detail").is_array()) << response.body;
    }
    EXPECT_EQ(count(), before);
}

TEST_F(Auth, LoginTokensAreListedAndRevocable) {
    std::string admin = freshToken();
    Response loggedIn = login(port(), "admin", "secret");
    std::string token = loggedIn.json().at("token");
    std::string id = loggedIn.json().at("id");
    bool found = false;
    for (const json& entry :
         send(port(), "GET", "/auth/token?details=true", "", bearer(admin)).json()) {
        found = found || entry.at("id") == id;
    }
    EXPECT_TRUE(found);
    // The original's shape: the ids of the tokens still accepted.
    json ids = send(port(), "GET", "/auth/token", "", bearer(admin)).json();
    EXPECT_NE(std::find(ids.begin(), ids.end(), json(id)), ids.end()) << ids;
    ASSERT_EQ(send(port(), "DELETE", "/auth/token/" + id, "", bearer(admin)).status, 200);
    std::string detail = refusal(send(port(), "GET", "/services/", "", cookie(token)));
    EXPECT_NE(detail.find("revoked"), std::string::npos) << detail;
}

TEST_F(Auth, LogoutRevokesThePresentedTokenAndClearsTheCookie) {
    std::string token = freshToken();
    std::string other = freshToken();
    Response response = send(port(), "POST", "/auth/logout", "", cookie(token));
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.json(), "OK");
    std::string setCookie = response.header("Set-Cookie");
    EXPECT_EQ(setCookie.rfind("mvi_token=;", 0), 0u) << setCookie;
    EXPECT_NE(setCookie.find("Max-Age=0"), std::string::npos) << setCookie;

    std::string detail = refusal(send(port(), "GET", "/auth/verify", "", bearer(token)));
    EXPECT_NE(detail.find("revoked"), std::string::npos) << detail;
    EXPECT_EQ(send(port(), "GET", "/auth/verify", "", bearer(other)).status, 200);
}

TEST_F(Auth, ExpiredTokensAre401) {
    std::string admin = freshToken();
    // About a second.
    Response created =
        send(port(), "POST", "/auth/token", R"({"expires_in_days": 0.00001})", bearer(admin));
    ASSERT_EQ(created.status, 200) << created.body;
    std::string token = created.json().at("token");
    Response last;
    EXPECT_TRUE(waitFor([&] {
        last = send(port(), "GET", "/services/", "", bearer(token));
        return last.status == 401;
    }));
    std::string detail = refusal(last);
    EXPECT_NE(detail.find("expired"), std::string::npos) << detail;
}

TEST_F(Auth, InvalidCredentialsAre401) {
    std::string token = freshToken();
    std::string tampered = token;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    for (const Headers& headers : {bearer("not-a-token"), bearer(tampered), cookie("garbage"),
                                   Headers{{"Authorization", "Basic YWRtaW46c2VjcmV0"}}}) {
        std::string detail = refusal(send(port(), "GET", "/services/", "", headers));
        EXPECT_NE(detail.find("invalid"), std::string::npos) << detail;
    }
}

TEST(AuthSettings, AutoIsOffOnLoopback) {
    // The test hosts listen on 127.0.0.1, where auth.enabled = auto means off.
    HostProcess host;
    EXPECT_EQ(host.get("/services/").status, 200);
    Response verify = host.get("/auth/verify");
    ASSERT_EQ(verify.status, 200) << verify.body;
    EXPECT_EQ(verify.json(), json({{"user", nullptr}, {"auth", false}}));
    EXPECT_EQ(host.get("/notifications/").status, 200);
}

TEST(AuthSettings, FalseTurnsItOff) {
    HostProcess host({"--define", "auth.enabled=false"});
    EXPECT_EQ(host.get("/services/").status, 200);
    EXPECT_EQ(host.get("/auth/verify").json().at("auth"), false);
}

TEST(AuthSettings, ARestartKeepsTheSecretTokensAndRevocations) {
    std::string work = makeTemporaryDirectory();
    const std::vector<std::string> on = {"--define", "auth.enabled=true", "--define",
                                         "auth.admin_password=secret"};
    std::string kept;
    std::string revoked;
    {
        HostProcess host(on, work);
        kept = login(host.port(), "admin", "secret").json().at("token");
        Response second = login(host.port(), "admin", "secret");
        revoked = second.json().at("token");
        ASSERT_EQ(send(host.port(), "DELETE",
                       "/auth/token/" + second.json().at("id").get<std::string>(), "", bearer(kept))
                      .status,
                  200);
        host.keepWorkDirectory();
        host.stop(true);
    }
    {
        HostProcess host(on, work);
        Response verify = send(host.port(), "GET", "/auth/verify", "", bearer(kept));
        EXPECT_EQ(verify.status, 200) << verify.body;
        Response refused = send(host.port(), "GET", "/auth/verify", "", bearer(revoked));
        EXPECT_EQ(refused.status, 401) << refused.body;
        EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
        host.keepWorkDirectory();
        host.stop(true);
    }
    std::vector<std::string> changed = on;
    changed.back() = "auth.admin_password=changed";
    HostProcess host(changed, work);
    // The configured password replaced the stored one, and ended the old one's tokens.
    EXPECT_EQ(login(host.port(), "admin", "secret").status, 401);
    EXPECT_EQ(login(host.port(), "admin", "changed").status, 200);
    Response ended = send(host.port(), "GET", "/auth/verify", "", bearer(kept));
    EXPECT_EQ(ended.status, 401) << ended.body;
    EXPECT_NE(ended.body.find("revoked"), std::string::npos) << ended.body;
}

}  // namespace
}  // namespace mvi::test
