// The stopped_thread fixture (tests/fixtures/plugins/stopped_thread.cpp, compiled into this test)
// under the fake host: its worker thread runs from registration, `sleep` declares a deadline of
// one second, and stop() runs its on_stop hook, which ends the thread and logs it.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using mvi::testing::FakeHost;

bool waitForTicks(FakeHost& host, long atLeast) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (host.call("ticks").body.get<long>() >= atLeast) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

TEST(SdkStoppedThread, TheWorkerRunsUntilStopEndsIt) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    ASSERT_TRUE(host.has_on_stop());
    ASSERT_TRUE(waitForTicks(host, 2));
    EXPECT_EQ(host.stop(), MVI_OK);
    const long ticks = host.call("ticks").body.get<long>();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(host.call("ticks").body.get<long>(), ticks) << "the worker has ended";
    const auto logs = host.logs();
    ASSERT_FALSE(logs.empty());
    EXPECT_EQ(logs.back().message, "worker stopped after " + std::to_string(ticks) + " ticks");
}

TEST(SdkStoppedThread, SleepDeclaresADeadlineOfOneSecond) {
    FakeHost host;
    EXPECT_EQ(host.entrypoint("sleep").timeout_seconds, 1.0);
    EXPECT_EQ(host.entrypoint("ticks").timeout_seconds, 0.0);
    EXPECT_EQ(host.call("sleep", {{"seconds", 0.001}}).body, 0.001);
    host.stop();
}

}  // namespace
