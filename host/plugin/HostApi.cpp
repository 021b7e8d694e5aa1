#include "plugin/HostApi.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/JsonInput.h"
#include "core/ServiceId.h"
#include "notifications/EmailAddress.h"
#include "plugin/ServiceCaller.h"
#include "plugin/ServiceVersion.h"
#include "schema/SchemaValidator.h"

namespace mvi::host {
namespace {

std::string_view view(mvi_str text) {
    return text.data == nullptr ? std::string_view() : std::string_view(text.data, text.size);
}

// The deepest JSON a plugin may hand over: what the host does with a value (dumping it for the
// monitoring store or a caller, copying it to a shadow) recurses once per level. As deep as
// http.max_json_depth may be set, so a service may hand back any argument it was given.
constexpr std::size_t kPluginJsonMaxDepth = 4096;

// Parses JSON text from a plugin; nothing on failure (not JSON, too deep, a number beyond a
// double, a string that is not UTF-8).
std::optional<nlohmann::json> parseJson(mvi_str text) {
    try {
        return JsonInput::parse(view(text), kPluginJsonMaxDepth);
    } catch (const JsonInput::Error&) {
        return std::nullopt;
    }
}

// Returns the plugin's struct when its declared size covers `needed` bytes.
template <typename Decl>
const Decl* checkedDecl(const Decl* decl, std::size_t needed) {
    return decl != nullptr && decl->size >= needed ? decl : nullptr;
}

// The size a struct had in ABI 1.0: a plugin built then passes no more.
constexpr std::size_t kEntrypointDeclSize10 =
    offsetof(mvi_entrypoint_decl, userdata) + sizeof(mvi_entrypoint_decl::userdata);
constexpr std::size_t kParameterDeclSize10 =
    offsetof(mvi_parameter_decl, exposed) + sizeof(mvi_parameter_decl::exposed);

// The longest deadline an entrypoint may declare (as services.call_timeout_seconds allows).
constexpr double kMaxTimeoutSeconds = 86400;

// The most refused declarations a registration keeps (the version's reason shows the first).
constexpr std::size_t kKeptProblems = 16;

// True when a plugin of ABI minor `abiMinor` filled the field that ends at `end` (added in minor
// `since`) of a struct it declared `size` bytes long.
bool hasField(std::size_t size, std::uint32_t abiMinor, std::size_t end, std::uint32_t since) {
    return abiMinor >= since && size >= end;
}

// A declaration the host refuses: the status for the plugin and why, for the version's reason.
struct Refusal {
    mvi_status status;
    std::string problem;
};

mvi_status refuse(mvi_registrar* registrar, mvi_status status, std::string problem) {
    if (registrar->problems.size() < kKeptProblems) {
        registrar->problems.push_back(std::move(problem));
    }
    return status;
}

// Refuses `name` (of a `kind`: "entrypoint", "parameter") unless it is a valid member name no
// longer than a name may be.
void requireName(std::string_view kind, std::string_view name) {
    if (name.size() > limits::kMaxNameBytes) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} name '{}' is {} bytes long, more than the {} allowed", kind,
                                  limits::shorten(name), name.size(), limits::kMaxNameBytes)};
    }
    if (!isValidMemberName(name)) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} name '{}' is invalid (lowercase letters, digits and "
                                  "underscores, not starting with a digit)",
                                  kind, limits::shorten(name))};
    }
}

// Refuses text `text` (`what` names it, e.g. "entrypoint 'x': description") when it is longer
// than `maxBytes`.
void requireSize(const std::string& what, mvi_str text, std::size_t maxBytes) {
    if (text.size > maxBytes) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {} bytes, more than the {} allowed",
                                                        what, text.size, maxBytes)};
    }
}

// Parses declared JSON text (an empty text gives `empty`), refusing text that is longer than
// `maxBytes`, nested deeper than the declaration limit or not JSON.
nlohmann::json parseDeclared(const std::string& what, mvi_str text, std::size_t maxBytes,
                             std::optional<nlohmann::json> empty = std::nullopt) {
    requireSize(what, text, maxBytes);
    if (text.size == 0 && empty) {
        return *empty;
    }
    std::size_t depth = limits::json_depth(view(text));
    if (depth > limits::kMaxDeclarationDepth) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: nested {} levels deep, more than the {} allowed", what,
                                  depth, limits::kMaxDeclarationDepth)};
    }
    auto value = parseJson(text);
    if (!value) {
        throw Refusal{MVI_INVALID_ARGUMENT, what + ": not valid JSON"};
    }
    return std::move(*value);
}

// Refuses a schema outside the supported subset.
void requireSchema(const std::string& what, const nlohmann::json& schema) {
    if (auto problem = SchemaValidator::checkSchema(schema)) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {}", what, *problem)};
    }
}

// The deadline `decl` declares (0: the host's default; a plugin before ABI 1.2 declares none).
double declaredTimeout(const mvi_registrar& registrar, const mvi_entrypoint_decl& decl,
                       const std::string& quoted) {
    if (!hasField(decl.size, registrar.abiMinor,
                  offsetof(mvi_entrypoint_decl, timeout_seconds) + sizeof(double), 2)) {
        return 0;
    }
    double seconds = decl.timeout_seconds;
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxTimeoutSeconds) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: timeout_seconds must be a number of seconds from 0 (the "
                                  "host's default) to {:g}, not {}",
                                  quoted, kMaxTimeoutSeconds, seconds)};
    }
    return seconds;
}

// The entrypoint `decl` declares, checked against the ABI, the subset and the limits.
Entrypoint declaredEntrypoint(const mvi_registrar& registrar, const mvi_entrypoint_decl& decl) {
    std::string_view rawName = view(decl.name);
    requireName("entrypoint", rawName);
    std::string name(rawName);
    const std::string quoted = fmt::format("entrypoint '{}'", name);
    if (registrar.version->entrypoints().size() >= limits::kMaxEntrypoints) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: a service declares at most {} entrypoints", quoted,
                                  limits::kMaxEntrypoints)};
    }
    if (decl.handler == nullptr) {
        throw Refusal{MVI_INVALID_ARGUMENT, quoted + " has no handler"};
    }
    if (decl.method != MVI_METHOD_POST && decl.method != MVI_METHOD_GET) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{} has unknown method {}", quoted, decl.method)};
    }
    nlohmann::json arguments =
        parseDeclared(quoted + ": arguments", decl.arguments, limits::kMaxSchemaBytes);
    if (auto problem = SchemaValidator::checkArguments(arguments)) {
        throw Refusal{MVI_INVALID_ARGUMENT, fmt::format("{}: {}", quoted, *problem)};
    }
    nlohmann::json resultSchema = parseDeclared(quoted + ": result schema", decl.result_schema,
                                                limits::kMaxSchemaBytes, nlohmann::json::object());
    requireSchema(quoted + ": result schema", resultSchema);
    requireSize(quoted + ": description", decl.description, limits::kMaxDescriptionBytes);

    Entrypoint entrypoint{name,
                          decl.method,
                          std::move(arguments),
                          std::move(resultSchema),
                          std::string(view(decl.description)),
                          decl.handler,
                          decl.userdata};
    entrypoint.monitor = hasField(decl.size, registrar.abiMinor,
                                  offsetof(mvi_entrypoint_decl, monitor) + sizeof(bool), 1) &&
                         decl.monitor;
    entrypoint.timeoutSeconds = declaredTimeout(registrar, decl, quoted);
    entrypoint.strictArguments =
        hasField(decl.size, registrar.abiMinor,
                 offsetof(mvi_entrypoint_decl, strict_arguments) + sizeof(bool), 3) &&
        decl.strict_arguments;
    return entrypoint;
}

mvi_status addEntrypoint(mvi_registrar* registrar, const mvi_entrypoint_decl* rawDecl) noexcept {
    if (registrar == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (!registrar->open) {
            return MVI_BAD_STATE;
        }
        const auto* decl = checkedDecl(rawDecl, kEntrypointDeclSize10);
        if (decl == nullptr) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          "entrypoint declaration is NULL or smaller than the ABI's");
        }
        Entrypoint entrypoint = declaredEntrypoint(*registrar, *decl);
        std::string name = entrypoint.name;
        if (!registrar->version->addEntrypoint(std::move(entrypoint))) {
            return refuse(registrar, MVI_ALREADY_EXISTS,
                          fmt::format("entrypoint '{}' is declared twice", name));
        }
        return MVI_OK;
    } catch (Refusal& refusal) {
        return refuse(registrar, refusal.status, std::move(refusal.problem));
    } catch (const std::exception& error) {
        return refuse(registrar, MVI_ERROR, error.what());
    }
}

// The parameter `decl` declares, checked against the subset and the limits.
std::pair<std::string, ParameterSet::Parameter> declaredParameter(const mvi_registrar& registrar,
                                                                  const mvi_parameter_decl& decl) {
    std::string_view rawName = view(decl.name);
    requireName("parameter", rawName);
    std::string name(rawName);
    const std::string quoted = fmt::format("parameter '{}'", name);
    if (registrar.version->parameters().size() >= limits::kMaxParameters) {
        throw Refusal{MVI_INVALID_ARGUMENT,
                      fmt::format("{}: a service declares at most {} parameters", quoted,
                                  limits::kMaxParameters)};
    }
    nlohmann::json value = parseDeclared(quoted + ": initial value", decl.initial_value,
                                         limits::kMaxInitialValueBytes);
    nlohmann::json schema = parseDeclared(quoted + ": schema", decl.schema, limits::kMaxSchemaBytes,
                                          nlohmann::json::object());
    requireSchema(quoted + ": schema", schema);
    std::vector<ValidationError> errors;
    SchemaValidator::validate(schema, value, nlohmann::json::array({"value"}), errors);
    if (!errors.empty()) {
        throw Refusal{MVI_TYPE_MISMATCH,
                      fmt::format("{}: initial value does not match its schema: {}", quoted,
                                  errors.front().msg)};
    }
    bool monitor = hasField(decl.size, registrar.abiMinor,
                            offsetof(mvi_parameter_decl, monitor) + sizeof(bool), 1) &&
                   decl.monitor;
    return {std::move(name),
            ParameterSet::Parameter{std::move(value), std::move(schema), decl.exposed, monitor}};
}

mvi_status addParameter(mvi_registrar* registrar, const mvi_parameter_decl* rawDecl) noexcept {
    if (registrar == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (!registrar->open) {
            return MVI_BAD_STATE;
        }
        const auto* decl = checkedDecl(rawDecl, kParameterDeclSize10);
        if (decl == nullptr) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          "parameter declaration is NULL or smaller than the ABI's");
        }
        auto [name, parameter] = declaredParameter(*registrar, *decl);
        if (!registrar->version->parameters().declare(name, std::move(parameter))) {
            return refuse(registrar, MVI_ALREADY_EXISTS,
                          fmt::format("parameter '{}' is declared twice", name));
        }
        return MVI_OK;
    } catch (Refusal& refusal) {
        return refuse(registrar, refusal.status, std::move(refusal.problem));
    } catch (const std::exception& error) {
        return refuse(registrar, MVI_ERROR, error.what());
    }
}

void registrationError(mvi_registrar* registrar, mvi_str message) noexcept {
    if (registrar == nullptr) {
        return;
    }
    try {
        // Kept no longer than a version's reason may be: only its beginning is ever shown.
        registrar->pluginError = limits::shorten(view(message), limits::kMaxReasonBytes);
    } catch (...) {
        // Out of memory while recording a message: the status still fails the version.
    }
}

mvi_status callResult(mvi_call* call, mvi_str json) noexcept {
    if (call == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (call->answered) {
            return MVI_BAD_STATE;
        }
        auto value = parseJson(json);
        if (!value) {
            call->problem = "the service answered with text that is not valid JSON";
            return MVI_INVALID_ARGUMENT;
        }
        call->answered = true;
        call->status = 200;
        call->body = std::move(*value);
        return MVI_OK;
    } catch (const std::exception& error) {
        call->problem = error.what();
        return MVI_ERROR;
    }
}

mvi_status callError(mvi_call* call, int32_t httpStatus, mvi_str detail) noexcept {
    if (call == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (call->answered) {
            return MVI_BAD_STATE;
        }
        if (httpStatus < 400 || httpStatus > 599) {
            call->problem =
                fmt::format("the service answered with status {}, not 400..599", httpStatus);
            return MVI_INVALID_ARGUMENT;
        }
        auto value = detail.size == 0 ? nlohmann::json() : parseJson(detail);
        if (!value) {
            call->problem = "the service answered an error whose detail is not valid JSON";
            return MVI_INVALID_ARGUMENT;
        }
        call->answered = true;
        call->status = httpStatus;
        call->body = std::move(*value);
        return MVI_OK;
    } catch (const std::exception& error) {
        call->problem = error.what();
        return MVI_ERROR;
    }
}

void log(mvi_host* host, mvi_log_level level, mvi_str message) noexcept {
    if (host == nullptr) {
        return;
    }
    try {
        LogLevel hostLevel = level <= MVI_LOG_DEBUG     ? LogLevel::Debug
                             : level == MVI_LOG_INFO    ? LogLevel::Info
                             : level == MVI_LOG_WARNING ? LogLevel::Warning
                                                        : LogLevel::Error;
        host->version->log(hostLevel, std::string(view(message)));
    } catch (...) {
        // Logging never fails the caller.
    }
}

mvi_status notify(mvi_host* host, const mvi_notification* rawNotification) noexcept {
    if (host == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        const auto* notification = checkedDecl(rawNotification, sizeof(mvi_notification));
        if (notification == nullptr || notification->severity < MVI_SEVERITY_INFO ||
            notification->severity > MVI_SEVERITY_CRITICAL || notification->timer_seconds < 0) {
            return MVI_INVALID_ARGUMENT;
        }
        std::vector<std::string> emails;
        if (notification->emails.size != 0) {
            auto list = parseJson(notification->emails);
            if (!list || !list->is_array()) {
                return MVI_INVALID_ARGUMENT;
            }
            for (const auto& email : *list) {
                if (!email.is_string() || !isEmailAddress(email.get<std::string>())) {
                    return MVI_INVALID_ARGUMENT;
                }
                emails.push_back(email.get<std::string>());
            }
        }
        host->version->notify(static_cast<Severity>(notification->severity),
                              std::string(view(notification->message)), std::move(emails),
                              notification->timer_seconds);
        return MVI_OK;
    } catch (...) {
        return MVI_ERROR;
    }
}

mvi_status getParameter(mvi_host* host, mvi_str name, mvi_plugin_receive_fn receive,
                        mvi_plugin_buffer* buffer) noexcept {
    if (host == nullptr || receive == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        auto value = host->version->parameters().get(std::string(view(name)));
        if (!value) {
            return MVI_NOT_FOUND;
        }
        std::string text = value->dump();
        receive(buffer, mvi_str{text.data(), text.size()});
        return MVI_OK;
    } catch (...) {
        return MVI_ERROR;
    }
}

mvi_status setParameter(mvi_host* host, mvi_str name, mvi_str value) noexcept {
    if (host == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        auto parsed = parseJson(value);
        if (!parsed) {
            return MVI_INVALID_ARGUMENT;
        }
        switch (host->version->parameters().set(std::string(view(name)), *parsed)) {
            case ParameterSet::SetResult::Ok:
                return MVI_OK;
            case ParameterSet::SetResult::NotFound:
                return MVI_NOT_FOUND;
            case ParameterSet::SetResult::TypeMismatch:
                return MVI_TYPE_MISMATCH;
        }
        return MVI_ERROR;
    } catch (...) {
        return MVI_ERROR;
    }
}

// ---- ABI 1.1 ----

mvi_status store(mvi_host* host, mvi_str values) noexcept {
    if (host == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        // The parser refuses text that is not JSON, including strings that are not UTF-8.
        auto parsed = parseJson(values);
        if (!parsed || !parsed->is_object()) {
            return MVI_INVALID_ARGUMENT;
        }
        return host->version->store(*parsed) ? MVI_OK : MVI_BUSY;
    } catch (const std::invalid_argument&) {
        return MVI_INVALID_ARGUMENT;
    } catch (...) {
        return MVI_ERROR;
    }
}

mvi_status callEvery(mvi_host* host, const mvi_timer_decl* rawTimer) noexcept {
    if (host == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        const auto* timer = checkedDecl(rawTimer, sizeof(mvi_timer_decl));
        if (timer == nullptr || timer->callback == nullptr ||
            timer->name.size > limits::kMaxNameBytes || !std::isfinite(timer->interval_seconds) ||
            timer->interval_seconds <= 0) {
            return MVI_INVALID_ARGUMENT;
        }
        TimerSpec spec{std::string(view(timer->name)), timer->interval_seconds, timer->wait_first,
                       timer->callback, timer->userdata};
        return host->version->addTimer(std::move(spec)) ? MVI_OK : MVI_ERROR;
    } catch (...) {
        return MVI_ERROR;
    }
}

mvi_status callService(mvi_host* host, const mvi_service_call* rawRequest, int32_t* httpStatus,
                       mvi_plugin_receive_fn receive, mvi_plugin_buffer* buffer) noexcept {
    if (host == nullptr || httpStatus == nullptr || receive == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        const auto* request = checkedDecl(rawRequest, sizeof(mvi_service_call));
        if (request == nullptr || request->service.size == 0 || request->entrypoint.size == 0) {
            return MVI_INVALID_ARGUMENT;
        }
        nlohmann::json arguments = nlohmann::json::object();
        if (request->arguments.size != 0) {
            auto parsed = parseJson(request->arguments);
            if (!parsed || !parsed->is_object()) {
                return MVI_INVALID_ARGUMENT;
            }
            arguments = std::move(*parsed);
        }
        const ServiceCaller* caller = host->version->caller();
        CallResult result =
            caller == nullptr
                ? CallResult{503, {{"detail", "calls between services are not available"}}}
                : caller->callService(std::string(view(request->service)),
                                      std::string(view(request->version)),
                                      std::string(view(request->entrypoint)), arguments);
        // A detail may quote a name the caller gave, which need not be UTF-8.
        const nlohmann::json& answer = result.status == 200 ? result.body : result.body["detail"];
        std::string text = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        *httpStatus = result.status;
        receive(buffer, mvi_str{text.data(), text.size()});
        return MVI_OK;
    } catch (...) {
        return MVI_ERROR;
    }
}

// ---- ABI 1.2 ----

mvi_status setOnStop(mvi_host* host, mvi_plugin_stop_fn hook,
                     mvi_plugin_userdata* userdata) noexcept {
    if (host == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        return host->version->setOnStop(hook, userdata) ? MVI_OK : MVI_BAD_STATE;
    } catch (...) {
        return MVI_ERROR;
    }
}

const mvi_host_api kHostApi = {
    sizeof(mvi_host_api), addEntrypoint, addParameter, registrationError,
    callResult,           callError,     log,          notify,
    getParameter,         setParameter,  store,        callEvery,
    callService,          setOnStop,
};

}  // namespace

const mvi_host_api& hostApi() {
    return kHostApi;
}

}  // namespace mvi::host
