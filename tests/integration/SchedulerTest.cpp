// Periodic tasks (call_every) on a real mvi-host: the ticker example and fixture plugins with
// tasks that throw, overrun, wait for their first interval, or are held open across a swap.
// Every wait is on a condition; nothing asserts a duration.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int parameterOf(const HostProcess& host, const std::string& svc, const std::string& name) {
    Response response = host.get("/services/" + svc + "/~parameters/" + name);
    return response.status == 200 ? response.json().get<int>() : -1;
}

std::string logOf(const HostProcess& host, const std::string& name) {
    return host.get("/services/~logs?name=" + name + "&tail=all").body;
}

std::vector<std::string> linesOfFile(const fs::path& file) {
    std::ifstream input(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(input, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::size_t countOf(const std::vector<std::string>& lines, const std::string& wanted) {
    std::size_t count = 0;
    for (const auto& line : lines) {
        count += line == wanted ? 1 : 0;
    }
    return count;
}

std::string cacheDirOf(const HostProcess& host) {
    return (fs::path(host.dataDir()) / "cache").string();
}

bool isMapped(const HostProcess& host, const std::string& path) {
    for (const auto& mapped : mappedFilesUnder(host.servingPid(), cacheDirOf(host))) {
        if (mapped == path) {
            return true;
        }
    }
    return false;
}

TEST(Scheduler, TickerCountsTicksInAParameter) {
    auto host = startHost({{"ticker", "ticker_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return parameterOf(*host, "ticker", "ticks") >= 2; }))
        << logOf(*host, "ticker");
    Response ticks = host->get("/services/ticker/ticks");
    ASSERT_EQ(ticks.status, 200) << ticks.body;
    EXPECT_GE(ticks.json().get<int>(), 2);
    EXPECT_NE(logOf(*host, "ticker").find(" INFO tick 2"), std::string::npos)
        << logOf(*host, "ticker");
    // Ticks are counted by the service only: the parameter is not settable over HTTP.
    EXPECT_EQ(host->post("/services/ticker/~parameters/ticks", {{"value", 0}}).status, 405);
    // Each run stores its reading; the background writer gets there soon after.
    json monitor;
    ASSERT_TRUE(waitFor([&] {
        Response response = host->get("/services/ticker/~monitor?variables=tick,load");
        monitor = response.status == 200 ? response.json() : json();
        return monitor.contains("tick") && monitor["tick"]["value"].size() >= 2;
    })) << monitor.dump();
    EXPECT_EQ(monitor["tick"]["value"][0], 1);
    EXPECT_EQ(monitor["tick"]["value"][1], 2);
    EXPECT_TRUE(monitor["load"]["value"][0].is_number()) << monitor.dump();
    EXPECT_EQ(monitor["tick"]["timestamp"].size(), monitor["tick"]["value"].size());
}

TEST(Scheduler, AThrowingTaskIsLoggedAndKeepsItsSchedule) {
    auto host = startHost({{"fixture_timers", "timers_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return parameterOf(*host, "timers", "failing_runs") >= 3; }));
    std::string log = logOf(*host, "timers");
    EXPECT_NE(log.find(" ERROR periodic task (every 0.05 s) failed: the failing task failed on "
                       "purpose"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("failed with status 1; it runs again at its next time"), std::string::npos)
        << log;
    // The host is fine and serves.
    EXPECT_EQ(host->get("/~health").status, 200);
}

TEST(Scheduler, AnOverrunIsAWarningAndANotificationAndTheNextRunStartsAtOnce) {
    auto host = startHost({{"fixture_timers", "timers_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return parameterOf(*host, "timers", "overrunning_runs") >= 3; }));
    std::string log = logOf(*host, "timers");
    EXPECT_NE(log.find(" WARNING periodic task #2 ran "), std::string::npos) << log;
    EXPECT_NE(log.find("longer than its interval of 0.04 s; the next run starts right away"),
              std::string::npos)
        << log;
    json notifications;
    ASSERT_TRUE(waitFor([&] {
        notifications = host->get("/notifications/").json();
        for (const auto& item : notifications) {
            if (item["severity"] == 1 &&
                item["msg"] == "The periodic task #2 runs longer than its interval of 0.04 s") {
                return true;
            }
        }
        return false;
    })) << notifications.dump(2);
}

TEST(Scheduler, WaitFirstDelaysTheFirstRunByOneInterval) {
    auto host = startHost({{"fixture_timers", "timers_1.0.0.so"}});
    ASSERT_TRUE(waitFor([&] { return parameterOf(*host, "timers", "immediate_runs") == 1; }));
    // Both tasks have a one-hour interval: the one without wait_first ran when the version
    // became ready; the one with wait_first has not run and will not for an hour.
    EXPECT_EQ(parameterOf(*host, "timers", "delayed_runs"), 0);
}

TEST(Scheduler, TasksAddedAfterRegistrationRunAndBadIntervalsAreRefused) {
    auto host = startHost({{"fixture_timers", "timers_1.0.0.so"}});
    for (const char* bad : {"0", "-1", "nan", "inf", "-inf"}) {
        Response refused = host->post("/services/timers/add_timer", {{"seconds", bad}});
        EXPECT_EQ(refused.status, 400) << bad << ": " << refused.body;
        EXPECT_NE(refused.body.find("call_every needs an interval that is a finite number of "
                                    "seconds greater than 0"),
                  std::string::npos)
            << refused.body;
        // The host itself refuses them too, whatever the plugin's SDK checked.
        Response raw = host->post("/services/timers/add_raw_timer", {{"seconds", bad}});
        EXPECT_EQ(raw.status, 200) << raw.body;
        EXPECT_EQ(raw.json(), "MVI_INVALID_ARGUMENT") << bad;
    }
    EXPECT_EQ(parameterOf(*host, "timers", "late_runs"), 0);

    Response added = host->post("/services/timers/add_timer", {{"seconds", "0.05"}});
    ASSERT_EQ(added.status, 200) << added.body;
    ASSERT_TRUE(waitFor([&] { return parameterOf(*host, "timers", "late_runs") >= 2; }));
    Response raw = host->post("/services/timers/add_raw_timer", {{"seconds", "0.05"}});
    EXPECT_EQ(raw.json(), "MVI_OK") << raw.body;
}

TEST(Scheduler, KillingAVersionStopsItsTasksAndUnloadsIt) {
    auto host = startHost({{"fixture_gate_v1", "gate_1.0.0.so"}});
    std::string folder = makeTemporaryDirectory();
    std::ofstream(fs::path(folder) / "release").put('\n');
    ASSERT_EQ(host->post("/services/gate/~parameters/gate_dir", {{"value", folder}}).status, 200);
    fs::path runs = fs::path(folder) / "runs.txt";
    ASSERT_TRUE(waitFor([&] { return countOf(linesOfFile(runs), "v1 end") >= 2; }));
    std::string cache = serviceEntry(*host, "gate", "1.0.0")["artifact"]["cache_path"];
    ASSERT_TRUE(isMapped(*host, cache));

    Response killed = request(host->port(), "DELETE", "/services/",
                              json({{"name", "gate"}, {"version", "1.0.0"}}).dump());
    ASSERT_EQ(killed.status, 200) << killed.body;
    // The task holds nothing once cancelled: the library is closed and unmapped.
    ASSERT_TRUE(waitFor([&] { return !isMapped(*host, cache); }));
    auto lines = linesOfFile(runs);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "v1 end") << "a run was cut off by the unload";
    EXPECT_EQ(countOf(lines, "v1 start"), countOf(lines, "v1 end"));
    host.reset();
    fs::remove_all(folder);
}

TEST(Scheduler, ASwapWaitsForTheRunningTaskAndTheOldBuildRunsNoMore) {
    auto host = startHost({{"fixture_gate_v1", "gate_1.0.0.so"}});
    std::string folder = makeTemporaryDirectory();
    fs::path runs = fs::path(folder) / "runs.txt";
    ASSERT_EQ(host->post("/services/gate/~parameters/gate_dir", {{"value", folder}}).status, 200);
    // A v1 run is in progress and held open until the release file exists.
    ASSERT_TRUE(waitFor([&] { return countOf(linesOfFile(runs), "v1 start") == 1; }));
    std::string oldCache = serviceEntry(*host, "gate", "1.0.0")["artifact"]["cache_path"];

    installPlugin(builtPlugin("fixture_gate_v2"), host->pluginsDir(), "gate_1.0.0.so");
    ASSERT_TRUE(waitFor([&] {
        Response build = host->post("/services/gate/version", json::object());
        return build.status == 200 && build.json() == "v2";
    }));
    // Replaced, but its run is still going: the old library stays mapped.
    EXPECT_TRUE(isMapped(*host, oldCache));
    EXPECT_EQ(countOf(linesOfFile(runs), "v1 end"), 0u);

    std::ofstream(fs::path(folder) / "release").put('\n');
    // The run finishes, then the old build is unmapped.
    ASSERT_TRUE(waitFor([&] { return !isMapped(*host, oldCache); }));
    auto lines = linesOfFile(runs);
    EXPECT_EQ(countOf(lines, "v1 start"), 1u) << "the old build ran after it was replaced";
    EXPECT_EQ(countOf(lines, "v1 end"), 1u);
    // The new build's task carries on.
    ASSERT_TRUE(waitFor([&] { return countOf(linesOfFile(runs), "v2 end") >= 2; }));
    host.reset();
    fs::remove_all(folder);
}

}  // namespace
}  // namespace mvi::test
