// LoginThrottle: back-off per client address and per user name, and the bound on password
// checks at once. Times are given, so nothing waits.

#include "auth/LoginThrottle.h"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mvi::host {
namespace {

/// A moment `seconds` after an arbitrary start.
Poco::Timestamp at(double seconds) {
    return Poco::Timestamp(1'000'000'000'000 +
                           static_cast<Poco::Timestamp::TimeVal>(seconds * 1e6));
}

LoginThrottle::Settings settings(int freeFailures, int backoffSeconds, int maxSeconds) {
    LoginThrottle::Settings result;
    result.freeFailures = freeFailures;
    result.backoff = Poco::Timespan(backoffSeconds, 0);
    result.maxBackoff = Poco::Timespan(maxSeconds, 0);
    result.checkWait = Poco::Timespan(0);
    return result;
}

TEST(LoginThrottle, FreeFailuresThenADoublingWaitUpToTheMaximum) {
    LoginThrottle throttle(settings(3, 1, 5));
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(throttle.wait("192.0.2.1", "admin", at(0))) << i;
        throttle.failed("192.0.2.1", "admin", at(0));
    }
    // Past the free failures: 1 s, then 2, 4 and at most 5.
    std::vector<std::int64_t> waits;
    double now = 0;
    for (int i = 0; i < 4; ++i) {
        auto wait = throttle.wait("192.0.2.1", "admin", at(now));
        ASSERT_TRUE(wait) << i;
        waits.push_back(wait->seconds);
        now += static_cast<double>(wait->seconds);
        EXPECT_FALSE(throttle.wait("192.0.2.1", "admin", at(now))) << i;
        throttle.failed("192.0.2.1", "admin", at(now));
    }
    EXPECT_EQ(waits, (std::vector<std::int64_t>{1, 2, 4, 5}));
}

TEST(LoginThrottle, AddressesAndUserNamesCountApart) {
    LoginThrottle throttle(settings(2, 60, 600));
    throttle.failed("192.0.2.1", "a", at(0));
    throttle.failed("192.0.2.1", "b", at(0));
    auto byAddress = throttle.wait("192.0.2.1", "c", at(1));
    ASSERT_TRUE(byAddress);
    EXPECT_EQ(byAddress->seconds, 59);
    EXPECT_NE(byAddress->reason.find("from 192.0.2.1"), std::string::npos) << byAddress->reason;
    EXPECT_FALSE(throttle.wait("192.0.2.2", "a", at(1)));

    throttle.failed("198.51.100.1", "d", at(0));
    throttle.failed("198.51.100.2", "d", at(0));
    auto byUser = throttle.wait("198.51.100.3", "d", at(0));
    ASSERT_TRUE(byUser);
    EXPECT_NE(byUser->reason.find("for user 'd'"), std::string::npos) << byUser->reason;
    EXPECT_FALSE(throttle.wait("198.51.100.3", "e", at(0)));
}

TEST(LoginThrottle, LongUserNamesCountByTheirBeginning) {
    LoginThrottle throttle(settings(1, 60, 600));
    std::string huge(1 << 20, 'u');
    throttle.failed("192.0.2.1", huge + "a", at(0));
    auto wait = throttle.wait("192.0.2.2", huge + "b", at(0));
    ASSERT_TRUE(wait);
    EXPECT_LT(wait->reason.size(), 512u);
}

TEST(LoginThrottle, ASuccessClearsBothCounts) {
    LoginThrottle throttle(settings(1, 60, 600));
    throttle.failed("192.0.2.1", "admin", at(0));
    ASSERT_TRUE(throttle.wait("192.0.2.1", "admin", at(0)));
    throttle.succeeded("192.0.2.1", "admin");
    EXPECT_FALSE(throttle.wait("192.0.2.1", "admin", at(0)));
    // The next failure is the first again.
    throttle.failed("192.0.2.1", "admin", at(0));
    EXPECT_EQ(throttle.wait("192.0.2.1", "admin", at(0))->seconds, 60);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAnHourWithoutOne) {
    LoginThrottle throttle(settings(1, 60, 600));
    throttle.failed("192.0.2.1", "admin", at(0));
    throttle.failed("192.0.2.1", "admin", at(60));
    EXPECT_EQ(throttle.wait("192.0.2.1", "admin", at(60))->seconds, 120);
    throttle.failed("192.0.2.1", "admin", at(60 + 3601));
    EXPECT_EQ(throttle.wait("192.0.2.1", "admin", at(60 + 3601))->seconds, 60);
}

TEST(LoginThrottle, IPv6ClientsCountPerSlash64) {
    EXPECT_EQ(LoginThrottle::addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(LoginThrottle::addressKey("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(LoginThrottle::addressKey("::1"), "::1");
    EXPECT_EQ(LoginThrottle::addressKey("192.0.2.7"), "192.0.2.7");
    LoginThrottle throttle(settings(1, 60, 600));
    throttle.failed("2001:db8:1:2::10", "a", at(0));
    EXPECT_TRUE(throttle.wait("2001:db8:1:2::99", "b", at(0)));
    EXPECT_FALSE(throttle.wait("2001:db8:1:3::10", "b", at(0)));
}

TEST(LoginThrottle, PasswordChecksAtOnceAreBounded) {
    LoginThrottle::Settings two = settings(5, 1, 60);
    two.concurrentChecks = 2;
    LoginThrottle throttle(two);
    std::optional<LoginThrottle::Check> first = throttle.startCheck();
    std::optional<LoginThrottle::Check> second = throttle.startCheck();
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_FALSE(throttle.startCheck());
    EXPECT_EQ(throttle.counts().busy, 1u);
    first.reset();
    std::optional<LoginThrottle::Check> third = throttle.startCheck();
    EXPECT_TRUE(third);
    EXPECT_FALSE(throttle.startCheck());
    EXPECT_EQ(throttle.counts().busy, 2u);
}

TEST(LoginThrottle, CountsEachOutcome) {
    LoginThrottle throttle(settings(5, 1, 60));
    throttle.failed("192.0.2.1", "a", at(0));
    throttle.failed("192.0.2.1", "a", at(0));
    throttle.succeeded("192.0.2.1", "a");
    throttle.throttled();
    LoginThrottle::Counts counts = throttle.counts();
    EXPECT_EQ(counts.failed, 2u);
    EXPECT_EQ(counts.succeeded, 1u);
    EXPECT_EQ(counts.throttled, 1u);
    EXPECT_EQ(counts.busy, 0u);
}

TEST(LoginThrottle, RefusesSettingsOutOfRange) {
    EXPECT_THROW(LoginThrottle(settings(0, 1, 60)), std::invalid_argument);
    EXPECT_THROW(LoginThrottle(settings(5, 10, 5)), std::invalid_argument);
    LoginThrottle::Settings none = settings(5, 1, 60);
    none.concurrentChecks = 0;
    EXPECT_THROW(LoginThrottle{none}, std::invalid_argument);
}

}  // namespace
}  // namespace mvi::host
