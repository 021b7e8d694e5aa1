// The SDK's boundaries, through barrier_service.cpp under the fake host: the exception barrier
// of entrypoints, registration failures, every supported argument type, parameters, logging and
// notifications.
#include "barrier_service.hpp"

#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

class BarrierService : public ::testing::Test {
  protected:
    BarrierService() { barrier_setup_mode = kSetupNormal; }

    void SetUp() override { ASSERT_TRUE(host.registered()) << host.registration_error(); }

    FakeHost host;
};

// ---- the exception barrier ----

TEST_F(BarrierService, TurnsAStdExceptionInto500WithItsMessage) {
    const auto answer = host.call("fail");
    EXPECT_EQ(answer.status, 500);
    EXPECT_EQ(answer.body, "boom");
}

TEST_F(BarrierService, AnswersAnHttpErrorWithItsStatusAndDetail) {
    const auto teapot = host.call("teapot");
    EXPECT_EQ(teapot.status, 418);
    EXPECT_EQ(teapot.body, "I'm a teapot");

    const auto conflict = host.call("conflict");
    EXPECT_EQ(conflict.status, 409);
    EXPECT_EQ(conflict.body, json::parse(R"({"reason": "busy", "retry_after": 5})"));
}

TEST_F(BarrierService, TurnsAnHttpErrorWithANonErrorStatusInto500) {
    const auto answer = host.call("bad_status");
    EXPECT_EQ(answer.status, 500);
    EXPECT_NE(answer.body.get<std::string>().find("invalid HTTP status 200"), std::string::npos);
}

TEST_F(BarrierService, TurnsANonStdExceptionInto500) {
    const auto answer = host.call("weird");
    EXPECT_EQ(answer.status, 500);
    EXPECT_EQ(answer.body, "unknown error");
}

TEST_F(BarrierService, AnswersMalformedArgumentsWith422) {
    const auto not_json = host.call_raw("echo_json", "{not json");
    EXPECT_EQ(not_json.status, 422);
    EXPECT_EQ(not_json.body[0]["loc"], json::parse(R"(["body"])"));

    const auto not_object = host.call_raw("echo_json", "[1, 2]");
    EXPECT_EQ(not_object.status, 422);
}

TEST_F(BarrierService, ReportsEveryBadArgumentAtOnce) {
    const auto answer = host.call_raw("types", R"({"flag": 1, "count": -1})");
    ASSERT_EQ(answer.status, 422);
    // flag and count are mistyped; ratio, tags, triple and lookup are missing.
    EXPECT_EQ(answer.body.size(), 6u);
    EXPECT_EQ(answer.body[0]["loc"], json::parse(R"(["body", "flag"])"));
    EXPECT_EQ(answer.body[0]["type"], "type_error");
    EXPECT_EQ(answer.body[2]["type"], "value_error.missing");
}

TEST_F(BarrierService, NeverLetsANarrowIntegerOverflow) {
    EXPECT_EQ(host.entrypoint("small").arguments[0]["schema"],
              json::parse(R"({"type": "integer", "minimum": -128, "maximum": 127})"));
    EXPECT_EQ(host.call("small", {{"value", 300}}).status, 422);
    const auto raw = host.call_raw("small", R"({"value": 300})");
    EXPECT_EQ(raw.status, 422);
    EXPECT_EQ(raw.body[0]["msg"], "expected an integer between -128 and 127, got 300");
    EXPECT_EQ(host.call("small", {{"value", -128}}).body, -128);
}

TEST_F(BarrierService, TreatsANlohmannOnlyTypeAsAnyValueAndItsErrorsAs422) {
    EXPECT_EQ(host.entrypoint("legacy").arguments[0]["schema"], json::object());
    EXPECT_EQ(host.entrypoint("legacy").result_schema, json::object());
    const auto answer = host.call("legacy", {{"item", {{"value", 1}}}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, json::parse(R"({"value": 2})"));

    const auto bad = host.call("legacy", {{"item", {{"other", 1}}}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_EQ(bad.body[0]["loc"], json::parse(R"(["body", "item"])"));
    EXPECT_EQ(bad.body[0]["type"], "type_error");
}

// ---- argument and result types ----

TEST_F(BarrierService, AnswersNullForAVoidFunction) {
    EXPECT_EQ(host.entrypoint("nothing").result_schema, json::parse(R"({"type": "null"})"));
    const auto answer = host.call("nothing");
    EXPECT_EQ(answer.status, 200);
    EXPECT_TRUE(answer.body.is_null());
}

TEST_F(BarrierService, PassesAnyJsonThrough) {
    EXPECT_EQ(host.entrypoint("echo_json").arguments[0]["schema"], json::object());
    const json value = json::parse(R"({"a": [1, "b", null, {"c": true}]})");
    EXPECT_EQ(host.call("echo_json", {{"value", value}}).body, value);
    EXPECT_EQ(host.call("echo_json", {{"value", nullptr}}).body, nullptr);
}

TEST_F(BarrierService, AcceptsAFunctionPointer) {
    EXPECT_EQ(host.call("shout", {{"text", "hey"}}).body, "hey!");
}

TEST_F(BarrierService, KeepsTheStateOfAMutableLambda) {
    EXPECT_EQ(host.call("counter").body, 1);
    EXPECT_EQ(host.call("counter").body, 2);
}

TEST_F(BarrierService, DeclaresEveryArgumentType) {
    const auto& arguments = host.entrypoint("types").arguments;
    ASSERT_EQ(arguments.size(), 8u);
    EXPECT_EQ(arguments[0]["schema"], json::parse(R"({"type": "boolean"})"));
    EXPECT_EQ(arguments[1]["schema"],
              json::parse(R"({"type": "integer", "minimum": 0, "maximum": 4294967295})"));
    EXPECT_EQ(arguments[2]["schema"], json::parse(R"({"type": "number"})"));
    EXPECT_EQ(arguments[3]["schema"], json::parse(R"({"type": "array", "items":
        {"anyOf": [{"type": "string"}, {"type": "null"}]}})"));
    EXPECT_EQ(arguments[4]["schema"], json::parse(R"({"type": "array", "minItems": 3,
        "maxItems": 3, "items": {"type": "integer", "minimum": -2147483648,
        "maximum": 2147483647}})"));
    EXPECT_EQ(arguments[5]["schema"], json::parse(R"({"type": "object", "additionalProperties":
        {"type": "array", "items": {"type": "integer", "minimum": -2147483648,
        "maximum": 2147483647}}})"));
    EXPECT_EQ(arguments[6]["schema"]["anyOf"][0]["title"], "Inner");
    EXPECT_EQ(arguments[6]["required"], false);
    EXPECT_EQ(arguments[7]["schema"],
              json::parse(R"({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]})"));
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(arguments[i]["required"], true) << arguments[i]["name"];
    }
}

TEST_F(BarrierService, ConvertsEveryArgumentType) {
    const json arguments = json::parse(R"({
        "flag": true, "count": 4000000000, "ratio": 0.5, "tags": ["x", null],
        "triple": [1, 2, 3], "lookup": {"k": [4, 5]},
        "inner": {"name": "n", "numbers": [6], "flag": false}, "size": null})");
    const auto answer = host.call("types", arguments);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body, arguments);

    const auto without_optionals = host.call("types", {{"flag", false},
                                                       {"count", 0},
                                                       {"ratio", 1},
                                                       {"tags", json::array()},
                                                       {"triple", {0, 0, 0}},
                                                       {"lookup", json::object()}});
    ASSERT_EQ(without_optionals.status, 200) << without_optionals.body;
    EXPECT_TRUE(without_optionals.body["inner"].is_null());
    EXPECT_TRUE(without_optionals.body["size"].is_null());

    EXPECT_EQ(host.call("types", {{"flag", false},
                                  {"count", 0},
                                  {"ratio", 1},
                                  {"tags", json::array()},
                                  {"triple", {0, 0}},
                                  {"lookup", json::object()}})
                  .status,
              422);
}

TEST_F(BarrierService, RecordsMethodAndDescription) {
    EXPECT_EQ(host.entrypoint("get_entry").method, mvi::Method::Get);
    EXPECT_EQ(host.entrypoint("get_entry").description, "A GET entrypoint.");
    EXPECT_EQ(host.entrypoint("fail").method, mvi::Method::Post);
}

// ---- parameters ----

TEST_F(BarrierService, DeclaresParametersOfSeveralTypes) {
    EXPECT_EQ(host.parameter("threshold"), 0.5);
    EXPECT_EQ(host.parameter_info("threshold").schema, json::parse(R"({"type": "number"})"));
    EXPECT_FALSE(host.parameter_info("hidden").exposed);
    EXPECT_TRUE(host.parameter_info("threshold").exposed);
    EXPECT_EQ(host.parameter("names"), json::parse(R"(["a", "b"])"));
    EXPECT_EQ(host.parameter("config"), json::parse(R"({"name": "cfg", "numbers": [1, 2],
                                                        "flag": null})"));
    EXPECT_EQ(host.parameter_info("limit").schema,
              json::parse(R"({"type": "integer", "minimum": 0, "maximum": 255})"));
    EXPECT_EQ(host.set_parameter("limit", 256), MVI_TYPE_MISMATCH);
}

TEST_F(BarrierService, ReadsParametersDuringSetup) {
    EXPECT_EQ(barrier_threshold_seen_in_setup, 0.5);
}

TEST_F(BarrierService, ReadsParametersFromTheHost) {
    ASSERT_EQ(host.set_parameter("threshold", 0.75), MVI_OK);
    const auto answer = host.call("read_parameters");
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body, json::parse(R"({"threshold": 0.75, "hidden": 7, "names": ["a", "b"],
                                           "config": "cfg", "limit": 10, "any": ["a", "b"]})"));
}

TEST_F(BarrierService, SetsParametersThroughTheHost) {
    EXPECT_EQ(host.call("set_threshold", {{"value", 0.25}}).status, 200);
    EXPECT_EQ(host.parameter("threshold"), 0.25);
}

TEST_F(BarrierService, ReportsParameterErrorsByName) {
    const auto wrong = host.call("set_threshold_wrong");
    EXPECT_EQ(wrong.status, 500);
    EXPECT_NE(wrong.body.get<std::string>().find("MVI_TYPE_MISMATCH"), std::string::npos)
        << wrong.body;
    EXPECT_NE(wrong.body.get<std::string>().find("'threshold'"), std::string::npos);

    const auto missing = host.call("read_missing");
    EXPECT_EQ(missing.status, 500);
    EXPECT_EQ(missing.body, "parameter 'nope' not found");

    const auto mistyped = host.call("read_wrong_type");
    EXPECT_EQ(mistyped.status, 500);
    EXPECT_NE(mistyped.body.get<std::string>().find("parameter 'names' holds"), std::string::npos);
}

TEST_F(BarrierService, RefusesDeclarationsAfterRegistration) {
    const auto answer = host.call("late_declare");
    EXPECT_EQ(answer.status, 500);
    EXPECT_NE(answer.body.get<std::string>().find("can only be declared inside"),
              std::string::npos);
}

// ---- logging and notifications ----

TEST_F(BarrierService, LogsAtEveryLevel) {
    ASSERT_EQ(host.call("log_levels").status, 200);
    const auto logs = host.logs();
    ASSERT_EQ(logs.size(), 4u);
    EXPECT_EQ(logs[0].level, mvi::log::Level::Debug);
    EXPECT_EQ(logs[0].message, "debug 1");
    EXPECT_EQ(logs[1].level, mvi::log::Level::Info);
    EXPECT_EQ(logs[1].message, "info two");
    EXPECT_EQ(logs[2].level, mvi::log::Level::Warning);
    EXPECT_EQ(logs[2].message, "warning 3.0");
    EXPECT_EQ(logs[3].level, mvi::log::Level::Error);
    EXPECT_EQ(logs[3].message, "error");
}

TEST_F(BarrierService, SendsNotificationsWithEmailsAndTimer) {
    const auto answer = host.call("notify_all", {{"emails", {"ops@example.com"}}});
    EXPECT_EQ(answer.body, true);
    const auto notifications = host.notifications();
    ASSERT_EQ(notifications.size(), 1u);
    EXPECT_EQ(notifications[0].severity, mvi::Severity::Critical);
    EXPECT_EQ(notifications[0].message, "Everything is on fire");
    EXPECT_EQ(notifications[0].emails, std::vector<std::string>{"ops@example.com"});
    EXPECT_EQ(notifications[0].timer_seconds, 60.0);
}

TEST(BarrierServiceWithoutHost, LogsAndNotifiesToStderrWithoutCrashing) {
    {
        FakeHost host;  // registers, then detaches the service again when it goes away
    }
    ::testing::internal::CaptureStderr();
    mvi::log::info("no host {}", 1);
    EXPECT_FALSE(mvi::notify("nobody listens", mvi::Severity::Warning));
    const std::string output = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(output.find("no host 1"), std::string::npos);
    EXPECT_NE(output.find("nobody listens"), std::string::npos);
}

// ---- registration failures ----

class BarrierRegistration : public ::testing::Test {
  protected:
    ~BarrierRegistration() override { barrier_setup_mode = kSetupNormal; }
};

TEST_F(BarrierRegistration, RefusesAWrongNumberOfArgumentNames) {
    barrier_setup_mode = kSetupArgumentCount;
    FakeHost host;
    EXPECT_EQ(host.registration_status(), MVI_ERROR);
    EXPECT_EQ(host.registration_error(),
              "service setup failed: entrypoint 'bad': 2 argument name(s) given, but its "
              "function takes 1 argument(s)");
    EXPECT_TRUE(host.entrypoints().empty());
}

TEST_F(BarrierRegistration, ReportsAnExceptionFromTheSetupBody) {
    barrier_setup_mode = kSetupThrows;
    FakeHost host;
    EXPECT_EQ(host.registration_status(), MVI_ERROR);
    EXPECT_EQ(host.registration_error(), "service setup failed: setup exploded");
}

TEST_F(BarrierRegistration, ReportsANonStdExceptionFromTheSetupBody) {
    barrier_setup_mode = kSetupThrowsNonStd;
    FakeHost host;
    EXPECT_EQ(host.registration_status(), MVI_ERROR);
    EXPECT_EQ(host.registration_error(), "service setup failed: unknown exception");
}

TEST_F(BarrierRegistration, RefusesAnInvalidEntrypointName) {
    barrier_setup_mode = kSetupBadName;
    FakeHost host;
    EXPECT_FALSE(host.registered());
    EXPECT_NE(host.registration_error().find("entrypoint name 'Bad-Name' is invalid"),
              std::string::npos);
}

TEST_F(BarrierRegistration, RefusesAnInvalidArgumentName) {
    barrier_setup_mode = kSetupBadArgumentName;
    FakeHost host;
    EXPECT_FALSE(host.registered());
    EXPECT_NE(host.registration_error().find("entrypoint 'first': argument name '1st' is invalid"),
              std::string::npos)
        << host.registration_error();
}

TEST_F(BarrierRegistration, RefusesADuplicateParameter) {
    barrier_setup_mode = kSetupDuplicateParameter;
    FakeHost host;
    EXPECT_FALSE(host.registered());
    EXPECT_EQ(host.registration_error(),
              "service setup failed: parameter 'twice' is declared twice");
}

TEST_F(BarrierRegistration, ReportsTheHostRefusingADeclaration) {
    barrier_setup_mode = kSetupHostRefuses;
    FakeHost host;
    EXPECT_EQ(host.registration_status(), MVI_TYPE_MISMATCH);
    EXPECT_NE(host.registration_error().find("parameter 'mismatch'"), std::string::npos);
    EXPECT_NE(host.registration_error().find("MVI_TYPE_MISMATCH"), std::string::npos);
}

TEST_F(BarrierRegistration, RegistersAgainAfterAFailure) {
    barrier_setup_mode = kSetupThrows;
    { FakeHost failed; }
    barrier_setup_mode = kSetupNormal;
    FakeHost host;
    EXPECT_TRUE(host.registered()) << host.registration_error();
    EXPECT_EQ(host.call("shout", {{"text", "again"}}).body, "again!");
}

TEST(BarrierHostTable, RefusesATableSmallerThanAbi10) {
    FakeHost host;
    mvi_host_api small = host.api();
    small.size = offsetof(mvi_host_api, registration_error);
    EXPECT_EQ(mvi_plugin_register(&small, nullptr, nullptr), MVI_INVALID_ARGUMENT);
    EXPECT_EQ(mvi_plugin_register(nullptr, nullptr, nullptr), MVI_INVALID_ARGUMENT);
}

}  // namespace
