// Threads a plugin starts, its on_stop hook and per-entrypoint deadlines (ABI 1.2), on a real
// host: a library whose own thread never ends is not closed (it stays mapped, the host says why
// and keeps serving); one whose on_stop hook ends its thread is unloaded and unmapped; an
// entrypoint declared with .timeout(1) answers 504 after a second under a host default of 60;
// a 1.1 plugin still loads.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

#include <sys/wait.h>

#include "HostProcess.h"

namespace mvi::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string greet(const HostProcess& host) {
    try {
        Response response = host.post("/services/hello/hello", {{"name", "Bob"}});
        return response.status == 200 ? response.json().get<std::string>() : "";
    } catch (const std::exception&) {
        return "";
    }
}

std::string logOf(const HostProcess& host, const std::string& name) {
    return host.get("/services/~logs?name=" + name + "&version=1.0.0").body;
}

bool isMapped(const HostProcess& host, const std::string& cachePath) {
    auto mapped = mappedFilesUnder(host.servingPid(), host.dataDir() + "/cache");
    return std::find(mapped.begin(), mapped.end(), cachePath) != mapped.end();
}

std::string cachePathOf(const HostProcess& host, const std::string& name) {
    return serviceEntry(host, name, "1.0.0")["artifact"]["cache_path"].get<std::string>();
}

/// Waits until the thread the plugin started has run (its entrypoint `ticks` counts its
/// wake-ups).
bool threadRuns(const HostProcess& host, const std::string& name) {
    return waitFor([&] {
        Response ticks = host.get("/services/" + name + "/ticks");
        return ticks.status == 200 && ticks.json().get<long>() > 0;
    });
}

const char* const kReason =
    "1 threads it started are still running; give it an on_stop hook that ends them";

TEST(PluginThreads, DeletingAPluginWhoseThreadNeverEndsKeepsItMappedAndTheHostUp) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_own_thread", "own_thread_1.0.0.so"}},
                  {"-D", "plugins.stop_timeout_seconds=1"});
    ASSERT_TRUE(threadRuns(*host, "own_thread"));
    pid_t serving = host->servingPid();
    std::string cachePath = cachePathOf(*host, "own_thread");
    ASSERT_TRUE(isMapped(*host, cachePath));

    fs::remove(fs::path(host->pluginsDir()) / "own_thread_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return hasNotification(*host, "own_thread", "CRITICAL", kReason); }))
        << host->get("/notifications/").body;
    EXPECT_NE(logOf(*host, "own_thread").find(kReason), std::string::npos)
        << logOf(*host, "own_thread");
    EXPECT_EQ(serviceEntry(*host, "own_thread", "1.0.0"), json()) << "the version is gone";
    // Its thread still runs in the library, which stays mapped; the host never crashed.
    EXPECT_TRUE(isMapped(*host, cachePath));
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");
    EXPECT_NE(host->get("/metrics").body.find("mvi_unloads_stuck_total 1"), std::string::npos);
}

TEST(PluginThreads, AThreadStartedByAConstructorWhileOpeningIsCountedToo) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_ctor_thread", "ctor_thread_1.0.0.so"}},
                  {"-D", "plugins.stop_timeout_seconds=1"});
    ASSERT_TRUE(threadRuns(*host, "ctor_thread"));
    pid_t serving = host->servingPid();
    std::string cachePath = cachePathOf(*host, "ctor_thread");

    fs::remove(fs::path(host->pluginsDir()) / "ctor_thread_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return hasNotification(*host, "ctor_thread", "CRITICAL", kReason); }))
        << host->get("/notifications/").body;
    EXPECT_TRUE(isMapped(*host, cachePath));
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");
}

TEST(PluginThreads, ReplacingAPluginWhoseThreadNeverEndsServesTheNewBuildAndKeepsTheOld) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_own_thread", "own_thread_1.0.0.so"}},
                  {"-D", "plugins.stop_timeout_seconds=1"});
    ASSERT_TRUE(threadRuns(*host, "own_thread"));
    pid_t serving = host->servingPid();
    std::string oldPath = cachePathOf(*host, "own_thread");

    installPlugin(builtPlugin("fixture_own_thread_v2"), host->pluginsDir(), "own_thread_1.0.0.so");
    ASSERT_TRUE(waitFor([&] { return hasNotification(*host, "own_thread", "CRITICAL", kReason); }))
        << host->get("/notifications/").body;
    EXPECT_EQ(host->get("/services/own_thread/build").json(), "v2");
    std::string newPath = cachePathOf(*host, "own_thread");
    EXPECT_NE(newPath, oldPath);
    EXPECT_TRUE(isMapped(*host, oldPath)) << "the old build's thread still runs in it";
    EXPECT_TRUE(isMapped(*host, newPath));
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");
}

TEST(PluginThreads, AnOnStopHookThatEndsItsThreadLetsTheLibraryBeUnmapped) {
    auto host = startHost(
        {{"hello", "hello_1.0.0.so"}, {"fixture_stopped_thread", "stopped_thread_1.0.0.so"}});
    ASSERT_TRUE(threadRuns(*host, "stopped_thread"));
    std::string cachePath = cachePathOf(*host, "stopped_thread");
    ASSERT_TRUE(isMapped(*host, cachePath));

    fs::remove(fs::path(host->pluginsDir()) / "stopped_thread_1.0.0.so");
    ASSERT_TRUE(waitFor([&] {
        return logOf(*host, "stopped_thread").find("library unmapped)") != std::string::npos;
    })) << logOf(*host, "stopped_thread");
    std::string log = logOf(*host, "stopped_thread");
    auto stopped = log.find("worker stopped after");
    auto hook = log.find("on_stop hook returned");
    auto unloaded = log.find("library unmapped)");
    EXPECT_NE(stopped, std::string::npos) << log;
    EXPECT_LT(stopped, hook) << log;
    EXPECT_LT(hook, unloaded) << log;
    EXPECT_FALSE(isMapped(*host, cachePath));
    EXPECT_FALSE(hasNotification(*host, "stopped_thread", "CRITICAL", "could not be unmapped"));
    EXPECT_EQ(greet(*host), "Hello Bob");
}

TEST(PluginThreads, AnOnStopHookThatNeverReturnsIsLeftRunningAndTheHostGoesOn) {
    auto host = startHost(
        {{"hello", "hello_1.0.0.so"}, {"fixture_hanging_stop", "stopped_thread_1.0.0.so"}},
        {"-D", "plugins.stop_timeout_seconds=1"});
    ASSERT_TRUE(threadRuns(*host, "stopped_thread"));
    pid_t serving = host->servingPid();
    std::string cachePath = cachePathOf(*host, "stopped_thread");

    fs::remove(fs::path(host->pluginsDir()) / "stopped_thread_1.0.0.so");
    const char* reason = "its on_stop hook did not return within 1 s";
    ASSERT_TRUE(waitFor([&] {
        return hasNotification(*host, "stopped_thread", "CRITICAL", reason);
    })) << host->get("/notifications/").body;
    EXPECT_NE(logOf(*host, "stopped_thread").find("on_stop hook entered"), std::string::npos);
    EXPECT_EQ(serviceEntry(*host, "stopped_thread", "1.0.0"), json()) << "the version is gone";
    // The hook still runs in the library, which stays mapped; the host never crashed.
    EXPECT_TRUE(isMapped(*host, cachePath));
    EXPECT_EQ(host->servingPid(), serving);
    EXPECT_EQ(greet(*host), "Hello Bob");

    // The same build deployed again loads and serves; the host then stops cleanly, giving up on
    // this copy's hook too.
    installPlugin(builtPlugin("fixture_hanging_stop"), host->pluginsDir(),
                  "stopped_thread_1.0.0.so");
    ASSERT_TRUE(threadRuns(*host, "stopped_thread"));
    int status = host->stopWith(SIGTERM);
    EXPECT_FALSE(host->timedOut());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(PluginThreads, AnEntrypointDeadlineOfOneSecondAnswers504UnderAHostDefaultOfSixty) {
    auto host = startHost({{"fixture_stopped_thread", "stopped_thread_1.0.0.so"}},
                          {"-D", "services.call_timeout_seconds=60"});
    auto started = std::chrono::steady_clock::now();
    Response slow = host->post("/services/stopped_thread/sleep", {{"seconds", 3}});
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(slow.status, 504) << slow.body;
    EXPECT_NE(slow.json()["detail"].get<std::string>().find("did not return within 1 s"),
              std::string::npos)
        << slow.body;
    EXPECT_GE(took, std::chrono::milliseconds(900));
    EXPECT_LT(took, std::chrono::milliseconds(2900));
    // Within its deadline the same entrypoint answers.
    Response quick = host->post("/services/stopped_thread/sleep", {{"seconds", 0.01}});
    EXPECT_EQ(quick.status, 200) << quick.body;
    EXPECT_EQ(quick.json(), 0.01);
}

TEST(PluginThreads, ACrashInAThreadThePluginStartedIsBlamedOnItsBuild) {
    auto host =
        startHost({{"hello", "hello_1.0.0.so"}, {"fixture_thread_crash", "thread_crash_1.0.0.so"}});
    pid_t serving = host->servingPid();
    ASSERT_EQ(host->post("/services/thread_crash/start", json::object()).status, 200);
    json entry;
    ASSERT_TRUE(waitFor([&] {
        try {
            entry = serviceEntry(*host, "thread_crash", "1.0.0");
        } catch (const std::exception&) {
            return false;
        }
        return entry.is_object() && entry["status"] == "quarantined";
    })) << entry.dump();
    std::string reason = entry["error"].get<std::string>();
    EXPECT_NE(reason.find("crashed with SIGSEGV"), std::string::npos) << reason;
    EXPECT_NE(reason.find("in a thread it started"), std::string::npos) << reason;
    EXPECT_NE(host->servingPid(), serving);
    EXPECT_TRUE(waitFor([&] { return greet(*host) == "Hello Bob"; }));
}

TEST(PluginThreads, APluginBuiltForAbi11StillLoadsWithTheHostDefaultDeadline) {
    auto host = startHost({{"fixture_abi11_garbage", "legacy_1.0.0.so"}});
    EXPECT_EQ(serviceEntry(*host, "legacy", "1.0.0")["status"], "ready")
        << serviceEntry(*host, "legacy", "1.0.0");
    Response ping = host->post("/services/legacy/ping", json::object());
    EXPECT_EQ(ping.status, 200) << ping.body;
    EXPECT_EQ(ping.json(), "pong");
}

}  // namespace
}  // namespace mvi::test
