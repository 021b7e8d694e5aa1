#ifndef MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H
#define MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H

#include <optional>
#include <string>
#include <vector>

#include <mvi/validation.hpp>
#include <nlohmann/json.hpp>

#include "core/ValidationError.h"

namespace mvi::host {

/// Validates JSON values against the JSON-schema subset that plugins declare, and checks the
/// declarations themselves.
///
/// The validator itself is the SDK's (mvi/validation.hpp, which describes the supported subset,
/// the strict typing and the pydantic-style messages), so the fake host that services are
/// unit-tested with refuses exactly what the host refuses. This class is the host's name for it.
///
/// All functions are stateless and may be called concurrently from any thread.
class SchemaValidator {
  public:
    SchemaValidator() = delete;

    /// Checks that `schema` uses only the supported subset and is well formed: keyword value
    /// types, known type names, nested schemas. Returns a message naming the offending location
    /// as a JSON pointer (e.g. "#/properties/x/type: unknown type \"strnig\""), or std::nullopt
    /// when the schema is valid.
    static std::optional<std::string> checkSchema(const nlohmann::json& schema) {
        return mvi::validation::check_schema(schema);
    }

    /// Validates `value` against `schema` (which should have passed checkSchema()) and appends
    /// one error per problem found to `errors`; validation goes on after a problem so that all
    /// of them are reported, except inside "anyOf", which yields a single error. `loc` is the
    /// location of `value` (a JSON array) and prefixes the location of every error.
    static void validate(const nlohmann::json& schema, const nlohmann::json& value,
                         const nlohmann::json& loc, std::vector<ValidationError>& errors) {
        mvi::validation::validate(schema, value, loc, errors);
    }

    /// What validateArguments() does with a key that is not a declared argument.
    using Undeclared = mvi::validation::Undeclared;

    /// Validates the body of an entrypoint call. `arguments` is the entrypoint's declared
    /// arguments (a JSON array of {"name", "schema", "required"} that passed checkArguments());
    /// `body` is the parsed request body. Reports a body that is not an object (loc ["body"]),
    /// each missing required argument (loc ["body", name], "field required"), with
    /// Undeclared::Refuse each key that is not a declared argument (loc ["body", key], "extra
    /// fields not permitted") and each argument that does not match its schema (loc ["body",
    /// name, ...]). A null value for an argument that is not required counts as absent. Returns
    /// an empty list when the body is valid.
    static std::vector<ValidationError> validateArguments(const nlohmann::json& arguments,
                                                          const nlohmann::json& body,
                                                          Undeclared undeclared) {
        return mvi::validation::validate_arguments(arguments, body, undeclared);
    }

    /// `body` without the keys that `arguments` does not declare, or std::nullopt when it has
    /// none: what a handler receives when undeclared keys are ignored.
    static std::optional<nlohmann::json> withoutUndeclared(const nlohmann::json& arguments,
                                                           const nlohmann::json& body) {
        return mvi::validation::without_undeclared(arguments, body);
    }

    /// Checks an entrypoint's declared arguments: a JSON array of objects, each with a "name"
    /// (lowercase letters, digits and underscores, not starting with a digit; unique within the
    /// array), a "schema" that passes checkSchema(), an optional boolean "required" (true when
    /// absent) and the optional annotations "description" (a string) and "default". Returns a
    /// message naming the offending argument, or std::nullopt when the declaration is valid.
    static std::optional<std::string> checkArguments(const nlohmann::json& arguments) {
        return mvi::validation::check_arguments(arguments);
    }

    /// Tells whether argument declaration `argument` (an element of a valid arguments array) is
    /// required: its "required" field, true when absent.
    static bool isRequired(const nlohmann::json& argument) {
        return mvi::validation::is_required(argument);
    }

    /// Converts `errors` to the `detail` list of an error answer:
    /// [{"loc": [...], "msg": "...", "type": "..."}, ...].
    static nlohmann::json toDetail(const std::vector<ValidationError>& errors) {
        return mvi::validation::to_detail(errors);
    }
};

}  // namespace mvi::host

#endif  // MVI_HOST_SCHEMA_SCHEMAVALIDATOR_H
