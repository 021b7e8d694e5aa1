#include "plugin/HostApi.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>
#include <mvi/registration.hpp>

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

// Keeps a refused declaration's reason for the version's reason (the first few of them) and
// hands its status to the plugin.
mvi_status refuse(mvi_registrar* registrar, registration::Refusal refusal) {
    if (registrar->problems.size() < registration::kKeptProblems) {
        registrar->problems.push_back(std::move(refusal.reason));
    }
    return refusal.status;
}

// What the shared checks need to know about the registration in progress.
registration::Registration progress(const mvi_registrar& registrar) {
    return {registrar.abiMinor, registrar.version->entrypoints().size(),
            registrar.version->parameters().size(), registrar.version->routes().size()};
}

// The checks of an entrypoint or parameter declaration are mvi/registration.hpp's, which the
// SDK's fake host runs too, so both accept and refuse the same declarations for the same reason.
mvi_status addEntrypoint(mvi_registrar* registrar, const mvi_entrypoint_decl* decl) noexcept {
    if (registrar == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (!registrar->open) {
            return MVI_BAD_STATE;
        }
        auto checked = registration::check_entrypoint(decl, progress(*registrar));
        if (!checked.declaration) {
            return refuse(registrar, std::move(checked.refusal));
        }
        registration::EntrypointDeclaration& declared = *checked.declaration;
        const std::string name = declared.name;
        if (const ServiceRoute* route = registrar->version->routeNamed(name)) {
            return refuse(registrar,
                          {MVI_ALREADY_EXISTS, fmt::format("entrypoint '{}' is taken by route {}",
                                                           name, route->describe())});
        }
        Entrypoint entrypoint{std::move(declared.name),
                              declared.method,
                              std::move(declared.arguments),
                              std::move(declared.result_schema),
                              std::move(declared.description),
                              declared.handler,
                              declared.userdata};
        entrypoint.monitor = declared.monitor;
        entrypoint.timeoutSeconds = declared.timeout_seconds;
        entrypoint.strictArguments = declared.strict_arguments;
        if (!registrar->version->addEntrypoint(std::move(entrypoint))) {
            return refuse(registrar, registration::declared_twice("entrypoint", name));
        }
        return MVI_OK;
    } catch (const std::exception& error) {
        return refuse(registrar, {MVI_ERROR, error.what()});
    }
}

mvi_status addParameter(mvi_registrar* registrar, const mvi_parameter_decl* decl) noexcept {
    if (registrar == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (!registrar->open) {
            return MVI_BAD_STATE;
        }
        auto checked = registration::check_parameter(decl, progress(*registrar));
        if (!checked.declaration) {
            return refuse(registrar, std::move(checked.refusal));
        }
        registration::ParameterDeclaration& declared = *checked.declaration;
        if (!registrar->version->parameters().declare(
                declared.name, ParameterSet::Parameter{std::move(declared.initial_value),
                                                       std::move(declared.schema), declared.exposed,
                                                       declared.monitor})) {
            return refuse(registrar, registration::declared_twice("parameter", declared.name));
        }
        return MVI_OK;
    } catch (const std::exception& error) {
        return refuse(registrar, {MVI_ERROR, error.what()});
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

// ---- ABI 1.4 ----

mvi_status getEnv(mvi_host* host, mvi_str name, mvi_plugin_receive_fn receive,
                  mvi_plugin_buffer* buffer) noexcept {
    if (host == nullptr || receive == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        const Environment& environment = host->version->environment();
        auto found = environment.find(std::string(view(name)));
        if (found == environment.end()) {
            return MVI_NOT_FOUND;
        }
        receive(buffer, mvi_str{found->second.data(), found->second.size()});
        return MVI_OK;
    } catch (...) {
        return MVI_ERROR;
    }
}

// ---- ABI 1.5 ----

mvi_status addRoute(mvi_registrar* registrar, const mvi_route_decl* decl) noexcept {
    if (registrar == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (!registrar->open) {
            return MVI_BAD_STATE;
        }
        auto checked = registration::check_route(decl, progress(*registrar));
        if (!checked.declaration) {
            return refuse(registrar, std::move(checked.refusal));
        }
        if (auto taken = registrar->version->routeTaken(*checked.declaration)) {
            return refuse(registrar, registration::route_taken(*checked.declaration, *taken));
        }
        registrar->version->addRoute(ServiceRoute{std::move(*checked.declaration)});
        return MVI_OK;
    } catch (const std::exception& error) {
        return refuse(registrar, {MVI_ERROR, error.what()});
    }
}

/// Checks the status and headers of a route's answer (route_answer, route_stream) and copies
/// the headers into `fields`. MVI_OK, or the status to return with the reason in
/// `call->problem`: MVI_BAD_STATE for a second answer or a call that is not a route's,
/// MVI_INVALID_ARGUMENT for a status out of range or a malformed header.
mvi_status checkAnswerHead(mvi_call* call, const char* function, int32_t httpStatus,
                           const mvi_field* headers, size_t headerCount, Fields& fields) {
    if (call->answered) {
        return MVI_BAD_STATE;
    }
    if (!call->route) {
        call->problem = fmt::format("{} answers a route call, not an entrypoint's", function);
        return MVI_BAD_STATE;
    }
    if (httpStatus < 200 || httpStatus > 599) {
        call->problem =
            fmt::format("the service answered with status {}, not 200..599", httpStatus);
        return MVI_INVALID_ARGUMENT;
    }
    if ((headers == nullptr && headerCount != 0) || headerCount > limits::kMaxAnswerHeaders) {
        call->problem =
            fmt::format("the service answered with a malformed header list (at most {} headers)",
                        limits::kMaxAnswerHeaders);
        return MVI_INVALID_ARGUMENT;
    }
    for (size_t i = 0; i < headerCount; ++i) {
        std::string_view name = view(headers[i].name);
        std::string_view value = view(headers[i].value);
        if (auto problem = answerHeaderProblem(name, value)) {
            call->problem = "the service answered with a malformed header: " + *problem;
            return MVI_INVALID_ARGUMENT;
        }
        fields.emplace_back(name, value);
    }
    return MVI_OK;
}

mvi_status routeAnswer(mvi_call* call, int32_t httpStatus, const mvi_field* headers,
                       size_t headerCount, mvi_str body) noexcept {
    if (call == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        Fields fields;
        if (mvi_status checked =
                checkAnswerHead(call, "route_answer", httpStatus, headers, headerCount, fields);
            checked != MVI_OK) {
            return checked;
        }
        if (body.data == nullptr && body.size != 0) {
            call->problem = "the service answered with a malformed body (NULL with a size)";
            return MVI_INVALID_ARGUMENT;
        }
        call->answered = true;
        call->raw = true;
        call->status = httpStatus;
        call->headers = std::move(fields);
        call->rawBody.assign(body.data == nullptr ? "" : body.data, body.size);
        return MVI_OK;
    } catch (const std::exception& error) {
        call->problem = error.what();
        return MVI_ERROR;
    }
}

// ---- ABI 1.6 ----

mvi_status routeStream(mvi_call* call, int32_t httpStatus, const mvi_field* headers,
                       size_t headerCount, mvi_stream** stream) noexcept {
    if (call == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        if (stream == nullptr) {
            call->problem = "route_stream was given no place for the stream's handle";
            return MVI_INVALID_ARGUMENT;
        }
        *stream = nullptr;
        Fields fields;
        if (mvi_status checked =
                checkAnswerHead(call, "route_stream", httpStatus, headers, headerCount, fields);
            checked != MVI_OK) {
            return checked;
        }
        if (call->version == nullptr) {
            call->problem = "route_stream: this call cannot stream";
            return MVI_BAD_STATE;
        }
        mvi_stream* opened = call->version->openStream();
        call->answered = true;
        call->raw = true;
        call->status = httpStatus;
        call->headers = std::move(fields);
        call->stream = opened->feed;
        *stream = opened;
        return MVI_OK;
    } catch (const std::exception& error) {
        call->problem = error.what();
        return MVI_ERROR;
    }
}

mvi_status streamWrite(mvi_stream* stream, mvi_str bytes) noexcept {
    if (stream == nullptr || (bytes.data == nullptr && bytes.size != 0)) {
        return MVI_INVALID_ARGUMENT;
    }
    try {
        switch (stream->feed->write(view(bytes))) {
            case StreamFeed::Offer::Queued:
                return MVI_OK;
            case StreamFeed::Offer::Full:
                return MVI_BUSY;
            case StreamFeed::Offer::TooLarge:
                return MVI_INVALID_ARGUMENT;
            case StreamFeed::Offer::Closed:
                return MVI_BAD_STATE;
        }
        return MVI_ERROR;
    } catch (...) {
        return MVI_ERROR;
    }
}

void streamClose(mvi_stream* stream) noexcept {
    if (stream == nullptr) {
        return;
    }
    try {
        stream->version->closeStream(stream);
    } catch (...) {
        // Nothing may cross the ABI.
    }
}

const mvi_host_api kHostApi = {
    sizeof(mvi_host_api), addEntrypoint, addParameter, registrationError,
    callResult,           callError,     log,          notify,
    getParameter,         setParameter,  store,        callEvery,
    callService,          setOnStop,     getEnv,       addRoute,
    routeAnswer,          routeStream,   streamWrite,  streamClose,
};

}  // namespace

const mvi_host_api& hostApi() {
    return kHostApi;
}

}  // namespace mvi::host
