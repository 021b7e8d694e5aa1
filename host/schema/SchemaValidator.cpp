#include "schema/SchemaValidator.h"

#include <array>
#include <cstdint>
#include <set>
#include <string_view>
#include <utility>

namespace mvi::host {

namespace {

using nlohmann::json;

/// The type names a schema's "type" keyword may hold, with the message and kind reported when a
/// value does not have that type.
struct TypeInfo {
    std::string_view name;
    std::string_view message;
    std::string_view kind;
};

constexpr std::array<TypeInfo, 7> kTypes{{
    {"string", "value is not a valid string", "type_error.string"},
    {"integer", "value is not a valid integer", "type_error.integer"},
    {"number", "value is not a valid number", "type_error.number"},
    {"boolean", "value is not a valid boolean", "type_error.boolean"},
    {"null", "value is not null", "type_error.null"},
    {"array", "value is not a valid array", "type_error.array"},
    {"object", "value is not a valid object", "type_error.object"},
}};

/// Returns the entry of kTypes named `name`, or nullptr.
const TypeInfo* findType(std::string_view name) {
    for (const TypeInfo& info : kTypes) {
        if (info.name == name) {
            return &info;
        }
    }
    return nullptr;
}

/// Tells whether `value` has JSON-schema type `name` (strictly: no conversion).
bool hasType(std::string_view name, const json& value) {
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
json childLoc(const json& loc, json key) {
    json result = loc;
    result.push_back(std::move(key));
    return result;
}

/// Returns a number as long double, which holds every 64-bit integer exactly.
long double toLongDouble(const json& number) {
    if (number.is_number_unsigned()) {
        return static_cast<long double>(number.get<std::uint64_t>());
    }
    if (number.is_number_integer()) {
        return static_cast<long double>(number.get<std::int64_t>());
    }
    return static_cast<long double>(number.get<double>());
}

/// Compares two JSON numbers exactly: negative when a < b, zero when equal, positive when a > b.
int compareNumbers(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool aUnsigned = a.is_number_unsigned();
        const bool bUnsigned = b.is_number_unsigned();
        if (!aUnsigned && a.get<std::int64_t>() < 0) {
            if (bUnsigned || b.get<std::int64_t>() >= 0) {
                return -1;
            }
            const auto x = a.get<std::int64_t>();
            const auto y = b.get<std::int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (!bUnsigned && b.get<std::int64_t>() < 0) {
            return 1;
        }
        const auto x = a.get<std::uint64_t>();
        const auto y = b.get<std::uint64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const long double x = toLongDouble(a);
    const long double y = toLongDouble(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

/// Tells whether `value` is a JSON integer that is not negative.
bool isNonNegativeInteger(const json& value) {
    return value.is_number_unsigned() ||
           (value.is_number_integer() && value.get<std::int64_t>() >= 0);
}

/// Appends `token` to JSON pointer `path`, escaping '~' and '/'.
std::string pointer(const std::string& path, std::string_view token) {
    std::string result = path;
    result += '/';
    for (char c : token) {
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
bool isNullSchema(const json& schema) {
    if (!schema.is_object()) {
        return false;
    }
    const auto type = schema.find("type");
    return type != schema.end() && type->is_string() &&
           type->get_ref<const std::string&>() == "null";
}

/// Tells whether `name` is a valid argument name: lowercase letters, digits and underscores, not
/// empty and not starting with a digit.
bool isValidArgumentName(std::string_view name) {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/// Checks one schema located at JSON pointer `path`; see SchemaValidator::checkSchema().
std::optional<std::string> checkSchemaAt(const json& schema, const std::string& path) {
    if (!schema.is_object()) {
        return path + ": a schema must be a JSON object, not " + schema.type_name();
    }
    for (const auto& [key, value] : schema.items()) {
        const std::string at = pointer(path, key);
        if (key == "type") {
            if (!value.is_string()) {
                return at + ": must be a string naming one type";
            }
            if (findType(value.get_ref<const std::string&>()) == nullptr) {
                return at + ": unknown type " + value.dump() +
                       " (expected string, integer, number, boolean, null, array or object)";
            }
        } else if (key == "items" || key == "additionalProperties") {
            if (key == "additionalProperties" && value.is_boolean()) {
                continue;
            }
            if (auto error = checkSchemaAt(value, at)) {
                return error;
            }
        } else if (key == "minItems" || key == "maxItems") {
            if (!isNonNegativeInteger(value)) {
                return at + ": must be a non-negative integer";
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
                if (auto error = checkSchemaAt(property, pointer(at, name))) {
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
                if (auto error = checkSchemaAt(value[i], pointer(at, std::to_string(i)))) {
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
        compareNumbers(*minimum, *maximum) > 0) {
        return path + ": minimum " + minimum->dump() + " is greater than maximum " +
               maximum->dump();
    }
    const auto minItems = schema.find("minItems");
    const auto maxItems = schema.find("maxItems");
    if (minItems != schema.end() && maxItems != schema.end() &&
        compareNumbers(*minItems, *maxItems) > 0) {
        return path + ": minItems " + minItems->dump() + " is greater than maxItems " +
               maxItems->dump();
    }
    return std::nullopt;
}

/// Validates `value` against the "anyOf" branches of a schema.
void validateAnyOf(const json& branches, const json& value, const json& loc,
                   std::vector<ValidationError>& errors) {
    // An optional value ([S, {"type": "null"}]) that is not null is reported as S would be, so
    // the caller sees the message that matters rather than a generic one.
    const json* only = nullptr;
    std::size_t others = 0;
    bool hasNull = false;
    for (const json& branch : branches) {
        if (isNullSchema(branch)) {
            hasNull = true;
        } else {
            only = &branch;
            ++others;
        }
    }
    if (hasNull && others == 1 && !value.is_null()) {
        SchemaValidator::validate(*only, value, loc, errors);
        return;
    }
    for (const json& branch : branches) {
        std::vector<ValidationError> branchErrors;
        SchemaValidator::validate(branch, value, loc, branchErrors);
        if (branchErrors.empty()) {
            return;
        }
    }
    errors.push_back({loc, "value does not match any allowed type", "type_error.any_of"});
}

/// Validates the object keywords ("properties", "required", "additionalProperties").
void validateObject(const json& schema, const json& value, const json& loc,
                    std::vector<ValidationError>& errors) {
    static const json kNoProperties = json::object();
    const auto propertiesIt = schema.find("properties");
    const json& properties =
        propertiesIt != schema.end() && propertiesIt->is_object() ? *propertiesIt : kNoProperties;
    std::set<std::string> required;
    const auto requiredIt = schema.find("required");
    if (requiredIt != schema.end() && requiredIt->is_array()) {
        for (const json& name : *requiredIt) {
            if (name.is_string()) {
                required.insert(name.get<std::string>());
            }
        }
    }

    for (const auto& [name, property] : properties.items()) {
        const auto field = value.find(name);
        if (field != value.end()) {
            SchemaValidator::validate(property, *field, childLoc(loc, name), errors);
        } else if (required.count(name) != 0) {
            errors.push_back({childLoc(loc, name), "field required", "value_error.missing"});
        }
    }
    for (const std::string& name : required) {
        if (!properties.contains(name) && !value.contains(name)) {
            errors.push_back({childLoc(loc, name), "field required", "value_error.missing"});
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
                {childLoc(loc, name), "extra fields not permitted", "value_error.extra"});
        } else {
            SchemaValidator::validate(*additional, field, childLoc(loc, name), errors);
        }
    }
}

/// Validates the array keywords ("minItems", "maxItems", "items").
void validateArray(const json& schema, const json& value, const json& loc,
                   std::vector<ValidationError>& errors) {
    const json size = value.size();
    const auto minItems = schema.find("minItems");
    if (minItems != schema.end() && minItems->is_number() && compareNumbers(size, *minItems) < 0) {
        errors.push_back({loc, "ensure this value has at least " + minItems->dump() + " items",
                          "value_error.list.min_items"});
    }
    const auto maxItems = schema.find("maxItems");
    if (maxItems != schema.end() && maxItems->is_number() && compareNumbers(size, *maxItems) > 0) {
        errors.push_back({loc, "ensure this value has at most " + maxItems->dump() + " items",
                          "value_error.list.max_items"});
    }
    const auto items = schema.find("items");
    if (items != schema.end()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            SchemaValidator::validate(*items, value[i], childLoc(loc, i), errors);
        }
    }
}

/// Validates the number keywords ("minimum", "maximum").
void validateNumber(const json& schema, const json& value, const json& loc,
                    std::vector<ValidationError>& errors) {
    const auto minimum = schema.find("minimum");
    if (minimum != schema.end() && minimum->is_number() && compareNumbers(value, *minimum) < 0) {
        errors.push_back({loc, "ensure this value is greater than or equal to " + minimum->dump(),
                          "value_error.number.not_ge"});
    }
    const auto maximum = schema.find("maximum");
    if (maximum != schema.end() && maximum->is_number() && compareNumbers(value, *maximum) > 0) {
        errors.push_back({loc, "ensure this value is less than or equal to " + maximum->dump(),
                          "value_error.number.not_le"});
    }
}

}  // namespace

std::optional<std::string> SchemaValidator::checkSchema(const nlohmann::json& schema) {
    return checkSchemaAt(schema, "#");
}

void SchemaValidator::validate(const nlohmann::json& schema, const nlohmann::json& value,
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
    const auto anyOf = schema.find("anyOf");
    if (anyOf != schema.end() && anyOf->is_array() && !anyOf->empty()) {
        validateAnyOf(*anyOf, value, loc, errors);
    }
    const auto type = schema.find("type");
    if (type != schema.end() && type->is_string()) {
        const std::string& name = type->get_ref<const std::string&>();
        if (!hasType(name, value)) {
            if (const TypeInfo* info = findType(name)) {
                errors.push_back({loc, std::string(info->message), std::string(info->kind)});
            }
            return;
        }
    }
    if (value.is_number()) {
        validateNumber(schema, value, loc, errors);
    } else if (value.is_array()) {
        validateArray(schema, value, loc, errors);
    } else if (value.is_object()) {
        validateObject(schema, value, loc, errors);
    }
}

std::vector<ValidationError> SchemaValidator::validateArguments(const nlohmann::json& arguments,
                                                                const nlohmann::json& body) {
    std::vector<ValidationError> errors;
    const json bodyLoc = json::array({"body"});
    if (!body.is_object()) {
        errors.push_back({bodyLoc, "value is not a valid object", "type_error.object"});
        return errors;
    }
    static const json kAnything = json::object();
    std::set<std::string> declared;
    if (arguments.is_array()) {
        for (const json& argument : arguments) {
            if (!argument.is_object()) {
                continue;
            }
            const auto nameIt = argument.find("name");
            if (nameIt == argument.end() || !nameIt->is_string()) {
                continue;
            }
            const std::string& name = nameIt->get_ref<const std::string&>();
            declared.insert(name);
            const bool required = isRequired(argument);
            const auto field = body.find(name);
            if (field == body.end()) {
                if (required) {
                    errors.push_back(
                        {childLoc(bodyLoc, name), "field required", "value_error.missing"});
                }
                continue;
            }
            if (field->is_null() && !required) {
                continue;
            }
            const auto schema = argument.find("schema");
            validate(schema != argument.end() ? *schema : kAnything, *field,
                     childLoc(bodyLoc, name), errors);
        }
    }
    for (const auto& [key, field] : body.items()) {
        if (declared.count(key) == 0) {
            errors.push_back(
                {childLoc(bodyLoc, key), "extra fields not permitted", "value_error.extra"});
        }
    }
    return errors;
}

std::optional<std::string> SchemaValidator::checkArguments(const nlohmann::json& arguments) {
    if (!arguments.is_array()) {
        return std::string("arguments must be a JSON array, not ") + arguments.type_name();
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        const json& argument = arguments[i];
        const std::string where = "argument " + std::to_string(i);
        if (!argument.is_object()) {
            return where + ": must be an object with \"name\" and \"schema\"";
        }
        const auto name = argument.find("name");
        if (name == argument.end() || !name->is_string()) {
            return where + ": \"name\" must be a string";
        }
        const std::string& text = name->get_ref<const std::string&>();
        if (!isValidArgumentName(text)) {
            return where + ": invalid name " + name->dump() +
                   " (lowercase letters, digits and underscores, not starting with a digit)";
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
                if (auto error = checkSchema(value)) {
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

bool SchemaValidator::isRequired(const nlohmann::json& argument) {
    if (!argument.is_object()) {
        return true;
    }
    const auto required = argument.find("required");
    return required == argument.end() || !required->is_boolean() || required->get<bool>();
}

nlohmann::json SchemaValidator::toDetail(const std::vector<ValidationError>& errors) {
    json detail = json::array();
    for (const ValidationError& error : errors) {
        detail.push_back({{"loc", error.loc}, {"msg", error.msg}, {"type", error.type}});
    }
    return detail;
}

}  // namespace mvi::host
