// mvi/testing.hpp -- unit-testing a service without the server.
//
// mvi::testing::FakeHost implements the whole mvi_host_api table in-process. It calls the
// plugin's mvi_plugin_register, records the declared entrypoints (with their argument and
// result schemas) and parameters, and lets a test call entrypoints, read and set parameters and
// inspect log lines and notifications:
//
//     #include <mvi/testing.hpp>
//
//     TEST(Hello, GreetsBob) {
//         mvi::testing::FakeHost host;
//         ASSERT_TRUE(host.registered()) << host.registration_error();
//         auto answer = host.call("hello", {{"name", "Bob"}});
//         EXPECT_EQ(answer.status, 200);
//         EXPECT_EQ(answer.body, "Hello Bob");
//     }
//
// ONE TEST EXECUTABLE HOLDS ONE SERVICE: compile the service's source file (C++ with
// MVI_SERVICE, or a pure C plugin) into the test executable, whose mvi_plugin_register symbol
// FakeHost calls. Keep one FakeHost alive at a time; every new FakeHost registers the service
// again from scratch, so each test starts from the declared initial parameter values.
//
// Like mvi-host, FakeHost refuses declarations whose names or schemas are invalid, validates
// call arguments and parameter values against the declared schemas (the subset described in
// mvi/schema.hpp) and answers 422 for a missing, undeclared or mistyped argument. It also checks
// every result against the declared result schema and answers 500 when it does not match, to catch
// a service whose declarations and behaviour disagree.
#ifndef MVI_TESTING_HPP
#define MVI_TESTING_HPP

#include <mvi/plugin.h>
#include <mvi/convert.hpp>
#include <mvi/error.hpp>
#include <mvi/log.hpp>
#include <mvi/service.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The ABI symbols of the service compiled into the test executable.
extern "C" {
MVI_PLUGIN_EXPORT uint32_t mvi_plugin_abi_version(void) noexcept;
MVI_PLUGIN_EXPORT mvi_status mvi_plugin_register(const mvi_host_api* api, mvi_host* host,
                                                 mvi_registrar* registrar) noexcept;
}

namespace mvi::testing {

namespace detail {

// Compares two JSON numbers: negative, zero or positive like strcmp; exact for integers.
inline int compare_numbers(const nlohmann::json& a, const nlohmann::json& b) {
    if (a.is_number_float() || b.is_number_float()) {
        const double x = a.get<double>();
        const double y = b.get<double>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const bool a_negative = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    const bool b_negative = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_negative != b_negative) {
        return a_negative ? -1 : 1;
    }
    if (a_negative) {
        const auto x = a.get<std::int64_t>();
        const auto y = b.get<std::int64_t>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const auto x = a.get<std::uint64_t>();
    const auto y = b.get<std::uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
}

inline bool type_matches(const std::string& type, const nlohmann::json& value) {
    if (type == "integer") {
        return value.is_number_integer();
    }
    if (type == "number") {
        return value.is_number();
    }
    if (type == "string") {
        return value.is_string();
    }
    if (type == "boolean") {
        return value.is_boolean();
    }
    if (type == "null") {
        return value.is_null();
    }
    if (type == "array") {
        return value.is_array();
    }
    if (type == "object") {
        return value.is_object();
    }
    return false;
}

inline std::string at(const std::string& where, const std::string& reason) {
    return where.empty() ? reason : where + ": " + reason;
}

}  // namespace detail

/// Checks that `schema` uses only the JSON Schema subset of mvi/schema.hpp, the one mvi-host
/// accepts in declarations: an object whose keywords are "type" (one type name), "items",
/// "additionalProperties" (a schema or a boolean), "minItems"/"maxItems" (non-negative integers),
/// "minimum"/"maximum" (numbers), "properties", "required" (distinct names), "anyOf" (a
/// non-empty array of schemas), and the annotations "title", "description" and "default".
/// Returns std::nullopt when it does, else a message naming the offending keyword.
inline std::optional<std::string> schema_problem(const nlohmann::json& schema,
                                                 const std::string& where = "#") {
    if (!schema.is_object()) {
        return where + ": a schema must be a JSON object";
    }
    for (const auto& item : schema.items()) {
        const std::string& key = item.key();
        const nlohmann::json& value = item.value();
        const std::string at = where + "/" + key;
        if (key == "type") {
            const char* const types[] = {"string", "integer", "number", "boolean",
                                         "null",   "array",   "object"};
            bool known = false;
            for (const char* type : types) {
                known = known || (value.is_string() && value.get<std::string>() == type);
            }
            if (!known) {
                return at +
                       ": must name one of string, integer, number, boolean, null, array, "
                       "object";
            }
        } else if (key == "items" || key == "additionalProperties") {
            if (key == "additionalProperties" && value.is_boolean()) {
                continue;
            }
            if (auto problem = schema_problem(value, at)) {
                return problem;
            }
        } else if (key == "minItems" || key == "maxItems") {
            if (!value.is_number_unsigned() &&
                !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
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
            for (const auto& property : value.items()) {
                if (auto problem = schema_problem(property.value(), at + "/" + property.key())) {
                    return problem;
                }
            }
        } else if (key == "required") {
            if (!value.is_array()) {
                return at + ": must be an array of names";
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string()) {
                    return at + ": must be an array of names";
                }
                for (std::size_t j = 0; j < i; ++j) {
                    if (value[j] == value[i]) {
                        return at + ": duplicate name " + value[i].dump();
                    }
                }
            }
        } else if (key == "anyOf") {
            if (!value.is_array() || value.empty()) {
                return at + ": must be a non-empty array of schemas";
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (auto problem = schema_problem(value[i], at + "/" + std::to_string(i))) {
                    return problem;
                }
            }
        } else if (key == "title" || key == "description") {
            if (!value.is_string()) {
                return at + ": must be a string";
            }
        } else if (key != "default") {
            return at + ": unsupported keyword";
        }
    }
    return std::nullopt;
}

/// Checks `value` against `schema`, using the schema subset of mvi/schema.hpp (the one mvi-host
/// validates with). Returns std::nullopt when the value matches, else a message that names the
/// offending element (e.g. "values[2]: expected number, got string"). `where` prefixes the
/// location of the value itself.
inline std::optional<std::string> schema_violation(const nlohmann::json& schema,
                                                   const nlohmann::json& value,
                                                   const std::string& where = "") {
    if (schema.is_boolean()) {
        if (schema.get<bool>()) {
            return std::nullopt;
        }
        return detail::at(where, "no value is allowed here");
    }
    if (!schema.is_object()) {
        return detail::at(where, "invalid schema " + schema.dump());
    }
    if (const auto any_of = schema.find("anyOf"); any_of != schema.end()) {
        bool matched = false;
        std::string reasons;
        for (const auto& option : *any_of) {
            const auto violation = schema_violation(option, value, where);
            if (!violation) {
                matched = true;
                break;
            }
            reasons += reasons.empty() ? *violation : "; or " + *violation;
        }
        if (!matched) {
            return reasons.empty() ? detail::at(where, "anyOf has no options") : reasons;
        }
    }
    if (const auto type = schema.find("type"); type != schema.end()) {
        bool matched = false;
        std::string wanted;
        const auto types = type->is_array() ? *type : nlohmann::json::array({*type});
        for (const auto& name : types) {
            const std::string text = name.is_string() ? name.get<std::string>() : name.dump();
            matched = matched || detail::type_matches(text, value);
            wanted += wanted.empty() ? text : " or " + text;
        }
        if (!matched) {
            return detail::at(where,
                              "expected " + wanted + ", got " + mvi::detail::json_kind(value));
        }
    }
    if (value.is_number()) {
        if (const auto minimum = schema.find("minimum");
            minimum != schema.end() && detail::compare_numbers(value, *minimum) < 0) {
            return detail::at(where, value.dump() + " is less than the minimum " + minimum->dump());
        }
        if (const auto maximum = schema.find("maximum");
            maximum != schema.end() && detail::compare_numbers(value, *maximum) > 0) {
            return detail::at(where,
                              value.dump() + " is greater than the maximum " + maximum->dump());
        }
    }
    if (value.is_array()) {
        if (const auto min_items = schema.find("minItems");
            min_items != schema.end() && value.size() < min_items->get<std::size_t>()) {
            return detail::at(where, "expected at least " + min_items->dump() + " items, got " +
                                         std::to_string(value.size()));
        }
        if (const auto max_items = schema.find("maxItems");
            max_items != schema.end() && value.size() > max_items->get<std::size_t>()) {
            return detail::at(where, "expected at most " + max_items->dump() + " items, got " +
                                         std::to_string(value.size()));
        }
        if (const auto items = schema.find("items"); items != schema.end()) {
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (auto violation =
                        schema_violation(*items, value[i], where + "[" + std::to_string(i) + "]")) {
                    return violation;
                }
            }
        }
    }
    if (value.is_object()) {
        const auto properties = schema.find("properties");
        if (const auto required = schema.find("required"); required != schema.end()) {
            for (const auto& name : *required) {
                if (!value.contains(name.get<std::string>())) {
                    return detail::at(where.empty() ? name.get<std::string>()
                                                    : where + "." + name.get<std::string>(),
                                      "field required");
                }
            }
        }
        const auto additional = schema.find("additionalProperties");
        for (const auto& item : value.items()) {
            const std::string location = where.empty() ? item.key() : where + "." + item.key();
            if (properties != schema.end() && properties->contains(item.key())) {
                if (auto violation =
                        schema_violation((*properties)[item.key()], item.value(), location)) {
                    return violation;
                }
            } else if (additional != schema.end()) {
                if (additional->is_boolean() && !additional->get<bool>()) {
                    return detail::at(location, "unknown field");
                }
                if (auto violation = schema_violation(*additional, item.value(), location)) {
                    return violation;
                }
            }
        }
    }
    return std::nullopt;
}

/// One line the service logged.
struct LogRecord {
    log::Level level;     ///< Its level.
    std::string message;  ///< The formatted message.
};

/// One notification the service raised.
struct NotificationRecord {
    Severity severity;                ///< Its severity.
    std::string message;              ///< The message.
    std::vector<std::string> emails;  ///< Addresses to mail (may be empty).
    double timer_seconds;             ///< The e-mail repeat timer.
};

/// One entrypoint as the service declared it.
struct EntrypointRecord {
    std::string name;                  ///< Route segment.
    Method method;                     ///< HTTP method.
    nlohmann::json arguments;          ///< Array of {"name", "schema", "required"}.
    nlohmann::json result_schema;      ///< Schema of the result.
    std::string description;           ///< Description for the docs.
    mvi_plugin_entrypoint_fn handler;  ///< The C handler.
    mvi_plugin_userdata* userdata;     ///< Passed back to the handler.
};

/// One parameter as declared, with its current value.
struct ParameterRecord {
    std::string name;       ///< Parameter name.
    nlohmann::json value;   ///< Current value.
    nlohmann::json schema;  ///< Declared schema.
    bool exposed;           ///< Settable over HTTP.
};

/// The answer to FakeHost::call: the HTTP status and the JSON body, which is the result for 200
/// and the error's `detail` otherwise.
struct CallResult {
    int status;           ///< HTTP status.
    nlohmann::json body;  ///< Result (200) or error detail.

    /// True for a 200 answer.
    bool ok() const noexcept { return status == 200; }
};

/// An in-process host for one service; see the top of this header.
class FakeHost {
  public:
    /// Registers the service: calls `register_plugin` (by default the mvi_plugin_register
    /// linked into the test) with this host's table. Never throws for a failed registration;
    /// check registered() and registration_error().
    explicit FakeHost(mvi_plugin_register_fn register_plugin = &::mvi_plugin_register) {
        api_.size = sizeof(mvi_host_api);
        api_.add_entrypoint = &FakeHost::add_entrypoint_fn;
        api_.add_parameter = &FakeHost::add_parameter_fn;
        api_.registration_error = &FakeHost::registration_error_fn;
        api_.call_result = &FakeHost::call_result_fn;
        api_.call_error = &FakeHost::call_error_fn;
        api_.log = &FakeHost::log_fn;
        api_.notify = &FakeHost::notify_fn;
        api_.get_parameter = &FakeHost::get_parameter_fn;
        api_.set_parameter = &FakeHost::set_parameter_fn;
        registering_ = true;
        status_ = register_plugin(&api_, handle(), registrar());
        registering_ = false;
        if (status_ != MVI_OK && registration_error_.empty()) {
            registration_error_ =
                "registration failed with " + status_name(status_) + " and gave no message";
        }
    }

    /// Detaches the service from this host: later log lines go to stderr.
    ~FakeHost() {
        auto& context = mvi::detail::host_context();
        if (context.host.load() == handle()) {
            context.phase.store(static_cast<int>(mvi::detail::Phase::Unregistered));
            context.api.store(nullptr);
            context.host.store(nullptr);
        }
    }

    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    /// True when mvi_plugin_register returned MVI_OK.
    bool registered() const noexcept { return status_ == MVI_OK; }

    /// What mvi_plugin_register returned.
    mvi_status registration_status() const noexcept { return status_; }

    /// The message the service gave through registration_error (empty on success).
    const std::string& registration_error() const noexcept { return registration_error_; }

    /// Every declared entrypoint, in declaration order.
    const std::vector<EntrypointRecord>& entrypoints() const noexcept { return entrypoints_; }

    /// The declared entrypoint `name`; throws std::out_of_range when there is none.
    const EntrypointRecord& entrypoint(std::string_view name) const {
        for (const auto& record : entrypoints_) {
            if (record.name == name) {
                return record;
            }
        }
        throw std::out_of_range("no entrypoint '" + std::string(name) + "'");
    }

    /// Calls entrypoint `name` like mvi-host does for an HTTP request: 404 for an unknown
    /// entrypoint, 422 (detail: list of {"loc": ["body", argument], "msg", "type"}) for a
    /// missing required argument, an undeclared one, or one that does not match its schema,
    /// then the service's own answer: 200 with the result, or its error status and detail (500
    /// when it failed).
    CallResult call(std::string_view name,
                    const nlohmann::json& arguments = nlohmann::json::object()) {
        const EntrypointRecord* record = find_entrypoint(name);
        if (record == nullptr) {
            return {404, "Entrypoint '" + std::string(name) + "' not found"};
        }
        if (!arguments.is_object()) {
            return {422, nlohmann::json::array(
                             {{{"loc", nlohmann::json::array({"body"})},
                               {"msg", "expected an object with one member per argument"},
                               {"type", "type_error"}}})};
        }
        nlohmann::json errors = nlohmann::json::array();
        for (const auto& item : arguments.items()) {
            bool declared = false;
            for (const auto& argument : record->arguments) {
                declared = declared || argument.at("name") == item.key();
            }
            if (!declared) {
                errors.push_back({{"loc", nlohmann::json::array({"body", item.key()})},
                                  {"msg", "extra fields not permitted"},
                                  {"type", "value_error.extra"}});
            }
        }
        for (const auto& declared : record->arguments) {
            const std::string argument = declared.at("name").get<std::string>();
            const auto it = arguments.find(argument);
            if (it == arguments.end()) {
                if (declared.at("required").get<bool>()) {
                    errors.push_back({{"loc", nlohmann::json::array({"body", argument})},
                                      {"msg", "field required"},
                                      {"type", "value_error.missing"}});
                }
                continue;
            }
            if (auto violation = schema_violation(declared.at("schema"), *it)) {
                errors.push_back({{"loc", nlohmann::json::array({"body", argument})},
                                  {"msg", *violation},
                                  {"type", "type_error"}});
            }
        }
        if (!errors.empty()) {
            return {422, std::move(errors)};
        }
        return invoke(*record, mvi::detail::dump_json(arguments));
    }

    /// Calls entrypoint `name` with the raw arguments text, skipping the host's validation, to
    /// test how the service itself handles unexpected input.
    CallResult call_raw(std::string_view name, std::string_view arguments_text) {
        const EntrypointRecord* record = find_entrypoint(name);
        if (record == nullptr) {
            return {404, "Entrypoint '" + std::string(name) + "' not found"};
        }
        return invoke(*record, std::string(arguments_text));
    }

    /// The current value of parameter `name`; throws std::out_of_range when there is none.
    nlohmann::json parameter(std::string_view name) const { return parameter_info(name).value; }

    /// Everything known about parameter `name`; throws std::out_of_range when there is none.
    ParameterRecord parameter_info(std::string_view name) const {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = parameters_.find(std::string(name));
        if (it == parameters_.end()) {
            throw std::out_of_range("no parameter '" + std::string(name) + "'");
        }
        return it->second;
    }

    /// Every declared parameter with its current value, by name.
    std::map<std::string, ParameterRecord> parameters() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return parameters_;
    }

    /// Sets parameter `name` as an operator would (exposure is not checked): MVI_NOT_FOUND for
    /// an unknown name, MVI_TYPE_MISMATCH when `value` does not match the schema, else MVI_OK.
    mvi_status set_parameter(std::string_view name, const nlohmann::json& value) {
        return store_parameter(name, value);
    }

    /// Every line logged so far, in order.
    std::vector<LogRecord> logs() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return logs_;
    }

    /// Every notification raised so far, in order.
    std::vector<NotificationRecord> notifications() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return notifications_;
    }

    /// Forgets the recorded log lines and notifications.
    void clear_records() {
        std::lock_guard<std::mutex> lock(mutex_);
        logs_.clear();
        notifications_.clear();
    }

    /// The host table handed to the service.
    const mvi_host_api& api() const noexcept { return api_; }

  private:
    struct CallState {
        bool answered = false;
        bool is_error = false;
        int status = 200;
        std::string body;
        std::string refused;
    };

    mvi_host* handle() noexcept { return reinterpret_cast<mvi_host*>(this); }
    mvi_registrar* registrar() noexcept { return reinterpret_cast<mvi_registrar*>(this); }
    static FakeHost& self(mvi_host* host) noexcept { return *reinterpret_cast<FakeHost*>(host); }
    static FakeHost& self(mvi_registrar* registrar) noexcept {
        return *reinterpret_cast<FakeHost*>(registrar);
    }
    static std::string text(mvi_str value) {
        return std::string(mvi::detail::to_string_view(value));
    }
    static std::optional<nlohmann::json> parse(mvi_str value) {
        const std::string_view view = mvi::detail::to_string_view(value);
        nlohmann::json parsed = nlohmann::json::parse(view.begin(), view.end(), nullptr, false);
        if (parsed.is_discarded()) {
            return std::nullopt;
        }
        return parsed;
    }

    // A declared schema: empty text means {}; std::nullopt when invalid or outside the subset.
    static std::optional<nlohmann::json> parse_schema(mvi_str value) {
        if (value.size == 0) {
            return nlohmann::json::object();
        }
        auto schema = parse(value);
        if (!schema || schema_problem(*schema)) {
            return std::nullopt;
        }
        return schema;
    }

    const EntrypointRecord* find_entrypoint(std::string_view name) const noexcept {
        for (const auto& record : entrypoints_) {
            if (record.name == name) {
                return &record;
            }
        }
        return nullptr;
    }

    CallResult invoke(const EntrypointRecord& record, const std::string& arguments) {
        CallState state;
        const mvi_status status =
            record.handler(record.userdata, reinterpret_cast<mvi_call*>(&state),
                           mvi::detail::to_mvi_str(arguments));
        if (!state.answered) {
            if (!state.refused.empty()) {
                return {500, state.refused};
            }
            return {500, status == MVI_OK ? std::string("the entrypoint returned without answering")
                                          : "the entrypoint failed with " + status_name(status)};
        }
        const nlohmann::json body = nlohmann::json::parse(state.body);
        if (state.is_error) {
            return {state.status, body};
        }
        if (status != MVI_OK) {
            return {500, "the entrypoint answered but returned " + status_name(status)};
        }
        if (auto violation = schema_violation(record.result_schema, body)) {
            return {500, "the result does not match the declared result schema: " + *violation};
        }
        return {200, body};
    }

    mvi_status store_parameter(std::string_view name, const nlohmann::json& value) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = parameters_.find(std::string(name));
        if (it == parameters_.end()) {
            return MVI_NOT_FOUND;
        }
        if (schema_violation(it->second.schema, value)) {
            return MVI_TYPE_MISMATCH;
        }
        it->second.value = value;
        return MVI_OK;
    }

    // ---- the mvi_host_api functions ----

    static mvi_status add_entrypoint_fn(mvi_registrar* registrar, const mvi_entrypoint_decl* decl) {
        FakeHost& host = self(registrar);
        if (!host.registering_) {
            return MVI_BAD_STATE;
        }
        if (decl == nullptr || decl->size < sizeof(mvi_entrypoint_decl) ||
            decl->handler == nullptr ||
            (decl->method != MVI_METHOD_POST && decl->method != MVI_METHOD_GET)) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            EntrypointRecord record{
                text(decl->name), static_cast<Method>(decl->method), nullptr,
                nullptr,          text(decl->description),           decl->handler,
                decl->userdata};
            const auto arguments = parse(decl->arguments);
            const auto result_schema = parse_schema(decl->result_schema);
            if (!mvi::detail::is_valid_name(record.name) || !arguments || !arguments->is_array() ||
                !result_schema) {
                return MVI_INVALID_ARGUMENT;
            }
            std::vector<std::string> names;
            for (const auto& argument : *arguments) {
                if (!argument.is_object() || !argument.contains("name") ||
                    !argument["name"].is_string() || !argument.contains("schema") ||
                    schema_problem(argument["schema"]) || !argument.contains("required") ||
                    !argument["required"].is_boolean()) {
                    return MVI_INVALID_ARGUMENT;
                }
                const auto name = argument["name"].get<std::string>();
                if (!mvi::detail::is_valid_name(name)) {
                    return MVI_INVALID_ARGUMENT;
                }
                for (const auto& seen : names) {
                    if (seen == name) {
                        return MVI_INVALID_ARGUMENT;
                    }
                }
                names.push_back(name);
            }
            if (host.find_entrypoint(record.name) != nullptr) {
                return MVI_ALREADY_EXISTS;
            }
            record.arguments = *arguments;
            record.result_schema = *result_schema;
            host.entrypoints_.push_back(std::move(record));
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status add_parameter_fn(mvi_registrar* registrar, const mvi_parameter_decl* decl) {
        FakeHost& host = self(registrar);
        if (!host.registering_) {
            return MVI_BAD_STATE;
        }
        if (decl == nullptr || decl->size < sizeof(mvi_parameter_decl)) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            const std::string name = text(decl->name);
            const auto value = parse(decl->initial_value);
            const auto schema = parse_schema(decl->schema);
            if (!mvi::detail::is_valid_name(name) || !value || !schema) {
                return MVI_INVALID_ARGUMENT;
            }
            std::lock_guard<std::mutex> lock(host.mutex_);
            if (host.parameters_.count(name) != 0) {
                return MVI_ALREADY_EXISTS;
            }
            if (schema_violation(*schema, *value)) {
                return MVI_TYPE_MISMATCH;
            }
            host.parameters_.emplace(name, ParameterRecord{name, *value, *schema, decl->exposed});
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static void registration_error_fn(mvi_registrar* registrar, mvi_str message) {
        FakeHost& host = self(registrar);
        try {
            if (host.registering_) {
                host.registration_error_ = text(message);
            }
        } catch (...) {
        }
    }

    static mvi_status call_result_fn(mvi_call* call, mvi_str json) {
        auto& state = *reinterpret_cast<CallState*>(call);
        if (state.answered) {
            return MVI_BAD_STATE;
        }
        try {
            if (!parse(json)) {
                return MVI_INVALID_ARGUMENT;
            }
            state.body = text(json);
            state.answered = true;
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status call_error_fn(mvi_call* call, int32_t http_status, mvi_str detail) {
        auto& state = *reinterpret_cast<CallState*>(call);
        if (state.answered) {
            return MVI_BAD_STATE;
        }
        try {
            if (http_status < 400 || http_status > 599 || !parse(detail)) {
                state.refused = "invalid error answer: status " + std::to_string(http_status) +
                                ", detail " + text(detail);
                return MVI_INVALID_ARGUMENT;
            }
            state.body = text(detail);
            state.status = http_status;
            state.is_error = true;
            state.answered = true;
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static void log_fn(mvi_host* handle, mvi_log_level level, mvi_str message) {
        FakeHost& host = self(handle);
        try {
            std::lock_guard<std::mutex> lock(host.mutex_);
            host.logs_.push_back({static_cast<log::Level>(level), text(message)});
        } catch (...) {
        }
    }

    static mvi_status notify_fn(mvi_host* handle, const mvi_notification* notification) {
        FakeHost& host = self(handle);
        if (notification == nullptr || notification->size < sizeof(mvi_notification) ||
            notification->severity < MVI_SEVERITY_INFO ||
            notification->severity > MVI_SEVERITY_CRITICAL) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            const auto emails = parse(notification->emails);
            if (!emails || !emails->is_array()) {
                return MVI_INVALID_ARGUMENT;
            }
            NotificationRecord record{static_cast<Severity>(notification->severity),
                                      text(notification->message),
                                      {},
                                      notification->timer_seconds};
            for (const auto& email : *emails) {
                if (!email.is_string()) {
                    return MVI_INVALID_ARGUMENT;
                }
                record.emails.push_back(email.get<std::string>());
            }
            std::lock_guard<std::mutex> lock(host.mutex_);
            host.notifications_.push_back(std::move(record));
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status get_parameter_fn(mvi_host* handle, mvi_str name,
                                       mvi_plugin_receive_fn receive, mvi_plugin_buffer* buffer) {
        FakeHost& host = self(handle);
        if (receive == nullptr) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            std::string value;
            {
                std::lock_guard<std::mutex> lock(host.mutex_);
                const auto it = host.parameters_.find(text(name));
                if (it == host.parameters_.end()) {
                    return MVI_NOT_FOUND;
                }
                value = it->second.value.dump();
            }
            receive(buffer, mvi::detail::to_mvi_str(value));
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status set_parameter_fn(mvi_host* handle, mvi_str name, mvi_str value) {
        FakeHost& host = self(handle);
        try {
            const auto parsed = parse(value);
            if (!parsed) {
                return MVI_INVALID_ARGUMENT;
            }
            return host.store_parameter(mvi::detail::to_string_view(name), *parsed);
        } catch (...) {
            return MVI_ERROR;
        }
    }

    mvi_host_api api_{};
    mvi_status status_ = MVI_ERROR;
    bool registering_ = false;
    std::string registration_error_;
    std::vector<EntrypointRecord> entrypoints_;

    mutable std::mutex mutex_;
    std::map<std::string, ParameterRecord> parameters_;
    std::vector<LogRecord> logs_;
    std::vector<NotificationRecord> notifications_;
};

}  // namespace mvi::testing

#endif  // MVI_TESTING_HPP
