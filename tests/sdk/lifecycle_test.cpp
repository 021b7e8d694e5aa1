// The SDK's ABI 1.2 options under the fake host: entrypoint deadlines (.timeout) and the on_stop
// hook (order, exceptions, running once, added after registration, an older host). The service
// is defined here; each test picks what its setup declares before it creates its FakeHost.
#include <mvi/service.hpp>
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/// A deadline the service's setup declares on entrypoint `extra` (none: no such entrypoint).
std::optional<double> extraTimeout;

/// The on_stop functions that ran, in order.
std::vector<std::string> stopped;

}  // namespace

MVI_SERVICE(service) {
    stopped.clear();
    service.entrypoint("quick", [] { return 1; }).timeout(1.5);
    service.entrypoint("chrono", [] { return 2; }).timeout(std::chrono::milliseconds(250));
    service.entrypoint("plain", [] { return 3; });
    if (extraTimeout) {
        service.entrypoint("extra", [] { return 4; }).timeout(*extraTimeout);
    }
    service.on_stop([] { stopped.push_back("first"); });
    service.on_stop([] {
        stopped.push_back("second");
        throw std::runtime_error("the second function failed on purpose");
    });
    service.on_stop([] { stopped.push_back("third"); });
    service.entrypoint("add_stop", [&service] {
        service.on_stop([] { stopped.push_back("late"); });
        return true;
    });
}

namespace {

using mvi::testing::FakeHost;

TEST(SdkTimeout, EachEntrypointCarriesItsDeadline) {
    extraTimeout.reset();
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_EQ(host.entrypoint("quick").timeout_seconds, 1.5);
    EXPECT_DOUBLE_EQ(host.entrypoint("chrono").timeout_seconds, 0.25) << "std::chrono overload";
    EXPECT_EQ(host.entrypoint("plain").timeout_seconds, 0) << "0: the host's default";
    EXPECT_EQ(host.call("quick").body, 1);
}

TEST(SdkTimeout, ZeroIsTheHostDefaultAndADayIsTheLongest) {
    for (double good : {0.0, 86400.0}) {
        extraTimeout = good;
        FakeHost host;
        ASSERT_TRUE(host.registered()) << good << ": " << host.registration_error();
        EXPECT_EQ(host.entrypoint("extra").timeout_seconds, good);
    }
}

TEST(SdkTimeout, ABadDeadlineFailsTheRegistrationWithItsName) {
    for (double bad : {-1.0, 86401.0, std::numeric_limits<double>::infinity(), std::nan("1")}) {
        extraTimeout = bad;
        FakeHost host;
        EXPECT_FALSE(host.registered()) << bad;
        EXPECT_NE(host.registration_error().find(
                      "entrypoint 'extra': timeout needs a number of seconds from 0"),
                  std::string::npos)
            << host.registration_error();
    }
    extraTimeout.reset();
}

TEST(SdkOnStop, StopRunsEveryFunctionOnceInOrderAndLogsAnException) {
    extraTimeout.reset();
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_TRUE(host.has_on_stop());
    EXPECT_TRUE(stopped.empty()) << "nothing runs before the version stops";
    EXPECT_EQ(host.stop(), MVI_ERROR) << "one function threw";
    EXPECT_EQ(stopped, (std::vector<std::string>{"first", "second", "third"}));
    const auto logs = host.logs();
    ASSERT_FALSE(logs.empty());
    EXPECT_EQ(logs.back().level, mvi::log::Level::Error);
    EXPECT_EQ(logs.back().message,
              "on_stop function failed: the second function failed on purpose");
    EXPECT_FALSE(host.has_on_stop());
    EXPECT_EQ(host.stop(), MVI_OK) << "the hook runs once";
    EXPECT_EQ(stopped.size(), 3u);
}

TEST(SdkOnStop, AFunctionAddedAfterRegistrationRunsTooAndNoneAfterStopping) {
    extraTimeout.reset();
    FakeHost host;
    ASSERT_EQ(host.call("add_stop").status, 200);
    host.stop();
    EXPECT_EQ(stopped, (std::vector<std::string>{"first", "second", "third", "late"}));
    // The host refuses a hook once the version is stopping; the service gets mvi::Error.
    auto refused = host.call("add_stop");
    EXPECT_EQ(refused.status, 500);
    EXPECT_NE(refused.body.get<std::string>().find("on_stop was refused by the host"),
              std::string::npos)
        << refused.body;
}

// A host table of ABI 1.1: no set_on_stop.
mvi_status register_with_an_older_host(const mvi_host_api* api, mvi_host* host,
                                       mvi_registrar* registrar) noexcept {
    static mvi_host_api older;
    older = *api;
    older.size = offsetof(mvi_host_api, set_on_stop);
    return mvi_plugin_register(&older, host, registrar);
}

TEST(SdkOnStop, AnOlderHostFailsTheRegistrationWithAClearMessage) {
    extraTimeout.reset();
    FakeHost host(&register_with_an_older_host);
    EXPECT_FALSE(host.registered());
    EXPECT_EQ(host.registration_error(),
              "service setup failed: on_stop: the host is older than ABI 1.2 and has no on_stop "
              "hook");
}

}  // namespace
