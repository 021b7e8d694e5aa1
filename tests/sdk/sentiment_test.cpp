// The sentiment example (plugins/sentiment/sentiment.cpp, compiled into this test) under the
// fake host: Entrypoint::monitor, a monitored parameter, and mvi::store with its refusals (not
// an object, NaN or infinity, strings that are not UTF-8, a busy host, a host older than 1.1).
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

/// The status of the mvi::Error `action` throws; MVI_OK when it throws none.
template <class Action>
mvi_status errorStatus(Action&& action, std::string* message = nullptr) {
    try {
        action();
    } catch (const mvi::Error& error) {
        if (message != nullptr) {
            *message = error.what();
        }
        return error.status();
    }
    return MVI_OK;
}

TEST(SentimentService, DeclaresItsMonitoredEntrypointAndParameter) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_TRUE(host.entrypoint("classify").monitor);
    EXPECT_TRUE(host.parameter_info("threshold").monitor);
    EXPECT_TRUE(host.parameter_info("threshold").exposed);
    // The initial value of the monitored parameter is stored at registration.
    EXPECT_EQ(host.stored(), (std::vector<json>{json{{"threshold", 0.2}}}));
}

TEST(SentimentService, StoresItsOwnValuesAndTheMonitoredCall) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    const auto answer = host.call("classify", {{"text", "What a great, good day"}});
    ASSERT_TRUE(answer.ok()) << answer.body;
    EXPECT_EQ(answer.body["label"], "positive");
    const auto stored = host.stored();
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0], (json{{"words", 5}, {"score", 0.4}, {"label", "positive"}}));
    EXPECT_EQ(stored[1], (json{{"classify_request", {{"text", "What a great, good day"}}},
                               {"classify_response", answer.body}}));
}

TEST(SentimentService, EveryValueOfTheMonitoredParameterIsStored) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    ASSERT_EQ(host.set_parameter("threshold", 0.5), MVI_OK);
    ASSERT_EQ(host.set_parameter("threshold", "high"), MVI_TYPE_MISMATCH);
    EXPECT_EQ(host.stored(), (std::vector<json>{json{{"threshold", 0.5}}}));
    // With the higher threshold the same text is neutral.
    EXPECT_EQ(host.call("classify", {{"text", "good bad good"}}).body["label"], "neutral");
}

TEST(SentimentService, AFullQueueDoesNotFailTheAnswer) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    host.refuse_store(MVI_BUSY);
    const auto answer = host.call("classify", {{"text", "awful"}});
    ASSERT_TRUE(answer.ok()) << answer.body;
    ASSERT_EQ(host.logs().size(), 1u);
    EXPECT_NE(host.logs()[0].message.find("MVI_BUSY"), std::string::npos);
    // Only the host's own record of the monitored call is left.
    ASSERT_EQ(host.stored().size(), 1u);
    EXPECT_TRUE(host.stored()[0].contains("classify_request"));
}

TEST(SdkStore, StoresAnObjectOfVariables) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    mvi::store({{"temperature", 21.5}, {"label", "ok"}, {"tags", {"a", "b"}}});
    EXPECT_EQ(
        host.stored(),
        (std::vector<json>{json{{"temperature", 21.5}, {"label", "ok"}, {"tags", {"a", "b"}}}}));
}

TEST(SdkStore, RefusesWhatIsNotJsonWithAClearError) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    std::string message;
    EXPECT_EQ(errorStatus([] { mvi::store(json::array({1})); }, &message), MVI_INVALID_ARGUMENT);
    EXPECT_NE(message.find("JSON object"), std::string::npos) << message;
    EXPECT_EQ(errorStatus(
                  [] {
                      mvi::store({{"x", std::nan("")}});
                  },
                  &message),
              MVI_INVALID_ARGUMENT);
    EXPECT_NE(message.find("'x'"), std::string::npos) << message;
    EXPECT_NE(message.find("NaN or infinity"), std::string::npos) << message;
    EXPECT_EQ(errorStatus([] {
                  mvi::store({{"deep", {{"inner", std::numeric_limits<double>::infinity()}}}});
              }),
              MVI_INVALID_ARGUMENT);
    EXPECT_EQ(errorStatus(
                  [] {
                      mvi::store({{"text", std::string("\xff\xfe")}});
                  },
                  &message),
              MVI_INVALID_ARGUMENT);
    EXPECT_NE(message.find("cannot be written as JSON"), std::string::npos) << message;
    // The host's own refusals: an empty object, a bad name.
    EXPECT_EQ(errorStatus([] { mvi::store(json::object()); }), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(errorStatus([] { mvi::store({{"Bad-Name", 1}}); }, &message), MVI_INVALID_ARGUMENT);
    EXPECT_NE(message.find("refused by the host"), std::string::npos) << message;
    EXPECT_TRUE(host.stored().empty());
}

TEST(SdkStore, ReportsABusyHost) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    host.clear_records();
    host.refuse_store(MVI_BUSY);
    std::string message;
    EXPECT_EQ(errorStatus([] { mvi::store({{"x", 1}}); }, &message), MVI_BUSY);
    EXPECT_NE(message.find("MVI_BUSY"), std::string::npos) << message;
    // The refusal was for one call only.
    mvi::store({{"x", 2}});
    EXPECT_EQ(host.stored(), (std::vector<json>{json{{"x", 2}}}));
}

TEST(SdkStore, RefusesAnOlderHostAndAnUnregisteredService) {
    std::string message;
    {
        FakeHost host;
        ASSERT_TRUE(host.registered()) << host.registration_error();
        host.clear_records();
        // The same service seen by a 1.0 host, whose table ends before `store`.
        mvi_host_api older = host.api();
        older.size = offsetof(mvi_host_api, store);
        auto& context = mvi::detail::host_context();
        const mvi_host_api* actual = context.api.exchange(&older);
        EXPECT_EQ(errorStatus([] { mvi::store({{"x", 1}}); }, &message), MVI_BAD_STATE);
        EXPECT_NE(message.find("older than ABI 1.1"), std::string::npos) << message;
        context.api.store(actual);
        EXPECT_TRUE(host.stored().empty());
    }
    EXPECT_EQ(errorStatus([] { mvi::store({{"x", 1}}); }, &message), MVI_BAD_STATE);
    EXPECT_NE(message.find("not registered"), std::string::npos) << message;
}

}  // namespace
