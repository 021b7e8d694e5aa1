#include "fault/CallWatchdog.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mvi::host::fault {
namespace {

using namespace std::chrono_literals;

template <typename Condition>
bool eventually(Condition condition) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return condition();
}

TEST(CallWatchdog, ACallEndingInTimeIsNeverAnsweredByTheWatchdog) {
    std::atomic<int> answered{0};
    CallWatchdog watchdog(
        4, [](const std::string&) {}, 5ms);
    auto watch = watchdog.begin(10s, [&] { ++answered; });
    EXPECT_TRUE(watchdog.end(watch));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(answered.load(), 0);
    EXPECT_EQ(watchdog.stuck(), 0U);
    EXPECT_EQ(watchdog.expired(), 0U);
}

TEST(CallWatchdog, ACallPastItsDeadlineIsAnsweredOnceAndStuckUntilItEnds) {
    std::atomic<int> answered{0};
    CallWatchdog watchdog(
        4, [](const std::string&) {}, 5ms);
    auto watch = watchdog.begin(10ms, [&] { ++answered; });
    ASSERT_TRUE(eventually([&] { return watchdog.stuck() == 1; }));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(answered.load(), 1);
    EXPECT_FALSE(watchdog.end(watch));
    EXPECT_EQ(watchdog.stuck(), 0U);
    EXPECT_EQ(watchdog.expired(), 1U);
}

TEST(CallWatchdog, MoreStuckCallsThanTheLimitAskForAReplacementOnce) {
    std::atomic<int> replacements{0};
    std::string reason;
    CallWatchdog watchdog(
        2,
        [&](const std::string& why) {
            reason = why;
            ++replacements;
        },
        5ms);
    std::vector<std::shared_ptr<CallWatchdog::Watch>> watches;
    for (int i = 0; i < 2; ++i) {
        watches.push_back(watchdog.begin(1ms, [] {}));
    }
    ASSERT_TRUE(eventually([&] { return watchdog.stuck() == 2; }));
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(replacements.load(), 0) << "at the limit is not past it";
    for (int i = 0; i < 2; ++i) {
        watches.push_back(watchdog.begin(1ms, [] {}));
    }
    ASSERT_TRUE(eventually([&] { return replacements.load() == 1; }));
    EXPECT_NE(reason.find("services.stuck_calls_limit is 2"), std::string::npos) << reason;
    watchdog.requestReplacement("again");
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(replacements.load(), 1);
    for (const auto& watch : watches) {
        EXPECT_FALSE(watchdog.end(watch));
    }
    EXPECT_EQ(watchdog.stuck(), 0U);
}

TEST(CallWatchdog, AReplacementCanBeAskedForDirectly) {
    std::string reason;
    CallWatchdog watchdog(
        16, [&](const std::string& why) { reason = why; }, 5ms);
    watchdog.requestReplacement("a draining version can never finish");
    EXPECT_EQ(reason, "a draining version can never finish");
}

}  // namespace
}  // namespace mvi::host::fault
