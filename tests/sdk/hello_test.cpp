// The tutorial's hello service (plugins/hello/hello.cpp, compiled into this test) under the
// fake host.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace {

using mvi::testing::FakeHost;

TEST(HelloService, ExportsTheAbiVersionItWasBuiltWith) {
    EXPECT_EQ(mvi_plugin_abi_version(),
              MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR));
}

TEST(HelloService, DeclaresItsEntrypointAndParameter) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    ASSERT_EQ(host.entrypoints().size(), 1u);
    const auto& hello = host.entrypoint("hello");
    EXPECT_EQ(hello.method, mvi::Method::Post);
    EXPECT_EQ(
        hello.arguments,
        nlohmann::json::parse(R"([{"name":"name","schema":{"type":"string"},"required":true}])"));
    EXPECT_EQ(hello.result_schema, nlohmann::json::parse(R"({"type":"string"})"));

    const auto parameter = host.parameter_info("greeting_phrase");
    EXPECT_EQ(parameter.value, "Hello");
    EXPECT_EQ(parameter.schema, nlohmann::json::parse(R"({"type":"string"})"));
    EXPECT_TRUE(parameter.exposed);
}

TEST(HelloService, GreetsBobAndLogsIt) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    const auto answer = host.call("hello", {{"name", "Bob"}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "Hello Bob");

    const auto logs = host.logs();
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0].level, mvi::log::Level::Info);
    EXPECT_EQ(logs[0].message, "Greeting someone with the name: Bob");
    EXPECT_TRUE(host.notifications().empty());
}

TEST(HelloService, UsesTheCurrentGreetingPhrase) {
    FakeHost host;
    ASSERT_TRUE(host.registered()) << host.registration_error();
    EXPECT_EQ(host.set_parameter("greeting_phrase", "Howdy"), MVI_OK);
    EXPECT_EQ(host.parameter("greeting_phrase"), "Howdy");
    const auto answer = host.call("hello", {{"name", "Bob"}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "Howdy Bob");
}

TEST(HelloService, EachHostStartsFromTheInitialParameterValue) {
    {
        FakeHost host;
        ASSERT_EQ(host.set_parameter("greeting_phrase", "Howdy"), MVI_OK);
    }
    FakeHost host;
    EXPECT_EQ(host.call("hello", {{"name", "Bob"}}).body, "Hello Bob");
}

TEST(HelloService, RefusesAGreetingPhraseOfTheWrongType) {
    FakeHost host;
    EXPECT_EQ(host.set_parameter("greeting_phrase", 42), MVI_TYPE_MISMATCH);
    EXPECT_EQ(host.set_parameter("no_such_parameter", "x"), MVI_NOT_FOUND);
    EXPECT_EQ(host.parameter("greeting_phrase"), "Hello");
}

TEST(HelloService, SkipsTheWorldWithAWarningNotification) {
    FakeHost host;
    const auto answer = host.call("hello", {{"name", "World"}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, "Greeting failed");

    const auto notifications = host.notifications();
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(notifications[0].severity, mvi::Severity::Warning);
    EXPECT_EQ(notifications[0].message,
              "Someone is trying to greet the World, too time consuming. Skipping!");
    EXPECT_TRUE(notifications[0].emails.empty());
    EXPECT_EQ(notifications[0].timer_seconds, 0.0);
    EXPECT_TRUE(host.logs().empty());
}

TEST(HelloService, AnswersMissingOrMistypedNameWith422) {
    FakeHost host;
    const auto missing = host.call("hello");
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.body[0]["loc"], nlohmann::json::parse(R"(["body","name"])"));
    EXPECT_EQ(missing.body[0]["type"], "value_error.missing");

    const auto mistyped = host.call("hello", {{"name", 5}});
    EXPECT_EQ(mistyped.status, 422);
    // The fake host validates with mvi-host's validator: the same detail list as the server.
    EXPECT_EQ(mistyped.body, nlohmann::json::parse(R"([{"loc": ["body", "name"],
                                                        "msg": "value is not a valid string",
                                                        "type": "type_error.string"}])"));

    // Without the host's validation the SDK's own conversion answers the same way.
    const auto raw = host.call_raw("hello", R"({"name": 5})");
    EXPECT_EQ(raw.status, 422);
    EXPECT_EQ(raw.body[0]["loc"], nlohmann::json::parse(R"(["body","name"])"));
    EXPECT_EQ(raw.body[0]["type"], "type_error");
}

TEST(HelloService, IgnoresAnUndeclaredArgument) {
    FakeHost host;
    EXPECT_FALSE(host.entrypoint("hello").strict_arguments);
    const auto answer = host.call("hello", {{"name", "Bob"}, {"nmae", "x"}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body, "Hello Bob");
}

TEST(HelloService, AnswersAnUnknownEntrypointWith404) {
    FakeHost host;
    EXPECT_EQ(host.call("goodbye").status, 404);
}

TEST(HelloService, ServesConcurrentCalls) {
    FakeHost host;
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&host, &failures, t] {
            const std::string name = "caller" + std::to_string(t);
            for (int i = 0; i < 200; ++i) {
                const auto answer = host.call("hello", {{"name", name}});
                if (answer.status != 200 || answer.body != "Hello " + name) {
                    ++failures[static_cast<std::size_t>(t)];
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(failures, std::vector<int>(4, 0));
    EXPECT_EQ(host.logs().size(), 800u);
}

}  // namespace
