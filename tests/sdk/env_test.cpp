// ABI 1.4 in the SDK: mvi::env reads the version's environment, during the registration too,
// and FakeHost lets a test choose it. The service is the environment fixture
// (tests/fixtures/plugins/environment.cpp).
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

TEST(SdkEnv, AVariableGivenToTheHostIsReadAtRegistrationAndInEntrypoints) {
    FakeHost host({{"GREETING", "Hej"}, {"MODEL", "small"}});
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.call("at_registration").body, "Hej");
    EXPECT_EQ(host.call("env", {{"name", "MODEL"}}).body, "small");
    EXPECT_EQ(host.call("env", {{"name", "GREETING"}}).body, "Hej");
}

TEST(SdkEnv, AMissingVariableIsNullOrTheFallback) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.call("at_registration").body, "unset");
    auto missing = host.call("env", {{"name", "MODEL"}});
    EXPECT_EQ(missing.status, 200);
    EXPECT_TRUE(missing.body.is_null()) << missing.body;
    // Names are exact: no case folding, no prefix match.
    FakeHost other({{"MODEL", "small"}});
    EXPECT_TRUE(other.call("env", {{"name", "model"}}).body.is_null());
    EXPECT_TRUE(other.call("env", {{"name", "MODE"}}).body.is_null());
}

TEST(SdkEnv, AnEmptyValueIsAValue) {
    FakeHost host({{"GREETING", ""}});
    EXPECT_EQ(host.call("at_registration").body, "");
    EXPECT_EQ(host.call("env", {{"name", "GREETING"}}).body, "");
}

TEST(SdkEnv, SetEnvAndUnsetEnvChangeWhatTheServiceReadsFromThenOn) {
    FakeHost host;
    host.set_env("MODEL", "large");
    EXPECT_EQ(host.call("env", {{"name", "MODEL"}}).body, "large");
    host.set_env("MODEL", "tiny");
    EXPECT_EQ(host.call("env", {{"name", "MODEL"}}).body, "tiny");
    EXPECT_EQ(host.environment(), (std::map<std::string, std::string>{{"MODEL", "tiny"}}));
    host.unset_env("MODEL");
    EXPECT_TRUE(host.call("env", {{"name", "MODEL"}}).body.is_null());
    // What the service read while it registered stays as it was.
    EXPECT_EQ(host.call("at_registration").body, "unset");
}

TEST(SdkEnv, EachHostHasItsOwnEnvironment) {
    {
        FakeHost first({{"GREETING", "one"}});
        EXPECT_EQ(first.call("at_registration").body, "one");
    }
    FakeHost second;
    EXPECT_EQ(second.call("at_registration").body, "unset");
    EXPECT_TRUE(second.call("env", {{"name", "GREETING"}}).body.is_null());
}

TEST(SdkEnv, OutsideAHostThereIsNoEnvironment) {
    // No FakeHost alive: the service is not registered with anything.
    EXPECT_EQ(mvi::env("GREETING"), std::nullopt);
    EXPECT_EQ(mvi::env("GREETING", "fallback"), "fallback");
}

// A host table of ABI 1.3: no get_env. The service registers and reads no environment.
mvi_status register_with_an_older_host(const mvi_host_api* api, mvi_host* host,
                                       mvi_registrar* registrar) noexcept {
    static mvi_host_api older;
    older = *api;
    older.size = offsetof(mvi_host_api, get_env);
    return mvi_plugin_register(&older, host, registrar);
}

TEST(SdkEnv, AnOlderHostGivesNoEnvironment) {
    FakeHost host(&register_with_an_older_host,
                  MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR),
                  {{"GREETING", "Hej"}});
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.call("at_registration").body, "unset");
    EXPECT_TRUE(host.call("env", {{"name", "GREETING"}}).body.is_null());
}

TEST(SdkEnv, TheHostTableAnswersNotFoundAndRefusesANullReceiver) {
    FakeHost host({{"K", "V"}});
    const mvi_host_api& api = host.api();
    ASSERT_TRUE(MVI_HOST_API_HAS(&api, get_env));
    std::string value;
    auto receive = [](mvi_plugin_buffer* buffer, mvi_str text) {
        reinterpret_cast<std::string*>(buffer)->assign(text.data, text.size);
    };
    mvi_host* handle = mvi::detail::host_context().host.load();
    EXPECT_EQ(
        api.get_env(handle, mvi_str{"K", 1}, receive, reinterpret_cast<mvi_plugin_buffer*>(&value)),
        MVI_OK);
    EXPECT_EQ(value, "V");
    EXPECT_EQ(
        api.get_env(handle, mvi_str{"X", 1}, receive, reinterpret_cast<mvi_plugin_buffer*>(&value)),
        MVI_NOT_FOUND);
    EXPECT_EQ(api.get_env(handle, mvi_str{"K", 1}, nullptr, nullptr), MVI_INVALID_ARGUMENT);
}

}  // namespace
