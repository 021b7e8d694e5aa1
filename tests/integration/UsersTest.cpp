// Users managed by the administrator over /admin/user (the requests of Daeploy's `daeploy user`
// commands): a real mvi-host with auth on, called over real HTTP.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "HostProcess.h"
#include "Uploads.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// The administrator's settings; many refused logins in a row must not be throttled here.
const std::vector<std::string> kAuthOn = {"--define", "auth.enabled=true",
                                          "--define", "auth.admin_password=secret",
                                          "--define", "auth.login_free_failures=1000"};

Headers bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

/// POST /auth/login with URL-encoded form fields.
Response login(unsigned port, const std::string& user, const std::string& password) {
    return request(port, "POST", "/auth/login", "username=" + user + "&password=" + password,
                   "application/x-www-form-urlencoded");
}

/// A login token of `user`; fails the test when the login is refused.
std::string tokenOf(unsigned port, const std::string& user, const std::string& password) {
    Response response = login(port, user, password);
    EXPECT_EQ(response.status, 200) << user << ": " << response.body;
    return response.status == 200 ? response.json().at("token").get<std::string>() : "";
}

/// A request with `token` as bearer.
Response as(const std::string& token, unsigned port, const std::string& method,
            const std::string& path, const std::string& body = "") {
    return request(port, method, path, body, "application/json", bearer(token));
}

std::string passwordBody(const std::string& password) {
    return json({{"password", password}}).dump();
}

/// POSTs the plugin `content` as (name, version) to /services/~tar with `token`.
Response deploy(unsigned port, const std::string& token, const std::string& name,
                const std::string& version, const std::string& content) {
    return deployFile(port, name, version, content, "plugin.so", bearer(token));
}

/// One host with auth on and the hello example, shared by the suite. Each test uses user names
/// of its own.
class Users : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        std::string work = makeTemporaryDirectory();
        fs::create_directories(fs::path(work) / "plugins");
        installPlugin(builtPlugin("hello"), (fs::path(work) / "plugins").string(),
                      "hello_1.0.0.so");
        host_ = new HostProcess(kAuthOn, work);
    }
    static void TearDownTestSuite() {
        delete host_;
        host_ = nullptr;
    }

    static unsigned port() { return host_->port(); }

    static std::string admin() { return tokenOf(port(), "admin", "secret"); }

    /// The user names the host lists.
    static json listed() {
        Response response = as(admin(), port(), "GET", "/admin/user/");
        EXPECT_EQ(response.status, 200) << response.body;
        return response.json();
    }

    static bool isListed(const std::string& user) {
        json users = listed();
        return std::find(users.begin(), users.end(), json(user)) != users.end();
    }

    static HostProcess* host_;
};

HostProcess* Users::host_ = nullptr;

TEST(UsersFresh, AFreshHostListsTheAdministratorAlone) {
    HostProcess host(kAuthOn);
    std::string token = tokenOf(host.port(), "admin", "secret");
    for (const char* path : {"/admin/user/", "/admin/user"}) {
        Response response = as(token, host.port(), "GET", path);
        ASSERT_EQ(response.status, 200) << path << ": " << response.body;
        EXPECT_EQ(response.header("Content-Type"), "application/json");
        EXPECT_EQ(response.json(), json({"admin"})) << path;
    }
}

TEST_F(Users, AddedUsersAreListedSortedAndNamesAreUnique) {
    std::string token = admin();
    for (const char* user : {"zoe", "bob"}) {
        Response added = as(token, port(), "POST", std::string("/admin/user/") + user,
                            passwordBody("password-" + std::string(user)));
        ASSERT_EQ(added.status, 201) << added.body;
        EXPECT_EQ(added.json(), "Created");
    }
    json users = listed();
    EXPECT_TRUE(std::is_sorted(users.begin(), users.end())) << users;
    EXPECT_TRUE(isListed("zoe"));
    EXPECT_TRUE(isListed("bob"));
    EXPECT_TRUE(isListed("admin"));

    Response again = as(token, port(), "POST", "/admin/user/bob", passwordBody("another-one"));
    EXPECT_EQ(again.status, 409) << again.body;
    EXPECT_EQ(again.json(), json({{"detail", "User bob already exists"}}));
    // The first password still works.
    EXPECT_EQ(login(port(), "bob", "another-one").status, 401);
    EXPECT_EQ(login(port(), "bob", "password-bob").status, 200);
    Response administrator =
        as(token, port(), "POST", "/admin/user/admin", passwordBody("12345678"));
    EXPECT_EQ(administrator.status, 409) << administrator.body;
}

TEST_F(Users, AUserDoesEverythingButManageUsers) {
    ASSERT_EQ(as(admin(), port(), "POST", "/admin/user/carol", passwordBody("carols-pass")).status,
              201);
    std::string carol = tokenOf(port(), "carol", "carols-pass");
    Response verify = as(carol, port(), "GET", "/auth/verify");
    EXPECT_EQ(verify.json().at("user"), "carol") << verify.body;

    EXPECT_EQ(as(carol, port(), "GET", "/services/").status, 200);
    Response call = as(carol, port(), "POST", "/services/hello/hello", R"({"name": "Carol"})");
    EXPECT_EQ(call.status, 200) << call.body;
    EXPECT_EQ(as(carol, port(), "GET", "/services/~logs?name=hello&tail=5").status, 200);
    Response made = as(carol, port(), "POST", "/auth/token", R"({"expires_in_days": 1})");
    ASSERT_EQ(made.status, 200) << made.body;
    EXPECT_EQ(as(made.json().at("token"), port(), "GET", "/auth/verify").json().at("user"),
              "carol");

    Response deployed =
        deploy(port(), carol, "counter", "1.0.0", readFile(builtPlugin("fixture_counter_v1")));
    EXPECT_EQ(deployed.status, 201) << deployed.body;
    ASSERT_TRUE(waitFor([&] {
        for (const json& entry : as(carol, port(), "GET", "/services/").json()) {
            if (entry.value("name", "") == "counter" && entry.value("status", "") == "ready") {
                return true;
            }
        }
        return false;
    }));
    Response killed =
        as(carol, port(), "DELETE", "/services/", R"({"name": "counter", "version": "1.0.0"})");
    EXPECT_EQ(killed.status, 200) << killed.body;

    const json forbidden = {{"detail", "This endpoint requires admin privileges"}};
    for (auto [method, path, body] :
         {std::tuple{"GET", "/admin/user/", ""}, std::tuple{"GET", "/admin/user", ""},
          std::tuple{"POST", "/admin/user/mallory", R"({"password": "mallorys-pass"})"},
          std::tuple{"PUT", "/admin/user/carol", R"({"password": "new-password"})"},
          std::tuple{"PUT", "/admin/user/admin", R"({"password": "new-password"})"},
          std::tuple{"DELETE", "/admin/user/admin", ""},
          std::tuple{"DELETE", "/admin/user/carol", ""},
          std::tuple{"POST", "/admin/user/mallory", "not json"}}) {
        Response response = as(carol, port(), method, path, body);
        EXPECT_EQ(response.status, 403) << method << " " << path << ": " << response.body;
        EXPECT_EQ(response.json(), forbidden) << response.body;
    }
    EXPECT_FALSE(isListed("mallory"));
    EXPECT_EQ(login(port(), "carol", "carols-pass").status, 200);
}

TEST_F(Users, WithoutAValidTokenItIs401) {
    for (auto [method, path] :
         {std::pair{"GET", "/admin/user/"}, std::pair{"POST", "/admin/user/x"},
          std::pair{"PUT", "/admin/user/x"}, std::pair{"DELETE", "/admin/user/admin"}}) {
        Response missing = request(port(), method, path, passwordBody("password-x"));
        EXPECT_EQ(missing.status, 401) << method << " " << path << ": " << missing.body;
        EXPECT_EQ(missing.header("WWW-Authenticate"), "Bearer");
        Response invalid = as("not-a-token", port(), method, path, passwordBody("password-x"));
        EXPECT_EQ(invalid.status, 401) << method << " " << path << ": " << invalid.body;
    }
    EXPECT_FALSE(isListed("x"));
}

TEST_F(Users, ANewPasswordEndsTheOldOneAndItsTokens) {
    std::string token = admin();
    ASSERT_EQ(as(token, port(), "POST", "/admin/user/dave", passwordBody("old-password")).status,
              201);
    std::string old = tokenOf(port(), "dave", "old-password");
    ASSERT_EQ(as(old, port(), "GET", "/services/").status, 200);

    Response changed = as(token, port(), "PUT", "/admin/user/dave", passwordBody("new-password"));
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(changed.json(), "OK");
    EXPECT_EQ(login(port(), "dave", "old-password").status, 401);
    Response refused = as(old, port(), "GET", "/services/");
    EXPECT_EQ(refused.status, 401) << refused.body;
    EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
    std::string fresh = tokenOf(port(), "dave", "new-password");
    EXPECT_EQ(as(fresh, port(), "GET", "/services/").status, 200);

    Response unknown = as(token, port(), "PUT", "/admin/user/nobody", passwordBody("new-password"));
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    EXPECT_EQ(unknown.json(), json({{"detail", "User nobody not found"}}));
    EXPECT_FALSE(isListed("nobody"));
}

TEST_F(Users, ARemovedUserCannotLogInAndItsTokensAreRefused) {
    std::string token = admin();
    ASSERT_EQ(as(token, port(), "POST", "/admin/user/erin", passwordBody("erins-pass")).status,
              201);
    std::string login1 = tokenOf(port(), "erin", "erins-pass");
    Response made = as(login1, port(), "POST", "/auth/token", R"({"expires_in_days": null})");
    ASSERT_EQ(made.status, 200) << made.body;
    std::string forever = made.json().at("token");

    Response removed = as(token, port(), "DELETE", "/admin/user/erin");
    ASSERT_EQ(removed.status, 200) << removed.body;
    EXPECT_EQ(removed.json(), "OK");
    EXPECT_FALSE(isListed("erin"));
    EXPECT_EQ(login(port(), "erin", "erins-pass").status, 401);
    for (const std::string& ended : {login1, forever}) {
        Response refused = as(ended, port(), "GET", "/services/");
        EXPECT_EQ(refused.status, 401) << refused.body;
        EXPECT_NE(refused.body.find("revoked"), std::string::npos) << refused.body;
    }
    Response again = as(token, port(), "DELETE", "/admin/user/erin");
    EXPECT_EQ(again.status, 404) << again.body;
    EXPECT_EQ(again.json(), json({{"detail", "User erin not found"}}));

    // A new user of the same name does not bring the old tokens back.
    ASSERT_EQ(as(token, port(), "POST", "/admin/user/erin", passwordBody("erins-new-pass")).status,
              201);
    EXPECT_EQ(as(forever, port(), "GET", "/services/").status, 401);
}

TEST_F(Users, TheAdministratorIsSetByTheConfigurationOnly) {
    std::string token = admin();
    Response removed = as(token, port(), "DELETE", "/admin/user/admin");
    EXPECT_EQ(removed.status, 403) << removed.body;
    std::string detail = removed.json().at("detail");
    EXPECT_NE(detail.find("administrator"), std::string::npos) << detail;
    EXPECT_NE(detail.find("configuration"), std::string::npos) << detail;

    Response changed = as(token, port(), "PUT", "/admin/user/admin", passwordBody("new-secret"));
    EXPECT_EQ(changed.status, 403) << changed.body;
    detail = changed.json().at("detail");
    EXPECT_NE(detail.find("auth.admin_password"), std::string::npos) << detail;
    EXPECT_NE(detail.find("auth.admin_password_file"), std::string::npos) << detail;

    // Nothing changed: the password and the token still work.
    EXPECT_EQ(as(token, port(), "GET", "/services/").status, 200);
    EXPECT_EQ(login(port(), "admin", "secret").status, 200);
    EXPECT_TRUE(isListed("admin"));
}

TEST_F(Users, BadBodiesPasswordsAndNamesAre422AndChangeNothing) {
    std::string token = admin();
    auto locs = [](const Response& response) {
        json result = json::array();
        json body = response.json();
        for (const json& problem : body.at("detail")) {
            result.push_back(problem.at("loc"));
        }
        return result;
    };
    struct Case {
        std::string path;
        std::string body;
        json loc;
    };
    const std::string tooLong(73, 'p');
    const std::string longName(129, 'n');
    std::vector<Case> cases = {
        {"/admin/user/frank", "", json({"body"})},
        {"/admin/user/frank", "{", json({"body", 2})},
        {"/admin/user/frank", "[1]", json({"body"})},
        {"/admin/user/frank", "{}", json({"body", "password"})},
        {"/admin/user/frank", R"({"password": 12345678})", json({"body", "password"})},
        {"/admin/user/frank", R"({"password": "short"})", json({"body", "password"})},
        {"/admin/user/frank", passwordBody(tooLong), json({"body", "password"})},
        {"/admin/user/frank", R"({"password": "long-enough", "role": "admin"})",
         json({"body", "role"})},
        {"/admin/user/fr%01nk", passwordBody("long-enough"), json({"path", "name"})},
        {"/admin/user/fr%FFnk", passwordBody("long-enough"), json({"path", "name"})},
        {"/admin/user/" + longName, passwordBody("long-enough"), json({"path", "name"})},
    };
    for (const Case& bad : cases) {
        Response response = as(token, port(), "POST", bad.path, bad.body);
        ASSERT_EQ(response.status, 422) << bad.path << " " << bad.body << ": " << response.body;
        EXPECT_EQ(locs(response), json::array({bad.loc})) << response.body;
    }
    Response shortOne = as(token, port(), "POST", "/admin/user/frank", R"({"password": "short"})");
    EXPECT_NE(shortOne.body.find("at least 8 bytes"), std::string::npos) << shortOne.body;
    Response longOne = as(token, port(), "POST", "/admin/user/frank", passwordBody(tooLong));
    EXPECT_NE(longOne.body.find("at most 72 bytes"), std::string::npos) << longOne.body;
    EXPECT_FALSE(isListed("frank"));

    ASSERT_EQ(as(token, port(), "POST", "/admin/user/grace", passwordBody("graces-pass")).status,
              201);
    for (const std::string& body :
         {std::string(), std::string(R"({"password": "short"})"), passwordBody(tooLong)}) {
        Response response = as(token, port(), "PUT", "/admin/user/grace", body);
        EXPECT_EQ(response.status, 422) << body << ": " << response.body;
    }
    EXPECT_EQ(login(port(), "grace", "graces-pass").status, 200);
    // Names outside ASCII are names like others.
    Response accented =
        as(token, port(), "POST", "/admin/user/h%C3%A9l%C3%A8ne", passwordBody("helenes-pass"));
    EXPECT_EQ(accented.status, 201) << accented.body;
    EXPECT_TRUE(isListed("h\xC3\xA9l\xC3\xA8ne"));
}

TEST(UsersRestart, UsersSurviveARestartWithTheConfiguration) {
    std::string work = makeTemporaryDirectory();
    std::string kept;
    {
        HostProcess host(kAuthOn, work);
        std::string token = tokenOf(host.port(), "admin", "secret");
        ASSERT_EQ(
            as(token, host.port(), "POST", "/admin/user/ivan", passwordBody("ivans-pass")).status,
            201);
        ASSERT_EQ(
            as(token, host.port(), "POST", "/admin/user/judy", passwordBody("judys-pass")).status,
            201);
        ASSERT_EQ(as(token, host.port(), "DELETE", "/admin/user/judy").status, 200);
        kept = tokenOf(host.port(), "ivan", "ivans-pass");
        host.keepWorkDirectory();
        host.stop(true);
    }
    {
        HostProcess host(kAuthOn, work);
        std::string token = tokenOf(host.port(), "admin", "secret");
        Response users = as(token, host.port(), "GET", "/admin/user/");
        EXPECT_EQ(users.json(), json({"admin", "ivan"})) << users.body;
        EXPECT_EQ(login(host.port(), "ivan", "ivans-pass").status, 200);
        EXPECT_EQ(login(host.port(), "judy", "judys-pass").status, 401);
        EXPECT_EQ(as(kept, host.port(), "GET", "/auth/verify").json().at("user"), "ivan");
        host.keepWorkDirectory();
        host.stop(true);
    }
    // A new administrator password in the configuration leaves the other users as they were.
    std::vector<std::string> changed = kAuthOn;
    changed[3] = "auth.admin_password=changed";
    HostProcess host(changed, work);
    std::string token = tokenOf(host.port(), "admin", "changed");
    EXPECT_EQ(as(token, host.port(), "GET", "/admin/user/").json(), json({"admin", "ivan"}));
    EXPECT_EQ(login(host.port(), "ivan", "ivans-pass").status, 200);
    EXPECT_EQ(as(kept, host.port(), "GET", "/services/").status, 200);
}

TEST(UsersAuthOff, EveryCallerActsAsTheAdministrator) {
    HostProcess host({"--define", "auth.enabled=false"});
    Response users = host.get("/admin/user/");
    ASSERT_EQ(users.status, 200) << users.body;
    EXPECT_EQ(users.json(), json({"admin"}));
    Response added = host.post("/admin/user/kim", json({{"password", "kims-pass"}}));
    EXPECT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(host.get("/admin/user").json(), json({"admin", "kim"}));
    EXPECT_EQ(request(host.port(), "DELETE", "/admin/user/admin").status, 403);
    EXPECT_EQ(request(host.port(), "DELETE", "/admin/user/kim").status, 200);
    EXPECT_EQ(host.get("/admin/user").json(), json({"admin"}));
}

}  // namespace
}  // namespace mvi::test
