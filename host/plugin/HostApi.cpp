#include "plugin/HostApi.h"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string_view>

#include "core/JsonInput.h"
#include "core/ServiceId.h"
#include "dispatch/Dispatcher.h"
#include "notifications/EmailAddress.h"
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

// True when a plugin of ABI minor `abiMinor` filled the field that ends at `end` (added in minor
// `since`) of a struct it declared `size` bytes long.
bool hasField(std::size_t size, std::uint32_t abiMinor, std::size_t end, std::uint32_t since) {
    return abiMinor >= since && size >= end;
}

mvi_status refuse(mvi_registrar* registrar, mvi_status status, std::string problem) {
    registrar->problems.push_back(std::move(problem));
    return status;
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
        std::string name(view(decl->name));
        if (!isValidMemberName(name)) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint name '{}' is invalid (lowercase letters, digits "
                                      "and underscores, not starting with a digit)",
                                      name));
        }
        if (decl->handler == nullptr) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}' has no handler", name));
        }
        if (decl->method != MVI_METHOD_POST && decl->method != MVI_METHOD_GET) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}' has unknown method {}", name, decl->method));
        }
        auto arguments = parseJson(decl->arguments);
        if (!arguments) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}': arguments are not valid JSON", name));
        }
        if (auto problem = SchemaValidator::checkArguments(*arguments)) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}': {}", name, *problem));
        }
        auto resultSchema = decl->result_schema.size == 0 ? nlohmann::json::object()
                                                          : parseJson(decl->result_schema);
        if (!resultSchema) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}': result schema is not valid JSON", name));
        }
        if (auto problem = SchemaValidator::checkSchema(*resultSchema)) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("entrypoint '{}': result schema: {}", name, *problem));
        }
        bool monitor = hasField(decl->size, registrar->abiMinor,
                                offsetof(mvi_entrypoint_decl, monitor) + sizeof(bool), 1) &&
                       decl->monitor;
        double timeoutSeconds = 0;
        if (hasField(decl->size, registrar->abiMinor,
                     offsetof(mvi_entrypoint_decl, timeout_seconds) + sizeof(double), 2)) {
            timeoutSeconds = decl->timeout_seconds;
            if (!std::isfinite(timeoutSeconds) || timeoutSeconds < 0 ||
                timeoutSeconds > kMaxTimeoutSeconds) {
                return refuse(registrar, MVI_INVALID_ARGUMENT,
                              fmt::format("entrypoint '{}': timeout_seconds must be a number of "
                                          "seconds from 0 (the host's default) to {:g}, not {}",
                                          name, kMaxTimeoutSeconds, timeoutSeconds));
            }
        }
        Entrypoint entrypoint{name,
                              decl->method,
                              *arguments,
                              *resultSchema,
                              std::string(view(decl->description)),
                              decl->handler,
                              decl->userdata,
                              monitor,
                              timeoutSeconds};
        if (!registrar->version->addEntrypoint(std::move(entrypoint))) {
            return refuse(registrar, MVI_ALREADY_EXISTS,
                          fmt::format("entrypoint '{}' is declared twice", name));
        }
        return MVI_OK;
    } catch (const std::exception& error) {
        return refuse(registrar, MVI_ERROR, error.what());
    }
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
        std::string name(view(decl->name));
        if (!isValidMemberName(name)) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("parameter name '{}' is invalid", name));
        }
        auto value = parseJson(decl->initial_value);
        auto schema = decl->schema.size == 0 ? nlohmann::json::object() : parseJson(decl->schema);
        if (!value || !schema) {
            return refuse(
                registrar, MVI_INVALID_ARGUMENT,
                fmt::format("parameter '{}': initial value or schema is not valid JSON", name));
        }
        if (auto problem = SchemaValidator::checkSchema(*schema)) {
            return refuse(registrar, MVI_INVALID_ARGUMENT,
                          fmt::format("parameter '{}': schema: {}", name, *problem));
        }
        std::vector<ValidationError> errors;
        SchemaValidator::validate(*schema, *value, nlohmann::json::array({"value"}), errors);
        if (!errors.empty()) {
            return refuse(registrar, MVI_TYPE_MISMATCH,
                          fmt::format("parameter '{}': initial value does not match its schema: {}",
                                      name, errors.front().msg));
        }
        bool monitor = hasField(decl->size, registrar->abiMinor,
                                offsetof(mvi_parameter_decl, monitor) + sizeof(bool), 1) &&
                       decl->monitor;
        if (!registrar->version->parameters().declare(
                name, ParameterSet::Parameter{*value, *schema, decl->exposed, monitor})) {
            return refuse(registrar, MVI_ALREADY_EXISTS,
                          fmt::format("parameter '{}' is declared twice", name));
        }
        return MVI_OK;
    } catch (const std::exception& error) {
        return refuse(registrar, MVI_ERROR, error.what());
    }
}

void registrationError(mvi_registrar* registrar, mvi_str message) noexcept {
    if (registrar == nullptr) {
        return;
    }
    try {
        registrar->pluginError.assign(view(message));
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
            !std::isfinite(timer->interval_seconds) || timer->interval_seconds <= 0) {
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
        Dispatcher* dispatcher = host->version->dispatcher();
        CallResult result =
            dispatcher == nullptr
                ? CallResult{503, {{"detail", "calls between services are not available"}}}
                : dispatcher->callService(std::string(view(request->service)),
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
