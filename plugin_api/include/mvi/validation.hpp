// mvi/validation.hpp -- validation of JSON values against the schema subset of mvi/schema.hpp.
//
// This is the validator mvi-host runs on every value that crosses the plugin boundary (entrypoint
// arguments, parameter values, results) and on every declaration a plugin makes; the fake host of
// mvi/testing.hpp runs the same code, so a service under unit test is refused exactly as the
// server would refuse it.
//
// The supported subset is exactly what the SDK emits:
//   - `{}` accepts any value;
//   - "type": one of "string", "integer", "number", "boolean", "null", "array", "object";
//   - "items" (a schema), "minItems", "maxItems" (non-negative integers) and "uniqueItems" (a
//     boolean: no two items equal) for arrays;
//   - "properties" (an object of schemas), "required" (an array of names) and
//     "additionalProperties" (a boolean or a schema; true when absent) for objects;
//   - "anyOf" (a non-empty array of schemas);
//   - "minimum", "maximum" (numbers) for numbers;
//   - the annotations "description", "title" (strings) and "default" (any value), ignored.
// Anything else is refused by check_schema(), so a typing mistake in a declaration is reported
// when the plugin is loaded rather than silently accepting every value.
//
// Types are strict: "integer" accepts only a JSON integer (1.0 is not an integer, nor is an
// integer too large for 64 bits), "number" accepts integers and floats, and no value is converted
// from one type to another (the string "1" is not a number).
//
// Error messages and kinds follow the style of pydantic v1, e.g.
// {"loc": ["body", "x"], "msg": "value is not a valid integer", "type": "type_error.integer"}.
//
// Header-only and self-contained (nlohmann_json and the standard library); every function is
// stateless and may be called concurrently from any thread.
#ifndef MVI_VALIDATION_HPP
#define MVI_VALIDATION_HPP

#include <mvi/limits.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mvi::validation {

/// One problem found while validating a value against a schema, in the shape of one element of
/// the `detail` list of a 422 answer.
struct ValidationError {
    /// Where the problem is: a JSON array of keys and indexes, e.g. ["body", "point", "x"] or
    /// ["body", "values", 2].
    nlohmann::json loc = nlohmann::json::array();

    /// Human-readable description, e.g. "value is not a valid integer".
    std::string msg;

    /// Machine-readable kind, e.g. "type_error.integer" or "value_error.missing".
    std::string type;
};

/// Checks that `schema` uses only the supported subset and is well formed: keyword value types,
/// known type names, nested schemas, bounds that some value can satisfy. Returns a message naming
/// the offending location as a JSON pointer (e.g. "#/properties/x/type: unknown type
/// \"strnig\" ..."), or std::nullopt when the schema is valid.
inline std::optional<std::string> check_schema(const nlohmann::json& schema);

/// Validates `value` against `schema` (which should have passed check_schema()) and appends one
/// error per problem found to `errors`; validation goes on after a problem so that all of them are
/// reported, except inside "anyOf", which yields a single error. `loc` is the location of `value`
/// (a JSON array) and prefixes the location of every error.
inline void validate(const nlohmann::json& schema, const nlohmann::json& value,
                     const nlohmann::json& loc, std::vector<ValidationError>& errors);

/// What validate_arguments() does with a key of the body that is not a declared argument.
enum class Undeclared {
    Ignore,  ///< Accepts it (the default of an entrypoint; the handler never sees it).
    Refuse,  ///< Reports it: loc ["body", key], "extra fields not permitted".
};

/// Validates the body of an entrypoint call. `arguments` is the entrypoint's declared arguments
/// (a JSON array of {"name", "schema", "required"} that passed check_arguments()); `body` is the
/// parsed request body. Reports a body that is not an object (loc ["body"]), each missing required
/// argument (loc ["body", name], "field required"), with Undeclared::Refuse each key that is not a
/// declared argument (loc ["body", key], "extra fields not permitted") and each argument that does
/// not match its schema (loc ["body", name, ...]). A null value for an argument that is not
/// required counts as absent. Returns an empty list when the body is valid.
inline std::vector<ValidationError> validate_arguments(const nlohmann::json& arguments,
                                                       const nlohmann::json& body,
                                                       Undeclared undeclared);

/// Returns `body` (an object) without the keys that are not declared in `arguments`, or
/// std::nullopt when it has no such key (so that the usual call copies nothing). This is the
/// object an entrypoint's handler receives when undeclared keys are ignored.
inline std::optional<nlohmann::json> without_undeclared(const nlohmann::json& arguments,
                                                        const nlohmann::json& body);

/// Checks an entrypoint's declared arguments: a JSON array of objects, each with a "name"
/// (lowercase letters, digits and underscores, not starting with a digit; unique within the
/// array), a "schema" that passes check_schema(), an optional boolean "required" (true when
/// absent) and the optional annotations "description" (a string) and "default". Returns a message
/// naming the offending argument, or std::nullopt when the declaration is valid.
inline std::optional<std::string> check_arguments(const nlohmann::json& arguments);

/// Tells whether argument declaration `argument` (an element of a valid arguments array) is
/// required: its "required" field, true when absent.
inline bool is_required(const nlohmann::json& argument);

/// Converts `errors` to the `detail` list of an error answer:
/// [{"loc": [...], "msg": "...", "type": "..."}, ...].
inline nlohmann::json to_detail(const std::vector<ValidationError>& errors);

namespace detail {

/// A type name a schema's "type" keyword may hold, with the message and kind reported when a
/// value does not have that type.
struct TypeInfo {
    std::string_view name;     ///< The type name, e.g. "integer".
    std::string_view message;  ///< E.g. "value is not a valid integer".
    std::string_view kind;     ///< E.g. "type_error.integer".
};

/// Returns the description of type `name`, or std::nullopt for a name outside the subset.
inline std::optional<TypeInfo> find_type(std::string_view name) {
    constexpr TypeInfo types[] = {
        {"string", "value is not a valid string", "type_error.string"},
        {"integer", "value is not a valid integer", "type_error.integer"},
        {"number", "value is not a valid number", "type_error.number"},
        {"boolean", "value is not a valid boolean", "type_error.boolean"},
        {"null", "value is not null", "type_error.null"},
        {"array", "value is not a valid array", "type_error.array"},
        {"object", "value is not a valid object", "type_error.object"},
    };
    for (const TypeInfo& info : types) {
        if (info.name == name) {
            return info;
        }
    }
    return std::nullopt;
}

/// Tells whether `value` has JSON-schema type `name` (strictly: no conversion).
inline bool has_type(std::string_view name, const nlohmann::json& value) {
    if (name == "string") {
        return value.is_string();
    }
    if (name == "integer") {
        return value.is_number_integer();
    }
    if (name == "number") {
        return value.is_number();
    }
    if (name == "boolean") {
        return value.is_boolean();
    }
    if (name == "null") {
        return value.is_null();
    }
    if (name == "array") {
        return value.is_array();
    }
    if (name == "object") {
        return value.is_object();
    }
    return false;
}

/// Returns `loc` with `key` (a string or an index) appended.
inline nlohmann::json child_loc(const nlohmann::json& loc, nlohmann::json key) {
    nlohmann::json result = loc;
    result.push_back(std::move(key));
    return result;
}

/// Returns a number as long double, which holds every 64-bit integer exactly.
inline long double to_long_double(const nlohmann::json& number) {
    if (number.is_number_unsigned()) {
        return static_cast<long double>(number.get<std::uint64_t>());
    }
    if (number.is_number_integer()) {
        return static_cast<long double>(number.get<std::int64_t>());
    }
    return static_cast<long double>(number.get<double>());
}

/// Compares two JSON numbers exactly: negative when a < b, zero when equal, positive when a > b.
inline int compare_numbers(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool a_unsigned = a.is_number_unsigned();
        const bool b_unsigned = b.is_number_unsigned();
        if (!a_unsigned && a.get<std::int64_t>() < 0) {
            if (b_unsigned || b.get<std::int64_t>() >= 0) {
                return -1;
            }
            const auto x = a.get<std::int64_t>();
            const auto y = b.get<std::int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (!b_unsigned && b.get<std::int64_t>() < 0) {
            return 1;
        }
        const auto x = a.get<std::uint64_t>();
        const auto y = b.get<std::uint64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const long double x = to_long_double(a);
    const long double y = to_long_double(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

/// Tells whether `value` is a JSON integer that is not negative.
inline bool is_non_negative_integer(const nlohmann::json& value) {
    return value.is_number_unsigned() ||
           (value.is_number_integer() && value.get<std::int64_t>() >= 0);
}

/// Appends `token` to JSON pointer `path`, escaping '~' and '/'.
inline std::string pointer(const std::string& path, std::string_view token) {
    std::string result = path;
    result += '/';
    for (const char c : token) {
        if (c == '~') {
            result += "~0";
        } else if (c == '/') {
            result += "~1";
        } else {
            result += c;
        }
    }
    return result;
}

/// Tells whether `schema` is the {"type": "null"} branch of an optional value.
inline bool is_null_schema(const nlohmann::json& schema) {
    if (!schema.is_object()) {
        return false;
    }
    const auto type = schema.find("type");
    return type != schema.end() && type->is_string() &&
           type->get_ref<const std::string&>() == "null";
}

/// Tells whether `name` is a valid argument name: lowercase letters, digits and underscores, not
/// empty, not starting with a digit and at most limits::kMaxNameBytes long.
inline bool is_valid_argument_name(std::string_view name) {
    if (name.empty() || name.size() > limits::kMaxNameBytes ||
        (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (const char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/// Checks one schema located at JSON pointer `path`; see check_schema().
inline std::optional<std::string> check_schema_at(const nlohmann::json& schema,
                                                  const std::string& path) {
    if (!schema.is_object()) {
        return path + ": a schema must be a JSON object, not " + schema.type_name();
    }
    for (const auto& [key, value] : schema.items()) {
        const std::string at = pointer(path, key);
        if (key == "type") {
            if (!value.is_string()) {
                return at + ": must be a string naming one type";
            }
            if (!find_type(value.get_ref<const std::string&>())) {
                return at + ": unknown type " + value.dump() +
                       " (expected string, integer, number, boolean, null, array or object)";
            }
        } else if (key == "items" || key == "additionalProperties") {
            if (key == "additionalProperties" && value.is_boolean()) {
                continue;
            }
            if (auto error = check_schema_at(value, at)) {
                return error;
            }
        } else if (key == "minItems" || key == "maxItems") {
            if (!is_non_negative_integer(value)) {
                return at + ": must be a non-negative integer";
            }
        } else if (key == "uniqueItems") {
            if (!value.is_boolean()) {
                return at + ": must be a boolean";
            }
        } else if (key == "minimum" || key == "maximum") {
            if (!value.is_number()) {
                return at + ": must be a number";
            }
        } else if (key == "properties") {
            if (!value.is_object()) {
                return at + ": must be an object of schemas";
            }
            for (const auto& [name, property] : value.items()) {
                if (auto error = check_schema_at(property, pointer(at, name))) {
                    return error;
                }
            }
        } else if (key == "required") {
            if (!value.is_array()) {
                return at + ": must be an array of property names";
            }
            std::set<std::string> seen;
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string()) {
                    return pointer(at, std::to_string(i)) + ": must be a string";
                }
                if (!seen.insert(value[i].get<std::string>()).second) {
                    return pointer(at, std::to_string(i)) + ": duplicate name " + value[i].dump();
                }
            }
        } else if (key == "anyOf") {
            if (!value.is_array() || value.empty()) {
                return at + ": must be a non-empty array of schemas";
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (auto error = check_schema_at(value[i], pointer(at, std::to_string(i)))) {
                    return error;
                }
            }
        } else if (key == "description" || key == "title") {
            if (!value.is_string()) {
                return at + ": must be a string";
            }
        } else if (key == "default") {
            // An annotation: any value.
        } else {
            return at + ": unsupported keyword";
        }
    }
    const auto minimum = schema.find("minimum");
    const auto maximum = schema.find("maximum");
    if (minimum != schema.end() && maximum != schema.end() &&
        compare_numbers(*minimum, *maximum) > 0) {
        return path + ": minimum " + minimum->dump() + " is greater than maximum " +
               maximum->dump();
    }
    const auto min_items = schema.find("minItems");
    const auto max_items = schema.find("maxItems");
    if (min_items != schema.end() && max_items != schema.end() &&
        compare_numbers(*min_items, *max_items) > 0) {
        return path + ": minItems " + min_items->dump() + " is greater than maxItems " +
               max_items->dump();
    }
    return std::nullopt;
}

/// Validates `value` against the "anyOf" branches of a schema; see validate().
inline void validate_any_of(const nlohmann::json& branches, const nlohmann::json& value,
                            const nlohmann::json& loc, std::vector<ValidationError>& errors) {
    // An optional value ([S, {"type": "null"}]) that is not null is reported as S would be, so
    // the caller sees the message that matters rather than a generic one.
    const nlohmann::json* only = nullptr;
    std::size_t others = 0;
    bool has_null = false;
    for (const nlohmann::json& branch : branches) {
        if (is_null_schema(branch)) {
            has_null = true;
        } else {
            only = &branch;
            ++others;
        }
    }
    if (has_null && others == 1 && !value.is_null()) {
        validation::validate(*only, value, loc, errors);
        return;
    }
    for (const nlohmann::json& branch : branches) {
        std::vector<ValidationError> branch_errors;
        validation::validate(branch, value, loc, branch_errors);
        if (branch_errors.empty()) {
            return;
        }
    }
    errors.push_back({loc, "value does not match any allowed type", "type_error.any_of"});
}

/// Validates the object keywords ("properties", "required", "additionalProperties") of `schema`
/// on object `value`; see validate().
inline void validate_object(const nlohmann::json& schema, const nlohmann::json& value,
                            const nlohmann::json& loc, std::vector<ValidationError>& errors) {
    const nlohmann::json no_properties = nlohmann::json::object();
    const auto properties_it = schema.find("properties");
    const nlohmann::json& properties = properties_it != schema.end() && properties_it->is_object()
                                           ? *properties_it
                                           : no_properties;
    std::set<std::string> required;
    const auto required_it = schema.find("required");
    if (required_it != schema.end() && required_it->is_array()) {
        for (const nlohmann::json& name : *required_it) {
            if (name.is_string()) {
                required.insert(name.get<std::string>());
            }
        }
    }

    for (const auto& [name, property] : properties.items()) {
        const auto field = value.find(name);
        if (field != value.end()) {
            validation::validate(property, *field, child_loc(loc, name), errors);
        } else if (required.count(name) != 0) {
            errors.push_back({child_loc(loc, name), "field required", "value_error.missing"});
        }
    }
    for (const std::string& name : required) {
        if (!properties.contains(name) && !value.contains(name)) {
            errors.push_back({child_loc(loc, name), "field required", "value_error.missing"});
        }
    }

    const auto additional = schema.find("additionalProperties");
    if (additional == schema.end() || (additional->is_boolean() && additional->get<bool>())) {
        return;
    }
    for (const auto& [name, field] : value.items()) {
        if (properties.contains(name)) {
            continue;
        }
        if (additional->is_boolean()) {
            errors.push_back(
                {child_loc(loc, name), "extra fields not permitted", "value_error.extra"});
        } else {
            validation::validate(*additional, field, child_loc(loc, name), errors);
        }
    }
}

/// Validates the array keywords ("minItems", "maxItems", "uniqueItems", "items") of `schema` on
/// array `value`; see validate().
inline void validate_array(const nlohmann::json& schema, const nlohmann::json& value,
                           const nlohmann::json& loc, std::vector<ValidationError>& errors) {
    const nlohmann::json size = value.size();
    const auto min_items = schema.find("minItems");
    if (min_items != schema.end() && min_items->is_number() &&
        compare_numbers(size, *min_items) < 0) {
        errors.push_back({loc, "ensure this value has at least " + min_items->dump() + " items",
                          "value_error.list.min_items"});
    }
    const auto max_items = schema.find("maxItems");
    if (max_items != schema.end() && max_items->is_number() &&
        compare_numbers(size, *max_items) > 0) {
        errors.push_back({loc, "ensure this value has at most " + max_items->dump() + " items",
                          "value_error.list.max_items"});
    }
    const auto unique = schema.find("uniqueItems");
    if (unique != schema.end() && unique->is_boolean() && unique->get<bool>()) {
        // Equal JSON values: 1 and 1.0 are equal numbers, as JSON Schema counts them.
        std::set<nlohmann::json> seen;
        for (const nlohmann::json& item : value) {
            if (!seen.insert(item).second) {
                errors.push_back(
                    {loc, "the list has duplicated items", "value_error.list.unique_items"});
                break;
            }
        }
    }
    const auto items = schema.find("items");
    if (items != schema.end()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            validation::validate(*items, value[i], child_loc(loc, i), errors);
        }
    }
}

/// Validates the number keywords ("minimum", "maximum") of `schema` on number `value`; see
/// validate().
inline void validate_number(const nlohmann::json& schema, const nlohmann::json& value,
                            const nlohmann::json& loc, std::vector<ValidationError>& errors) {
    const auto minimum = schema.find("minimum");
    if (minimum != schema.end() && minimum->is_number() && compare_numbers(value, *minimum) < 0) {
        errors.push_back({loc, "ensure this value is greater than or equal to " + minimum->dump(),
                          "value_error.number.not_ge"});
    }
    const auto maximum = schema.find("maximum");
    if (maximum != schema.end() && maximum->is_number() && compare_numbers(value, *maximum) > 0) {
        errors.push_back({loc, "ensure this value is less than or equal to " + maximum->dump(),
                          "value_error.number.not_le"});
    }
}

}  // namespace detail

inline std::optional<std::string> check_schema(const nlohmann::json& schema) {
    return detail::check_schema_at(schema, "#");
}

inline void validate(const nlohmann::json& schema, const nlohmann::json& value,
                     const nlohmann::json& loc, std::vector<ValidationError>& errors) {
    if (schema.is_boolean()) {
        if (!schema.get<bool>()) {
            errors.push_back({loc, "value is not permitted", "value_error.not_permitted"});
        }
        return;
    }
    if (!schema.is_object()) {
        return;
    }
    const auto any_of = schema.find("anyOf");
    if (any_of != schema.end() && any_of->is_array() && !any_of->empty()) {
        detail::validate_any_of(*any_of, value, loc, errors);
    }
    const auto type = schema.find("type");
    if (type != schema.end() && type->is_string()) {
        const std::string& name = type->get_ref<const std::string&>();
        if (!detail::has_type(name, value)) {
            if (const auto info = detail::find_type(name)) {
                errors.push_back({loc, std::string(info->message), std::string(info->kind)});
            }
            return;
        }
    }
    if (value.is_number()) {
        detail::validate_number(schema, value, loc, errors);
    } else if (value.is_array()) {
        detail::validate_array(schema, value, loc, errors);
    } else if (value.is_object()) {
        detail::validate_object(schema, value, loc, errors);
    }
}

inline std::vector<ValidationError> validate_arguments(const nlohmann::json& arguments,
                                                       const nlohmann::json& body,
                                                       Undeclared undeclared) {
    std::vector<ValidationError> errors;
    const nlohmann::json body_loc = nlohmann::json::array({"body"});
    if (!body.is_object()) {
        errors.push_back({body_loc, "value is not a valid object", "type_error.object"});
        return errors;
    }
    std::set<std::string> declared;
    if (arguments.is_array()) {
        for (const nlohmann::json& argument : arguments) {
            if (!argument.is_object()) {
                continue;
            }
            const auto name_it = argument.find("name");
            if (name_it == argument.end() || !name_it->is_string()) {
                continue;
            }
            const std::string& name = name_it->get_ref<const std::string&>();
            declared.insert(name);
            const bool required = is_required(argument);
            const auto field = body.find(name);
            if (field == body.end()) {
                if (required) {
                    errors.push_back({detail::child_loc(body_loc, name), "field required",
                                      "value_error.missing"});
                }
                continue;
            }
            if (field->is_null() && !required) {
                continue;
            }
            // An argument without a schema accepts any value.
            const auto schema = argument.find("schema");
            if (schema != argument.end()) {
                validate(*schema, *field, detail::child_loc(body_loc, name), errors);
            }
        }
    }
    if (undeclared == Undeclared::Ignore) {
        return errors;
    }
    for (const auto& [key, field] : body.items()) {
        if (declared.count(key) == 0) {
            errors.push_back({detail::child_loc(body_loc, key), "extra fields not permitted",
                              "value_error.extra"});
        }
    }
    return errors;
}

inline std::optional<nlohmann::json> without_undeclared(const nlohmann::json& arguments,
                                                        const nlohmann::json& body) {
    if (!body.is_object() || !arguments.is_array()) {
        return std::nullopt;
    }
    std::set<std::string> names;
    for (const nlohmann::json& argument : arguments) {
        const auto name = argument.find("name");
        if (name != argument.end() && name->is_string()) {
            names.insert(name->get<std::string>());
        }
    }
    std::size_t kept = 0;
    for (const auto& item : body.items()) {
        kept += names.count(item.key());
    }
    if (kept == body.size()) {
        return std::nullopt;
    }
    nlohmann::json declared = nlohmann::json::object();
    for (const auto& item : body.items()) {
        if (names.count(item.key()) != 0) {
            declared[item.key()] = item.value();
        }
    }
    return declared;
}

inline std::optional<std::string> check_arguments(const nlohmann::json& arguments) {
    if (!arguments.is_array()) {
        return std::string("arguments must be a JSON array, not ") + arguments.type_name();
    }
    if (arguments.size() > limits::kMaxArguments) {
        return std::to_string(arguments.size()) + " arguments declared, more than the " +
               std::to_string(limits::kMaxArguments) + " allowed";
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const nlohmann::json& argument = arguments[i];
        const std::string where = "argument " + std::to_string(i);
        if (!argument.is_object()) {
            return where + ": must be an object with \"name\" and \"schema\"";
        }
        const auto name = argument.find("name");
        if (name == argument.end() || !name->is_string()) {
            return where + ": \"name\" must be a string";
        }
        const std::string& text = name->get_ref<const std::string&>();
        if (!detail::is_valid_argument_name(text)) {
            const nlohmann::json quoted = limits::shorten(text);
            return where + ": invalid name " +
                   quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + " (" +
                   std::to_string(text.size()) +
                   " bytes; lowercase letters, digits and underscores, not starting with a "
                   "digit, at most " +
                   std::to_string(limits::kMaxNameBytes) + " bytes)";
        }
        const std::string named = "argument " + name->dump();
        if (!names.insert(text).second) {
            return named + ": declared twice";
        }
        for (const auto& [key, value] : argument.items()) {
            if (key == "name" || key == "default") {
                continue;
            }
            if (key == "schema") {
                if (auto error = check_schema(value)) {
                    return named + ": schema " + *error;
                }
            } else if (key == "required") {
                if (!value.is_boolean()) {
                    return named + ": \"required\" must be a boolean";
                }
            } else if (key == "description") {
                if (!value.is_string()) {
                    return named + ": \"description\" must be a string";
                }
            } else {
                return named + ": unsupported key \"" + key + "\"";
            }
        }
        if (!argument.contains("schema")) {
            return named + ": \"schema\" is missing";
        }
    }
    return std::nullopt;
}

inline bool is_required(const nlohmann::json& argument) {
    if (!argument.is_object()) {
        return true;
    }
    const auto required = argument.find("required");
    return required == argument.end() || !required->is_boolean() || required->get<bool>();
}

inline nlohmann::json to_detail(const std::vector<ValidationError>& errors) {
    nlohmann::json result = nlohmann::json::array();
    for (const ValidationError& error : errors) {
        result.push_back({{"loc", error.loc}, {"msg", error.msg}, {"type", error.type}});
    }
    return result;
}

}  // namespace mvi::validation

#endif  // MVI_VALIDATION_HPP
