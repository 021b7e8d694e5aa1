// The host's protections against web pages and password guessing, over real HTTP: Host names
// (DNS rebinding), cross-origin state-changing requests (CSRF), login throttling, the rules of
// tokens and the generated password, and what /~ready tells a client without a token.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// What a page of another site sends with `fetch(url, {mode: "no-cors", method: "POST"})`.
const Headers kCrossSite = {{"Origin", "http://evil.example"}, {"Sec-Fetch-Site", "cross-site"}};

/// Sends one request from the local address `source` (any address of 127.0.0.0/8 reaches the
/// host on 127.0.0.1), so that the host sees another client.
Response sendFrom(const std::string& source, unsigned port, const std::string& method,
                  const std::string& path, const std::string& body = "",
                  const std::string& contentType = "application/json",
                  const Headers& headers = {}) {
    Poco::Net::StreamSocket socket;
    socket.impl()->bind(Poco::Net::SocketAddress(source, 0));
    socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    Poco::Net::HTTPClientSession session(socket);
    session.setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest httpRequest(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    httpRequest.setHost("127.0.0.1", static_cast<Poco::UInt16>(port));
    if (!body.empty() || method == "POST") {
        httpRequest.setContentType(contentType);
        httpRequest.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    for (const auto& [name, value] : headers) {
        httpRequest.set(name, value);
    }
    session.sendRequest(httpRequest) << body;
    Poco::Net::HTTPResponse httpResponse;
    std::istream& stream = session.receiveResponse(httpResponse);
    Response response;
    response.status = static_cast<int>(httpResponse.getStatus());
    Poco::StreamCopier::copyToString(stream, response.body);
    for (const auto& [name, value] : httpResponse) {
        response.headers[name] = value;
    }
    return response;
}

/// POST /auth/login from `source`.
Response loginFrom(const std::string& source, unsigned port, const std::string& user,
                   const std::string& password) {
    return sendFrom(source, port, "POST", "/auth/login",
                    "username=" + user + "&password=" + password,
                    "application/x-www-form-urlencoded");
}

/// POSTs the raw plugin `content` as (name, version) to /services/~tar with `headers`.
Response deploy(unsigned port, const std::string& name, const std::string& version,
                const std::string& content, const Headers& headers = {}) {
    return deployFile(port, name, version, content, "plugin.so", headers);
}

/// Runs curl with `arguments`; returns the status code and the body.
Response curl(const std::vector<std::string>& arguments) {
    std::vector<std::string> all = {"-sS", "-w", "\n%{http_code}"};
    all.insert(all.end(), arguments.begin(), arguments.end());
    Poco::Pipe out;
    Poco::ProcessHandle handle = Poco::Process::launch("curl", all, nullptr, &out, nullptr);
    Poco::PipeInputStream stream(out);
    std::string output;
    Poco::StreamCopier::copyToString(stream, output);
    EXPECT_EQ(handle.wait(), 0) << "curl failed: " << output;
    Response response;
    auto newline = output.rfind('\n');
    response.body = output.substr(0, newline);
    response.status = std::stoi(output.substr(newline + 1));
    return response;
}

/// The value of the sample `name{labels}` in the host's /metrics; -1 when absent.
double metric(unsigned port, const std::string& sample, const Headers& headers = {}) {
    Response answer = request(port, "GET", "/metrics", "", "application/json", headers);
    std::istringstream lines(answer.body);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(sample + " ", 0) == 0) {
            return std::stod(line.substr(sample.size() + 1));
        }
    }
    return -1;
}

/// The greeting phrase of hello, as the host has it.
json greeting(unsigned port) {
    return get(port, "/services/hello/~parameters/greeting_phrase").json();
}

/// One host with auth off on loopback (as the README starts it) serving hello.
class BrowserSafety : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { host_ = startHost({{"hello", "hello_1.0.0.so"}}).release(); }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    static unsigned port() { return host_->port(); }
    static std::string own() { return "127.0.0.1:" + std::to_string(port()); }

    static HostProcess* host_;
};

HostProcess* BrowserSafety::host_ = nullptr;

TEST_F(BrowserSafety, ACrossOriginDeployIs403AndDeploysNothing) {
    std::string plugin = readFile(builtPlugin("fixture_counter_v1"));
    for (const Headers& headers :
         {kCrossSite, Headers{{"Origin", "http://evil.example"}},
          Headers{{"Sec-Fetch-Site", "cross-site"}}, Headers{{"Sec-Fetch-Site", "same-site"}},
          Headers{{"Origin", "null"}}}) {
        Response answer = deploy(port(), "counter", "1.0.0", plugin, headers);
        EXPECT_EQ(answer.status, 403) << answer.body;
        std::string detail = answer.json().at("detail");
        EXPECT_TRUE(detail.find("cross-origin") != std::string::npos ||
                    detail.find("cross-site") != std::string::npos)
            << detail;
    }
    EXPECT_TRUE(serviceEntry(*host_, "counter", "1.0.0").is_null());
    EXPECT_FALSE(fs::exists(fs::path(host_->pluginsDir()) / "counter_1.0.0.so"));
}

TEST_F(BrowserSafety, ACrossOriginParameterSetWithATextPlainBodyIs403AndChangesNothing) {
    ASSERT_EQ(greeting(port()), "Hello");
    Headers headers = kCrossSite;
    Response answer = request(port(), "POST", "/services/hello/~parameters/greeting_phrase",
                              R"({"value": "Pwned"})", "text/plain", headers);
    EXPECT_EQ(answer.status, 403) << answer.body;
    EXPECT_NE(answer.json().at("detail").get<std::string>().find("curl"), std::string::npos);
    // The same through curl, as a page's request would look.
    Response byCurl = curl({"-X", "POST", "-H", "Origin: http://evil.example", "-H",
                            "Content-Type: text/plain", "-d", R"({"value": "Pwned"})",
                            "http://" + own() + "/services/hello/~parameters/greeting_phrase"});
    EXPECT_EQ(byCurl.status, 403) << byCurl.body;
    for (const char* method : {"PUT", "DELETE"}) {
        Response other =
            request(port(), method, "/services/", R"({"name": "hello", "version": "1.0.0"})",
                    "application/json", kCrossSite);
        EXPECT_EQ(other.status, 403) << method << ": " << other.body;
    }
    EXPECT_EQ(greeting(port()), "Hello");
    EXPECT_EQ(serviceEntry(*host_, "hello", "1.0.0")["status"], "ready");
}

TEST_F(BrowserSafety, ARebindingHostNameIsRefusedForEveryMethod) {
    for (const char* method : {"GET", "POST"}) {
        Response answer = request(port(), method, "/services/", "", "application/json",
                                  {{"Host", "rebind.evil.example:" + std::to_string(port())}});
        EXPECT_EQ(answer.status, 421) << method << ": " << answer.body;
        std::string detail = answer.json().at("detail");
        EXPECT_NE(detail.find("rebind.evil.example"), std::string::npos) << detail;
        EXPECT_NE(detail.find("http.allowed_hosts"), std::string::npos) << detail;
    }
    Response byCurl = curl({"-H", "Host: rebind.evil.example", "http://" + own() + "/services/"});
    EXPECT_EQ(byCurl.status, 421) << byCurl.body;
}

TEST_F(BrowserSafety, TheHostsOwnPagesAndClientsWithoutABrowserKeepWorking) {
    // A page of the host itself (the API viewer trying a call).
    Response sameOrigin =
        request(port(), "POST", "/services/hello/hello", R"({"name": "Ann"})", "application/json",
                {{"Origin", "http://" + own()}, {"Sec-Fetch-Site", "same-origin"}});
    ASSERT_EQ(sameOrigin.status, 200) << sameOrigin.body;
    EXPECT_EQ(sameOrigin.json(), "Hello Ann");
    // Other names of loopback, any port.
    for (const std::string& name : {"localhost:" + std::to_string(port()), std::string("[::1]")}) {
        Response answer =
            request(port(), "GET", "/services/", "", "application/json", {{"Host", name}});
        EXPECT_EQ(answer.status, 200) << name << ": " << answer.body;
    }
    // curl as the README shows it: `-d` without a content type, and by localhost.
    std::string url = "http://localhost:" + std::to_string(port());
    Response phrase = curl({"-X", "POST", url + "/services/hello/~parameters/greeting_phrase", "-d",
                            R"({"value":"Howdy"})"});
    ASSERT_EQ(phrase.status, 200) << phrase.body;
    EXPECT_EQ(greeting(port()), "Howdy");
    Response call = curl({"-X", "POST", url + "/services/hello/hello", "-d", R"({"name":"Bob"})"});
    EXPECT_EQ(call.status, 200) << call.body;
    EXPECT_EQ(json::parse(call.body), "Howdy Bob");
    Response back = curl({"-X", "POST", url + "/services/hello/~parameters/greeting_phrase", "-H",
                          "Content-Type: application/json", "-d", R"({"value":"Hello"})"});
    EXPECT_EQ(back.status, 200) << back.body;
    // A deployment from the host's own origin.
    Response deployed =
        deploy(port(), "counter", "2.0.0", readFile(builtPlugin("fixture_counter_v1")),
               {{"Origin", "http://" + own()}});
    EXPECT_EQ(deployed.status, 201) << deployed.body;
}

TEST(AllowedHosts, NamesOfTheConfigurationAreServed) {
    auto host = startHost({}, {"--define", "http.allowed_hosts=mvi.example.com, other.example"});
    for (const char* name : {"mvi.example.com", "OTHER.example:9999"}) {
        EXPECT_EQ(
            request(host->port(), "GET", "/services/", "", "application/json", {{"Host", name}})
                .status,
            200)
            << name;
    }
    EXPECT_EQ(request(host->port(), "GET", "/services/", "", "application/json",
                      {{"Host", "rebind.evil.example"}})
                  .status,
              421);
    // Its own origin under that name is the host's own.
    Response sameOrigin = request(
        host->port(), "POST", "/notifications/",
        R"({"service_name": "x", "service_version": "1.0.0", "msg": "hi", "severity": 0})",
        "application/json", {{"Host", "mvi.example.com"}, {"Origin", "http://mvi.example.com"}});
    EXPECT_EQ(sameOrigin.status / 100, 2) << sameOrigin.body;
}

/// A host with auth on whose logins must wait long after two failures (so nothing here depends on
/// timing), and whose administrator's password is "secret".
class LoginThrottling : public ::testing::Test {
  protected:
    void SetUp() override {
        host_ =
            startHost({}, {"--define", "auth.enabled=true", "--define",
                           "auth.admin_password=secret", "--define", "auth.login_free_failures=2",
                           "--define", "auth.login_backoff_seconds=600", "--define",
                           "auth.login_backoff_max_seconds=3600"});
    }

    unsigned port() const { return host_->port(); }

    std::unique_ptr<HostProcess> host_;
};

TEST_F(LoginThrottling, RepeatedWrongPasswordsFromOneAddressGet429WithRetryAfter) {
    EXPECT_EQ(loginFrom("127.0.0.2", port(), "nobody", "guess1").status, 401);
    EXPECT_EQ(loginFrom("127.0.0.2", port(), "ghost", "guess2").status, 401);
    for (const char* user : {"nobody", "admin"}) {
        // Even the right password waits: the password is not checked at all.
        Response throttled = loginFrom("127.0.0.2", port(), user, "secret");
        ASSERT_EQ(throttled.status, 429) << throttled.body;
        int retryAfter = std::stoi(throttled.header("Retry-After"));
        EXPECT_GT(retryAfter, 500);
        EXPECT_LE(retryAfter, 600);
        std::string detail = throttled.json().at("detail");
        EXPECT_NE(detail.find("127.0.0.2"), std::string::npos) << detail;
        EXPECT_EQ(throttled.header("Set-Cookie"), "");
    }
    // The right password from another address, for a user nobody guessed, still works.
    Response fine = loginFrom("127.0.0.1", port(), "admin", "secret");
    ASSERT_EQ(fine.status, 200) << fine.body;
    std::string token = fine.json().at("token");

    Headers bearer = {{"Authorization", "Bearer " + token}};
    EXPECT_EQ(metric(port(), R"(mvi_login_attempts_total{outcome="failed"})", bearer), 2);
    EXPECT_EQ(metric(port(), R"(mvi_login_attempts_total{outcome="throttled"})", bearer), 2);
    EXPECT_EQ(metric(port(), R"(mvi_login_attempts_total{outcome="succeeded"})", bearer), 1);
    EXPECT_EQ(metric(port(), R"(mvi_login_attempts_total{outcome="busy"})", bearer), 0);
}

TEST_F(LoginThrottling, RepeatedWrongPasswordsForOneUserGet429FromAnyAddress) {
    EXPECT_EQ(loginFrom("127.0.0.3", port(), "admin", "guess1").status, 401);
    EXPECT_EQ(loginFrom("127.0.0.4", port(), "admin", "guess2").status, 401);
    Response throttled = loginFrom("127.0.0.5", port(), "admin", "secret");
    ASSERT_EQ(throttled.status, 429) << throttled.body;
    EXPECT_FALSE(throttled.header("Retry-After").empty());
    std::string detail = throttled.json().at("detail");
    EXPECT_NE(detail.find("user 'admin'"), std::string::npos) << detail;
}

TEST_F(LoginThrottling, ConcurrentLoginsAreServedOrAskedToRetry) {
    // Whatever the overlap, each login either succeeds or is told to retry (the bound on
    // password checks at once is LoginThrottle's unit test), and each is counted once.
    constexpr int kLogins = 6;
    std::vector<std::thread> threads;
    std::vector<Response> answers(kLogins);
    for (int i = 0; i < kLogins; ++i) {
        threads.emplace_back(
            [&, i] { answers[i] = loginFrom("127.0.0.1", port(), "admin", "secret"); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::string token;
    for (const Response& answer : answers) {
        if (answer.status == 200) {
            token = answer.json().at("token");
        } else {
            EXPECT_EQ(answer.status, 503) << answer.body;
            EXPECT_EQ(answer.header("Retry-After"), "1");
        }
    }
    ASSERT_FALSE(token.empty());
    Headers bearer = {{"Authorization", "Bearer " + token}};
    double succeeded = metric(port(), R"(mvi_login_attempts_total{outcome="succeeded"})", bearer);
    double busy = metric(port(), R"(mvi_login_attempts_total{outcome="busy"})", bearer);
    EXPECT_EQ(succeeded + busy, kLogins);
}

TEST(TokenRules, ATokenIssuedWhileAuthWasOffIsRefusedOnceAuthIsOn) {
    std::string work = makeTemporaryDirectory();
    std::string token;
    {
        HostProcess host({}, work);
        Response issued = host.post("/auth/token", json({{"expires_in_days", nullptr}}));
        ASSERT_EQ(issued.status, 200) << issued.body;
        token = issued.json().at("token");
        host.keepWorkDirectory();
    }
    HostProcess host({"--define", "auth.enabled=true", "--define", "auth.admin_password=secret"},
                     work);
    Response refused = request(host.port(), "GET", "/services/", "", "application/json",
                               {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_NE(refused.body.find("issued while auth was off"), std::string::npos) << refused.body;
    // A login under auth works.
    EXPECT_EQ(loginFrom("127.0.0.1", host.port(), "admin", "secret").status, 200);
}

TEST(TokenRules, ChangingThePasswordRevokesTheUsersTokens) {
    std::string work = makeTemporaryDirectory();
    const std::vector<std::string> on = {"--define", "auth.enabled=true", "--define",
                                         "auth.admin_password=secret"};
    std::string token;
    {
        HostProcess host(on, work);
        token = loginFrom("127.0.0.1", host.port(), "admin", "secret").json().at("token");
        host.keepWorkDirectory();
    }
    {
        // The same password: the token stays.
        HostProcess host(on, work);
        EXPECT_EQ(request(host.port(), "GET", "/auth/verify", "", "application/json",
                          {{"Authorization", "Bearer " + token}})
                      .status,
                  200);
        host.keepWorkDirectory();
    }
    std::vector<std::string> changed = on;
    changed.back() = "auth.admin_password=changed";
    HostProcess host(changed, work);
    Response refused = request(host.port(), "GET", "/auth/verify", "", "application/json",
                               {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
}

TEST(TokenRules, AGeneratedPasswordIsWrittenToAPrivateFile) {
    HostProcess host({"--define", "auth.enabled=true"});
    fs::path file = fs::path(host.dataDir()) / "admin_password";
    ASSERT_TRUE(fs::exists(file));
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    std::string password;
    std::getline(std::ifstream(file), password);
    ASSERT_FALSE(password.empty());
    EXPECT_EQ(loginFrom("127.0.0.1", host.port(), "admin", password).status, 200);
}

TEST(TokenRules, ThePasswordCanComeFromAFile) {
    std::string work = makeTemporaryDirectory();
    std::string file = (fs::path(work) / "admin-password").string();
    std::ofstream(file) << "from-a-file\n";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
    HostProcess host(
        {"--define", "auth.enabled=true", "--define", "auth.admin_password_file=" + file}, work);
    EXPECT_EQ(loginFrom("127.0.0.1", host.port(), "admin", "from-a-file").status, 200);
    EXPECT_EQ(loginFrom("127.0.0.1", host.port(), "admin", "from-a-file\n").status, 401);
    EXPECT_FALSE(fs::exists(fs::path(host.dataDir()) / "admin_password"));
}

TEST(ReadyDetails, WithAuthOnOnlyATokenSeesWhy) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_wrong_major", "broken_1.0.0.so"}},
                  {"--define", "auth.enabled=true", "--define", "auth.admin_password=secret"});
    Response bare = host->get("/~ready");
    ASSERT_EQ(bare.status, 503) << bare.body;
    EXPECT_EQ(bare.json().at("ready"), false);
    EXPECT_EQ(bare.json().at("status"), "not ready");
    EXPECT_EQ(bare.body.find("broken"), std::string::npos) << bare.body;
    EXPECT_EQ(bare.body.find(host->pluginsDir()), std::string::npos) << bare.body;
    EXPECT_FALSE(bare.json().contains("not_ready"));
    EXPECT_FALSE(bare.json().contains("database"));

    std::string token = loginFrom("127.0.0.1", host->port(), "admin", "secret").json().at("token");
    Headers bearer = {{"Authorization", "Bearer " + token}};
    Response detailed = request(host->port(), "GET", "/~ready", "", "application/json", bearer);
    ASSERT_EQ(detailed.status, 503) << detailed.body;
    EXPECT_NE(detailed.json().at("detail").get<std::string>().find("broken 1.0.0"),
              std::string::npos);
    EXPECT_EQ(detailed.json().at("not_ready").size(), 1u);

    fs::remove(fs::path(host->pluginsDir()) / "broken_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return host->get("/~ready").status == 200; }));
    EXPECT_EQ(host->get("/~ready").json(), json({{"status", "ready"}, {"ready", true}}));
    Response ready = request(host->port(), "GET", "/~ready", "", "application/json", bearer);
    EXPECT_EQ(ready.json().at("loaded_versions"), 1);
}

}  // namespace
}  // namespace mvi::test
