// JSON schema derivation (mvi::schema_of) for every supported type, strict conversion
// (mvi::from_json_value / to_json_value), MVI_STRUCT, and the validator that mvi-host and the fake
// host share (mvi/validation.hpp) accepting what the SDK derives and encodes.
#include <mvi/convert.hpp>
#include <mvi/schema.hpp>
#include <mvi/validation.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace shapes {

/// A struct with required, optional and nested fields.
struct Box {
    std::string name;
    std::array<double, 2> size{};
    std::optional<std::string> note;
    std::vector<std::uint8_t> bytes;
};
MVI_STRUCT(Box, name, size, note, bytes);

/// A struct holding another struct.
struct Shelf {
    std::vector<Box> boxes;
    std::map<std::string, Box> by_name;
    std::optional<Box> spare;
};
MVI_STRUCT(Shelf, boxes, by_name, spare);

/// Only nlohmann knows this type: it gets the any-value schema.
struct Opaque {
    int value = 0;
};
inline void to_json(nlohmann::json& json, const Opaque& opaque) {
    json = opaque.value;
}
inline void from_json(const nlohmann::json& json, Opaque& opaque) {
    opaque.value = json.get<int>();
}

/// A type with a hand-written schema hook.
struct Celsius {
    double degrees = 0;
};
inline void to_json(nlohmann::json& json, const Celsius& celsius) {
    json = celsius.degrees;
}
inline void from_json(const nlohmann::json& json, Celsius& celsius) {
    celsius.degrees = json.get<double>();
}
inline nlohmann::json mvi_schema(mvi::type_tag<Celsius>) {
    return {{"type", "number"}, {"minimum", -273.15}, {"description", "degrees Celsius"}};
}

}  // namespace shapes

namespace {

using mvi::schema_of;
using nlohmann::json;

json parse(const char* text) {
    return json::parse(text);
}

// The problems the shared validator finds in `value`, as the detail list of an error answer with
// locations relative to `value`; an empty array when `value` matches `schema`.
json problems(const json& schema, const json& value) {
    std::vector<mvi::validation::ValidationError> errors;
    mvi::validation::validate(schema, value, json::array(), errors);
    return mvi::validation::to_detail(errors);
}

// One problem in the shape of a detail list element.
json problem(json loc, const char* msg, const char* type) {
    return {{"loc", std::move(loc)}, {"msg", msg}, {"type", type}};
}

// ---- schema_of ----

TEST(SchemaOf, String) {
    EXPECT_EQ(schema_of<std::string>(), parse(R"({"type": "string"})"));
    EXPECT_EQ(schema_of<const std::string&>(), parse(R"({"type": "string"})"));
}

TEST(SchemaOf, BoundsIntegersNarrowerThan64Bits) {
    EXPECT_EQ(schema_of<std::int8_t>(),
              parse(R"({"type": "integer", "minimum": -128, "maximum": 127})"));
    EXPECT_EQ(schema_of<std::int16_t>(),
              parse(R"({"type": "integer", "minimum": -32768, "maximum": 32767})"));
    EXPECT_EQ(schema_of<std::int32_t>(),
              parse(R"({"type": "integer", "minimum": -2147483648, "maximum": 2147483647})"));
    EXPECT_EQ(schema_of<std::int64_t>(), parse(R"({"type": "integer"})"));
    EXPECT_EQ(schema_of<long long>(), parse(R"({"type": "integer"})"));
}

TEST(SchemaOf, GivesUnsignedIntegersAMinimumOfZero) {
    EXPECT_EQ(schema_of<std::uint8_t>(),
              parse(R"({"type": "integer", "minimum": 0, "maximum": 255})"));
    EXPECT_EQ(schema_of<std::uint16_t>(),
              parse(R"({"type": "integer", "minimum": 0, "maximum": 65535})"));
    EXPECT_EQ(schema_of<std::uint32_t>(),
              parse(R"({"type": "integer", "minimum": 0, "maximum": 4294967295})"));
    EXPECT_EQ(schema_of<std::uint64_t>(), parse(R"({"type": "integer", "minimum": 0})"));
    EXPECT_EQ(schema_of<std::size_t>(), parse(R"({"type": "integer", "minimum": 0})"));
}

TEST(SchemaOf, NumbersAndBooleans) {
    EXPECT_EQ(schema_of<double>(), parse(R"({"type": "number"})"));
    EXPECT_EQ(schema_of<float>(), parse(R"({"type": "number"})"));
    EXPECT_EQ(schema_of<bool>(), parse(R"({"type": "boolean"})"));
}

TEST(SchemaOf, VoidAndAnyJson) {
    EXPECT_EQ(schema_of<void>(), parse(R"({"type": "null"})"));
    EXPECT_EQ(schema_of<json>(), json::object());
}

TEST(SchemaOf, Vectors) {
    EXPECT_EQ(schema_of<std::vector<double>>(),
              parse(R"({"type": "array", "items": {"type": "number"}})"));
    EXPECT_EQ(schema_of<std::vector<std::vector<std::string>>>(),
              parse(R"({"type": "array", "items": {"type": "array",
                        "items": {"type": "string"}}})"));
}

TEST(SchemaOf, FixedSizeArrays) {
    EXPECT_EQ((schema_of<std::array<bool, 4>>()),
              parse(R"({"type": "array", "items": {"type": "boolean"},
                        "minItems": 4, "maxItems": 4})"));
}

TEST(SchemaOf, OptionalsAllowNull) {
    EXPECT_EQ(schema_of<std::optional<double>>(),
              parse(R"({"anyOf": [{"type": "number"}, {"type": "null"}]})"));
    EXPECT_EQ(schema_of<std::vector<std::optional<std::int64_t>>>(),
              parse(R"({"type": "array", "items":
                        {"anyOf": [{"type": "integer"}, {"type": "null"}]}})"));
}

TEST(SchemaOf, StringKeyedMaps) {
    EXPECT_EQ((schema_of<std::map<std::string, double>>()),
              parse(R"({"type": "object", "additionalProperties": {"type": "number"}})"));
    EXPECT_EQ((schema_of<std::unordered_map<std::string, std::vector<bool>>>()),
              parse(R"({"type": "object", "additionalProperties":
                        {"type": "array", "items": {"type": "boolean"}}})"));
}

TEST(SchemaOf, MviStructs) {
    EXPECT_EQ(schema_of<shapes::Box>(), parse(R"({
        "type": "object", "title": "Box", "additionalProperties": false,
        "properties": {
            "name": {"type": "string"},
            "size": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "bytes": {"type": "array",
                      "items": {"type": "integer", "minimum": 0, "maximum": 255}}},
        "required": ["name", "size", "bytes"]})"));
}

TEST(SchemaOf, NestedMviStructs) {
    const json box = schema_of<shapes::Box>();
    const json shelf = schema_of<shapes::Shelf>();
    EXPECT_EQ(shelf["properties"]["boxes"], json({{"type", "array"}, {"items", box}}));
    EXPECT_EQ(shelf["properties"]["by_name"],
              json({{"type", "object"}, {"additionalProperties", box}}));
    EXPECT_EQ(shelf["properties"]["spare"],
              json({{"anyOf", json::array({box, {{"type", "null"}}})}}));
    EXPECT_EQ(shelf["required"], parse(R"(["boxes", "by_name"])"));
}

TEST(SchemaOf, NlohmannOnlyTypesAcceptAnyValue) {
    EXPECT_EQ(schema_of<shapes::Opaque>(), json::object());
    EXPECT_EQ(schema_of<std::vector<shapes::Opaque>>(), parse(R"({"type": "array", "items": {}})"));
}

TEST(SchemaOf, UsesASchemaHook) {
    EXPECT_EQ(schema_of<shapes::Celsius>(),
              parse(R"({"type": "number", "minimum": -273.15, "description": "degrees Celsius"})"));
}

// ---- strict conversion ----

TEST(FromJsonValue, ReadsIntegersStrictly) {
    EXPECT_EQ(mvi::from_json_value<int>(json(42)), 42);
    EXPECT_EQ(mvi::from_json_value<int>(json(3.0)), 3);
    EXPECT_EQ(mvi::from_json_value<std::uint64_t>(json(std::numeric_limits<std::uint64_t>::max())),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(mvi::from_json_value<std::int64_t>(json(std::numeric_limits<std::int64_t>::min())),
              std::numeric_limits<std::int64_t>::min());
    EXPECT_THROW(mvi::from_json_value<int>(json(3.5)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<int>(json(true)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<int>(json("3")), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<std::int8_t>(json(128)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<std::uint8_t>(json(-1)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<std::uint32_t>(json(4294967296ULL)), mvi::ConversionError);
    EXPECT_THROW(
        mvi::from_json_value<std::int64_t>(json(std::numeric_limits<std::uint64_t>::max())),
        mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<std::int64_t>(json(9223372036854775808.0)),
                 mvi::ConversionError);
}

TEST(FromJsonValue, ReadsOtherScalarsStrictly) {
    EXPECT_EQ(mvi::from_json_value<double>(json(2)), 2.0);
    EXPECT_THROW(mvi::from_json_value<double>(json(false)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<float>(json(1e300)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<bool>(json(1)), mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<std::string>(json(1)), mvi::ConversionError);
    EXPECT_EQ(mvi::from_json_value<std::string>(json("x")), "x");
}

TEST(FromJsonValue, LocatesErrorsInsideContainers) {
    try {
        mvi::from_json_value<std::map<std::string, std::vector<int>>>(parse(R"({"a": [1, "x"]})"));
        FAIL() << "no exception";
    } catch (const mvi::ConversionError& error) {
        EXPECT_EQ(error.path(), (std::vector<json>{"a", 1}));
        EXPECT_EQ(error.reason(), "expected an integer, got string");
        EXPECT_STREQ(error.what(), "a[1]: expected an integer, got string");
    }
    EXPECT_THROW((mvi::from_json_value<std::array<int, 2>>(parse("[1, 2, 3]"))),
                 mvi::ConversionError);
}

TEST(FromJsonValue, ReadsOptionals) {
    EXPECT_EQ(mvi::from_json_value<std::optional<int>>(json(nullptr)), std::nullopt);
    EXPECT_EQ(mvi::from_json_value<std::optional<int>>(json(4)), 4);
    EXPECT_EQ((mvi::from_json_value<std::vector<std::optional<int>>>(parse("[1, null]"))),
              (std::vector<std::optional<int>>{1, std::nullopt}));
}

TEST(FromJsonValue, ReadsMviStructsStrictly) {
    const auto box = mvi::from_json_value<shapes::Box>(
        parse(R"({"name": "b", "size": [1, 2], "bytes": [255]})"));
    EXPECT_EQ(box.name, "b");
    EXPECT_EQ(box.size[1], 2.0);
    EXPECT_EQ(box.note, std::nullopt);
    EXPECT_EQ(box.bytes, std::vector<std::uint8_t>{255});

    try {
        mvi::from_json_value<shapes::Shelf>(parse(R"({"boxes": [{"name": "b", "size": [1, 2],
                                                                  "bytes": [256]}],
                                                      "by_name": {}})"));
        FAIL() << "no exception";
    } catch (const mvi::ConversionError& error) {
        EXPECT_EQ(error.path(), (std::vector<json>{"boxes", 0, "bytes", 0}));
    }
    EXPECT_THROW(mvi::from_json_value<shapes::Box>(parse(R"({"name": "b", "size": [1, 2]})")),
                 mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<shapes::Box>(
                     parse(R"({"name": "b", "size": [1, 2], "bytes": [], "extra": 1})")),
                 mvi::ConversionError);
    EXPECT_THROW(mvi::from_json_value<shapes::Box>(parse("[]")), mvi::ConversionError);
}

TEST(ToJsonValue, WritesOptionalsAsNull) {
    EXPECT_EQ(mvi::to_json_value(std::optional<int>()), json(nullptr));
    EXPECT_EQ(mvi::to_json_value(std::vector<std::optional<int>>{1, std::nullopt}),
              parse("[1, null]"));
    EXPECT_EQ(
        mvi::to_json_value(std::map<std::string, std::optional<bool>>{{"a", true}, {"b", {}}}),
        parse(R"({"a": true, "b": null})"));
}

TEST(ToJsonValue, RoundTripsMviStructs) {
    shapes::Shelf shelf;
    shelf.boxes.push_back({"a", {1, 2}, "fragile", {1, 2, 3}});
    shelf.by_name["b"] = {"b", {3, 4}, std::nullopt, {}};
    const json value = mvi::to_json_value(shelf);
    EXPECT_EQ(value["boxes"][0]["note"], "fragile");
    EXPECT_TRUE(value["by_name"]["b"]["note"].is_null());
    EXPECT_TRUE(value["spare"].is_null());
    const auto back = mvi::from_json_value<shapes::Shelf>(value);
    EXPECT_EQ(mvi::to_json_value(back), value);
    EXPECT_EQ(problems(schema_of<shapes::Shelf>(), value), json::array());
}

// ---- the shared validator agrees with the derived schemas ----

template <class T>
void expect_valid(const T& value) {
    const json schema = schema_of<T>();
    const json encoded = mvi::to_json_value(value);
    EXPECT_EQ(problems(schema, encoded), json::array()) << schema << " " << encoded;
}

TEST(Validation, AcceptsEveryEncodedValue) {
    expect_valid(std::string("s"));
    expect_valid(std::numeric_limits<std::int8_t>::min());
    expect_valid(std::numeric_limits<std::uint32_t>::max());
    expect_valid(std::numeric_limits<std::uint64_t>::max());
    expect_valid(std::numeric_limits<std::int64_t>::min());
    expect_valid(1.5);
    expect_valid(true);
    expect_valid(std::vector<std::optional<int>>{1, std::nullopt});
    expect_valid(std::array<int, 3>{1, 2, 3});
    expect_valid(std::map<std::string, double>{{"x", 1}});
    expect_valid(shapes::Box{"b", {1, 2}, "n", {7}});
}

TEST(Validation, RefusesValuesOutsideTheSchema) {
    EXPECT_EQ(problems(schema_of<std::int8_t>(), json(128)),
              json::array({problem(json::array(), "ensure this value is less than or equal to 127",
                                   "value_error.number.not_le")}));
    EXPECT_EQ(problems(schema_of<std::uint64_t>(), json(-1)),
              json::array({problem(json::array(), "ensure this value is greater than or equal to 0",
                                   "value_error.number.not_ge")}));
    EXPECT_EQ(problems(schema_of<int>(), json(1.5)),
              json::array(
                  {problem(json::array(), "value is not a valid integer", "type_error.integer")}));
    EXPECT_NE(problems(schema_of<int>(), json(2.0)), json::array());  // strict, like mvi-host
    EXPECT_NE(problems(schema_of<double>(), json("1")), json::array());
    EXPECT_EQ(problems(schema_of<std::vector<double>>(), parse(R"([1, "x"])")),
              json::array(
                  {problem(json::array({1}), "value is not a valid number", "type_error.number")}));
    EXPECT_NE((problems(schema_of<std::array<int, 2>>(), parse("[1]"))), json::array());
    EXPECT_EQ(
        problems(schema_of<shapes::Box>(), parse(R"({"name": "b", "size": [1, 2]})")),
        json::array({problem(json::array({"bytes"}), "field required", "value_error.missing")}));
    EXPECT_EQ(problems(schema_of<shapes::Box>(),
                       parse(R"({"name": "b", "size": [1, 2], "bytes": [], "z": 0})")),
              json::array({problem(json::array({"z"}), "extra fields not permitted",
                                   "value_error.extra")}));
    EXPECT_EQ(
        problems(schema_of<std::optional<std::string>>(), json(3)),
        json::array({problem(json::array(), "value is not a valid string", "type_error.string")}));
    EXPECT_EQ(problems(schema_of<std::optional<std::string>>(), json(nullptr)), json::array());
    EXPECT_EQ(problems(json::object(), parse(R"({"anything": [1]})")), json::array());
}

TEST(Validation, AcceptsEveryDerivedSchema) {
    using mvi::validation::check_schema;
    EXPECT_EQ(check_schema(schema_of<std::string>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<std::int8_t>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<std::uint64_t>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<void>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<json>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<std::array<std::optional<double>, 3>>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<std::unordered_map<std::string, bool>>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<shapes::Shelf>()), std::nullopt);
    EXPECT_EQ(check_schema(schema_of<shapes::Celsius>()), std::nullopt);
}

TEST(Validation, RefusesKeywordsOutsideTheSubset) {
    using mvi::validation::check_schema;
    EXPECT_EQ(check_schema(parse(R"({"type": "string", "pattern": "^a"})")),
              "#/pattern: unsupported keyword");
    EXPECT_TRUE(check_schema(parse(R"({"type": ["string", "null"]})")));
    EXPECT_TRUE(check_schema(parse(R"({"items": true})")));
    EXPECT_TRUE(check_schema(parse(R"({"anyOf": []})")));
    EXPECT_TRUE(check_schema(parse(R"({"minItems": -1})")));
    EXPECT_TRUE(check_schema(json(true)));
}

}  // namespace
