// The calculator example service (plugins/calculator/calculator.cpp, compiled into this test)
// under the fake host.
#include <mvi/testing.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

using mvi::testing::FakeHost;
using nlohmann::json;

class CalculatorService : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(host.registered()) << host.registration_error(); }

    FakeHost host;
};

TEST_F(CalculatorService, DeclaresTypedArguments) {
    EXPECT_EQ(host.entrypoint("add").arguments, json::parse(R"([
        {"name": "a", "schema": {"type": "integer"}, "required": true},
        {"name": "b", "schema": {"type": "integer"}, "required": true}])"));
    EXPECT_EQ(host.entrypoint("add").result_schema, json::parse(R"({"type": "integer"})"));
    EXPECT_EQ(host.entrypoint("add").description, "Adds two integers.");
    EXPECT_EQ(host.entrypoint("sum").arguments[0]["schema"],
              json::parse(R"({"type": "array", "items": {"type": "number"}})"));
    EXPECT_EQ(host.entrypoint("round").arguments[1], json::parse(R"(
        {"name": "digits", "required": false, "schema": {"anyOf": [
            {"type": "integer", "minimum": -2147483648, "maximum": 2147483647},
            {"type": "null"}]}})"));
    EXPECT_EQ(host.entrypoint("total").arguments[0]["schema"],
              json::parse(R"({"type": "object", "additionalProperties": {"type": "number"}})"));
}

TEST_F(CalculatorService, DeclaresStructSchemas) {
    const json point = json::parse(R"({
        "type": "object", "title": "Point", "additionalProperties": false,
        "properties": {"x": {"type": "number"}, "y": {"type": "number"},
                       "label": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
        "required": ["x", "y"]})");
    EXPECT_EQ(host.entrypoint("scale").arguments[0]["schema"], point);
    EXPECT_EQ(host.entrypoint("scale").result_schema, point);
    EXPECT_EQ(host.entrypoint("stats").result_schema["required"],
              json::parse(R"(["count", "sum", "mean", "min", "max"])"));
    EXPECT_EQ(host.entrypoint("stats").result_schema["properties"]["count"],
              json::parse(R"({"type": "integer", "minimum": 0})"));
}

TEST_F(CalculatorService, AddsIntegers) {
    const auto answer = host.call("add", {{"a", 2}, {"b", 40}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, 42);
    EXPECT_EQ(host.call("add", {{"a", -5}, {"b", 3}}).body, -2);
}

TEST_F(CalculatorService, ReportsIntegerOverflowAs400) {
    const auto answer =
        host.call("add", {{"a", std::numeric_limits<std::int64_t>::max()}, {"b", 1}});
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body, "Integer overflow");
}

TEST_F(CalculatorService, RefusesAFractionForAnInteger) {
    EXPECT_EQ(host.call("add", {{"a", 1.5}, {"b", 1}}).status, 422);
    EXPECT_EQ(host.call("add", {{"a", "1"}, {"b", 1}}).status, 422);
}

TEST_F(CalculatorService, Divides) {
    const auto answer = host.call("divide", {{"dividend", 7}, {"divisor", 2}});
    EXPECT_EQ(answer.status, 200);
    EXPECT_DOUBLE_EQ(answer.body.get<double>(), 3.5);
}

TEST_F(CalculatorService, AnswersDivisionByZeroWith400) {
    const auto answer = host.call("divide", {{"dividend", 1}, {"divisor", 0}});
    EXPECT_EQ(answer.status, 400);
    EXPECT_EQ(answer.body, "Division by zero");
}

TEST_F(CalculatorService, SumsAList) {
    EXPECT_DOUBLE_EQ(host.call("sum", {{"values", {1, 2.5, 3}}}).body.get<double>(), 6.5);
    EXPECT_DOUBLE_EQ(host.call("sum", {{"values", json::array()}}).body.get<double>(), 0.0);
}

TEST_F(CalculatorService, LocatesABadListElement) {
    const auto answer = host.call("sum", {{"values", {1, "two", 3}}});
    EXPECT_EQ(answer.status, 422);
    EXPECT_EQ(answer.body, json::parse(R"([{"loc": ["body", "values", 1],
                                           "msg": "value is not a valid number",
                                           "type": "type_error.number"}])"));

    const auto raw = host.call_raw("sum", R"({"values": [1, "two", 3]})");
    EXPECT_EQ(raw.status, 422);
    EXPECT_EQ(raw.body[0]["loc"], json::parse(R"(["body", "values", 1])"));
    EXPECT_EQ(raw.body[0]["msg"], "expected a number, got string");
}

TEST_F(CalculatorService, LimitsListsWithTheMaxValuesParameter) {
    EXPECT_EQ(host.parameter("max_values"), 1000);
    EXPECT_EQ(host.parameter_info("max_values").schema,
              json::parse(R"({"type": "integer", "minimum": 0, "maximum": 4294967295})"));
    EXPECT_EQ(host.set_parameter("max_values", -1), MVI_TYPE_MISMATCH);
    EXPECT_EQ(host.set_parameter("max_values", 2), MVI_OK);
    EXPECT_EQ(host.call("sum", {{"values", {1, 2}}}).status, 200);
    const auto answer = host.call("sum", {{"values", {1, 2, 3}}});
    EXPECT_EQ(answer.status, 413);
    EXPECT_EQ(answer.body, "At most 2 values are accepted, got 3");
}

TEST_F(CalculatorService, RoundsWithAndWithoutTheOptionalArgument) {
    EXPECT_DOUBLE_EQ(host.call("round", {{"value", 2.71828}}).body.get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(
        host.call("round", {{"value", 2.71828}, {"digits", nullptr}}).body.get<double>(), 3.0);
    EXPECT_DOUBLE_EQ(host.call("round", {{"value", 2.71828}, {"digits", 2}}).body.get<double>(),
                     2.72);
    EXPECT_EQ(host.call("round", {{"value", 1.0}, {"digits", 99}}).status, 400);
    EXPECT_EQ(host.call("round", {{"digits", 2}}).status, 422);
}

TEST_F(CalculatorService, ComputesStatsAsAStruct) {
    const auto answer = host.call("stats", {{"values", {4, 1, 7}}});
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, json::parse(R"({"count": 3, "sum": 12.0, "mean": 4.0,
                                           "min": 1.0, "max": 7.0})"));
    const auto empty = host.call("stats", {{"values", json::array()}});
    EXPECT_EQ(empty.status, 400);
    EXPECT_EQ(empty.body, "At least one value is required");
}

TEST_F(CalculatorService, ScalesAStructArgument) {
    const auto answer =
        host.call("scale", {{"point", {{"x", 1}, {"y", -2}, {"label", "p"}}}, {"factor", 3}});
    ASSERT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body, json::parse(R"({"x": 3.0, "y": -6.0, "label": "p"})"));

    const auto doubled = host.call("scale", {{"point", {{"x", 1}, {"y", 1}}}});
    ASSERT_EQ(doubled.status, 200);
    EXPECT_EQ(doubled.body, json::parse(R"({"x": 2.0, "y": 2.0, "label": null})"));
}

TEST_F(CalculatorService, RefusesMalformedStructs) {
    EXPECT_EQ(host.call("scale", {{"point", {{"x", 1}}}}).status, 422);
    EXPECT_EQ(host.call("scale", {{"point", {{"x", 1}, {"y", 1}, {"z", 1}}}}).status, 422);

    const auto missing = host.call_raw("scale", R"({"point": {"x": 1}})");
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.body[0]["loc"], json::parse(R"(["body", "point", "y"])"));
    EXPECT_EQ(missing.body[0]["msg"], "field required");

    const auto unknown = host.call_raw("scale", R"({"point": {"x": 1, "y": 1, "z": 1}})");
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(unknown.body[0]["loc"], json::parse(R"(["body", "point", "z"])"));

    const auto mistyped = host.call_raw("scale", R"({"point": {"x": 1, "y": true}})");
    EXPECT_EQ(mistyped.status, 422);
    EXPECT_EQ(mistyped.body[0]["loc"], json::parse(R"(["body", "point", "y"])"));
}

TEST_F(CalculatorService, AddsUpAMap) {
    const auto answer = host.call("total", {{"amounts", {{"rent", 1000}, {"food", 250.5}}}});
    ASSERT_EQ(answer.status, 200);
    EXPECT_DOUBLE_EQ(answer.body.get<double>(), 1250.5);
    EXPECT_EQ(host.call("total", {{"amounts", {{"rent", "a lot"}}}}).status, 422);
}

TEST_F(CalculatorService, ServesConstantsOverGet) {
    EXPECT_EQ(host.entrypoint("constants").method, mvi::Method::Get);
    EXPECT_TRUE(host.entrypoint("constants").arguments.empty());
    const auto answer = host.call("constants");
    ASSERT_EQ(answer.status, 200);
    EXPECT_DOUBLE_EQ(answer.body["pi"].get<double>(), std::acos(-1.0));
    EXPECT_DOUBLE_EQ(answer.body["e"].get<double>(), std::exp(1.0));
}

}  // namespace
