#include "schema/SchemaValidator.h"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <mvi/limits.hpp>
#include <nlohmann/json.hpp>

using mvi::host::SchemaValidator;
using mvi::host::ValidationError;
using nlohmann::json;

namespace {

/// Validates `value` (JSON text) against `schema` (JSON text) at location ["v"].
std::vector<ValidationError> check(const char* schema, const char* value) {
    std::vector<ValidationError> errors;
    SchemaValidator::validate(json::parse(schema), json::parse(value), json::array({"v"}), errors);
    return errors;
}

/// Tells whether `value` matches `schema` (both JSON text).
bool accepts(const char* schema, const char* value) {
    return check(schema, value).empty();
}

/// Returns the single error of validating `value` against `schema`, failing the test otherwise.
ValidationError single(const char* schema, const char* value) {
    const auto errors = check(schema, value);
    EXPECT_EQ(errors.size(), 1u) << SchemaValidator::toDetail(errors).dump();
    return errors.empty() ? ValidationError{} : errors.front();
}

/// Returns the checkSchema() message for `schema` (JSON text), or "" when it is accepted.
std::string schemaProblem(const char* schema) {
    return SchemaValidator::checkSchema(json::parse(schema)).value_or("");
}

/// Returns the checkArguments() message for `arguments` (JSON text), or "" when accepted.
std::string argumentsProblem(const char* arguments) {
    return SchemaValidator::checkArguments(json::parse(arguments)).value_or("");
}

/// Validates a request body (JSON text) against declared arguments (JSON text), refusing
/// undeclared keys unless told otherwise.
json bodyDetail(const char* arguments, const char* body,
                SchemaValidator::Undeclared undeclared = SchemaValidator::Undeclared::Refuse) {
    return SchemaValidator::toDetail(
        SchemaValidator::validateArguments(json::parse(arguments), json::parse(body), undeclared));
}

}  // namespace

// ---- checkSchema ----

TEST(SchemaValidatorCheckSchema, AcceptsEverySupportedKeyword) {
    EXPECT_EQ(schemaProblem("{}"), "");
    for (const char* type : {"string", "integer", "number", "boolean", "null", "array", "object"}) {
        EXPECT_EQ(schemaProblem((std::string(R"({"type":")") + type + "\"}").c_str()), "") << type;
    }
    EXPECT_EQ(schemaProblem(R"({
        "title": "Point", "description": "a point", "default": {"x": 1},
        "type": "object",
        "properties": {
            "x": {"type": "number", "minimum": -1.5, "maximum": 10},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 0, "maxItems": 3},
            "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "map": {"type": "object", "additionalProperties": {"type": "integer"}}
        },
        "required": ["x"],
        "additionalProperties": false
    })"),
              "");
    EXPECT_EQ(schemaProblem(R"({"type":"object","additionalProperties":true})"), "");
}

TEST(SchemaValidatorCheckSchema, RejectsUnknownTypeWithItsPath) {
    EXPECT_EQ(schemaProblem(R"({"type":"strnig"})"),
              R"(#/type: unknown type "strnig" (expected string, integer, number, boolean, )"
              R"(null, array or object))");
    const std::string nested =
        schemaProblem(R"({"type":"object","properties":{"x":{"type":"float"}}})");
    EXPECT_EQ(nested.rfind("#/properties/x/type: unknown type \"float\"", 0), 0u) << nested;
    const std::string inItems = schemaProblem(R"({"type":"array","items":{"type":"int"}})");
    EXPECT_EQ(inItems.rfind("#/items/type:", 0), 0u) << inItems;
    const std::string inAnyOf = schemaProblem(R"({"anyOf":[{"type":"null"},{"type":"str"}]})");
    EXPECT_EQ(inAnyOf.rfind("#/anyOf/1/type:", 0), 0u) << inAnyOf;
    const std::string inAdditional =
        schemaProblem(R"({"type":"object","additionalProperties":{"type":"x"}})");
    EXPECT_EQ(inAdditional.rfind("#/additionalProperties/type:", 0), 0u) << inAdditional;
}

TEST(SchemaValidatorCheckSchema, EscapesPropertyNamesInThePath) {
    const std::string problem = schemaProblem(R"({"properties":{"a/b~c":{"type":1}}})");
    EXPECT_EQ(problem.rfind("#/properties/a~1b~0c/type:", 0), 0u) << problem;
}

TEST(SchemaValidatorCheckSchema, RejectsMalformedKeywords) {
    EXPECT_EQ(schemaProblem("[]"), "#: a schema must be a JSON object, not array");
    EXPECT_EQ(schemaProblem("true"), "#: a schema must be a JSON object, not boolean");
    EXPECT_EQ(schemaProblem(R"("string")"), "#: a schema must be a JSON object, not string");
    EXPECT_EQ(schemaProblem(R"({"type":["string","null"]})"),
              "#/type: must be a string naming one type");
    EXPECT_EQ(schemaProblem(R"({"items":"string"})"),
              "#/items: a schema must be a JSON object, not string");
    EXPECT_EQ(schemaProblem(R"({"minItems":-1})"), "#/minItems: must be a non-negative integer");
    EXPECT_EQ(schemaProblem(R"({"maxItems":1.0})"), "#/maxItems: must be a non-negative integer");
    EXPECT_EQ(schemaProblem(R"({"maxItems":"3"})"), "#/maxItems: must be a non-negative integer");
    EXPECT_EQ(schemaProblem(R"({"minimum":"0"})"), "#/minimum: must be a number");
    EXPECT_EQ(schemaProblem(R"({"maximum":null})"), "#/maximum: must be a number");
    EXPECT_EQ(schemaProblem(R"({"properties":[]})"), "#/properties: must be an object of schemas");
    EXPECT_EQ(schemaProblem(R"({"properties":{"x":1}})"),
              "#/properties/x: a schema must be a JSON object, not number");
    EXPECT_EQ(schemaProblem(R"({"required":"x"})"),
              "#/required: must be an array of property names");
    EXPECT_EQ(schemaProblem(R"({"required":["x",1]})"), "#/required/1: must be a string");
    EXPECT_EQ(schemaProblem(R"({"required":["x","x"]})"), R"(#/required/1: duplicate name "x")");
    EXPECT_EQ(schemaProblem(R"({"additionalProperties":"no"})"),
              "#/additionalProperties: a schema must be a JSON object, not string");
    EXPECT_EQ(schemaProblem(R"({"anyOf":[]})"), "#/anyOf: must be a non-empty array of schemas");
    EXPECT_EQ(schemaProblem(R"({"anyOf":{"type":"null"}})"),
              "#/anyOf: must be a non-empty array of schemas");
    EXPECT_EQ(schemaProblem(R"({"description":1})"), "#/description: must be a string");
    EXPECT_EQ(schemaProblem(R"({"title":null})"), "#/title: must be a string");
}

TEST(SchemaValidatorCheckSchema, RejectsKeywordsOutsideTheSubset) {
    EXPECT_EQ(schemaProblem(R"({"pattern":"^a"})"), "#/pattern: unsupported keyword");
    EXPECT_EQ(schemaProblem(R"({"oneOf":[{}]})"), "#/oneOf: unsupported keyword");
    EXPECT_EQ(schemaProblem(R"({"$ref":"#/definitions/x"})"), "#/$ref: unsupported keyword");
    EXPECT_EQ(schemaProblem(R"({"properties":{"x":{"minLength":1}}})"),
              "#/properties/x/minLength: unsupported keyword");
    EXPECT_EQ(schemaProblem(R"({"Type":"string"})"), "#/Type: unsupported keyword");
}

TEST(SchemaValidatorCheckSchema, RejectsUnsatisfiableBounds) {
    EXPECT_EQ(schemaProblem(R"({"minimum":2,"maximum":1.5})"),
              "#: minimum 2 is greater than maximum 1.5");
    EXPECT_EQ(schemaProblem(R"({"minItems":3,"maxItems":2})"),
              "#: minItems 3 is greater than maxItems 2");
    EXPECT_EQ(schemaProblem(R"({"minimum":1,"maximum":1,"minItems":2,"maxItems":2})"), "");
}

// ---- validate: types ----

TEST(SchemaValidatorValidate, EmptySchemaAcceptsAnything) {
    for (const char* value : {"null", "true", "0", "-1.5", R"("x")", "[1,[2]]", R"({"a":{}})"}) {
        EXPECT_TRUE(accepts("{}", value)) << value;
    }
    EXPECT_TRUE(accepts(R"({"description":"d","title":"t","default":3})", R"("anything")"));
}

TEST(SchemaValidatorValidate, TypeErrorsHaveFixedMessagesAndKinds) {
    struct Case {
        const char* type;
        const char* wrongValue;
        const char* msg;
        const char* kind;
    };
    const Case cases[] = {
        {"string", "1", "value is not a valid string", "type_error.string"},
        {"integer", R"("1")", "value is not a valid integer", "type_error.integer"},
        {"number", R"("1.5")", "value is not a valid number", "type_error.number"},
        {"boolean", "0", "value is not a valid boolean", "type_error.boolean"},
        {"null", "false", "value is not null", "type_error.null"},
        {"array", R"({})", "value is not a valid array", "type_error.array"},
        {"object", "[]", "value is not a valid object", "type_error.object"},
    };
    for (const Case& c : cases) {
        const std::string schema = std::string(R"({"type":")") + c.type + "\"}";
        const ValidationError error = single(schema.c_str(), c.wrongValue);
        EXPECT_EQ(error.loc, json::array({"v"})) << c.type;
        EXPECT_EQ(error.msg, c.msg) << c.type;
        EXPECT_EQ(error.type, c.kind) << c.type;
    }
}

TEST(SchemaValidatorValidate, IntegerIsStrict) {
    const char* integer = R"({"type":"integer"})";
    EXPECT_TRUE(accepts(integer, "0"));
    EXPECT_TRUE(accepts(integer, "-9223372036854775808"));
    EXPECT_TRUE(accepts(integer, "18446744073709551615"));
    EXPECT_FALSE(accepts(integer, "1.0"));
    EXPECT_FALSE(accepts(integer, "1e3"));
    EXPECT_FALSE(accepts(integer, "1.5"));
    EXPECT_FALSE(accepts(integer, R"("1")"));
    EXPECT_FALSE(accepts(integer, "true"));
    EXPECT_FALSE(accepts(integer, "null"));
    // Beyond 64 bits nlohmann_json parses a float: not an integer.
    EXPECT_FALSE(accepts(integer, "18446744073709551616"));
    EXPECT_FALSE(accepts(integer, "-9223372036854775809"));
}

TEST(SchemaValidatorValidate, NumberAcceptsIntegersAndFloatsOnly) {
    const char* number = R"({"type":"number"})";
    EXPECT_TRUE(accepts(number, "1"));
    EXPECT_TRUE(accepts(number, "-1.25e-3"));
    EXPECT_TRUE(accepts(number, "18446744073709551616"));
    EXPECT_FALSE(accepts(number, R"("1")"));
    EXPECT_FALSE(accepts(number, "false"));
    EXPECT_FALSE(accepts(number, "null"));
    EXPECT_FALSE(accepts(number, "[1]"));
}

TEST(SchemaValidatorValidate, NoConversionBetweenTypes) {
    EXPECT_FALSE(accepts(R"({"type":"boolean"})", R"("true")"));
    EXPECT_FALSE(accepts(R"({"type":"boolean"})", "1"));
    EXPECT_FALSE(accepts(R"({"type":"string"})", "null"));
    EXPECT_FALSE(accepts(R"({"type":"string"})", "true"));
    EXPECT_FALSE(accepts(R"({"type":"array"})", R"("[]")"));
    EXPECT_FALSE(accepts(R"({"type":"object"})", "null"));
    EXPECT_TRUE(accepts(R"({"type":"null"})", "null"));
    EXPECT_TRUE(accepts(R"({"type":"string"})", R"("")"));
}

// ---- validate: numbers ----

TEST(SchemaValidatorValidate, MinimumAndMaximumAreInclusive) {
    const char* schema = R"({"type":"number","minimum":0,"maximum":10.5})";
    EXPECT_TRUE(accepts(schema, "0"));
    EXPECT_TRUE(accepts(schema, "0.0"));
    EXPECT_TRUE(accepts(schema, "10.5"));
    EXPECT_TRUE(accepts(schema, "10"));

    ValidationError low = single(schema, "-0.5");
    EXPECT_EQ(low.msg, "ensure this value is greater than or equal to 0");
    EXPECT_EQ(low.type, "value_error.number.not_ge");
    EXPECT_EQ(low.loc, json::array({"v"}));

    ValidationError high = single(schema, "11");
    EXPECT_EQ(high.msg, "ensure this value is less than or equal to 10.5");
    EXPECT_EQ(high.type, "value_error.number.not_le");
}

TEST(SchemaValidatorValidate, BoundsCompareExactlyAcrossIntegerKinds) {
    EXPECT_FALSE(accepts(R"({"minimum":0})", "-1"));
    EXPECT_TRUE(accepts(R"({"minimum":-5})", "18446744073709551615"));
    EXPECT_FALSE(accepts(R"({"maximum":-5})", "18446744073709551615"));
    EXPECT_TRUE(accepts(R"({"maximum":9223372036854775807})", "9223372036854775807"));
    EXPECT_FALSE(accepts(R"({"maximum":9223372036854775807})", "9223372036854775808"));
    EXPECT_FALSE(accepts(R"({"maximum":-9223372036854775808})", "-9223372036854775807"));
    EXPECT_TRUE(accepts(R"({"minimum":-9223372036854775808})", "-9223372036854775808"));
    // Integers beyond 2^53 are still compared exactly against floats.
    EXPECT_FALSE(accepts(R"({"maximum":9007199254740992.0})", "9007199254740993"));
    EXPECT_TRUE(accepts(R"({"minimum":0.5})", "1"));
    EXPECT_FALSE(accepts(R"({"minimum":1})", "0.999"));
}

TEST(SchemaValidatorValidate, BoundsApplyOnlyToNumbers) {
    EXPECT_TRUE(accepts(R"({"minimum":10})", R"("short")"));
    EXPECT_TRUE(accepts(R"({"maximum":0})", "[1,2,3]"));
    EXPECT_TRUE(accepts(R"({"minItems":5})", "3"));
    EXPECT_TRUE(accepts(R"({"required":["x"]})", "[]"));
}

TEST(SchemaValidatorValidate, WrongTypeSkipsTheOtherKeywords) {
    const auto errors = check(R"({"type":"integer","minimum":5})", "1.5");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].type, "type_error.integer");
}

// ---- validate: arrays ----

TEST(SchemaValidatorValidate, ItemsReportEachBadElementWithItsIndex) {
    const auto errors = check(R"({"type":"array","items":{"type":"integer"}})", R"([1,"a",3,4.5])");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].loc, json::parse(R"(["v",1])"));
    EXPECT_EQ(errors[0].type, "type_error.integer");
    EXPECT_EQ(errors[1].loc, json::parse(R"(["v",3])"));
    EXPECT_TRUE(accepts(R"({"type":"array","items":{"type":"integer"}})", "[]"));
}

TEST(SchemaValidatorValidate, MinItemsAndMaxItems) {
    const char* schema = R"({"type":"array","minItems":2,"maxItems":3})";
    EXPECT_TRUE(accepts(schema, "[1,2]"));
    EXPECT_TRUE(accepts(schema, "[1,2,3]"));
    const ValidationError few = single(schema, "[1]");
    EXPECT_EQ(few.msg, "ensure this value has at least 2 items");
    EXPECT_EQ(few.type, "value_error.list.min_items");
    const ValidationError many = single(schema, "[1,2,3,4]");
    EXPECT_EQ(many.msg, "ensure this value has at most 3 items");
    EXPECT_EQ(many.type, "value_error.list.max_items");
}

TEST(SchemaValidatorValidate, NestedArraysReportTheFullPath) {
    const auto errors =
        check(R"({"type":"array","items":{"type":"array","items":{"type":"number"}}})",
              R"([[1],[2,"x"]])");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].loc, json::parse(R"(["v",1,1])"));
}

// ---- validate: objects ----

TEST(SchemaValidatorValidate, PropertiesRequiredAndExtras) {
    const char* point = R"({
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"],
        "additionalProperties": false
    })";
    EXPECT_TRUE(accepts(point, R"({"x":1,"y":2.5})"));

    const auto errors = check(point, R"({"x":"1","z":0})");
    ASSERT_EQ(errors.size(), 3u) << SchemaValidator::toDetail(errors).dump();
    EXPECT_EQ(errors[0].loc, json::parse(R"(["v","x"])"));
    EXPECT_EQ(errors[0].type, "type_error.number");
    EXPECT_EQ(errors[1].loc, json::parse(R"(["v","y"])"));
    EXPECT_EQ(errors[1].msg, "field required");
    EXPECT_EQ(errors[1].type, "value_error.missing");
    EXPECT_EQ(errors[2].loc, json::parse(R"(["v","z"])"));
    EXPECT_EQ(errors[2].msg, "extra fields not permitted");
    EXPECT_EQ(errors[2].type, "value_error.extra");
}

TEST(SchemaValidatorValidate, AdditionalPropertiesDefaultToAllowed) {
    const char* schema = R"({"type":"object","properties":{"x":{"type":"integer"}}})";
    EXPECT_TRUE(accepts(schema, R"({"x":1,"other":"anything"})"));
    EXPECT_TRUE(accepts(schema, R"({})"));
    EXPECT_TRUE(accepts(R"({"type":"object","additionalProperties":true})", R"({"a":1})"));
}

TEST(SchemaValidatorValidate, AdditionalPropertiesSchemaValidatesEachValue) {
    const char* map = R"({"type":"object","additionalProperties":{"type":"integer"}})";
    EXPECT_TRUE(accepts(map, R"({"a":1,"b":2})"));
    const auto errors = check(map, R"({"a":1,"b":"two","c":3.5})");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].loc, json::parse(R"(["v","b"])"));
    EXPECT_EQ(errors[1].loc, json::parse(R"(["v","c"])"));
}

TEST(SchemaValidatorValidate, RequiredWithoutPropertiesIsChecked) {
    const ValidationError error = single(R"({"type":"object","required":["id"]})", R"({})");
    EXPECT_EQ(error.loc, json::parse(R"(["v","id"])"));
    EXPECT_EQ(error.type, "value_error.missing");
    EXPECT_TRUE(accepts(R"({"type":"object","required":["id"]})", R"({"id":null})"));
}

TEST(SchemaValidatorValidate, NullIsAValueInsideObjects) {
    EXPECT_FALSE(accepts(R"({"properties":{"x":{"type":"integer"}}})", R"({"x":null})"));
}

TEST(SchemaValidatorValidate, DeepStructuresReportFullLocations) {
    const char* schema = R"({
        "type": "object",
        "properties": {
            "shapes": {"type": "array", "items": {
                "type": "object",
                "properties": {"points": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"x": {"type": "integer"}},
                    "required": ["x"]
                }}}
            }}
        }
    })";
    const auto errors = check(schema, R"({"shapes":[{"points":[{"x":1},{"x":true},{}]}]})");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].loc, json::parse(R"(["v","shapes",0,"points",1,"x"])"));
    EXPECT_EQ(errors[0].type, "type_error.integer");
    EXPECT_EQ(errors[1].loc, json::parse(R"(["v","shapes",0,"points",2,"x"])"));
    EXPECT_EQ(errors[1].type, "value_error.missing");
}

// ---- validate: anyOf ----

TEST(SchemaValidatorValidate, AnyOfMatchesAnyBranch) {
    const char* schema = R"({"anyOf":[{"type":"integer"},{"type":"string"},{"type":"null"}]})";
    EXPECT_TRUE(accepts(schema, "1"));
    EXPECT_TRUE(accepts(schema, R"("x")"));
    EXPECT_TRUE(accepts(schema, "null"));
    const ValidationError error = single(schema, "1.5");
    EXPECT_EQ(error.loc, json::array({"v"}));
    EXPECT_EQ(error.msg, "value does not match any allowed type");
    EXPECT_EQ(error.type, "type_error.any_of");
}

TEST(SchemaValidatorValidate, AnyOfReportsOneErrorEvenWhenBranchesHaveMany) {
    const char* schema = R"({"anyOf":[
        {"type":"array","items":{"type":"integer"}},
        {"type":"object","properties":{"a":{"type":"string"}}}
    ]})";
    const auto errors = check(schema, R"([1,"x","y"])");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].type, "type_error.any_of");
}

TEST(SchemaValidatorValidate, OptionalReportsTheInnerSchemasErrors) {
    const char* optional = R"({"anyOf":[{"type":"integer","minimum":1},{"type":"null"}]})";
    EXPECT_TRUE(accepts(optional, "null"));
    EXPECT_TRUE(accepts(optional, "3"));
    const ValidationError wrongType = single(optional, R"("3")");
    EXPECT_EQ(wrongType.msg, "value is not a valid integer");
    EXPECT_EQ(wrongType.type, "type_error.integer");
    const ValidationError tooSmall = single(optional, "0");
    EXPECT_EQ(tooSmall.type, "value_error.number.not_ge");

    // The null branch may come first, and may carry annotations.
    const char* reversed = R"({"anyOf":[{"type":"null","title":"none"},{"type":"string"}]})";
    EXPECT_EQ(single(reversed, "1").type, "type_error.string");

    // Several errors of the inner schema are all reported, with their own locations.
    const char* optionalList =
        R"({"anyOf":[{"type":"array","items":{"type":"string"}},{"type":"null"}]})";
    const auto errors = check(optionalList, "[1,2]");
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[1].loc, json::parse(R"(["v",1])"));
}

TEST(SchemaValidatorValidate, AnyOfWithSeveralNonNullBranchesStaysGeneric) {
    const char* schema = R"({"anyOf":[{"type":"integer"},{"type":"boolean"},{"type":"null"}]})";
    EXPECT_EQ(single(schema, R"("x")").type, "type_error.any_of");
}

TEST(SchemaValidatorValidate, AnyOfCombinesWithSiblingKeywords) {
    const char* schema = R"({"anyOf":[{"type":"integer"},{"type":"number"}],"minimum":0})";
    EXPECT_TRUE(accepts(schema, "1.5"));
    EXPECT_EQ(single(schema, "-1").type, "value_error.number.not_ge");
}

TEST(SchemaValidatorValidate, LocationPrefixIsKept) {
    std::vector<ValidationError> errors;
    SchemaValidator::validate(json::parse(R"({"type":"string"})"), 1,
                              json::parse(R"(["body","a",0])"), errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].loc, json::parse(R"(["body","a",0])"));
    errors.clear();
    SchemaValidator::validate(json::parse(R"({"type":"string"})"), 1, json::array(), errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].loc, json::array());
}

TEST(SchemaValidatorValidate, AppendsToExistingErrors) {
    std::vector<ValidationError> errors(1);
    SchemaValidator::validate(json::parse(R"({"type":"string"})"), 1, json::array({"v"}), errors);
    EXPECT_EQ(errors.size(), 2u);
}

// ---- arguments ----

namespace {

const char* const kArguments = R"([
    {"name": "name", "schema": {"type": "string"}, "required": true},
    {"name": "count", "schema": {"type": "integer", "minimum": 0}, "required": false},
    {"name": "point", "schema": {
        "type": "object",
        "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        "required": ["x", "y"]
    }, "required": false},
    {"name": "values", "schema": {"type": "array", "items": {"type": "integer"}}, "required": false}
])";

}  // namespace

TEST(SchemaValidatorArguments, AcceptsAValidBody) {
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":"a"})"), json::array());
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":"a","count":2,"point":{"x":1,"y":2.5},
                                        "values":[1,2]})"),
              json::array());
    EXPECT_EQ(bodyDetail("[]", "{}"), json::array());
}

TEST(SchemaValidatorArguments, BodyMustBeAnObject) {
    for (const char* body : {"[]", "null", "1", R"("name")", "true"}) {
        EXPECT_EQ(bodyDetail(kArguments, body), json::parse(R"([{
            "loc": ["body"], "msg": "value is not a valid object", "type": "type_error.object"
        }])"))
            << body;
    }
}

TEST(SchemaValidatorArguments, MissingRequiredArgument) {
    EXPECT_EQ(bodyDetail(kArguments, "{}"), json::parse(R"([{
        "loc": ["body", "name"], "msg": "field required", "type": "value_error.missing"
    }])"));
}

TEST(SchemaValidatorArguments, ExtraKeys) {
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":"a","nmae":"b"})"), json::parse(R"([{
        "loc": ["body", "nmae"], "msg": "extra fields not permitted", "type": "value_error.extra"
    }])"));
    EXPECT_EQ(bodyDetail("[]", R"({"a":1})").size(), 1u);
}

TEST(SchemaValidatorArguments, IgnoredExtraKeysAreNoProblem) {
    constexpr auto ignore = SchemaValidator::Undeclared::Ignore;
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":"a","nmae":"b"})", ignore), json::array());
    EXPECT_EQ(bodyDetail("[]", R"({"a":1})", ignore), json::array());
    // Everything else is still checked.
    EXPECT_EQ(bodyDetail(kArguments, R"({"nmae":"b"})", ignore), json::parse(R"([{
        "loc": ["body", "name"], "msg": "field required", "type": "value_error.missing"
    }])"));
    EXPECT_EQ(bodyDetail(kArguments, "[]", ignore).size(), 1u);
}

TEST(SchemaValidatorArguments, WithoutUndeclaredKeepsOnlyDeclaredKeys) {
    const json arguments = json::parse(kArguments);
    EXPECT_EQ(SchemaValidator::withoutUndeclared(arguments, json::parse(R"({"name":"a"})")),
              std::nullopt)
        << "nothing to leave out: no copy";
    EXPECT_EQ(SchemaValidator::withoutUndeclared(arguments, json::object()), std::nullopt);
    EXPECT_EQ(SchemaValidator::withoutUndeclared(
                  arguments, json::parse(R"({"name":"a","extra":{"deep":[1]},"count":2})")),
              json::parse(R"({"name":"a","count":2})"));
    EXPECT_EQ(SchemaValidator::withoutUndeclared(json::array(), json::parse(R"({"a":1})")),
              json::object());
    EXPECT_EQ(SchemaValidator::withoutUndeclared(arguments, json::array()), std::nullopt);
}

TEST(SchemaValidatorArguments, WrongTypesReportNestedLocations) {
    const json detail =
        bodyDetail(kArguments, R"({"name":1,"count":-1,"point":{"x":"1"},"values":[1,2,"3"]})");
    EXPECT_EQ(detail, json::parse(R"([
        {"loc": ["body", "name"], "msg": "value is not a valid string", "type": "type_error.string"},
        {"loc": ["body", "count"], "msg": "ensure this value is greater than or equal to 0",
         "type": "value_error.number.not_ge"},
        {"loc": ["body", "point", "x"], "msg": "value is not a valid number", "type": "type_error.number"},
        {"loc": ["body", "point", "y"], "msg": "field required", "type": "value_error.missing"},
        {"loc": ["body", "values", 2], "msg": "value is not a valid integer", "type": "type_error.integer"}
    ])"))
        << detail.dump(2);
}

TEST(SchemaValidatorArguments, NullMeansAbsentOnlyForOptionalArguments) {
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":"a","count":null,"point":null})"), json::array());
    EXPECT_EQ(bodyDetail(kArguments, R"({"name":null})"), json::parse(R"([{
        "loc": ["body", "name"], "msg": "value is not a valid string", "type": "type_error.string"
    }])"));
    EXPECT_EQ(
        bodyDetail(R"([{"name":"x","schema":{"anyOf":[{"type":"integer"},{"type":"null"}]}}])",
                   R"({"x":null})"),
        json::array());
}

TEST(SchemaValidatorArguments, RequiredDefaultsToTrue) {
    const char* arguments = R"([{"name":"x","schema":{}}])";
    EXPECT_EQ(bodyDetail(arguments, "{}").size(), 1u);
    EXPECT_EQ(bodyDetail(arguments, R"({"x":null})"), json::array());
    EXPECT_TRUE(SchemaValidator::isRequired(json::parse(R"({"name":"x","schema":{}})")));
    EXPECT_TRUE(SchemaValidator::isRequired(json::parse(R"({"name":"x","required":true})")));
    EXPECT_FALSE(SchemaValidator::isRequired(json::parse(R"({"name":"x","required":false})")));
}

TEST(SchemaValidatorArguments, ReportsEveryProblemAtOnce) {
    const json detail = bodyDetail(kArguments, R"({"count":"x","zzz":1,"aaa":2})");
    ASSERT_EQ(detail.size(), 4u) << detail.dump();
    std::vector<std::string> types;
    for (const json& error : detail) {
        types.push_back(error["type"]);
    }
    EXPECT_EQ(types, (std::vector<std::string>{"value_error.missing", "type_error.integer",
                                               "value_error.extra", "value_error.extra"}));
}

TEST(SchemaValidatorArguments, CheckAcceptsValidDeclarations) {
    EXPECT_EQ(argumentsProblem(kArguments), "");
    EXPECT_EQ(argumentsProblem("[]"), "");
    EXPECT_EQ(argumentsProblem(R"([{"name":"_x1","schema":{}}])"), "");
    EXPECT_EQ(argumentsProblem(
                  R"([{"name":"x","schema":{},"required":false,"description":"d","default":1}])"),
              "");
}

TEST(SchemaValidatorArguments, CheckRejectsMalformedDeclarations) {
    EXPECT_EQ(argumentsProblem("{}"), "arguments must be a JSON array, not object");
    EXPECT_EQ(argumentsProblem(R"(["x"])"),
              R"(argument 0: must be an object with "name" and "schema")");
    EXPECT_EQ(argumentsProblem(R"([{"schema":{}}])"), R"(argument 0: "name" must be a string)");
    EXPECT_EQ(argumentsProblem(R"([{"name":1,"schema":{}}])"),
              R"(argument 0: "name" must be a string)");
    for (const char* name : {"", "1x", "Name", "a-b", "a b", "é"}) {
        const std::string arguments =
            json::array({{{"name", name}, {"schema", json::object()}}}).dump();
        const std::string problem = argumentsProblem(arguments.c_str());
        EXPECT_EQ(problem.rfind("argument 0: invalid name", 0), 0u) << name << ": " << problem;
    }
    EXPECT_EQ(argumentsProblem(R"([{"name":"x","schema":{}},{"name":"x","schema":{}}])"),
              R"(argument "x": declared twice)");
    EXPECT_EQ(argumentsProblem(R"([{"name":"x"}])"), R"(argument "x": "schema" is missing)");
    EXPECT_EQ(argumentsProblem(R"([{"name":"x","schema":{},"required":"yes"}])"),
              R"(argument "x": "required" must be a boolean)");
    EXPECT_EQ(argumentsProblem(R"([{"name":"x","schema":{},"description":2}])"),
              R"(argument "x": "description" must be a string)");
    EXPECT_EQ(argumentsProblem(R"([{"name":"x","schema":{},"requird":true}])"),
              R"(argument "x": unsupported key "requird")");
}

TEST(SchemaValidatorArguments, CheckBoundsNamesAndCount) {
    const std::string longest(mvi::limits::kMaxNameBytes, 'a');
    EXPECT_EQ(argumentsProblem(
                  json::array({{{"name", longest}, {"schema", json::object()}}}).dump().c_str()),
              "");
    const std::string tooLong(100000, 'a');
    const std::string problem = argumentsProblem(
        json::array({{{"name", tooLong}, {"schema", json::object()}}}).dump().c_str());
    EXPECT_EQ(problem.rfind("argument 0: invalid name \"aaa", 0), 0u) << problem.substr(0, 300);
    EXPECT_NE(problem.find("100000 bytes"), std::string::npos) << problem.substr(0, 300);
    EXPECT_LT(problem.size(), 600u) << "the name is quoted cut short";

    json many = json::array();
    for (std::size_t i = 0; i <= mvi::limits::kMaxArguments; ++i) {
        many.push_back({{"name", "a" + std::to_string(i)}, {"schema", json::object()}});
    }
    EXPECT_EQ(argumentsProblem(many.dump().c_str()),
              std::to_string(mvi::limits::kMaxArguments + 1) +
                  " arguments declared, more than the " +
                  std::to_string(mvi::limits::kMaxArguments) + " allowed");
    many.erase(many.size() - 1);
    EXPECT_EQ(argumentsProblem(many.dump().c_str()), "");
}

TEST(SchemaValidatorArguments, CheckReportsBadSchemasWithTheArgumentName) {
    EXPECT_EQ(argumentsProblem(R"([{"name":"x","schema":{"type":"strnig"}}])"),
              R"(argument "x": schema #/type: unknown type "strnig" (expected string, integer, )"
              R"(number, boolean, null, array or object))");
    EXPECT_EQ(argumentsProblem(R"([{"name":"ok","schema":{}},{"name":"p","schema":[]}])"),
              R"(argument "p": schema #: a schema must be a JSON object, not array)");
}

// ---- toDetail ----

TEST(SchemaValidatorToDetail, ConvertsErrorsToTheDetailList) {
    EXPECT_EQ(SchemaValidator::toDetail({}), json::array());
    const std::vector<ValidationError> errors{
        {json::parse(R"(["body","values",2])"), "value is not a valid integer",
         "type_error.integer"},
        {json::array({"body"}), "field required", "value_error.missing"},
    };
    EXPECT_EQ(SchemaValidator::toDetail(errors), json::parse(R"([
        {"loc": ["body", "values", 2], "msg": "value is not a valid integer", "type": "type_error.integer"},
        {"loc": ["body"], "msg": "field required", "type": "value_error.missing"}
    ])"));
}
