// mvi/service.hpp -- the MVI C++ service SDK: header-only, C++17, on top of the C ABI in
// mvi/plugin.h. One macro declares a service; its body declares typed entrypoints and runtime
// parameters, and the SDK derives their JSON schemas from the C++ types:
//
//     #include <mvi/service.hpp>
//
//     MVI_SERVICE(service) {
//         service.add_parameter("greeting_phrase", "Hello");
//         service.entrypoint("hello", {"name"}, [&](const std::string& name) -> std::string {
//             mvi::log::info("Greeting someone with the name: {}", name);
//             return service.get_parameter<std::string>("greeting_phrase") + " " + name;
//         });
//     }
//
// Build the file with mvi_add_plugin() (plugin_api/cmake/MviPlugin.cmake); one shared library
// holds one service. Every call from the host into service code passes a noexcept barrier that
// turns exceptions into HTTP answers or registration errors; no exception crosses the ABI.
// See mvi/log.hpp for the rules on thread_local and statics in plugin code, mvi/store.hpp for
// monitoring values, mvi/env.hpp for the version's environment variables (mvi::env), and
// mvi/testing.hpp for unit-testing a service without the server.
#ifndef MVI_SERVICE_HPP
#define MVI_SERVICE_HPP

#include <mvi/plugin.h>
#include <mvi/convert.hpp>
#include <mvi/env.hpp>
#include <mvi/error.hpp>
#include <mvi/limits.hpp>
#include <mvi/log.hpp>
#include <mvi/registration.hpp>
#include <mvi/route.hpp>
#include <mvi/schema.hpp>
#include <mvi/store.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace mvi {

class Service;
class Route;

namespace detail {

inline Service& service_instance();
inline mvi_status register_service(const mvi_host_api* api, mvi_host* host,
                                   mvi_registrar* registrar, void (*setup)(Service&)) noexcept;
inline mvi_status entrypoint_trampoline(mvi_plugin_userdata* userdata, mvi_call* call,
                                        mvi_str arguments) noexcept;
inline mvi_status route_trampoline(mvi_plugin_userdata* userdata, mvi_call* call,
                                   const mvi_route_request* request) noexcept;

inline mvi_status stop_trampoline(mvi_plugin_userdata* userdata) noexcept;

/// Serialises JSON for the host; invalid UTF-8 is replaced instead of throwing.
inline std::string dump_json(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// True for a valid entrypoint, parameter or argument name: lowercase ASCII letters, digits and
/// underscores, not empty, not starting with a digit and at most limits::kMaxNameBytes long.
inline bool is_valid_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > limits::kMaxNameBytes ||
        (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

// ---- the signature of an entrypoint's callable ----

template <class R, class... A>
struct signature {
    static constexpr bool valid = true;
    using result = R;
    using arguments = std::tuple<A...>;
    static constexpr std::size_t arity = sizeof...(A);
};

template <class M>
struct member_signature {
    static constexpr bool valid = false;
};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...)> : signature<R, A...> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) const> : signature<R, A...> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) noexcept> : signature<R, A...> {};
template <class C, class R, class... A>
struct member_signature<R (C::*)(A...) const noexcept> : signature<R, A...> {};

template <class F, class = void>
struct callable_traits {
    static constexpr bool valid = false;
};
template <class R, class... A>
struct callable_traits<R (*)(A...), void> : signature<R, A...> {};
template <class R, class... A>
struct callable_traits<R (*)(A...) noexcept, void> : signature<R, A...> {};
template <class F>
struct callable_traits<F, std::void_t<decltype(&F::operator())>>
    : member_signature<decltype(&F::operator())> {};

template <class T>
using parameter_type_t = std::conditional_t<std::is_same_v<std::decay_t<T>, const char*> ||
                                                std::is_same_v<std::decay_t<T>, char*> ||
                                                std::is_same_v<std::decay_t<T>, std::string_view>,
                                            std::string, std::decay_t<T>>;

/// Passes a converted argument to the user's function: as an lvalue to a reference parameter,
/// moved into a by-value or rvalue-reference parameter.
template <class Parameter, class V>
decltype(auto) pass_argument(V& value) {
    if constexpr (std::is_lvalue_reference_v<Parameter>) {
        return static_cast<V&>(value);
    } else {
        return static_cast<V&&>(value);
    }
}

/// One entry of a 422 detail list: {"loc": ["body", argument, path...], "msg", "type"}.
inline nlohmann::json argument_error(const std::string& argument,
                                     const std::vector<nlohmann::json>& path,
                                     const std::string& message, const char* type) {
    nlohmann::json location = nlohmann::json::array({"body", argument});
    for (const auto& key : path) {
        location.push_back(key);
    }
    return {{"loc", std::move(location)}, {"msg", message}, {"type", type}};
}

/// Parses a call's arguments: a JSON object (an empty text counts as {}), else HttpError 422.
inline nlohmann::json parse_arguments(mvi_str arguments) {
    const std::string_view text = to_string_view(arguments);
    if (text.empty()) {
        return nlohmann::json::object();
    }
    nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (parsed.is_discarded()) {
        throw HttpError(422, nlohmann::json::array({{{"loc", nlohmann::json::array({"body"})},
                                                     {"msg", "the arguments are not valid JSON"},
                                                     {"type", "value_error.jsondecode"}}}));
    }
    if (!parsed.is_object()) {
        throw HttpError(
            422,
            nlohmann::json::array(
                {{{"loc", nlohmann::json::array({"body"})},
                  {"msg", std::string("expected an object with one member per argument, got ") +
                              json_kind(parsed)},
                  {"type", "type_error"}}}));
    }
    return parsed;
}

/// Answers a call with an HTTP error; never throws. A status outside 400..599 becomes 500.
inline void answer_error(const mvi_host_api* api, mvi_call* call, int status,
                         const nlohmann::json& detail) noexcept {
    try {
        if (status < 400 || status > 599) {
            const std::string text = dump_json(
                fmt::format("invalid HTTP status {} in an error answer; detail: {}", status,
                            detail.is_string() ? detail.get<std::string>() : dump_json(detail)));
            api->call_error(call, 500, to_mvi_str(text));
            return;
        }
        const std::string text = dump_json(detail);
        if (api->call_error(call, status, to_mvi_str(text)) != MVI_INVALID_ARGUMENT) {
            return;
        }
    } catch (...) {
    }
    constexpr std::string_view fallback = "\"internal error\"";
    api->call_error(call, 500, to_mvi_str(fallback));
}

/// Answers a call with an HTTP error whose detail is a plain message; never throws.
inline void answer_error(const mvi_host_api* api, mvi_call* call, int status,
                         const char* message) noexcept {
    try {
        answer_error(api, call, status, nlohmann::json(message));
    } catch (...) {
        constexpr std::string_view fallback = "\"internal error\"";
        api->call_error(call, 500, to_mvi_str(fallback));
    }
}

/// Answers a call with its result.
inline void answer_result(const mvi_host_api* api, mvi_call* call, const nlohmann::json& value) {
    const std::string text = dump_json(value);
    if (api->call_result(call, to_mvi_str(text)) == MVI_INVALID_ARGUMENT) {
        answer_error(api, call, 500, "the result could not be encoded as JSON");
    }
}

}  // namespace detail

/// One declared route (ABI 1.5). Service::route returns it so options can be chained:
///
///     service.route(mvi::Method::Get, "/report.csv", [](const mvi::Request&) {...})
///         .content_type("text/csv")
///         .description("The day's figures as CSV.");
class Route {
  public:
    /// The function that answers a request.
    using Handler = std::function<Response(const Request&)>;

    Route(Method method, std::string path, Handler handler)
        : method_(method), path_(std::move(path)), handler_(std::move(handler)) {}
    Route(const Route&) = delete;
    Route& operator=(const Route&) = delete;

    /// Sets the description shown in the generated API docs.
    Route& description(std::string text) {
        description_ = std::move(text);
        return *this;
    }

    /// Declares the content type the route answers with, for the API docs.
    Route& content_type(std::string type) {
        content_type_ = std::move(type);
        return *this;
    }

    /// Sets the deadline of a call as Entrypoint::timeout does (0: the host's default).
    Route& timeout(double seconds) {
        if (!std::isfinite(seconds) || seconds < 0 || seconds > registration::kMaxTimeoutSeconds) {
            throw Error(fmt::format("route {}: timeout needs a number of seconds from 0 (the "
                                    "host's default) to {:g}, not {}",
                                    path_, registration::kMaxTimeoutSeconds, seconds),
                        MVI_INVALID_ARGUMENT);
        }
        timeout_seconds_ = seconds;
        return *this;
    }

    Method method() const noexcept { return method_; }
    const std::string& path() const noexcept { return path_; }
    const std::string& description() const noexcept { return description_; }
    const std::string& content_type() const noexcept { return content_type_; }
    double timeout_seconds() const noexcept { return timeout_seconds_; }

  private:
    friend mvi_status detail::route_trampoline(mvi_plugin_userdata*, mvi_call*,
                                               const mvi_route_request*) noexcept;

    /// Answers one request through the host. Never throws; returns MVI_OK once answered.
    mvi_status handle(mvi_call* call, const mvi_route_request& raw) noexcept;

    Method method_;
    std::string path_;
    Handler handler_;
    std::string description_;
    std::string content_type_;
    double timeout_seconds_ = 0;
};

/// One declared entrypoint. Service::entrypoint returns it so options can be chained:
///
///     service.entrypoint("pi", [] { return 3.14159; })
///         .method(mvi::Method::Get)
///         .description("The circle constant.");
class Entrypoint {
  public:
    Entrypoint(const Entrypoint&) = delete;
    Entrypoint& operator=(const Entrypoint&) = delete;
    /// Destroys the entrypoint (when the library is closed or the service registers again).
    virtual ~Entrypoint() = default;

    /// Sets the human-readable description shown in the generated API docs. Throws mvi::Error
    /// (MVI_INVALID_ARGUMENT) for a text longer than limits::kMaxDescriptionBytes.
    Entrypoint& description(std::string text) {
        if (text.size() > limits::kMaxDescriptionBytes) {
            throw Error(fmt::format("entrypoint '{}': the description is {} bytes long, more "
                                    "than the {} allowed",
                                    name_, text.size(), limits::kMaxDescriptionBytes),
                        MVI_INVALID_ARGUMENT);
        }
        description_ = std::move(text);
        return *this;
    }

    /// Sets the HTTP method (Method::Post by default).
    Entrypoint& method(Method http_method) {
        method_ = http_method;
        return *this;
    }

    /// Makes the host store, after each successful call, the arguments object and the result
    /// as monitoring values `<name>_request` and `<name>_response` (one timestamp).
    Entrypoint& monitor(bool on = true) {
        monitor_ = on;
        return *this;
    }

    /// Sets the deadline of a call: past `seconds` its caller is answered 504 and the call is
    /// counted as stuck (the host cannot stop code that is running; it only stops waiting).
    /// 0 (the default) takes the host's `services.call_timeout_seconds`. Throws mvi::Error
    /// (MVI_INVALID_ARGUMENT) for a value that is not a finite number from 0 to 86400.
    Entrypoint& timeout(double seconds) {
        if (!std::isfinite(seconds) || seconds < 0 || seconds > registration::kMaxTimeoutSeconds) {
            throw Error(fmt::format("entrypoint '{}': timeout needs a number of seconds from 0 "
                                    "(the host's default) to {:g}, not {}",
                                    name_, registration::kMaxTimeoutSeconds, seconds),
                        MVI_INVALID_ARGUMENT);
        }
        timeout_seconds_ = seconds;
        return *this;
    }

    /// timeout(double) with a std::chrono duration (std::chrono::milliseconds(1500), 2s, ...).
    template <class Rep, class Period>
    Entrypoint& timeout(std::chrono::duration<Rep, Period> deadline) {
        return timeout(std::chrono::duration<double>(deadline).count());
    }

    /// Makes the entrypoint strict: a call that sends a key which is not one of its arguments is
    /// answered 422 ("extra fields not permitted"). By default such keys are ignored, as the
    /// original platform does, and the function never sees them.
    Entrypoint& strict(bool on = true) {
        strict_arguments_ = on;
        return *this;
    }

    /// Whether calls are monitored (see monitor(bool)).
    bool monitored() const noexcept { return monitor_; }

    /// Whether undeclared keys are refused (see strict(bool)).
    bool strict_arguments() const noexcept { return strict_arguments_; }

    /// The deadline set with timeout(double) in seconds; 0: the host's default.
    double timeout_seconds() const noexcept { return timeout_seconds_; }

    /// The entrypoint's name (its route segment).
    const std::string& name() const noexcept { return name_; }

    /// The description set with description(std::string).
    const std::string& description() const noexcept { return description_; }

    /// The HTTP method set with method(Method).
    Method method() const noexcept { return method_; }

    /// The declared arguments: a JSON array of {"name", "schema", "required"}, in order.
    const nlohmann::json& arguments() const noexcept { return arguments_; }

    /// The JSON schema of the result.
    const nlohmann::json& result_schema() const noexcept { return result_schema_; }

  protected:
    /// Creates an entrypoint with its name, argument declarations and result schema.
    Entrypoint(std::string name, nlohmann::json arguments, nlohmann::json result_schema)
        : name_(std::move(name)),
          arguments_(std::move(arguments)),
          result_schema_(std::move(result_schema)) {}

    /// Answers one call: converts the arguments, runs the function, answers through the host.
    /// Never throws; returns MVI_OK once an answer was given.
    virtual mvi_status handle(mvi_call* call, mvi_str arguments) noexcept = 0;

  private:
    friend mvi_status detail::entrypoint_trampoline(mvi_plugin_userdata*, mvi_call*,
                                                    mvi_str) noexcept;

    std::string name_;
    std::string description_;
    Method method_ = Method::Post;
    bool monitor_ = false;
    double timeout_seconds_ = 0;
    bool strict_arguments_ = false;
    nlohmann::json arguments_;
    nlohmann::json result_schema_;
};

namespace detail {

/// The C handler of every SDK entrypoint: forwards to Entrypoint::handle.
inline mvi_status entrypoint_trampoline(mvi_plugin_userdata* userdata, mvi_call* call,
                                        mvi_str arguments) noexcept {
    if (userdata == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    return reinterpret_cast<Entrypoint*>(userdata)->handle(call, arguments);
}

/// The schema of what an entrypoint answers: its function's result type (void answers null).
template <class Result>
nlohmann::json declare_result() {
    if constexpr (std::is_void_v<Result>) {
        return {{"type", "null"}};
    } else {
        return schema_of<std::remove_cv_t<std::remove_reference_t<Result>>>();
    }
}

/// Converts argument `name` of a call's `arguments` to T into `out`; a missing argument that is
/// not a std::optional, and a value that does not convert, add an entry to the 422 `errors`.
template <class T>
void convert_argument(const nlohmann::json& arguments, const std::string& name,
                      std::optional<T>& out, nlohmann::json& errors) {
    const auto it = arguments.find(name);
    if (it == arguments.end()) {
        if constexpr (is_optional<T>::value) {
            out.emplace(std::nullopt);
        } else {
            errors.push_back(argument_error(name, {}, "field required", "value_error.missing"));
        }
        return;
    }
    try {
        out.emplace(from_json_value<T>(*it));
    } catch (const ConversionError& error) {
        errors.push_back(argument_error(name, error.path(), error.reason(), "type_error"));
    } catch (const nlohmann::json::exception& error) {
        errors.push_back(argument_error(name, {}, readable(error), "type_error"));
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& error) {
        errors.push_back(argument_error(name, {}, error.what(), "type_error"));
    }
}

/// What an entrypoint answers, kept by value while it is converted: its function's result type
/// without reference and const (void stays void).
template <class Result>
using answered_t = std::remove_cv_t<std::remove_reference_t<Result>>;

/// Runs an entrypoint's function through `run` and answers the call with its result (converted
/// from Result) or the error it threw. Never throws; returns MVI_OK once an answer was given.
template <class Result, class Run>
mvi_status answer_call(mvi_call* call, Run&& run) noexcept {
    const mvi_host_api* api = registered_host().first;
    if (api == nullptr) {
        return MVI_BAD_STATE;
    }
    try {
        if constexpr (std::is_void_v<Result>) {
            run();
            answer_result(api, call, nullptr);
        } else {
            answer_result(api, call, to_json_value(run()));
        }
    } catch (const HttpError& error) {
        answer_error(api, call, error.status(), error.detail());
    } catch (const std::exception& error) {
        answer_error(api, call, 500, error.what());
    } catch (...) {
        answer_error(api, call, 500, "unknown error");
    }
    return MVI_OK;
}

/// An entrypoint whose argument and result types come from the callable F, its arguments named
/// one by one.
template <class F>
class TypedEntrypoint final : public Entrypoint {
    using Traits = callable_traits<F>;
    using Result = typename Traits::result;
    static constexpr std::size_t kArity = Traits::arity;
    using Indexes = std::make_index_sequence<kArity>;

    template <std::size_t I>
    using Parameter = std::tuple_element_t<I, typename Traits::arguments>;
    template <std::size_t I>
    using Value = std::remove_cv_t<std::remove_reference_t<Parameter<I>>>;

  public:
    TypedEntrypoint(std::string name, std::vector<std::string> argument_names, F function)
        : Entrypoint(std::move(name), declare_arguments(argument_names, Indexes{}),
                     declare_result<Result>()),
          argument_names_(std::move(argument_names)),
          function_(std::move(function)) {}

  private:
    template <std::size_t... I>
    static nlohmann::json declare_arguments(const std::vector<std::string>& names,
                                            std::index_sequence<I...>) {
        (void)names;
        nlohmann::json list = nlohmann::json::array();
        (list.push_back({{"name", names[I]},
                         {"schema", schema_of<Value<I>>()},
                         {"required", !is_optional<Value<I>>::value}}),
         ...);
        return list;
    }

    template <std::size_t... I>
    std::tuple<std::optional<Value<I>>...> convert_arguments(const nlohmann::json& arguments,
                                                             std::index_sequence<I...>) const {
        (void)arguments;
        std::tuple<std::optional<Value<I>>...> values;
        nlohmann::json errors = nlohmann::json::array();
        (convert_argument(arguments, argument_names_[I], std::get<I>(values), errors), ...);
        if (!errors.empty()) {
            throw HttpError(422, std::move(errors));
        }
        return values;
    }

    template <class Values, std::size_t... I>
    decltype(auto) invoke(Values& values, std::index_sequence<I...>) {
        (void)values;
        return std::invoke(function_, pass_argument<Parameter<I>>(*std::get<I>(values))...);
    }

    mvi_status handle(mvi_call* call, mvi_str arguments) noexcept override {
        return answer_call<Result>(call, [&]() -> answered_t<Result> {
            auto values = convert_arguments(parse_arguments(arguments), Indexes{});
            return invoke(values, Indexes{});
        });
    }

    std::vector<std::string> argument_names_;
    F function_;
};

/// How many arguments callable F takes; `otherwise` when F has no one fixed signature.
template <class F, std::size_t otherwise>
constexpr std::size_t arity() {
    if constexpr (callable_traits<F>::valid) {
        return callable_traits<F>::arity;
    } else {
        return otherwise;
    }
}
template <class F, std::size_t otherwise>
inline constexpr std::size_t arity_v = arity<F, otherwise>();

/// Whether T is a struct declared with MVI_STRUCT (it has the field visitor the macro defines).
struct FieldProbe {
    template <class Field>
    void operator()(const char*, Field&) const {}
};
template <class T, class = void>
struct is_mvi_struct : std::false_type {};
template <class T>
struct is_mvi_struct<
    T, std::void_t<decltype(mvi_for_each_field(std::declval<T&>(), std::declval<FieldProbe>()))>>
    : std::true_type {};

/// The type of the one parameter of callable F, without reference and const; void when F does
/// not take exactly one.
template <class F, class = void>
struct single_parameter {
    using type = void;
};
template <class F>
struct single_parameter<
    F, std::enable_if_t<callable_traits<F>::valid && callable_traits<F>::arity == 1>> {
    using type = std::remove_cv_t<
        std::remove_reference_t<std::tuple_element_t<0, typename callable_traits<F>::arguments>>>;
};

/// An entrypoint whose function takes its arguments as one MVI_STRUCT: each field is one
/// argument (a key of the body), declared exactly as a separately named argument of the field's
/// type would be.
template <class F>
class StructEntrypoint final : public Entrypoint {
    using Traits = callable_traits<F>;
    using Result = typename Traits::result;
    using Parameter = std::tuple_element_t<0, typename Traits::arguments>;
    using Arguments = typename single_parameter<F>::type;

  public:
    StructEntrypoint(std::string name, F function)
        : Entrypoint(std::move(name), declare_arguments(), declare_result<Result>()),
          function_(std::move(function)) {}

    /// The fields' names, in order: the arguments' names.
    static std::vector<std::string> field_names() {
        std::vector<std::string> names;
        Arguments sample{};
        mvi_for_each_field(sample, [&names](const char* name, auto&) { names.emplace_back(name); });
        return names;
    }

  private:
    static nlohmann::json declare_arguments() {
        nlohmann::json list = nlohmann::json::array();
        Arguments sample{};
        mvi_for_each_field(sample, [&list](const char* name, auto& field) {
            using Field = std::remove_cv_t<std::remove_reference_t<decltype(field)>>;
            list.push_back({{"name", name},
                            {"schema", schema_of<Field>()},
                            {"required", !is_optional<Field>::value}});
        });
        return list;
    }

    mvi_status handle(mvi_call* call, mvi_str arguments) noexcept override {
        return answer_call<Result>(call, [&]() -> answered_t<Result> {
            const nlohmann::json body = parse_arguments(arguments);
            Arguments values{};
            nlohmann::json errors = nlohmann::json::array();
            mvi_for_each_field(values, [&](const char* name, auto& field) {
                using Field = std::remove_cv_t<std::remove_reference_t<decltype(field)>>;
                std::optional<Field> converted;
                convert_argument(body, name, converted, errors);
                if (converted) {
                    field = std::move(*converted);
                }
            });
            if (!errors.empty()) {
                throw HttpError(422, std::move(errors));
            }
            return std::invoke(function_, pass_argument<Parameter>(values));
        });
    }

    F function_;
};

}  // namespace detail

namespace detail {

/// One periodic task declared with Service::call_every: owns the user's callable.
class Timer {
  public:
    /// Wraps `function`, run every `seconds`.
    Timer(double seconds, std::function<void()> function)
        : seconds_(seconds), function_(std::move(function)) {}

    /// Runs the task once; an exception is logged at error level and becomes MVI_ERROR.
    mvi_status run() noexcept {
        try {
            function_();
            return MVI_OK;
        } catch (const std::exception& error) {
            log::error("periodic task (every {:g} s) failed: {}", seconds_, error.what());
        } catch (...) {
            log::error("periodic task (every {:g} s) failed with an unknown exception", seconds_);
        }
        return MVI_ERROR;
    }

  private:
    double seconds_;
    std::function<void()> function_;
};

/// The C callback of every SDK periodic task: forwards to Timer::run.
inline mvi_status timer_trampoline(mvi_plugin_userdata* userdata) noexcept {
    if (userdata == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    return reinterpret_cast<Timer*>(userdata)->run();
}

}  // namespace detail

/// The answer of another service to mvi::call_service when it is not a success: the service
/// and entrypoint called, the HTTP status (404 unknown service or entrypoint, 422 invalid
/// arguments, 500 the callee failed, 503 not loaded, 508 calls nested too deeply, or the
/// callee's own error status) and the JSON `detail` of the answer. Catch it to handle the
/// failure; left uncaught inside an entrypoint it is answered as 500 with what() as the
/// detail, because the caller's own input was not at fault (to pass the callee's status on,
/// catch it and throw mvi::HttpError(error.status(), error.detail())).
class ServiceCallError : public std::runtime_error {
  public:
    /// Creates the error for a call to `service`.`entrypoint` answered with `status`.
    ServiceCallError(std::string service, std::string entrypoint, int status, nlohmann::json detail)
        : std::runtime_error(fmt::format(
              "call to service {} entrypoint {} answered {}: {}", service, entrypoint, status,
              detail.is_string() ? detail.get<std::string>() : detail::dump_json(detail))),
          service_(std::move(service)),
          entrypoint_(std::move(entrypoint)),
          status_(status),
          detail_(std::move(detail)) {}

    /// The service that was called.
    const std::string& service() const noexcept { return service_; }

    /// The entrypoint that was called.
    const std::string& entrypoint() const noexcept { return entrypoint_; }

    /// The HTTP status of the answer.
    int status() const noexcept { return status_; }

    /// The `detail` of the answer (a string or a list of validation errors, say).
    const nlohmann::json& detail() const noexcept { return detail_; }

  private:
    std::string service_;
    std::string entrypoint_;
    int status_;
    nlohmann::json detail_;
};

namespace detail {

/// Copies a string handed back by the host into the std::string `buffer` points to.
inline void receive_into_string(mvi_plugin_buffer* buffer, mvi_str value) noexcept {
    try {
        reinterpret_cast<std::string*>(buffer)->assign(to_string_view(value));
    } catch (...) {
        reinterpret_cast<std::string*>(buffer)->clear();
    }
}

}  // namespace detail

/// Calls entrypoint `entrypoint` of service `service` in this host and returns its JSON result.
/// The call goes through the host's routing in process (no HTTP): by name the main version
/// answers and every shadow gets a mirrored copy; with `version` that version answers. The
/// callee validates `arguments` (a JSON object, one member per argument). Works from any
/// thread once the service is registered: in an entrypoint, a periodic task or a thread of the
/// service. Throws mvi::ServiceCallError for any answer but 200, and mvi::Error when the call
/// cannot be made (no host, a host older than ABI 1.1, arguments that are not an object).
inline nlohmann::json call_service(std::string_view service, std::string_view entrypoint,
                                   const nlohmann::json& arguments = nlohmann::json::object(),
                                   std::string_view version = {}) {
    const auto [api, host] = detail::registered_host();
    if (api == nullptr) {
        throw Error(fmt::format("cannot call service {}: the service is not registered with a "
                                "host (call_service works once the MVI_SERVICE body returned)",
                                service),
                    MVI_BAD_STATE);
    }
    if (!MVI_HOST_API_HAS(api, call_service) || api->call_service == nullptr) {
        throw Error(fmt::format("cannot call service {}: the host is older than ABI 1.1 and "
                                "has no call_service",
                                service),
                    MVI_BAD_STATE);
    }
    if (!arguments.is_object() && !arguments.is_null()) {
        throw Error(fmt::format("cannot call service {} entrypoint {}: the arguments must be a "
                                "JSON object with one member per argument, not {}",
                                service, entrypoint, detail::json_kind(arguments)),
                    MVI_INVALID_ARGUMENT);
    }
    const std::string text = arguments.is_null() ? std::string("{}") : detail::dump_json(arguments);
    mvi_service_call request{};
    request.size = sizeof(mvi_service_call);
    request.service = detail::to_mvi_str(service);
    request.version = detail::to_mvi_str(version);
    request.entrypoint = detail::to_mvi_str(entrypoint);
    request.arguments = detail::to_mvi_str(text);
    int32_t status = 0;
    std::string answer;
    const mvi_status result =
        api->call_service(host, &request, &status, &detail::receive_into_string,
                          reinterpret_cast<mvi_plugin_buffer*>(&answer));
    if (result != MVI_OK) {
        throw Error(fmt::format("calling service {} entrypoint {} failed: {} ({})", service,
                                entrypoint, status_name(result), status_meaning(result)),
                    result);
    }
    nlohmann::json value = nlohmann::json::parse(answer, nullptr, false);
    if (value.is_discarded()) {
        throw Error(fmt::format("calling service {} entrypoint {}: the host returned invalid "
                                "JSON",
                                service, entrypoint),
                    MVI_ERROR);
    }
    if (status != 200) {
        throw ServiceCallError(std::string(service), std::string(entrypoint), status,
                               std::move(value));
    }
    return value;
}

/// mvi::call_service returning the result converted to T. Throws mvi::Error with status
/// MVI_TYPE_MISMATCH when the result does not convert to T.
template <class T>
T call_service(std::string_view service, std::string_view entrypoint,
               const nlohmann::json& arguments = nlohmann::json::object(),
               std::string_view version = {}) {
    const nlohmann::json value = call_service(service, entrypoint, arguments, version);
    try {
        return from_json_value<T>(value);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& error) {
        throw Error(fmt::format("service {} entrypoint {} answered {}, which cannot be read as "
                                "the requested type: {}",
                                service, entrypoint, detail::dump_json(value), error.what()),
                    MVI_TYPE_MISMATCH);
    }
}

/// The service being declared: MVI_SERVICE hands its setup body a reference to the plugin's one
/// Service. Declarations (entrypoint, add_parameter) are allowed only inside that body; the
/// other members work from any thread once the host registered the service.
class Service {
  public:
    Service(const Service&) = delete;
    Service& operator=(const Service&) = delete;

    /// Declares entrypoint `name` (lowercase letters, digits, underscores) that runs `function`:
    /// a lambda, function object or function pointer with one fixed signature. Its argument
    /// types and result type give the declared JSON schemas, and `argument_names` names its
    /// arguments in order (one name per argument; a braced list of literals, {"a", "b"}, is
    /// counted when compiling, see the next overload). A std::optional argument is not required:
    /// missing or null gives std::nullopt. A void result answers null. Returns the entrypoint
    /// so `.description(...)` and `.method(...)` can follow. Throws mvi::Error (which fails the
    /// registration with its message) for a bad or duplicate name or a wrong number of names.
    /// Declares a route of the service's own (ABI 1.5): `function` (taking a const
    /// mvi::Request&, returning an mvi::Response) answers `method` requests to
    /// `/services/<svc><path>`. `path` is `/segment/...` of literal segments (letters, digits,
    /// `-`, `_`, `.`) and `{name}` parameters, the first segment literal and not the host's
    /// (`docs`, `openapi.json`, `static`). An exception from `function` answers a JSON error as
    /// an entrypoint's does (mvi::HttpError its status, anything else 500). Returns the route so
    /// `.description(...)`, `.content_type(...)` and `.timeout(...)` can follow. The host checks
    /// the path when the service registers (a bad one fails the registration with the reason).
    template <class F>
    Route& route(Method method, std::string path, F&& function) {
        require_setup("route", path);
        routes_.push_back(std::make_unique<Route>(method, std::move(path),
                                                  Route::Handler(std::forward<F>(function))));
        return *routes_.back();
    }

    template <class F>
    Entrypoint& entrypoint(std::string name, std::vector<std::string> argument_names,
                           F&& function) {
        using Function = std::decay_t<F>;
        using Traits = detail::callable_traits<Function>;
        static_assert(Traits::valid,
                      "mvi: an entrypoint needs a lambda, function object or function pointer "
                      "with one fixed signature (no auto parameters, no overloads)");
        require_setup("entrypoint", name);
        check_entrypoint_name(name);
        if (argument_names.size() != Traits::arity) {
            throw Error(fmt::format("entrypoint '{}': {} argument name(s) given, but its function "
                                    "takes {} argument(s)",
                                    name, argument_names.size(), Traits::arity),
                        MVI_INVALID_ARGUMENT);
        }
        check_argument_names(name, argument_names);
        auto created = std::make_unique<detail::TypedEntrypoint<Function>>(
            std::move(name), std::move(argument_names), Function(std::forward<F>(function)));
        Entrypoint& result = *created;
        entrypoints_.push_back(std::move(created));
        return result;
    }

    /// Declares entrypoint `name` with its arguments named in a braced list of string literals,
    /// `{"a", "b"}`: as the overload above, but a list whose length differs from the number of
    /// the function's arguments does not compile.
    template <class F, std::size_t N>
    Entrypoint& entrypoint(std::string name, const char* const (&argument_names)[N], F&& function) {
        constexpr std::size_t names_given = N;
        constexpr std::size_t arguments_taken = detail::arity_v<std::decay_t<F>, N>;
        static_assert(names_given == arguments_taken,
                      "mvi: give the entrypoint one argument name per argument of its function "
                      "(the note below compares the two counts)");
        return entrypoint(
            std::move(name),
            std::vector<std::string>(std::begin(argument_names), std::end(argument_names)),
            std::forward<F>(function));
    }

    /// Declares entrypoint `name` whose function takes no arguments, or takes them all as one
    /// struct declared with MVI_STRUCT: then each field of the struct is one argument, a key of
    /// the call's body, declared exactly as a separately named argument of the field's type (a
    /// std::optional field is not required):
    ///
    ///     struct AddArgs { int a; int b; };
    ///     MVI_STRUCT(AddArgs, a, b);
    ///     ...
    ///     service.entrypoint("add", [](const AddArgs& args) { return args.a + args.b; });
    ///
    /// A function with other arguments does not compile: name them (see the overloads above).
    template <class F>
    Entrypoint& entrypoint(std::string name, F&& function) {
        using Function = std::decay_t<F>;
        using Traits = detail::callable_traits<Function>;
        if constexpr (detail::is_mvi_struct<
                          typename detail::single_parameter<Function>::type>::value) {
            static_assert(Traits::valid, "mvi: an entrypoint needs a callable");
            require_setup("entrypoint", name);
            check_entrypoint_name(name);
            check_argument_names(name, detail::StructEntrypoint<Function>::field_names());
            auto created = std::make_unique<detail::StructEntrypoint<Function>>(
                std::move(name), Function(std::forward<F>(function)));
            Entrypoint& result = *created;
            entrypoints_.push_back(std::move(created));
            return result;
        } else {
            constexpr std::size_t arguments_taken = detail::arity_v<Function, 0>;
            static_assert(arguments_taken == 0,
                          "mvi: name the entrypoint's arguments, entrypoint(name, {\"a\", "
                          "\"b\"}, function), or take them as one struct declared with "
                          "MVI_STRUCT(Type, fields...)");
            return entrypoint(std::move(name), std::vector<std::string>{},
                              std::forward<F>(function));
        }
    }

    /// Declares runtime parameter `name` with its initial value; its JSON schema comes from the
    /// value's type (a string literal makes a string parameter). When `exposed` is false the
    /// parameter can be read over HTTP but not set there. When `monitor` is true the host stores
    /// every value the parameter takes (the initial one included) as a monitoring value named
    /// after it. The host keeps the value; read it with get_parameter. Throws mvi::Error for a
    /// bad or duplicate name.
    template <class T>
    Service& add_parameter(std::string name, const T& initial_value, bool exposed = true,
                           bool monitor = false) {
        using Value = detail::parameter_type_t<T>;
        require_setup("parameter", name);
        if (!detail::is_valid_name(name)) {
            throw Error(fmt::format("parameter name '{}' is invalid: use lowercase letters, "
                                    "digits and underscores, not starting with a digit, at most "
                                    "{} bytes",
                                    limits::shorten(name), limits::kMaxNameBytes),
                        MVI_INVALID_ARGUMENT);
        }
        if (find_pending(name) != nullptr) {
            throw Error(fmt::format("parameter '{}' is declared twice", name), MVI_ALREADY_EXISTS);
        }
        parameters_.push_back(PendingParameter{std::move(name), to_json_value(Value(initial_value)),
                                               schema_of<Value>(), exposed, monitor});
        return *this;
    }

    /// The current value of parameter `name` as a T (nlohmann::json by default), read from the
    /// host. During setup it is the declared initial value. Throws mvi::Error with status
    /// MVI_NOT_FOUND for an unknown parameter, MVI_TYPE_MISMATCH when the value does not convert
    /// to T, MVI_BAD_STATE when the service has no host.
    template <class T = nlohmann::json>
    T get_parameter(std::string_view name) const {
        const nlohmann::json value = read_parameter(name);
        try {
            return from_json_value<T>(value);
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& error) {
            throw Error(fmt::format("parameter '{}' holds {}, which cannot be read as the "
                                    "requested type: {}",
                                    name, detail::dump_json(value), error.what()),
                        MVI_TYPE_MISMATCH);
        }
    }

    /// Sets parameter `name` to `value` through the host (which checks it against the declared
    /// schema). During setup it replaces the initial value. Throws mvi::Error naming the status
    /// when the host refuses (MVI_NOT_FOUND, MVI_TYPE_MISMATCH, ...).
    template <class T>
    void set_parameter(std::string_view name, const T& value) {
        write_parameter(name, to_json_value(detail::parameter_type_t<T>(value)));
    }

    /// Runs `function` (no arguments, result ignored) every `seconds` on the host's scheduler,
    /// from the moment the service is ready until this version is taken out of service; with
    /// `wait_first` the first run is one interval after that moment, else right away. Runs of
    /// one task never overlap; one that takes longer than the interval is reported by the host
    /// (warning log line and Warning notification) and the next starts right away. An exception
    /// thrown by `function` is logged at error level with its message and the schedule goes on.
    /// Callable in the MVI_SERVICE body and later. Throws mvi::Error (MVI_INVALID_ARGUMENT) for an
    /// interval that is not a finite number greater than 0, and when the host refuses or is
    /// older than ABI 1.1.
    template <class F>
    Service& call_every(double seconds, F&& function, bool wait_first = false) {
        if (!std::isfinite(seconds) || seconds <= 0) {
            throw Error(fmt::format("call_every needs an interval that is a finite number of "
                                    "seconds greater than 0, not {}",
                                    seconds),
                        MVI_INVALID_ARGUMENT);
        }
        const detail::HostContext& context = detail::host_context();
        const mvi_host_api* api = context.api.load(std::memory_order_acquire);
        mvi_host* host = context.host.load(std::memory_order_acquire);
        if (phase() == detail::Phase::Unregistered || api == nullptr) {
            throw Error("call_every needs a host: call it in the MVI_SERVICE body or later",
                        MVI_BAD_STATE);
        }
        if (!MVI_HOST_API_HAS(api, call_every) || api->call_every == nullptr) {
            throw Error("call_every: the host is older than ABI 1.1 and has no scheduler",
                        MVI_BAD_STATE);
        }
        auto timer = std::make_unique<detail::Timer>(
            seconds, std::function<void()>([f = std::forward<F>(function)]() mutable { f(); }));
        mvi_timer_decl decl{};
        decl.size = sizeof(mvi_timer_decl);
        decl.interval_seconds = seconds;
        decl.wait_first = wait_first;
        decl.callback = &detail::timer_trampoline;
        decl.userdata = reinterpret_cast<mvi_plugin_userdata*>(timer.get());
        std::lock_guard<std::mutex> lock(timers_mutex_);
        timers_.push_back(std::move(timer));
        const mvi_status status = api->call_every(host, &decl);
        if (status != MVI_OK) {
            timers_.pop_back();
            throw Error(fmt::format("call_every every {:g} s was refused by the host: {} ({})",
                                    seconds, status_name(status), status_meaning(status)),
                        status);
        }
        return *this;
    }

    /// call_every with a std::chrono interval (std::chrono::milliseconds(250), 2s, ...).
    template <class Rep, class Period, class F>
    Service& call_every(std::chrono::duration<Rep, Period> interval, F&& function,
                        bool wait_first = false) {
        return call_every(std::chrono::duration<double>(interval).count(),
                          std::forward<F>(function), wait_first);
    }

    /// Runs `function` (no arguments, result ignored) when this version stops: once it was taken
    /// out of service (replaced, killed, undeployed, or the host shuts down) and has drained (no
    /// entrypoint call or periodic task is running, none will start), before its library is
    /// closed. This is where a service ends the threads it started and releases what it holds:
    /// the host does not close a library while a thread it started still runs (it waits up to
    /// `plugins.stop_timeout_seconds`, then keeps it mapped for good and reports it). Several
    /// functions run in the order they were given; an exception is logged at error level and
    /// the next one still runs. Callable in the MVI_SERVICE body and later. Throws mvi::Error
    /// when the host refuses (the version is stopping already) or is older than ABI 1.2.
    template <class F>
    Service& on_stop(F&& function) {
        const detail::HostContext& context = detail::host_context();
        const mvi_host_api* api = context.api.load(std::memory_order_acquire);
        mvi_host* host = context.host.load(std::memory_order_acquire);
        if (phase() == detail::Phase::Unregistered || api == nullptr) {
            throw Error("on_stop needs a host: call it in the MVI_SERVICE body or later",
                        MVI_BAD_STATE);
        }
        if (!MVI_HOST_API_HAS(api, set_on_stop) || api->set_on_stop == nullptr) {
            throw Error("on_stop: the host is older than ABI 1.2 and has no on_stop hook",
                        MVI_BAD_STATE);
        }
        std::lock_guard<std::mutex> lock(stop_mutex_);
        stop_functions_.push_back(
            std::function<void()>([f = std::forward<F>(function)]() mutable { f(); }));
        if (stop_functions_.size() == 1) {
            const mvi_status status = api->set_on_stop(
                host, &detail::stop_trampoline, reinterpret_cast<mvi_plugin_userdata*>(this));
            if (status != MVI_OK) {
                stop_functions_.pop_back();
                throw Error(fmt::format("on_stop was refused by the host: {} ({})",
                                        status_name(status), status_meaning(status)),
                            status);
            }
        }
        return *this;
    }

    /// True once the host accepted the service's declarations.
    bool registered() const noexcept {
        return detail::host_context().phase.load(std::memory_order_acquire) ==
               static_cast<int>(detail::Phase::Registered);
    }

  private:
    friend Service& detail::service_instance();
    friend mvi_status detail::register_service(const mvi_host_api*, mvi_host*, mvi_registrar*,
                                               void (*)(Service&)) noexcept;
    friend mvi_status detail::stop_trampoline(mvi_plugin_userdata*) noexcept;

    // Runs the on_stop functions once, in order; returns MVI_ERROR when one of them threw.
    mvi_status run_stop_functions() noexcept {
        std::vector<std::function<void()>> functions;
        {
            std::lock_guard<std::mutex> lock(stop_mutex_);
            functions.swap(stop_functions_);
        }
        mvi_status status = MVI_OK;
        for (auto& function : functions) {
            try {
                function();
            } catch (const std::exception& error) {
                log::error("on_stop function failed: {}", error.what());
                status = MVI_ERROR;
            } catch (...) {
                log::error("on_stop function failed with an unknown exception");
                status = MVI_ERROR;
            }
        }
        return status;
    }

    struct PendingParameter {
        std::string name;
        nlohmann::json initial_value;
        nlohmann::json schema;
        bool exposed;
        bool monitor;
    };

    Service() = default;

    static detail::Phase phase() noexcept {
        return static_cast<detail::Phase>(
            detail::host_context().phase.load(std::memory_order_acquire));
    }

    static void require_setup(const char* what, const std::string& name) {
        if (phase() != detail::Phase::Registering) {
            throw Error(fmt::format("{} '{}' can only be declared inside the MVI_SERVICE body",
                                    what, limits::shorten(name)),
                        MVI_BAD_STATE);
        }
    }

    // Refuses an invalid entrypoint name or one that is taken.
    void check_entrypoint_name(const std::string& name) const {
        if (!detail::is_valid_name(name)) {
            throw Error(fmt::format("entrypoint name '{}' is invalid: use lowercase letters, "
                                    "digits and underscores, not starting with a digit, at most "
                                    "{} bytes",
                                    limits::shorten(name), limits::kMaxNameBytes),
                        MVI_INVALID_ARGUMENT);
        }
        for (const auto& existing : entrypoints_) {
            if (existing->name() == name) {
                throw Error(fmt::format("entrypoint '{}' is declared twice", name),
                            MVI_ALREADY_EXISTS);
            }
        }
    }

    // Refuses an invalid or repeated argument name of entrypoint `name`.
    static void check_argument_names(const std::string& name,
                                     const std::vector<std::string>& argument_names) {
        for (std::size_t i = 0; i < argument_names.size(); ++i) {
            if (!detail::is_valid_name(argument_names[i])) {
                throw Error(
                    fmt::format("entrypoint '{}': argument name '{}' is invalid: use "
                                "lowercase letters, digits and underscores, not starting "
                                "with a digit, at most {} bytes",
                                name, limits::shorten(argument_names[i]), limits::kMaxNameBytes),
                    MVI_INVALID_ARGUMENT);
            }
            for (std::size_t j = 0; j < i; ++j) {
                if (argument_names[j] == argument_names[i]) {
                    throw Error(fmt::format("entrypoint '{}': argument name '{}' is used twice",
                                            name, argument_names[i]),
                                MVI_INVALID_ARGUMENT);
                }
            }
        }
    }

    const PendingParameter* find_pending(std::string_view name) const noexcept {
        for (const auto& parameter : parameters_) {
            if (parameter.name == name) {
                return &parameter;
            }
        }
        return nullptr;
    }

    static void receive_string(mvi_plugin_buffer* buffer, mvi_str value) noexcept {
        try {
            reinterpret_cast<std::string*>(buffer)->assign(detail::to_string_view(value));
        } catch (...) {
            reinterpret_cast<std::string*>(buffer)->clear();
        }
    }

    nlohmann::json read_parameter(std::string_view name) const {
        const detail::Phase current = phase();
        if (current == detail::Phase::Registering) {
            const PendingParameter* pending = find_pending(name);
            if (pending == nullptr) {
                throw Error(fmt::format("parameter '{}' is not declared", name), MVI_NOT_FOUND);
            }
            return pending->initial_value;
        }
        const auto [api, host] = detail::registered_host();
        if (api == nullptr) {
            throw Error(fmt::format("parameter '{}' cannot be read: the service is not "
                                    "registered with a host",
                                    name),
                        MVI_BAD_STATE);
        }
        std::string text;
        const mvi_status status =
            api->get_parameter(host, detail::to_mvi_str(name), &Service::receive_string,
                               reinterpret_cast<mvi_plugin_buffer*>(&text));
        if (status == MVI_NOT_FOUND) {
            throw Error(fmt::format("parameter '{}' not found", name), MVI_NOT_FOUND);
        }
        if (status != MVI_OK) {
            throw Error(fmt::format("reading parameter '{}' failed: {} ({})", name,
                                    status_name(status), status_meaning(status)),
                        status);
        }
        nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
        if (value.is_discarded()) {
            throw Error(fmt::format("parameter '{}': the host returned invalid JSON", name),
                        MVI_ERROR);
        }
        return value;
    }

    void write_parameter(std::string_view name, const nlohmann::json& value) {
        const detail::Phase current = phase();
        if (current == detail::Phase::Registering) {
            for (auto& parameter : parameters_) {
                if (parameter.name == name) {
                    parameter.initial_value = value;
                    return;
                }
            }
            throw Error(fmt::format("parameter '{}' is not declared", name), MVI_NOT_FOUND);
        }
        const auto [api, host] = detail::registered_host();
        if (api == nullptr) {
            throw Error(fmt::format("parameter '{}' cannot be set: the service is not "
                                    "registered with a host",
                                    name),
                        MVI_BAD_STATE);
        }
        const std::string text = detail::dump_json(value);
        const mvi_status status =
            api->set_parameter(host, detail::to_mvi_str(name), detail::to_mvi_str(text));
        if (status != MVI_OK) {
            throw Error(fmt::format("setting parameter '{}' to {} failed: {} ({})", name, text,
                                    status_name(status), status_meaning(status)),
                        status);
        }
    }

    void reset() noexcept {
        parameters_.clear();
        entrypoints_.clear();
        routes_.clear();
        {
            std::lock_guard<std::mutex> lock(timers_mutex_);
            timers_.clear();
        }
        std::lock_guard<std::mutex> lock(stop_mutex_);
        stop_functions_.clear();
    }

    // Hands every collected declaration to the host; on a refusal sets `message` and returns
    // the host's status.
    mvi_status declare(const mvi_host_api* api, mvi_registrar* registrar,
                       std::string& message) const {
        for (const auto& parameter : parameters_) {
            const std::string initial_value = detail::dump_json(parameter.initial_value);
            const std::string schema = detail::dump_json(parameter.schema);
            mvi_parameter_decl decl{};
            decl.size = sizeof(mvi_parameter_decl);
            decl.name = detail::to_mvi_str(parameter.name);
            decl.initial_value = detail::to_mvi_str(initial_value);
            decl.schema = detail::to_mvi_str(schema);
            decl.exposed = parameter.exposed;
            decl.monitor = parameter.monitor;
            const mvi_status status = api->add_parameter(registrar, &decl);
            if (status != MVI_OK) {
                message = fmt::format(
                    "parameter '{}' (initial value {}, schema {}) was refused by the host: {} "
                    "({})",
                    parameter.name, initial_value, schema, status_name(status),
                    status_meaning(status));
                return status;
            }
        }
        for (const auto& declared : entrypoints_) {
            const std::string arguments = detail::dump_json(declared->arguments());
            const std::string result_schema = detail::dump_json(declared->result_schema());
            mvi_entrypoint_decl decl{};
            decl.size = sizeof(mvi_entrypoint_decl);
            decl.name = detail::to_mvi_str(declared->name());
            decl.method = static_cast<mvi_http_method>(declared->method());
            decl.arguments = detail::to_mvi_str(arguments);
            decl.result_schema = detail::to_mvi_str(result_schema);
            decl.description = detail::to_mvi_str(declared->description());
            decl.handler = &detail::entrypoint_trampoline;
            decl.userdata = reinterpret_cast<mvi_plugin_userdata*>(declared.get());
            decl.monitor = declared->monitored();
            decl.timeout_seconds = declared->timeout_seconds();
            decl.strict_arguments = declared->strict_arguments();
            const mvi_status status = api->add_entrypoint(registrar, &decl);
            if (status != MVI_OK) {
                message =
                    fmt::format("entrypoint '{}' was refused by the host: {} ({})",
                                declared->name(), status_name(status), status_meaning(status));
                return status;
            }
        }
        if (!routes_.empty() && !MVI_HOST_API_HAS(api, add_route)) {
            message = "this service declares routes, which need a host of ABI 1.5 or later";
            return MVI_BAD_STATE;
        }
        for (const auto& declared : routes_) {
            mvi_route_decl decl{};
            decl.size = sizeof(mvi_route_decl);
            decl.method = static_cast<mvi_http_method>(declared->method());
            decl.path = detail::to_mvi_str(declared->path());
            decl.description = detail::to_mvi_str(declared->description());
            decl.content_type = detail::to_mvi_str(declared->content_type());
            decl.handler = &detail::route_trampoline;
            decl.userdata = reinterpret_cast<mvi_plugin_userdata*>(declared.get());
            decl.timeout_seconds = declared->timeout_seconds();
            const mvi_status status = api->add_route(registrar, &decl);
            if (status != MVI_OK) {
                message = fmt::format("route {} {} was refused by the host: {} ({})",
                                      registration::method_name(decl.method), declared->path(),
                                      status_name(status), status_meaning(status));
                return status;
            }
        }
        return MVI_OK;
    }

    std::vector<PendingParameter> parameters_;
    std::vector<std::unique_ptr<Entrypoint>> entrypoints_;
    std::vector<std::unique_ptr<Route>> routes_;
    std::mutex timers_mutex_;
    std::vector<std::unique_ptr<detail::Timer>> timers_;
    std::mutex stop_mutex_;
    std::vector<std::function<void()>> stop_functions_;
};

inline mvi_status Route::handle(mvi_call* call, const mvi_route_request& raw) noexcept {
    const mvi_host_api* api = detail::registered_host().first;
    if (api == nullptr) {
        return MVI_BAD_STATE;
    }
    try {
        Request request;
        request.method = static_cast<Method>(raw.method);
        request.path = std::string(detail::to_string_view(raw.path));
        auto fields = [](const mvi_field* from, std::size_t count) {
            Fields to;
            to.reserve(count);
            for (std::size_t i = 0; i < count; ++i) {
                to.emplace_back(detail::to_string_view(from[i].name),
                                detail::to_string_view(from[i].value));
            }
            return to;
        };
        request.path_parameters = fields(raw.path_parameters, raw.path_parameter_count);
        request.query = std::string(detail::to_string_view(raw.query));
        request.headers = fields(raw.headers, raw.header_count);
        request.body = std::string(detail::to_string_view(raw.body));
        const Response response = handler_(request);
        std::vector<mvi_field> headers;
        headers.reserve(response.headers.size());
        for (const auto& [name, value] : response.headers) {
            headers.push_back({detail::to_mvi_str(name), detail::to_mvi_str(value)});
        }
        if (response.on_stream) {
            if (!MVI_HOST_API_HAS(api, stream_close)) {
                throw HttpError(501,
                                "this route streams its answer, which needs a host of ABI "
                                "1.6 or later");
            }
            mvi_stream* stream = nullptr;
            if (api->route_stream(call, response.status, headers.data(), headers.size(), &stream) !=
                MVI_OK) {
                // The host refused the answer and answers 500 itself, saying why in the log.
                return MVI_INVALID_ARGUMENT;
            }
            response.on_stream(Stream(api, stream));
            return MVI_OK;
        }
        if (api->route_answer(call, response.status, headers.data(), headers.size(),
                              detail::to_mvi_str(response.body)) == MVI_INVALID_ARGUMENT) {
            // The host refused the answer and answers 500 itself, saying why in the log.
            return MVI_INVALID_ARGUMENT;
        }
    } catch (const HttpError& error) {
        detail::answer_error(api, call, error.status(), error.detail());
    } catch (const std::exception& error) {
        detail::answer_error(api, call, 500, error.what());
    } catch (...) {
        detail::answer_error(api, call, 500, "unknown error");
    }
    return MVI_OK;
}

namespace detail {

/// The C handler of every SDK route: forwards to Route::handle.
inline mvi_status route_trampoline(mvi_plugin_userdata* userdata, mvi_call* call,
                                   const mvi_route_request* request) noexcept {
    if (userdata == nullptr || request == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    return reinterpret_cast<Route*>(userdata)->handle(call, *request);
}

/// The plugin's one Service (private to the loaded library, see mvi/log.hpp).
inline Service& service_instance() {
    static Service service;
    return service;
}

/// The C on-stop hook of every SDK service: runs the functions given to Service::on_stop.
inline mvi_status stop_trampoline(mvi_plugin_userdata* userdata) noexcept {
    if (userdata == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    return reinterpret_cast<Service*>(userdata)->run_stop_functions();
}

inline void report_registration_error(const mvi_host_api* api, mvi_registrar* registrar,
                                      std::string_view message) noexcept {
    api->registration_error(registrar, to_mvi_str(message));
}

/// The body of mvi_plugin_register: keeps the host, runs the user's setup, then declares every
/// parameter and entrypoint. Any exception or refusal becomes a registration error.
inline mvi_status register_service(const mvi_host_api* api, mvi_host* host,
                                   mvi_registrar* registrar, void (*setup)(Service&)) noexcept {
    if (api == nullptr) {
        return MVI_INVALID_ARGUMENT;
    }
    // Every function of ABI 1.0 is needed.
    if (!MVI_HOST_API_HAS(api, set_parameter)) {
        if (MVI_HOST_API_HAS(api, registration_error)) {
            report_registration_error(
                api, registrar,
                "the host's function table is smaller than ABI 1.0 requires; the SDK cannot run");
        }
        return MVI_INVALID_ARGUMENT;
    }
    HostContext& context = host_context();
    context.phase.store(static_cast<int>(Phase::Unregistered), std::memory_order_release);
    context.api.store(api, std::memory_order_release);
    context.host.store(host, std::memory_order_release);
    try {
        Service& service = service_instance();
        service.reset();
        context.phase.store(static_cast<int>(Phase::Registering), std::memory_order_release);
        try {
            setup(service);
        } catch (const std::exception& error) {
            context.phase.store(static_cast<int>(Phase::Unregistered), std::memory_order_release);
            report_registration_error(api, registrar,
                                      std::string("service setup failed: ") + error.what());
            return MVI_ERROR;
        } catch (...) {
            context.phase.store(static_cast<int>(Phase::Unregistered), std::memory_order_release);
            report_registration_error(api, registrar, "service setup failed: unknown exception");
            return MVI_ERROR;
        }
        std::string message;
        const mvi_status status = service.declare(api, registrar, message);
        if (status != MVI_OK) {
            context.phase.store(static_cast<int>(Phase::Unregistered), std::memory_order_release);
            report_registration_error(api, registrar, message);
            return status;
        }
        // From now on the host holds the parameter values; the SDK keeps no copy.
        service.parameters_.clear();
        context.phase.store(static_cast<int>(Phase::Registered), std::memory_order_release);
        return MVI_OK;
    } catch (...) {
        context.phase.store(static_cast<int>(Phase::Unregistered), std::memory_order_release);
        report_registration_error(api, registrar, "service registration failed: out of memory");
        return MVI_ERROR;
    }
}

}  // namespace detail
}  // namespace mvi

/// Declares the service of this plugin. Write it once, in one source file of the plugin, followed
/// by the setup body; `service_variable` names the mvi::Service& the body declares into:
///
///     MVI_SERVICE(service) {
///         service.entrypoint("ping", [] { return "pong"; });
///     }
///
/// It defines the two exported C symbols of the ABI: mvi_plugin_abi_version (the version this
/// plugin was built against) and mvi_plugin_register, which runs the body once when the host
/// loads the library and then declares everything the body collected. An exception thrown by
/// the body fails the registration with its message; the host shows it as the version's error.
#define MVI_SERVICE(service_variable)                                                          \
    static void mvi_service_setup(::mvi::Service& service_variable);                           \
    extern "C" MVI_PLUGIN_EXPORT uint32_t mvi_plugin_abi_version(void) noexcept {              \
        return MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR);             \
    }                                                                                          \
    extern "C" MVI_PLUGIN_EXPORT mvi_status mvi_plugin_register(                               \
        const mvi_host_api* mvi_api, mvi_host* mvi_host_handle,                                \
        mvi_registrar* mvi_registrar_handle) noexcept {                                        \
        return ::mvi::detail::register_service(mvi_api, mvi_host_handle, mvi_registrar_handle, \
                                               &mvi_service_setup);                            \
    }                                                                                          \
    static void mvi_service_setup(::mvi::Service& service_variable)

#endif  // MVI_SERVICE_HPP
