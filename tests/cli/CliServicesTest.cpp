// The mvi command-line tool against a real mvi-host: listing, assigning, killing, parameters,
// calls, notifications, logs, versions and logging in. Every test runs the real `mvi` binary
// with its own configuration file and checks its output and exit status.

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>
#include <Poco/Timestamp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "HostProcess.h"
#include "MviRunner.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string callVersion(const HostProcess& host, const std::string& svc) {
    Response response = host.post("/services/" + svc + "/version", json::object());
    return response.status == 200 ? response.json().get<std::string>()
                                  : "status " + std::to_string(response.status);
}

TEST(CliVersion, PrintsItsOwnAndTheHostsVersion) {
    auto host = startHostWith({});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"--version"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    auto lines = linesOf(result.out);
    ASSERT_EQ(lines.size(), 2u) << result.out;
    EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(mvi \d+\.\d+\.\d+)"))) << lines[0];
    EXPECT_TRUE(std::regex_match(
        lines[1], std::regex(R"(mvi-host \d+\.\d+\.\d+ \(ABI \d+\.\d+\) at )" + urlOf(*host))))
        << lines[1];
}

TEST(CliVersion, PrintsItsOwnVersionWhenTheHostIsUnreachable) {
    MviRunner mvi("http://127.0.0.1:1");
    MviResult result = mvi.run({"--version"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(^mvi \d+\.\d+\.\d+\n)")));
    EXPECT_TRUE(contains(result.out, "Cannot reach mvi-host at http://127.0.0.1:1")) << result.out;
}

TEST(CliUsage, UnknownCommandsAndBadOptionsExitWithTwo) {
    MviRunner mvi("http://127.0.0.1:1");
    MviResult unknown = mvi.run({"frobnicate"});
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_TRUE(contains(unknown.err, "Unknown command 'frobnicate'")) << unknown.err;
    MviResult badOption = mvi.run({"ls", "--bogus"});
    EXPECT_EQ(badOption.exitCode, 2);
    MviResult tooMany = mvi.run({"assign", "a"});
    EXPECT_EQ(tooMany.exitCode, 2);
    EXPECT_TRUE(contains(tooMany.err, "Usage: mvi assign NAME VERSION")) << tooMany.err;
    MviResult help = mvi.run({"--help"});
    EXPECT_EQ(help.exitCode, 0);
    for (const char* command : {"init", "deploy", "ls", "logs", "assign", "kill", "parameters",
                                "call", "notifications", "login", "logout", "token"}) {
        EXPECT_TRUE(contains(help.out, std::string("  ") + command + " ")) << command;
    }
}

TEST(CliList, ShowsTheTableOfTheTutorial) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"ls"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    auto lines = linesOf(result.out);
    ASSERT_EQ(lines.size(), 3u) << result.out;
    EXPECT_EQ(lines[0], "MAIN    NAME    VERSION    STATUS    RUNNING");
    EXPECT_EQ(lines[1], "------  ------  ---------  --------  -----------------------------------");
    EXPECT_TRUE(std::regex_match(
        lines[2], std::regex(R"(\*       hello   1\.0\.0      running   Running \(since )"
                             R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\))")))
        << lines[2];
}

TEST(CliList, FiltersByNameAndVersion) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"},
                               {"fixture_counter_v2", "counter_2.0.0.so"},
                               {"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult all = mvi.run({"ls"});
    ASSERT_EQ(all.exitCode, 0) << all.err;
    EXPECT_EQ(linesOf(all.out).size(), 5u) << all.out;

    MviResult counter = mvi.run({"ls", "counter"});
    ASSERT_EQ(counter.exitCode, 0) << counter.err;
    auto lines = linesOf(counter.out);
    ASSERT_EQ(lines.size(), 4u) << counter.out;
    EXPECT_TRUE(std::regex_search(lines[2], std::regex(R"(^\*\s+counter\s+1\.0\.0\s+running)")))
        << lines[2];
    EXPECT_TRUE(std::regex_search(lines[3], std::regex(R"(^\s+counter\s+2\.0\.0\s+running)")))
        << lines[3];

    MviResult one = mvi.run({"ls", "counter", "2.0.0"});
    ASSERT_EQ(one.exitCode, 0) << one.err;
    EXPECT_EQ(linesOf(one.out).size(), 3u) << one.out;

    MviResult missing = mvi.run({"ls", "nothing"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(contains(missing.err, "No service nothing")) << missing.err;
}

TEST(CliList, ReportsAnUnreachableHost) {
    MviRunner mvi("http://127.0.0.1:1");
    MviResult result = mvi.run({"ls"});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err,
              "Error: Cannot reach mvi-host at http://127.0.0.1:1: Connection refused\n");
}

TEST(CliAssign, RefusesWithoutConfirmationWhenNobodyIsAtTheTerminal) {
    auto host = startHostWith(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"assign", "counter", "2.0.0"}, "y\n");
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "pass --yes")) << result.err;
    EXPECT_EQ(callVersion(*host, "counter"), "v1");
}

TEST(CliAssign, MakesAVersionMain) {
    auto host = startHostWith(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"assign", "counter", "2.0.0", "--yes"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(contains(result.out, "counter 2.0.0 is now the main version")) << result.out;
    EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(\n\*\s+counter\s+2\.0\.0\s+running)")))
        << result.out;
    EXPECT_EQ(callVersion(*host, "counter"), "v2");

    MviResult unknown = mvi.run({"assign", "counter", "9.9.9", "--yes"});
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_TRUE(contains(unknown.err, "No service counter 9.9.9")) << unknown.err;
}

TEST(CliKill, RefusesWithoutConfirmationWhenNobodyIsAtTheTerminal) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"kill", "counter", "1.0.0"}, "y\n");
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, "pass --yes")) << result.err;
    EXPECT_EQ(callVersion(*host, "counter"), "v1");

    MviResult neither = mvi.run({"kill", "--yes"});
    EXPECT_EQ(neither.exitCode, 2);
    EXPECT_TRUE(contains(neither.err, "--all")) << neither.err;
}

TEST(CliKill, KillsOneVersion) {
    auto host = startHostWith(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"kill", "counter", "2.0.0", "--yes"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, "Killed counter 2.0.0\n");
    EXPECT_TRUE(waitFor([&] { return serviceEntry(*host, "counter", "2.0.0").is_null(); }));
    EXPECT_EQ(callVersion(*host, "counter"), "v1");

    MviResult missing = mvi.run({"kill", "counter", "2.0.0", "--yes"});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(contains(missing.err, "No service counter 2.0.0")) << missing.err;
}

TEST(CliKill, KillsTheShadowsOfANameBeforeItsMain) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"},
                               {"fixture_counter_v2", "counter_2.0.0.so"},
                               {"fixture_counter_v3", "counter_3.0.0.so"},
                               {"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    ASSERT_EQ(mvi.run({"assign", "counter", "2.0.0", "--yes"}).exitCode, 0);
    MviResult result = mvi.run({"kill", "counter", "--yes"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, "Killed counter 1.0.0\nKilled counter 3.0.0\nKilled counter 2.0.0\n");
    EXPECT_TRUE(waitFor([&] {
        return serviceEntry(*host, "counter", "1.0.0").is_null() &&
               serviceEntry(*host, "counter", "2.0.0").is_null() &&
               serviceEntry(*host, "counter", "3.0.0").is_null();
    }));
    EXPECT_FALSE(serviceEntry(*host, "hello", "1.0.0").is_null());
}

TEST(CliKill, KillsEverythingWithAll) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"},
                               {"fixture_counter_v2", "counter_2.0.0.so"},
                               {"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult result = mvi.run({"kill", "--all", "--yes"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, "Killed counter 2.0.0\nKilled counter 1.0.0\nKilled hello 1.0.0\n");
    EXPECT_TRUE(waitFor([&] { return host->get("/services/").json().empty(); }));
    MviResult nothing = mvi.run({"kill", "--all", "--yes"});
    EXPECT_EQ(nothing.exitCode, 0);
    EXPECT_TRUE(contains(nothing.out, "No services to kill")) << nothing.out;
}

TEST(CliParameters, ShowsAndSetsParameters) {
    auto host = startHostWith(
        {{"fixture_counter_v1", "counter_1.0.0.so"}, {"fixture_counter_v2", "counter_2.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult shown = mvi.run({"parameters", "counter"});
    ASSERT_EQ(shown.exitCode, 0) << shown.err;
    auto lines = linesOf(shown.out);
    ASSERT_EQ(lines.size(), 4u) << shown.out;
    EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(PARAMETER\s+VALUE)"))) << lines[0];
    EXPECT_TRUE(std::regex_match(lines[2], std::regex(R"(label\s+"counter")"))) << lines[2];
    EXPECT_TRUE(std::regex_match(lines[3], std::regex(R"(secret\s+42)"))) << lines[3];

    // A word that is not JSON is a string; by name it reaches the main and the shadow.
    MviResult set = mvi.run({"parameters", "counter", "set", "label", "relabelled"});
    ASSERT_EQ(set.exitCode, 0) << set.err;
    EXPECT_EQ(set.out, "Set label of counter to \"relabelled\"\n");
    EXPECT_EQ(host->get("/services/counter_1.0.0/~parameters/label").json(), "relabelled");
    EXPECT_EQ(host->get("/services/counter_2.0.0/~parameters/label").json(), "relabelled");

    // One version only, with a JSON string.
    MviResult setOne = mvi.run({"parameters", "counter", "2.0.0", "set", "label", "\"only two\""});
    ASSERT_EQ(setOne.exitCode, 0) << setOne.err;
    EXPECT_EQ(host->get("/services/counter_1.0.0/~parameters/label").json(), "relabelled");
    EXPECT_EQ(host->get("/services/counter_2.0.0/~parameters/label").json(), "only two");
    MviResult shownOne = mvi.run({"parameters", "counter", "2.0.0"});
    EXPECT_TRUE(contains(shownOne.out, "\"only two\"")) << shownOne.out;

    MviResult wrongType = mvi.run({"parameters", "counter", "set", "label", "5"});
    EXPECT_EQ(wrongType.exitCode, 1);
    EXPECT_FALSE(wrongType.err.empty());
    MviResult notSettable = mvi.run({"parameters", "counter", "set", "secret", "7"});
    EXPECT_EQ(notSettable.exitCode, 1);
    EXPECT_TRUE(contains(notSettable.err, "Error: ")) << notSettable.err;
    EXPECT_EQ(host->get("/services/counter_1.0.0/~parameters/secret").json(), 42);
    MviResult badUsage = mvi.run({"parameters", "counter", "set", "label"});
    EXPECT_EQ(badUsage.exitCode, 2);
}

TEST(CliCall, PrintsTheAnswerAsJson) {
    auto host = startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"},
                               {"fixture_counter_v2", "counter_2.0.0.so"},
                               {"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult version = mvi.run({"call", "counter", "version"});
    ASSERT_EQ(version.exitCode, 0) << version.err;
    EXPECT_EQ(version.out, "\"v1\"\n");
    MviResult shadow = mvi.run({"call", "counter_2.0.0", "version"});
    EXPECT_EQ(shadow.out, "\"v2\"\n");
    MviResult hello = mvi.run({"call", "hello", "hello", R"({"name": "Bob"})"});
    ASSERT_EQ(hello.exitCode, 0) << hello.err;
    EXPECT_EQ(hello.out, "\"Hello Bob\"\n");
    MviResult hit = mvi.run({"call", "counter_1.0.0", "hit", "{}"});
    ASSERT_EQ(hit.exitCode, 0) << hit.err;
    EXPECT_EQ(json::parse(hit.out)["build"], "v1");
}

TEST(CliCall, ReportsErrorsInOneLine) {
    auto host =
        startHostWith({{"fixture_counter_v1", "counter_1.0.0.so"}, {"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult mistyped = mvi.run({"call", "hello", "hello", R"({"name": 1})"});
    EXPECT_EQ(mistyped.exitCode, 1);
    EXPECT_TRUE(std::regex_match(mistyped.err, std::regex("Error: field body\\.name: [^\n]+\n")))
        << mistyped.err;
    MviResult unknown = mvi.run({"call", "counter", "nope"});
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_TRUE(contains(unknown.err, "nope")) << unknown.err;
    MviResult notJson = mvi.run({"call", "counter", "version", "not json"});
    EXPECT_EQ(notJson.exitCode, 2);
    EXPECT_TRUE(contains(notJson.err, "JSON object")) << notJson.err;
    MviResult noService = mvi.run({"call", "nothing", "version"});
    EXPECT_EQ(noService.exitCode, 1);
    EXPECT_TRUE(contains(noService.err, "nothing")) << noService.err;
}

TEST(CliNotifications, ListsAndClearsNotifications) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    MviResult none = mvi.run({"notifications"});
    ASSERT_EQ(none.exitCode, 0) << none.err;
    EXPECT_EQ(none.out, "No notifications\n");

    for (int i = 0; i < 2; ++i) {
        MviResult greeted = mvi.run({"call", "hello", "hello", R"({"name": "World"})"});
        ASSERT_EQ(greeted.out, "\"Greeting failed\"\n") << greeted.err;
    }
    MviResult listed = mvi.run({"notifications"});
    ASSERT_EQ(listed.exitCode, 0) << listed.err;
    auto lines = linesOf(listed.out);
    ASSERT_EQ(lines.size(), 3u) << listed.out;
    EXPECT_TRUE(std::regex_match(
        lines[0], std::regex(R"(SEVERITY\s+SERVICE\s+VERSION\s+LAST RAISED\s+COUNT\s+MESSAGE)")))
        << lines[0];
    EXPECT_TRUE(std::regex_match(
        lines[2],
        std::regex(R"(WARNING\s+hello\s+1\.0\.0\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+2)"
                   R"(\s+Someone is trying to greet the World, too time consuming\. )"
                   R"(Skipping!)")))
        << lines[2];

    MviResult cleared = mvi.run({"notifications", "--clear"});
    ASSERT_EQ(cleared.exitCode, 0) << cleared.err;
    EXPECT_EQ(cleared.out, "Notifications cleared\n");
    EXPECT_EQ(mvi.run({"notifications"}).out, "No notifications\n");
}

TEST(CliLogs, ShowsTheLogOfTheMainOrANamedVersion) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    for (const char* name : {"Alice", "Bob", "Carol"}) {
        ASSERT_EQ(host->post("/services/hello/hello", {{"name", name}}).status, 200);
    }
    MviResult last = mvi.run({"logs", "hello", "-n", "1"});
    ASSERT_EQ(last.exitCode, 0) << last.err;
    auto lines = linesOf(last.out);
    ASSERT_EQ(lines.size(), 1u) << last.out;
    EXPECT_TRUE(contains(lines[0], "Greeting someone with the name: Carol")) << lines[0];

    MviResult all = mvi.run({"logs", "hello", "1.0.0", "--tail=all"});
    ASSERT_EQ(all.exitCode, 0) << all.err;
    for (const char* name : {"Alice", "Bob", "Carol"}) {
        EXPECT_TRUE(contains(all.out, std::string("Greeting someone with the name: ") + name))
            << all.out;
    }
    MviResult lastTwo = mvi.run({"logs", "hello", "-n2"});
    EXPECT_EQ(linesOf(lastTwo.out).size(), 2u) << lastTwo.out;

    MviResult recent = mvi.run({"logs", "hello", "--since", "1h"});
    ASSERT_EQ(recent.exitCode, 0) << recent.err;
    EXPECT_TRUE(contains(recent.out, "Alice")) << recent.out;
    MviResult future = mvi.run({"logs", "hello", "--since", "2999-01-01 00:00:00"});
    ASSERT_EQ(future.exitCode, 0) << future.err;
    EXPECT_FALSE(contains(future.out, "Alice")) << future.out;

    MviResult badTail = mvi.run({"logs", "hello", "-n", "some"});
    EXPECT_EQ(badTail.exitCode, 2);
    MviResult badSince = mvi.run({"logs", "hello", "--since", "yesterday-ish"});
    EXPECT_EQ(badSince.exitCode, 1);
    EXPECT_TRUE(contains(badSince.err, "Cannot read the time")) << badSince.err;
    MviResult unknown = mvi.run({"logs", "nothing"});
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_TRUE(contains(unknown.err, "nothing")) << unknown.err;
}

// `when` in the zone UTC-5 (the POSIX zone "EST5", which needs no time zone database).
std::string inUtcMinusFive(const Poco::Timestamp& when) {
    return Poco::DateTimeFormatter::format(when - 5 * Poco::Timespan::HOURS, "%Y-%m-%d %H:%M:%S");
}

TEST(CliLogs, TimesAreLocalTimes) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    mvi.setEnvironment("TZ", "EST5");
    ASSERT_EQ(host->post("/services/hello/hello", {{"name", "Alice"}}).status, 200);

    // The table shows when the version was loaded in local time.
    Poco::DateTime loaded;
    int zone = 0;
    ASSERT_TRUE(Poco::DateTimeParser::tryParse(
        Poco::DateTimeFormat::ISO8601_FRAC_FORMAT,
        serviceEntry(*host, "hello", "1.0.0")["loaded_since"].get<std::string>(), loaded, zone));
    MviResult list = mvi.run({"ls"});
    EXPECT_TRUE(contains(list.out, "Running (since " + inUtcMinusFive(loaded.timestamp()) + ")"))
        << list.out;

    // --since takes a local time.
    Poco::Timestamp now;
    const Poco::Timestamp::TimeDiff hour = Poco::Timespan::HOURS;
    MviResult before = mvi.run({"logs", "hello", "--since", inUtcMinusFive(now - hour)});
    ASSERT_EQ(before.exitCode, 0) << before.err;
    EXPECT_TRUE(contains(before.out, "Alice")) << before.out;
    MviResult after = mvi.run({"logs", "hello", "--since", inUtcMinusFive(now + hour)});
    ASSERT_EQ(after.exitCode, 0) << after.err;
    EXPECT_FALSE(contains(after.out, "Alice")) << after.out;
}

TEST(CliLogs, FollowPrintsLinesAsTheyAreLogged) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi(urlOf(*host));
    ASSERT_EQ(host->post("/services/hello/hello", {{"name", "Before"}}).status, 200);
    auto follower = mvi.start({"logs", "hello", "-f", "-n", "1"});
    ASSERT_TRUE(waitFor([&] { return contains(follower->output(), "name: Before"); }))
        << follower->output();
    for (const char* name : {"Dave", "Eve"}) {
        ASSERT_EQ(host->post("/services/hello/hello", {{"name", name}}).status, 200);
        EXPECT_TRUE(waitFor([&] {
            return contains(follower->output(), std::string("name: ") + name);
        })) << follower->output();
    }
}

TEST(CliLogin, ChoosesAHostWithoutAuthenticationAsTheActiveHost) {
    auto host = startHostWith({{"hello", "hello_1.0.0.so"}});
    MviRunner mvi("");
    MviResult login = mvi.run({"login", "--host", urlOf(*host)});
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_TRUE(contains(login.out, "does not require a login")) << login.out;
    std::ifstream file(mvi.configPath());
    ASSERT_TRUE(file.good());
    EXPECT_EQ(json::parse(file)["active_host"], urlOf(*host));
    MviResult list = mvi.run({"ls"});
    ASSERT_EQ(list.exitCode, 0) << list.err;
    EXPECT_TRUE(contains(list.out, "hello")) << list.out;
}

// A host with authentication on and a known administrator password.
std::unique_ptr<HostProcess> startHostWithAuth() {
    return startHostWith(
        {}, {"--define", "auth.enabled=true", "--define", "auth.admin_password=correct horse"});
}

TEST(CliLogin, AHostWithAuthenticationNeedsALogin) {
    auto host = startHostWithAuth();
    MviRunner mvi(urlOf(*host));
    MviResult anonymous = mvi.run({"ls"});
    EXPECT_EQ(anonymous.exitCode, 1);
    EXPECT_EQ(anonymous.err, "Error: Not logged in to " + urlOf(*host) + ": run mvi login\n");

    MviResult wrong = mvi.run({"login", "--username", "admin", "--password", "wrong"});
    EXPECT_EQ(wrong.exitCode, 1);
    EXPECT_TRUE(contains(wrong.err, "Login to " + urlOf(*host) + " failed")) << wrong.err;

    MviResult login = mvi.run({"login", "--username", "admin", "--password", "correct horse"});
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_EQ(login.out, "Logged in to " + urlOf(*host) + " as admin\n");
    std::ifstream file(mvi.configPath());
    json config = json::parse(file);
    EXPECT_TRUE(config["hosts"][urlOf(*host)]["token"].is_string()) << config.dump();
    EXPECT_EQ(fs::status(mvi.configPath()).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    MviResult list = mvi.run({"ls"});
    ASSERT_EQ(list.exitCode, 0) << list.err;

    MviResult logout = mvi.run({"logout"});
    ASSERT_EQ(logout.exitCode, 0) << logout.err;
    EXPECT_EQ(logout.out, "Logged out of " + urlOf(*host) + "\n");
    MviResult after = mvi.run({"ls"});
    EXPECT_EQ(after.exitCode, 1);
    EXPECT_TRUE(contains(after.err, "Not logged in")) << after.err;
}

TEST(CliLogin, ReadsThePasswordFromStandardInput) {
    auto host = startHostWithAuth();
    MviRunner mvi(urlOf(*host));
    MviResult login = mvi.run({"login", "--username", "admin"}, "correct horse\n");
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_EQ(mvi.run({"ls"}).exitCode, 0);
}

TEST(CliToken, MakesATokenAnotherMachineCanLogInWith) {
    auto host = startHostWithAuth();
    MviRunner mvi(urlOf(*host));
    ASSERT_EQ(mvi.run({"login", "--username", "admin", "--password", "correct horse"}).exitCode, 0);
    MviResult token = mvi.run({"token", "7"});
    ASSERT_EQ(token.exitCode, 0) << token.err;
    auto lines = linesOf(token.out);
    ASSERT_EQ(lines.size(), 1u) << token.out;
    EXPECT_TRUE(contains(token.err, "expires")) << token.err;

    MviRunner other(urlOf(*host));
    MviResult refused = other.run({"login", "--token", "not-a-token"});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_TRUE(contains(refused.err, "refused")) << refused.err;
    MviResult login = other.run({"login", "--token", lines[0]});
    ASSERT_EQ(login.exitCode, 0) << login.err;
    EXPECT_EQ(other.run({"ls"}).exitCode, 0);

    MviResult bad = mvi.run({"token", "soon"});
    EXPECT_EQ(bad.exitCode, 2);
}

TEST(CliInit, DispatchesToInit) {
    MviRunner mvi("http://127.0.0.1:1");
    MviResult init = mvi.run({"init", mvi.scratch(), "--name", "demo_service"});
    ASSERT_EQ(init.exitCode, 0) << init.err;
    EXPECT_TRUE(fs::exists(fs::path(mvi.scratch()) / "demo_service" / "CMakeLists.txt"));
}

}  // namespace
}  // namespace mvi::test
