// Arguments taken as one MVI_STRUCT (its fields are the body's keys), sets as arguments (arrays
// of unique items), and readable messages for a value of the wrong type.
#include <mvi/service.hpp>
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace arith {

/// The arguments of `add`, written once.
struct AddArgs {
    int a = 0;
    std::int8_t b = 0;
    std::optional<std::string> label;
};
MVI_STRUCT(AddArgs, a, b, label);

/// A type with a conversion of its own that reads with nlohmann's get().
struct Tally {
    int count = 0;
};
inline void to_json(nlohmann::json& json, const Tally& tally) {
    json = tally.count;
}
inline void from_json(const nlohmann::json& json, Tally& tally) {
    tally.count = json.get<std::vector<int>>().size();
}

}  // namespace arith

MVI_SERVICE(service) {
    using arith::AddArgs;
    service.entrypoint("add", [](const AddArgs& args) {
        return std::to_string(args.a + args.b) + args.label.value_or("");
    });
    service.entrypoint("add_named", {"a", "b", "label"},
                       [](int a, std::int8_t b, const std::optional<std::string>& label) {
                           return std::to_string(a + b) + label.value_or("");
                       });
    service.entrypoint("distinct", {"values"}, [](const std::set<int>& values) { return values; });
    service.entrypoint("distinct_words", {"words"},
                       [](std::unordered_set<std::string> words) { return words.size(); });
    service.entrypoint("tally", {"tally"}, [](arith::Tally tally) { return tally.count; });
}

namespace {

using nlohmann::json;

TEST(StructArguments, DeclareTheSameArgumentsAsSeparateNames) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    const auto& add = host.entrypoint("add");
    EXPECT_EQ(add.arguments, host.entrypoint("add_named").arguments);
    EXPECT_EQ(add.arguments, json::parse(R"([
        {"name": "a", "schema": {"type": "integer", "minimum": -2147483648,
                                 "maximum": 2147483647}, "required": true},
        {"name": "b", "schema": {"type": "integer", "minimum": -128, "maximum": 127},
         "required": true},
        {"name": "label", "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
         "required": false}])"));
}

TEST(StructArguments, ReadTheBodysKeysIntoTheFields) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.call("add", {{"a", 2}, {"b", 3}}).body, "5");
    EXPECT_EQ(host.call("add", {{"a", 2}, {"b", 3}, {"label", "!"}}).body, "5!");
    // Undeclared keys are ignored, as for separately named arguments.
    EXPECT_EQ(host.call("add", {{"a", 2}, {"b", 3}, {"other", 1}}).body, "5");
}

TEST(StructArguments, AnswerTheSame422AsSeparateNames) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    for (const json& body : {json{{"b", 3}}, json{{"a", "2"}, {"b", 300}}}) {
        const auto together = host.call("add", body);
        const auto named = host.call("add_named", body);
        EXPECT_EQ(together.status, 422);
        EXPECT_EQ(together.body, named.body) << body;
    }
    // Past the host's validation, the SDK's own conversion reports every field.
    const auto raw = host.call_raw("add", R"({"a": "2", "b": 300})");
    const auto rawNamed = host.call_raw("add_named", R"({"a": "2", "b": 300})");
    ASSERT_EQ(raw.status, 422);
    EXPECT_EQ(raw.body, rawNamed.body);
    ASSERT_EQ(raw.body.size(), 2u) << raw.body;
    EXPECT_EQ(raw.body[0]["loc"], json::array({"body", "a"}));
    EXPECT_EQ(raw.body[0]["msg"], "expected an integer, got string");
    EXPECT_EQ(raw.body[1]["loc"], json::array({"body", "b"}));
}

TEST(SetArguments, AreArraysOfUniqueItems) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    EXPECT_EQ(host.entrypoint("distinct").arguments[0]["schema"],
              json::parse(R"({"type": "array", "uniqueItems": true, "items": {"type": "integer",
                              "minimum": -2147483648, "maximum": 2147483647}})"));
    EXPECT_EQ(host.entrypoint("distinct").result_schema["uniqueItems"], true);
    EXPECT_EQ(host.entrypoint("distinct_words").arguments[0]["schema"],
              json::parse(R"({"type": "array", "uniqueItems": true,
                              "items": {"type": "string"}})"));
    EXPECT_EQ(host.call("distinct", {{"values", {3, 1, 2}}}).body, json({1, 2, 3}));
    EXPECT_EQ(host.call("distinct_words", {{"words", {"a", "b"}}}).body, 2);
}

TEST(SetArguments, AreValidatedByTheHost) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    const auto notArray = host.call("distinct", {{"values", "1,2"}});
    ASSERT_EQ(notArray.status, 422);
    EXPECT_EQ(notArray.body[0]["msg"], "value is not a valid array");
    const auto twice = host.call("distinct", {{"values", {1, 2, 1}}});
    ASSERT_EQ(twice.status, 422);
    EXPECT_EQ(twice.body[0]["msg"], "the list has duplicated items");
    EXPECT_EQ(twice.body[0]["type"], "value_error.list.unique_items");
    const auto wrongItem = host.call("distinct_words", {{"words", {"a", 2}}});
    ASSERT_EQ(wrongItem.status, 422);
    EXPECT_EQ(wrongItem.body[0]["loc"], json::array({"body", "words", 1}));
}

TEST(WrongValues, GetReadableMessagesFromTheSdkToo) {
    mvi::testing::FakeHost host;
    ASSERT_TRUE(host.registered()) << host.failure_reason();
    // Past the host's validation: the SDK's conversion words the problem itself.
    const auto notArray = host.call_raw("distinct", R"({"values": "1,2"})");
    ASSERT_EQ(notArray.status, 422);
    EXPECT_EQ(notArray.body[0]["msg"], "expected an array, got string");
    const auto twice = host.call_raw("distinct", R"({"values": [1, 1]})");
    ASSERT_EQ(twice.status, 422);
    EXPECT_EQ(twice.body[0]["loc"], json::array({"body", "values", 1}));
    EXPECT_EQ(twice.body[0]["msg"], "duplicate item: the items must be unique");
    // A type with its own from_json: nlohmann's message without its internal prefix.
    const auto tally = host.call("tally", {{"tally", "x"}});
    ASSERT_EQ(tally.status, 422);
    EXPECT_EQ(tally.body[0]["msg"], "type must be array, but is string");
}

}  // namespace
