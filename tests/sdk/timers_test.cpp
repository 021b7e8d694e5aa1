// The SDK's call_every through the timers fixture (tests/fixtures/plugins/timers.cpp, compiled
// into this test) under the fake host: declared tasks, wait_first, an exception in a task, bad
// intervals and a host without a scheduler.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cstddef>

namespace {

using mvi::testing::FakeHost;

TEST(CallEvery, RecordsEveryTaskWithItsIntervalAndWaitFirst) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    const auto timers = host.timers();
    ASSERT_EQ(timers.size(), 4u);
    EXPECT_EQ(timers[0].interval_seconds, 0.05);
    EXPECT_DOUBLE_EQ(timers[1].interval_seconds, 0.04) << "std::chrono overload";
    EXPECT_FALSE(timers[2].wait_first);
    EXPECT_TRUE(timers[3].wait_first);
}

TEST(CallEvery, AnExceptionIsLoggedWithItsMessageAndReportedAsAFailure) {
    FakeHost host;
    const auto timers = host.timers();
    ASSERT_EQ(timers[0].callback(timers[0].userdata), MVI_ERROR);
    ASSERT_EQ(timers[0].callback(timers[0].userdata), MVI_ERROR);
    EXPECT_EQ(host.parameter("failing_runs"), 2);
    const auto logs = host.logs();
    ASSERT_FALSE(logs.empty());
    EXPECT_EQ(logs.back().level, mvi::log::Level::Error);
    EXPECT_EQ(logs.back().message,
              "periodic task (every 0.05 s) failed: the failing task failed on purpose");
    EXPECT_EQ(timers[2].callback(timers[2].userdata), MVI_OK);
    EXPECT_EQ(host.parameter("immediate_runs"), 1);
}

TEST(CallEvery, BadIntervalsAreRefusedAtTheCall) {
    FakeHost host;
    for (const char* bad : {"0", "-2.5", "nan", "inf"}) {
        const auto answer = host.call("add_timer", {{"seconds", bad}});
        EXPECT_EQ(answer.status, 400) << bad;
        EXPECT_NE(answer.body.get<std::string>().find("finite number of seconds greater than 0"),
                  std::string::npos)
            << answer.body;
    }
    EXPECT_EQ(host.timers().size(), 4u);
    EXPECT_EQ(host.call("add_timer", {{"seconds", "2"}}).status, 200);
    ASSERT_EQ(host.timers().size(), 5u);
    EXPECT_EQ(host.timers()[4].interval_seconds, 2.0);
}

// A host table of ABI 1.0: no call_every.
mvi_status register_with_an_older_host(const mvi_host_api* api, mvi_host* host,
                                       mvi_registrar* registrar) noexcept {
    static mvi_host_api older;
    older = *api;
    older.size = offsetof(mvi_host_api, store);
    return mvi_plugin_register(&older, host, registrar);
}

TEST(CallEvery, AnOlderHostFailsTheRegistrationWithAClearMessage) {
    FakeHost host(&register_with_an_older_host);
    EXPECT_FALSE(host.registered());
    EXPECT_EQ(host.registration_error(),
              "service setup failed: call_every: the host is older than ABI 1.1 and has no "
              "scheduler");
}

}  // namespace
