// The ticker example (plugins/ticker/ticker.cpp, compiled into this test) under the fake host:
// its periodic task is recorded and run by the test.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

namespace {

using mvi::testing::FakeHost;

TEST(TickerService, DeclaresOnePeriodicTaskEverySecond) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    const auto timers = host.timers();
    ASSERT_EQ(timers.size(), 1u);
    EXPECT_EQ(timers[0].interval_seconds, 1.0);
    EXPECT_FALSE(timers[0].wait_first);
    EXPECT_EQ(host.parameter("ticks"), 0);
    EXPECT_FALSE(host.parameter_info("ticks").exposed);
}

TEST(TickerService, EachRunCountsATickAndLogsIt) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_EQ(host.run_timers(), 1u);
    EXPECT_EQ(host.run_timers(), 1u);
    EXPECT_EQ(host.parameter("ticks"), 2);
    const auto answer = host.call("ticks");
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, 2);
    const auto logs = host.logs();
    ASSERT_EQ(logs.size(), 2u);
    EXPECT_EQ(logs[1].level, mvi::log::Level::Info);
    EXPECT_EQ(logs[1].message, "tick 2");
    const auto stored = host.stored();
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[1]["tick"], 2);
    EXPECT_TRUE(stored[1]["load"].is_number()) << stored[1];
}

TEST(TickerService, ANewHostStartsCountingAgain) {
    {
        FakeHost first;
        first.run_timers();
    }
    FakeHost second;
    ASSERT_EQ(second.timers().size(), 1u) << "the tasks of the first registration are dropped";
    second.run_timers();
    EXPECT_EQ(second.parameter("ticks"), 1);
}

}  // namespace
