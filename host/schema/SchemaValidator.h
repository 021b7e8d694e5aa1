#ifndef MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H
#define MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "schema/ValidationError.h"

namespace mvi::host {

/// Validates JSON values against the JSON-schema subset that plugins declare, and checks the
/// declarations themselves.
///
/// The supported subset is exactly what the SDK emits:
///   - `{}` accepts any value;
///   - "type": one of "string", "integer", "number", "boolean", "null", "array", "object";
///   - "items" (a schema), "minItems", "maxItems" (non-negative integers) for arrays;
///   - "properties" (an object of schemas), "required" (an array of names) and
///     "additionalProperties" (a boolean or a schema; true when absent) for objects;
///   - "anyOf" (a non-empty array of schemas);
///   - "minimum", "maximum" (numbers) for numbers;
///   - the annotations "description", "title" (strings) and "default" (any value), ignored.
/// Anything else is refused by checkSchema(), so a typing mistake in a declaration is reported
/// when the plugin is loaded rather than silently accepting every value.
///
/// Types are strict: "integer" accepts only a JSON integer (1.0 is not an integer, nor is an
/// integer too large for 64 bits), "number" accepts integers and floats, and no value is
/// converted from one type to another (the string "1" is not a number).
///
/// Error messages and kinds follow the style of the original platform (pydantic v1), e.g.
/// {"loc": ["body", "x"], "msg": "value is not a valid integer", "type": "type_error.integer"}.
///
/// All functions are stateless and may be called concurrently from any thread.
class SchemaValidator {
  public:
    SchemaValidator() = delete;

    /// Checks that `schema` uses only the supported subset and is well formed: keyword value
    /// types, known type names, nested schemas. Returns a message naming the offending location
    /// as a JSON pointer (e.g. "#/properties/x/type: unknown type \"strnig\""), or std::nullopt
    /// when the schema is valid.
    static std::optional<std::string> checkSchema(const nlohmann::json& schema);

    /// Validates `value` against `schema` (which should have passed checkSchema()) and appends
    /// one error per problem found to `errors`; validation goes on after a problem so that all
    /// of them are reported, except inside "anyOf", which yields a single error. `loc` is the
    /// location of `value` (a JSON array) and prefixes the location of every error.
    static void validate(const nlohmann::json& schema, const nlohmann::json& value,
                         const nlohmann::json& loc, std::vector<ValidationError>& errors);

    /// Validates the body of an entrypoint call. `arguments` is the entrypoint's declared
    /// arguments (a JSON array of {"name", "schema", "required"} that passed checkArguments());
    /// `body` is the parsed request body. Reports a body that is not an object (loc ["body"]),
    /// each missing required argument (loc ["body", name], "field required"), each key that is
    /// not a declared argument (loc ["body", key], "extra fields not permitted") and each
    /// argument that does not match its schema (loc ["body", name, ...]). A null value for an
    /// argument that is not required counts as absent. Returns an empty list when the body is
    /// valid.
    static std::vector<ValidationError> validateArguments(const nlohmann::json& arguments,
                                                          const nlohmann::json& body);

    /// Checks an entrypoint's declared arguments: a JSON array of objects, each with a "name"
    /// (lowercase letters, digits and underscores, not starting with a digit; unique within the
    /// array), a "schema" that passes checkSchema(), an optional boolean "required" (true when
    /// absent) and the optional annotations "description" (a string) and "default". Returns a
    /// message naming the offending argument, or std::nullopt when the declaration is valid.
    static std::optional<std::string> checkArguments(const nlohmann::json& arguments);

    /// Tells whether argument declaration `argument` (an element of a valid arguments array) is
    /// required: its "required" field, true when absent.
    static bool isRequired(const nlohmann::json& argument);

    /// Converts `errors` to the `detail` list of an error answer:
    /// [{"loc": [...], "msg": "...", "type": "..."}, ...].
    static nlohmann::json toDetail(const std::vector<ValidationError>& errors);
};

}  // namespace mvi::host

#endif  // MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H
