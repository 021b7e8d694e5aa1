// The fleet commands of mvi against three real mvi-hosts: naming a fleet, a rolling deploy and
// assign with its checks (readiness, the new version's errors, hosts that cannot be reached) and
// rollbacks, and ls, parameters, kill, notifications and logs over every host of a fleet.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "HostProcess.h"
#include "HttpClient.h"
#include "MviRunner.h"

namespace mvi::test {
namespace {

using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The main version of `name` on `host`, empty when it has none.
std::string mainOf(const HostProcess& host, const std::string& name) {
    Response list = host.get("/services/");
    if (list.status != 200) {
        return "status " + std::to_string(list.status);
    }
    for (const auto& entry : list.json()) {
        if (entry.value("name", "") == name && entry.value("main", false)) {
            return entry.value("version", "");
        }
    }
    return {};
}

// Makes `version` of `name` main on `host` directly over HTTP.
void assignOn(const HostProcess& host, const std::string& name, const std::string& version) {
    Response answer = request(host.port(), "PUT", "/services/~assign",
                              json{{"name", name}, {"version", version}}.dump());
    ASSERT_EQ(answer.status, 200) << answer.body;
}

// The line of `output` that starts with `start` (empty when there is none).
std::string lineStarting(const std::string& output, const std::string& start) {
    for (const std::string& line : linesOf(output)) {
        if (line.rfind(start, 0) == 0) {
            return line;
        }
    }
    return {};
}

// Three hosts and a runner of mvi whose fleet `web` names them in order.
class CliFleet : public ::testing::Test {
  protected:
    // Starts the hosts, each with `plugins` and its own `arguments`, and names them fleet web.
    void startFleet(const std::vector<std::pair<std::string, std::string>>& plugins,
                    const std::vector<std::vector<std::string>>& arguments = {{}, {}, {}}) {
        std::vector<std::string> add{"fleet", "add", "web"};
        for (const auto& hostArguments : arguments) {
            hosts_.push_back(startHostWith(plugins, hostArguments));
            add.push_back(urlOf(*hosts_.back()));
        }
        MviResult added = mvi_.run(add);
        ASSERT_EQ(added.exitCode, 0) << added.err;
    }

    // Every host with `version` of counter as its main version.
    void startCounterFleet(const std::string& mainVersion,
                           const std::vector<std::vector<std::string>>& arguments = {{}, {}, {}}) {
        startFleet({{"fixture_counter_v1", "counter_1.0.0.so"},
                    {"fixture_counter_v2", "counter_2.0.0.so"}},
                   arguments);
        for (const auto& host : hosts_) {
            assignOn(*host, "counter", mainVersion);
        }
    }

    MviRunner mvi_{""};
    std::vector<std::unique_ptr<HostProcess>> hosts_;
};

TEST_F(CliFleet, NamesGroupsOfHostsAndTellsWhetherEachIsReady) {
    auto host = startHostWith({});
    const std::string url = urlOf(*host);
    const std::string bare = url.substr(std::string("http://").size());
    // A port nothing listens on: the host stopped.
    auto stopped = startHostWith({});
    const std::string gone = urlOf(*stopped);
    stopped->stop();

    MviResult created = mvi_.run({"fleet", "add", "web", bare, gone + "/"});
    ASSERT_EQ(created.exitCode, 0) << created.err;
    EXPECT_TRUE(contains(created.out, "Created fleet web: 2 hosts")) << created.out;
    // Adding a host twice keeps it once, where it was.
    MviResult again = mvi_.run({"fleet", "add", "web", url});
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_TRUE(contains(again.out, "Fleet web: 2 hosts")) << again.out;

    MviResult listed = mvi_.run({"fleet", "ls"});
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    std::vector<std::string> lines = linesOf(listed.out);
    ASSERT_EQ(lines.size(), 4u) << listed.out;
    EXPECT_TRUE(contains(lines[2], url) && contains(lines[2], "ready")) << listed.out;
    EXPECT_TRUE(contains(lines[3], gone) && contains(lines[3], "unreachable")) << listed.out;

    MviResult unknownHost = mvi_.run({"fleet", "rm", "web", "http://127.0.0.1:1"});
    EXPECT_EQ(unknownHost.exitCode, 1);
    EXPECT_TRUE(contains(unknownHost.err, "has no host http://127.0.0.1:1")) << unknownHost.err;
    MviResult badName = mvi_.run({"fleet", "add", "no/slash", url});
    EXPECT_EQ(badName.exitCode, 1);
    EXPECT_TRUE(contains(badName.err, "Invalid fleet name")) << badName.err;

    MviResult removed = mvi_.run({"fleet", "rm", "web", gone});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    EXPECT_TRUE(contains(removed.out, "Fleet web: 1 host")) << removed.out;
    MviResult whole = mvi_.run({"fleet", "rm", "web"});
    ASSERT_EQ(whole.exitCode, 0) << whole.err;
    MviResult none = mvi_.run({"ls", "--fleet", "web"});
    EXPECT_EQ(none.exitCode, 1);
    EXPECT_TRUE(contains(none.err, "No fleet web")) << none.err;

    // The rollout's options mean nothing without a fleet.
    MviResult alone = mvi_.run({"deploy", "hello", "1.0.0", builtPlugin("hello"), "--observe=1"});
    EXPECT_EQ(alone.exitCode, 2);
    EXPECT_TRUE(contains(alone.err, "--fleet")) << alone.err;
}

TEST_F(CliFleet, RollingDeployMakesTheNewVersionMainOnEveryHost) {
    startFleet({});
    MviResult first = mvi_.run(
        {"deploy", "--fleet", "web", "counter", "1.0.0", builtPlugin("fixture_counter_v1")});
    ASSERT_EQ(first.exitCode, 0) << first.out << first.err;
    for (const auto& host : hosts_) {
        EXPECT_EQ(mainOf(*host, "counter"), "1.0.0");
    }

    MviResult second = mvi_.run({"deploy", "--fleet", "web", "counter", "2.0.0",
                                 builtPlugin("fixture_counter_v2"), "--observe", "0.5"});
    ASSERT_EQ(second.exitCode, 0) << second.out << second.err;
    for (const auto& host : hosts_) {
        EXPECT_EQ(mainOf(*host, "counter"), "2.0.0");
        Response answer = host->post("/services/counter/version", json::object());
        EXPECT_EQ(answer.body, "\"v2\"");
        std::string row = lineStarting(second.out, urlOf(*host) + " ");
        EXPECT_TRUE(contains(row, "switched") && contains(row, "2.0.0")) << second.out;
    }
    EXPECT_TRUE(contains(second.out, "counter 2.0.0 is the main version on every host"))
        << second.out;
    // Deploying a version a host already has is refused before anything changes.
    MviResult twice = mvi_.run(
        {"deploy", "--fleet", "web", "counter", "2.0.0", builtPlugin("fixture_counter_v2")});
    EXPECT_EQ(twice.exitCode, 1);
    EXPECT_TRUE(contains(twice.out, "already has counter 2.0.0")) << twice.out;

    // ls: one table, a HOST column, every host's versions.
    MviResult listed = mvi_.run({"ls", "--fleet", "web", "counter"});
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    std::vector<std::string> lines = linesOf(listed.out);
    ASSERT_EQ(lines.size(), 2u + 6u) << listed.out;
    EXPECT_EQ(lines[0].rfind("HOST", 0), 0u) << listed.out;
    for (const auto& host : hosts_) {
        EXPECT_TRUE(contains(listed.out, urlOf(*host) + "  *")) << listed.out;
    }

    // Parameters are set and shown on every host.
    MviResult set = mvi_.run({"parameters", "counter", "--fleet", "web", "set", "label", "blue"});
    ASSERT_EQ(set.exitCode, 0) << set.err;
    MviResult shown = mvi_.run({"parameters", "--fleet", "web", "counter"});
    ASSERT_EQ(shown.exitCode, 0) << shown.err;
    for (const auto& host : hosts_) {
        Response parameters = host->get("/services/counter/~parameters");
        EXPECT_EQ(parameters.json().value("label", ""), "blue") << parameters.body;
        EXPECT_TRUE(contains(lineStarting(shown.out, urlOf(*host) + "  label"), "\"blue\""))
            << shown.out;
    }

    // Logs come from every host, each line naming its host.
    MviResult logs = mvi_.run({"logs", "--fleet", "web", "counter", "-n", "all"});
    ASSERT_EQ(logs.exitCode, 0) << logs.err;
    for (const auto& host : hosts_) {
        EXPECT_TRUE(contains(logs.out, urlOf(*host) + " | ")) << logs.out;
    }
    MviResult notifications = mvi_.run({"notifications", "--fleet", "web"});
    ASSERT_EQ(notifications.exitCode, 0) << notifications.err;

    // Kill reaches every host.
    MviResult killed = mvi_.run({"kill", "--fleet", "web", "counter", "1.0.0", "--yes"});
    ASSERT_EQ(killed.exitCode, 0) << killed.err;
    for (const auto& host : hosts_) {
        EXPECT_TRUE(contains(killed.out, "Killed counter 1.0.0 on " + urlOf(*host))) << killed.out;
        EXPECT_TRUE(serviceEntry(*host, "counter", "1.0.0").is_null());
    }
}

TEST_F(CliFleet, AHostThatCannotBeReachedStopsTheDeployBeforeAnythingChanges) {
    startFleet({});
    hosts_[2]->stop();
    MviResult deploy = mvi_.run(
        {"deploy", "--fleet", "web", "counter", "1.0.0", builtPlugin("fixture_counter_v1")});
    EXPECT_EQ(deploy.exitCode, 1);
    EXPECT_TRUE(contains(lineStarting(deploy.out, urlOf(*hosts_[2]) + " "), "unreachable"))
        << deploy.out;
    EXPECT_TRUE(contains(deploy.err, "nothing changed")) << deploy.err;
    EXPECT_TRUE(serviceEntry(*hosts_[0], "counter", "1.0.0").is_null());
    EXPECT_TRUE(serviceEntry(*hosts_[1], "counter", "1.0.0").is_null());

    // The hosts that answer are listed; the one that does not is named and fails the command.
    MviResult listed = mvi_.run({"ls", "--fleet", "web"});
    EXPECT_EQ(listed.exitCode, 1);
    EXPECT_TRUE(contains(listed.err, urlOf(*hosts_[2]))) << listed.err;
    EXPECT_TRUE(contains(listed.err, "1 of 3 hosts of fleet web failed")) << listed.err;
}

TEST_F(CliFleet, AFailedUploadRemovesTheVersionFromTheHostsThatReceivedIt) {
    // The second host refuses uploads larger than 1000 bytes.
    startFleet({{"fixture_counter_v1", "counter_1.0.0.so"}},
               {{}, {"-Dhttp.max_upload_bytes=1000"}, {}});
    MviResult deploy = mvi_.run(
        {"deploy", "--fleet", "web", "counter", "2.0.0", builtPlugin("fixture_counter_v2")});
    EXPECT_EQ(deploy.exitCode, 1);
    EXPECT_TRUE(contains(lineStarting(deploy.out, urlOf(*hosts_[0]) + " "), "removed"))
        << deploy.out;
    EXPECT_TRUE(contains(lineStarting(deploy.out, urlOf(*hosts_[1]) + " "), "failed"))
        << deploy.out;
    EXPECT_TRUE(contains(lineStarting(deploy.out, urlOf(*hosts_[2]) + " "), "not deployed"))
        << deploy.out;
    for (const auto& host : hosts_) {
        EXPECT_TRUE(waitFor([&] { return serviceEntry(*host, "counter", "2.0.0").is_null(); }));
        EXPECT_EQ(mainOf(*host, "counter"), "1.0.0");
    }
}

TEST_F(CliFleet, AHostLostDuringTheSwitchRollsTheSwitchedHostsBack) {
    startCounterFleet("1.0.0");
    MviResult assign;
    std::thread rollout([&] {
        assign =
            mvi_.run({"assign", "--fleet", "web", "counter", "2.0.0", "--yes", "--observe", "3"});
    });
    // While the first host is observed, the third one dies.
    EXPECT_TRUE(waitFor([&] { return mainOf(*hosts_[0], "counter") == "2.0.0"; }));
    hosts_[2]->stop(true);
    rollout.join();

    EXPECT_EQ(assign.exitCode, 1) << assign.out;
    EXPECT_TRUE(contains(lineStarting(assign.out, urlOf(*hosts_[2]) + " "), "unreachable"))
        << assign.out;
    EXPECT_TRUE(contains(lineStarting(assign.out, urlOf(*hosts_[0]) + " "), "rolled back"))
        << assign.out;
    EXPECT_TRUE(contains(assign.err, "previous main version back")) << assign.err;
    EXPECT_EQ(mainOf(*hosts_[0], "counter"), "1.0.0");
    EXPECT_EQ(mainOf(*hosts_[1], "counter"), "1.0.0");
}

TEST_F(CliFleet, FailingCallsOfTheNewVersionRollTheSwitchBack) {
    startFleet({{"fixture_faulty", "faulty_1.0.0.so"}, {"fixture_faulty", "faulty_2.0.0.so"}});
    for (const auto& host : hosts_) {
        assignOn(*host, "faulty", "1.0.0");
    }
    // Calls that fail (500) keep coming to the first host while it is observed.
    std::atomic<bool> done{false};
    std::thread traffic([&] {
        while (!done) {
            hosts_[0]->post("/services/faulty/throw_int", json::object());
        }
    });
    MviResult assign =
        mvi_.run({"assign", "--fleet", "web", "faulty", "2.0.0", "--yes", "--observe", "1"});
    done = true;
    traffic.join();

    EXPECT_EQ(assign.exitCode, 1) << assign.out;
    const std::string first = lineStarting(assign.out, urlOf(*hosts_[0]) + " ");
    EXPECT_TRUE(contains(first, "failed") && contains(first, "calls failed") &&
                contains(first, "main is 1.0.0 again"))
        << assign.out;
    EXPECT_TRUE(contains(lineStarting(assign.out, urlOf(*hosts_[1]) + " "), "shadow"))
        << assign.out;
    for (const auto& host : hosts_) {
        EXPECT_EQ(mainOf(*host, "faulty"), "1.0.0");
    }
}

TEST_F(CliFleet, LogsInToEveryHostWithTheSameCredentials) {
    // Two hosts with auth on and the same administrator's password, one without auth.
    const std::string passwordFile = mvi_.scratch() + "/admin_password";
    {
        std::ofstream file(passwordFile);
        file << "fleet-password\n";
    }
    const std::vector<std::string> authOn{"-Dauth.enabled=true",
                                          "-Dauth.admin_password_file=" + passwordFile};
    startFleet({}, {authOn, authOn, {}});
    MviResult refused = mvi_.run({"ls", "--fleet", "web"});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_TRUE(contains(refused.err, "2 of 3 hosts of fleet web failed")) << refused.err;

    MviResult wrong = mvi_.run(
        {"login", "--fleet", "web", "--username", "admin", "--password", "not-the-password"});
    EXPECT_EQ(wrong.exitCode, 1);
    EXPECT_TRUE(contains(wrong.err, "Login to " + urlOf(*hosts_[0]) + " failed")) << wrong.err;

    MviResult login = mvi_.run(
        {"login", "--fleet", "web", "--username", "admin", "--password", "fleet-password"});
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_TRUE(contains(login.out, "Logged in to " + urlOf(*hosts_[0]) + " as admin"))
        << login.out;
    EXPECT_TRUE(contains(login.out, "Logged in to " + urlOf(*hosts_[1]) + " as admin"))
        << login.out;
    EXPECT_TRUE(contains(login.out, urlOf(*hosts_[2]) + " does not require a login")) << login.out;
    MviResult listed = mvi_.run({"ls", "--fleet", "web"});
    EXPECT_EQ(listed.exitCode, 0) << listed.err;
    // The active host is not one of them: a fleet login leaves it as it was.
    std::ifstream config(mvi_.configPath());
    const json saved = json::parse(config);
    EXPECT_FALSE(saved.contains("active_host")) << saved.dump();

    MviResult logout = mvi_.run({"logout", "--fleet", "web"});
    ASSERT_EQ(logout.exitCode, 0) << logout.err;
    EXPECT_TRUE(contains(logout.out, "Logged out of " + urlOf(*hosts_[1]))) << logout.out;
    MviResult after = mvi_.run({"ls", "--fleet", "web"});
    EXPECT_EQ(after.exitCode, 1);
    EXPECT_TRUE(contains(after.err, "Not logged in")) << after.err;
}

TEST_F(CliFleet, AssignSwitchesEveryHostAtOnceWhenAsked) {
    startCounterFleet("1.0.0");
    // Nobody is at the terminal to confirm.
    MviResult unconfirmed = mvi_.run({"assign", "--fleet", "web", "counter", "2.0.0"});
    EXPECT_EQ(unconfirmed.exitCode, 1);
    EXPECT_TRUE(contains(unconfirmed.err, "--yes")) << unconfirmed.err;
    // A version one host lacks is refused before anything changes.
    MviResult missing = mvi_.run({"assign", "--fleet", "web", "counter", "3.0.0", "--yes"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(contains(missing.out, "has no counter 3.0.0")) << missing.out;

    MviResult assign = mvi_.run({"assign", "--fleet", "web", "counter", "2.0.0", "--yes",
                                 "--all-at-once", "--observe", "0.5"});
    ASSERT_EQ(assign.exitCode, 0) << assign.out << assign.err;
    for (const auto& host : hosts_) {
        EXPECT_EQ(mainOf(*host, "counter"), "2.0.0");
    }
}

}  // namespace
}  // namespace mvi::test
