// mvi/testing.hpp -- unit-testing a service without the server.
//
// mvi::testing::FakeHost implements the whole mvi_host_api table in-process. It calls the
// plugin's mvi_plugin_register, records the declared entrypoints (with their argument and
// result schemas) and parameters, and lets a test call entrypoints, read and set parameters and
// inspect log lines, notifications and monitoring values (stored(): what mvi::store was given,
// plus what mvi-host itself stores for monitored entrypoints and parameters). Periodic tasks
// (call_every) are recorded and run by the test with run_timers(); calls to other services
// (call_service) are answered by handlers the test registers with on_call(); the on_stop hook
// runs when the test calls stop(), as mvi-host runs it when the version unloads. The version's
// environment (mvi::env) is given to the constructor, so the registration reads it as under
// mvi-host, and may be changed later with set_env() and unset_env():
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
//     TEST(Hello, GreetsInTheConfiguredLanguage) {
//         mvi::testing::FakeHost host({{"GREETING", "Hej"}});
//         EXPECT_EQ(host.call("hello", {{"name", "Bob"}}).body, "Hej Bob");
//     }
//
// ONE TEST EXECUTABLE HOLDS ONE SERVICE: compile the service's source file (C++ with
// MVI_SERVICE, or a pure C plugin) into the test executable, whose mvi_plugin_register symbol
// FakeHost calls. Keep one FakeHost alive at a time; every new FakeHost registers the service
// again from scratch, so each test starts from the declared initial parameter values.
//
// FakeHost checks declarations with mvi-host's own code (mvi/registration.hpp): it accepts and
// refuses the same entrypoints and parameters, with the same status for the service and the same
// reason (declaration_problems(), failure_reason()), reading a field added in a later ABI minor
// only from a service that reports that minor, as mvi-host does. It validates with mvi-host's own
// validator (mvi/validation.hpp): it call arguments and parameter values against the declared
// schemas (the subset described in mvi/schema.hpp) and answers 422 for a missing or mistyped
// argument, and for an undeclared one when the entrypoint is strict, with the same detail list as
// mvi-host (an undeclared argument of any other entrypoint is left out of what it receives). It
// also checks every result against the declared result schema and answers 500 when it does not
// match, to catch a service whose declarations and behaviour disagree.
#ifndef MVI_TESTING_HPP
#define MVI_TESTING_HPP

#include <mvi/plugin.h>
#include <mvi/convert.hpp>
#include <mvi/error.hpp>
#include <mvi/limits.hpp>
#include <mvi/log.hpp>
#include <mvi/registration.hpp>
#include <mvi/service.hpp>
#include <mvi/validation.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
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
    bool monitor = false;              ///< Successful calls are stored as monitoring values.
    double timeout_seconds = 0;        ///< The call's deadline; 0: the host's default.
    bool strict_arguments = false;     ///< Undeclared arguments are refused, not ignored.
};

/// One route as the service declared it (ABI 1.5).
struct RouteRecord {
    registration::RouteDeclaration declaration;  ///< Method, path, handler, ...
};

/// A streamed answer (ABI 1.6) as FakeHost keeps it: the test plays its client. Thread-safe:
/// the service may write from its own threads while the test reads.
class StreamRecord {
  public:
    explicit StreamRecord(std::size_t capacity) : capacity_(capacity) {}

    /// Takes what the service wrote since the last read (as a client reading frees the host's
    /// buffer).
    std::string read() {
        std::lock_guard lock(mutex_);
        std::string taken = std::move(pending_);
        pending_.clear();
        return taken;
    }

    /// Everything the service wrote so far, read or not.
    std::string received() const {
        std::lock_guard lock(mutex_);
        return received_;
    }

    /// Whether the service closed the stream.
    bool ended() const {
        std::lock_guard lock(mutex_);
        return ended_;
    }

    /// The client leaves: the service's later writes are refused (MVI_BAD_STATE).
    void leave() {
        std::lock_guard lock(mutex_);
        left_ = true;
    }

    /// As the host's stream_write: MVI_BUSY when the unread bytes would pass the capacity.
    mvi_status write(std::string_view bytes) {
        std::lock_guard lock(mutex_);
        if (left_ || ended_) {
            return MVI_BAD_STATE;
        }
        if (bytes.size() > capacity_) {
            return MVI_INVALID_ARGUMENT;
        }
        if (pending_.size() + bytes.size() > capacity_) {
            return MVI_BUSY;
        }
        pending_.append(bytes);
        received_.append(bytes);
        return MVI_OK;
    }

    /// As the host's stream_close.
    void end() {
        std::lock_guard lock(mutex_);
        ended_ = true;
    }

  private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::string pending_;
    std::string received_;
    bool ended_ = false;
    bool left_ = false;
};

/// What a route answered (see FakeHost::call_route).
struct RouteResult {
    int status = 200;  ///< HTTP status.
    Fields headers;    ///< Headers as the service gave them (an error: none).
    std::string body;  ///< The body (an error: the JSON `{"detail": ...}` mvi-host sends).
    /// A streamed answer (Response::stream, Response::events): its client; null otherwise.
    std::shared_ptr<StreamRecord> stream = nullptr;

    /// The first header `name` (any case), or std::nullopt.
    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (mvi::detail::iequal(key, name)) {
                return value;
            }
        }
        return std::nullopt;
    }
};

/// One parameter as declared, with its current value.
struct ParameterRecord {
    std::string name;       ///< Parameter name.
    nlohmann::json value;   ///< Current value.
    nlohmann::json schema;  ///< Declared schema.
    bool exposed;           ///< Settable over HTTP.
    bool monitor = false;   ///< Every value it takes is stored as a monitoring value.
};

/// The answer to FakeHost::call: the HTTP status and the JSON body, which is the result for 200
/// and the error's `detail` otherwise.
struct CallResult {
    int status;           ///< HTTP status.
    nlohmann::json body;  ///< Result (200) or error detail.

    /// True for a 200 answer.
    bool ok() const noexcept { return status == 200; }
};

/// One periodic task the service declared with call_every.
struct TimerRecord {
    std::string name;               ///< Its name (may be empty).
    double interval_seconds;        ///< Seconds between starts.
    bool wait_first;                ///< First run one interval after start.
    mvi_plugin_timer_fn callback;   ///< The C callback.
    mvi_plugin_userdata* userdata;  ///< Passed back to the callback.
};

/// One call the service made through call_service.
struct ServiceCallRecord {
    std::string service;       ///< The service called.
    std::string version;       ///< The version asked for (empty: by name).
    std::string entrypoint;    ///< The entrypoint called.
    nlohmann::json arguments;  ///< The arguments object.
};

/// Answers a call_service made by the service under test: gets the arguments, returns the
/// status and the result (200) or detail (any other status).
using ServiceCallHandler = std::function<CallResult(const nlohmann::json& arguments)>;

/// An in-process host for one service; see the top of this header.
class FakeHost {
  public:
    /// Registers the service compiled into the test: its mvi_plugin_register, with the ABI
    /// minor its mvi_plugin_abi_version reports. Never throws for a failed registration; check
    /// registered() and failure_reason().
    FakeHost() : FakeHost(&::mvi_plugin_register, ::mvi_plugin_abi_version()) {}

    /// Registers the service compiled into the test, as the default constructor does, with
    /// `environment` as the version's environment variables (what mvi::env answers, during the
    /// registration already): `FakeHost host({{"GREETING", "Hej"}});`. (An environment held in
    /// a std::map goes to the constructor below.)
    explicit FakeHost(std::initializer_list<std::pair<const std::string, std::string>> environment)
        : FakeHost(&::mvi_plugin_register, ::mvi_plugin_abi_version(),
                   std::map<std::string, std::string>(environment)) {}

    /// Registers a service through `register_plugin` (a plugin opened by the test, say) with
    /// this host's table. `abi_version` is what the service's mvi_plugin_abi_version returns (by
    /// default this SDK's version): as mvi-host, FakeHost reads no declaration field added in a
    /// later minor than the service reports. `environment` is the version's environment. Never
    /// throws for a failed registration; check registered() and failure_reason().
    explicit FakeHost(mvi_plugin_register_fn register_plugin,
                      std::uint32_t abi_version = MVI_ABI_VERSION_PACK(MVI_ABI_VERSION_MAJOR,
                                                                       MVI_ABI_VERSION_MINOR),
                      std::map<std::string, std::string> environment = {})
        : abi_minor_(MVI_ABI_VERSION_GET_MINOR(abi_version)), environment_(std::move(environment)) {
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
        api_.store = &FakeHost::store_fn;
        api_.call_every = &FakeHost::call_every_fn;
        api_.call_service = &FakeHost::call_service_fn;
        api_.set_on_stop = &FakeHost::set_on_stop_fn;
        api_.get_env = &FakeHost::get_env_fn;
        api_.add_route = &FakeHost::add_route_fn;
        api_.route_answer = &FakeHost::route_answer_fn;
        api_.route_stream = &FakeHost::route_stream_fn;
        api_.stream_write = &FakeHost::stream_write_fn;
        api_.stream_close = &FakeHost::stream_close_fn;
        registering_ = true;
        status_ = register_plugin(&api_, handle(), registrar());
        registering_ = false;
        if (registered()) {
            // As mvi-host does once a version is ready: the initial values of monitored
            // parameters.
            nlohmann::json initial = nlohmann::json::object();
            for (const auto& [name, parameter] : parameters_) {
                if (parameter.monitor) {
                    initial[name] = parameter.value;
                }
            }
            if (!initial.empty()) {
                stored_.push_back(std::move(initial));
            }
        }
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

    /// True when mvi-host would make the version ready: mvi_plugin_register returned MVI_OK and
    /// no declaration was refused (a service that ignores a refusal still fails).
    bool registered() const noexcept { return status_ == MVI_OK && problems_.empty(); }

    /// What mvi_plugin_register returned.
    mvi_status registration_status() const noexcept { return status_; }

    /// The message the service gave through registration_error (empty on success).
    const std::string& registration_error() const noexcept { return registration_error_; }

    /// Why each refused declaration was refused, in order (the first
    /// registration::kKeptProblems of them), as mvi-host words it.
    const std::vector<std::string>& declaration_problems() const noexcept { return problems_; }

    /// The reason mvi-host would give for failing this version (its `error` in GET /services/),
    /// or an empty string when it would be ready.
    std::string failure_reason() const {
        return registration::failure_reason(status_, plugin_error_, problems_).value_or("");
    }

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
    /// entrypoint, 422 for arguments that are not an object, a missing required argument, an
    /// undeclared one (strict entrypoints only; others do not receive it), or one that does not
    /// match its schema (detail: mvi-host's list of {"loc": ["body", argument, ...], "msg",
    /// "type"}, see validation::validate_arguments), then the service's own answer: 200 with the
    /// result, or its error status and detail (500 when it failed or its result does not match
    /// the declared result schema).
    CallResult call(std::string_view name,
                    const nlohmann::json& arguments = nlohmann::json::object()) {
        const EntrypointRecord* record = find_entrypoint(name);
        if (record == nullptr) {
            return {404, "Entrypoint '" + std::string(name) + "' not found"};
        }
        const auto errors = validation::validate_arguments(record->arguments, arguments,
                                                           record->strict_arguments
                                                               ? validation::Undeclared::Refuse
                                                               : validation::Undeclared::Ignore);
        if (!errors.empty()) {
            return {422, validation::to_detail(errors)};
        }
        const auto declared = validation::without_undeclared(record->arguments, arguments);
        return invoke(*record, mvi::detail::dump_json(declared ? *declared : arguments));
    }

    /// Every declared route, in declaration order.
    const std::vector<RouteRecord>& routes() const noexcept { return routes_; }

    /// Sends a request to the service's routes like mvi-host does: the most specific path that
    /// matches `path` (`/images/7`) decides, 404 when none does, 405 when it has no route for
    /// `method`; the route's answer, or mvi-host's 500 for an answer it would refuse.
    RouteResult call_route(Method method, std::string_view path, std::string body = {},
                           Fields headers = {}, std::string query = {}) {
        std::vector<std::string> segments;
        std::string_view rest = path;
        while (!rest.empty()) {
            const std::size_t slash = rest.find('/');
            if (slash != 0) {
                segments.emplace_back(rest.substr(0, slash));
            }
            if (slash == std::string_view::npos) {
                break;
            }
            rest.remove_prefix(slash + 1);
        }
        auto matches = [&segments](const registration::RouteDeclaration& route) {
            if (route.segments.size() != segments.size()) {
                return false;
            }
            for (std::size_t i = 0; i < segments.size(); ++i) {
                if (!route.segments[i].parameter && route.segments[i].text != segments[i]) {
                    return false;
                }
            }
            return true;
        };
        const RouteRecord* best = nullptr;
        for (const auto& record : routes_) {
            if (!matches(record.declaration)) {
                continue;
            }
            bool better = best == nullptr;
            for (std::size_t i = 0; !better && i < segments.size(); ++i) {
                const bool mine = record.declaration.segments[i].parameter;
                const bool theirs = best->declaration.segments[i].parameter;
                if (mine != theirs) {
                    better = !mine;
                    break;
                }
            }
            best = better ? &record : best;
        }
        auto error = [](int status, const std::string& detail) {
            return RouteResult{status, {}, nlohmann::json{{"detail", detail}}.dump()};
        };
        if (best == nullptr) {
            return error(404, "no route " + std::string(path));
        }
        const RouteRecord* chosen = nullptr;
        for (const auto& record : routes_) {
            if (record.declaration.shape() == best->declaration.shape() &&
                record.declaration.method == static_cast<mvi_http_method>(method)) {
                chosen = &record;
            }
        }
        if (chosen == nullptr) {
            return error(405, "method not allowed");
        }
        Fields parameters;
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (chosen->declaration.segments[i].parameter) {
                parameters.emplace_back(chosen->declaration.segments[i].text, segments[i]);
            }
        }
        std::string decoded_path;
        for (const auto& segment : segments) {
            decoded_path += "/" + segment;
        }
        auto fields = [](const Fields& from) {
            std::vector<mvi_field> to;
            for (const auto& [name, value] : from) {
                to.push_back({mvi::detail::to_mvi_str(name), mvi::detail::to_mvi_str(value)});
            }
            return to;
        };
        const std::vector<mvi_field> raw_parameters = fields(parameters);
        const std::vector<mvi_field> raw_headers = fields(headers);
        mvi_route_request request{sizeof(mvi_route_request),
                                  static_cast<mvi_http_method>(method),
                                  mvi::detail::to_mvi_str(decoded_path),
                                  raw_parameters.data(),
                                  raw_parameters.size(),
                                  mvi::detail::to_mvi_str(query),
                                  raw_headers.data(),
                                  raw_headers.size(),
                                  mvi::detail::to_mvi_str(body)};
        RouteState state;
        const mvi_status status = chosen->declaration.handler(
            chosen->declaration.userdata, reinterpret_cast<mvi_call*>(&state), &request);
        if (!state.refused.empty()) {
            return error(500, state.refused);
        }
        if (!state.answered) {
            return error(500, status == MVI_OK ? "the service returned without an answer"
                                               : "the service failed with " + status_name(status));
        }
        if (state.is_error) {
            return RouteResult{state.status, {}, "{\"detail\":" + state.body + "}"};
        }
        return RouteResult{state.status, std::move(state.headers), std::move(state.body),
                           std::move(state.stream)};
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

    /// Every accepted batch of monitoring values, in order: each mvi::store call's object, and
    /// what mvi-host would store by itself (`<entrypoint>_request`/`_response` after a
    /// successful call of a monitored entrypoint, each value a monitored parameter takes).
    std::vector<nlohmann::json> stored() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stored_;
    }

    /// Makes the next `count` store calls of the service fail with `status` (MVI_BUSY to
    /// simulate a full queue); nothing of those calls is recorded.
    void refuse_store(mvi_status status, int count = 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        store_refusal_ = status;
        store_refusals_ = count;
    }

    /// Forgets the recorded log lines, notifications and monitoring values.
    void clear_records() {
        std::lock_guard<std::mutex> lock(mutex_);
        logs_.clear();
        notifications_.clear();
        stored_.clear();
    }

    /// The host table handed to the service.
    const mvi_host_api& api() const noexcept { return api_; }

    /// Every periodic task the service declared with call_every, in order. FakeHost has no
    /// clock: a test runs them with run_timers().
    std::vector<TimerRecord> timers() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return timers_;
    }

    /// Runs every declared periodic task once, in order, on this thread; returns how many of
    /// them returned MVI_OK (a task that threw logged it and returned MVI_ERROR).
    std::size_t run_timers() {
        std::size_t succeeded = 0;
        for (const auto& timer : timers()) {
            if (timer.callback(timer.userdata) == MVI_OK) {
                ++succeeded;
            }
        }
        return succeeded;
    }

    /// True while the service has an on_stop hook that has not run yet.
    bool has_on_stop() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return stop_hook_ != nullptr;
    }

    /// Stops the version as mvi-host does once it has drained, before closing the library: runs
    /// the service's on_stop hook once, on this thread, and returns its status (MVI_OK without a
    /// hook). Later set_on_stop calls from the service are refused (MVI_BAD_STATE), as by the
    /// host.
    mvi_status stop() {
        mvi_plugin_stop_fn hook = nullptr;
        mvi_plugin_userdata* userdata = nullptr;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopped_ = true;
            std::swap(hook, stop_hook_);
            std::swap(userdata, stop_userdata_);
        }
        return hook == nullptr ? MVI_OK : hook(userdata);
    }

    /// Makes call_service(`service`, `entrypoint`, ...) from the service answer with `handler`
    /// (whatever version is asked for). Calls nobody answers get 404, like an unknown service.
    void on_call(std::string service, std::string entrypoint, ServiceCallHandler handler) {
        std::lock_guard<std::mutex> lock(mutex_);
        call_handlers_[{std::move(service), std::move(entrypoint)}] = std::move(handler);
    }

    /// Sets environment variable `name` of the version to `value`: what mvi::env answers from
    /// now on. Under mvi-host a version's environment is fixed when it is deployed; a value a
    /// service reads while it registers is given to the constructor instead.
    void set_env(std::string name, std::string value) {
        std::lock_guard<std::mutex> lock(mutex_);
        environment_[std::move(name)] = std::move(value);
    }

    /// Removes environment variable `name` of the version (mvi::env answers std::nullopt).
    void unset_env(std::string_view name) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = environment_.find(std::string(name));
        if (it != environment_.end()) {
            environment_.erase(it);
        }
    }

    /// The version's environment variables, by name.
    std::map<std::string, std::string> environment() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return environment_;
    }

    /// Every call_service the service made, in order.
    std::vector<ServiceCallRecord> service_calls() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return service_calls_;
    }

  private:
    struct CallState {
        bool answered = false;
        bool is_error = false;
        int status = 200;
        std::string body;
        std::string refused;
        /// A route call (a RouteState).
        bool route = false;
    };

    /// A route call: a CallState (first, so call_error works on it too) and the headers.
    struct RouteState : CallState {
        RouteState() { route = true; }
        Fields headers;
        std::shared_ptr<StreamRecord> stream;
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
        std::vector<validation::ValidationError> errors;
        validation::validate(record.result_schema, body, nlohmann::json::array({"response"}),
                             errors);
        if (!errors.empty()) {
            return {500,
                    "the service answered a value that does not match its declared result type: " +
                        errors.front().msg};
        }
        if (record.monitor) {
            std::lock_guard<std::mutex> lock(mutex_);
            stored_.push_back({{record.name + "_request", nlohmann::json::parse(arguments)},
                               {record.name + "_response", body}});
        }
        return {200, body};
    }

    mvi_status store_parameter(std::string_view name, const nlohmann::json& value) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto it = parameters_.find(std::string(name));
        if (it == parameters_.end()) {
            return MVI_NOT_FOUND;
        }
        std::vector<validation::ValidationError> errors;
        validation::validate(it->second.schema, value, nlohmann::json::array({"body", "value"}),
                             errors);
        if (!errors.empty()) {
            return MVI_TYPE_MISMATCH;
        }
        it->second.value = value;
        if (it->second.monitor) {
            stored_.push_back({{it->first, value}});
        }
        return MVI_OK;
    }

    // ---- the mvi_host_api functions ----

    // What the shared checks need to know about the registration in progress.
    registration::Registration progress() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return {abi_minor_, entrypoints_.size(), parameters_.size(), routes_.size()};
    }

    // Keeps a refused declaration's reason, as mvi-host does, and returns its status.
    mvi_status refuse(registration::Refusal refusal) {
        if (problems_.size() < registration::kKeptProblems) {
            problems_.push_back(std::move(refusal.reason));
        }
        return refusal.status;
    }

    static mvi_status add_entrypoint_fn(mvi_registrar* registrar, const mvi_entrypoint_decl* decl) {
        FakeHost& host = self(registrar);
        if (!host.registering_) {
            return MVI_BAD_STATE;
        }
        try {
            auto checked = registration::check_entrypoint(decl, host.progress());
            if (!checked.declaration) {
                return host.refuse(std::move(checked.refusal));
            }
            registration::EntrypointDeclaration& declared = *checked.declaration;
            if (host.find_entrypoint(declared.name) != nullptr) {
                return host.refuse(registration::declared_twice("entrypoint", declared.name));
            }
            EntrypointRecord record{std::move(declared.name),
                                    static_cast<Method>(declared.method),
                                    std::move(declared.arguments),
                                    std::move(declared.result_schema),
                                    std::move(declared.description),
                                    declared.handler,
                                    declared.userdata,
                                    declared.monitor,
                                    declared.timeout_seconds,
                                    declared.strict_arguments};
            host.entrypoints_.push_back(std::move(record));
            return MVI_OK;
        } catch (const std::exception& error) {
            return host.refuse({MVI_ERROR, error.what()});
        }
    }

    static mvi_status add_parameter_fn(mvi_registrar* registrar, const mvi_parameter_decl* decl) {
        FakeHost& host = self(registrar);
        if (!host.registering_) {
            return MVI_BAD_STATE;
        }
        try {
            auto checked = registration::check_parameter(decl, host.progress());
            if (!checked.declaration) {
                return host.refuse(std::move(checked.refusal));
            }
            registration::ParameterDeclaration& declared = *checked.declaration;
            std::unique_lock<std::mutex> lock(host.mutex_);
            if (host.parameters_.count(declared.name) != 0) {
                lock.unlock();
                return host.refuse(registration::declared_twice("parameter", declared.name));
            }
            const std::string name = declared.name;
            host.parameters_.emplace(
                name,
                ParameterRecord{std::move(declared.name), std::move(declared.initial_value),
                                std::move(declared.schema), declared.exposed, declared.monitor});
            return MVI_OK;
        } catch (const std::exception& error) {
            return host.refuse({MVI_ERROR, error.what()});
        }
    }

    static void registration_error_fn(mvi_registrar* registrar, mvi_str message) {
        FakeHost& host = self(registrar);
        try {
            if (host.registering_) {
                host.registration_error_ = text(message);
                // Kept as mvi-host keeps it: no longer than a version's reason may be.
                host.plugin_error_ =
                    limits::shorten(mvi::detail::to_string_view(message), limits::kMaxReasonBytes);
            }
        } catch (...) {
        }
    }

    static mvi_status add_route_fn(mvi_registrar* registrar, const mvi_route_decl* decl) {
        FakeHost& host = self(registrar);
        if (!host.registering_) {
            return MVI_BAD_STATE;
        }
        try {
            auto checked = registration::check_route(decl, host.progress());
            if (!checked.declaration) {
                return host.refuse(std::move(checked.refusal));
            }
            const registration::RouteDeclaration& declared = *checked.declaration;
            for (const auto& other : host.routes_) {
                if (other.declaration.method == declared.method &&
                    other.declaration.shape() == declared.shape()) {
                    return host.refuse(registration::route_taken(
                        declared, std::string("route ") +
                                      registration::method_name(other.declaration.method) + " " +
                                      other.declaration.path));
                }
            }
            if (declared.segments.size() == 1 &&
                host.find_entrypoint(declared.segments.front().text) != nullptr) {
                return host.refuse(registration::route_taken(
                    declared, "entrypoint '" + declared.segments.front().text + "'"));
            }
            host.routes_.push_back(RouteRecord{std::move(*checked.declaration)});
            return MVI_OK;
        } catch (const std::exception& error) {
            return host.refuse({MVI_ERROR, error.what()});
        }
    }

    static mvi_status route_answer_fn(mvi_call* call, int32_t http_status, const mvi_field* headers,
                                      size_t header_count, mvi_str body) {
        if (!reinterpret_cast<CallState*>(call)->route) {
            return MVI_BAD_STATE;
        }
        auto& state = *static_cast<RouteState*>(reinterpret_cast<CallState*>(call));
        const mvi_status checked = answer_head(state, http_status, headers, header_count);
        if (checked == MVI_OK) {
            state.body = text(body);
        }
        return checked;
    }

    /// Streams live in shared records: a service may hold its stream past this host's life.
    static mvi_status route_stream_fn(mvi_call* call, int32_t http_status, const mvi_field* headers,
                                      size_t header_count, mvi_stream** stream) {
        if (!reinterpret_cast<CallState*>(call)->route || stream == nullptr) {
            return stream == nullptr ? MVI_INVALID_ARGUMENT : MVI_BAD_STATE;
        }
        auto& state = *static_cast<RouteState*>(reinterpret_cast<CallState*>(call));
        const mvi_status checked = answer_head(state, http_status, headers, header_count);
        if (checked != MVI_OK) {
            return checked;
        }
        state.stream = std::make_shared<StreamRecord>(kStreamBufferBytes);
        *stream = reinterpret_cast<mvi_stream*>(new std::shared_ptr<StreamRecord>(state.stream));
        return MVI_OK;
    }

    static mvi_status stream_write_fn(mvi_stream* stream, mvi_str bytes) {
        if (stream == nullptr || (bytes.data == nullptr && bytes.size != 0)) {
            return MVI_INVALID_ARGUMENT;
        }
        return (*reinterpret_cast<std::shared_ptr<StreamRecord>*>(stream))
            ->write(mvi::detail::to_string_view(bytes));
    }

    static void stream_close_fn(mvi_stream* stream) {
        if (stream != nullptr) {
            auto* record = reinterpret_cast<std::shared_ptr<StreamRecord>*>(stream);
            (*record)->end();
            delete record;
        }
    }

    /// The buffer of a stream, as mvi-host's default `http.stream_buffer_bytes`.
    static constexpr std::size_t kStreamBufferBytes = 1 << 20;

    /// Checks a route answer's status and headers as mvi-host does and records them.
    static mvi_status answer_head(RouteState& state, int32_t http_status, const mvi_field* headers,
                                  size_t header_count) {
        if (state.answered) {
            return MVI_BAD_STATE;
        }
        try {
            if (http_status < 200 || http_status > 599 || (headers == nullptr && header_count) ||
                header_count > limits::kMaxAnswerHeaders) {
                state.refused = "invalid route answer: status " + std::to_string(http_status);
                return MVI_INVALID_ARGUMENT;
            }
            Fields fields;
            for (size_t i = 0; i < header_count; ++i) {
                const std::string name = text(headers[i].name);
                const std::string value = text(headers[i].value);
                bool token = !name.empty();
                for (const char c : name) {
                    token = token && c > 0x20 && c < 0x7F && c != ':' && c != '"' && c != '(' &&
                            c != ')' && c != ',' && c != '/' && c != ';' && c != '<' && c != '=' &&
                            c != '>' && c != '?' && c != '@' && c != '[' && c != '\\' && c != ']' &&
                            c != '{' && c != '}';
                }
                bool clean = true;
                for (const char c : value) {
                    clean = clean &&
                            ((static_cast<unsigned char>(c) >= 0x20 && c != 0x7F) || c == '\t');
                }
                if (!token || !clean || mvi::detail::iequal(name, "Content-Length") ||
                    mvi::detail::iequal(name, "Transfer-Encoding") ||
                    mvi::detail::iequal(name, "Connection")) {
                    state.refused = "invalid route answer: header '" + name + "'";
                    return MVI_INVALID_ARGUMENT;
                }
                fields.emplace_back(name, value);
            }
            state.answered = true;
            state.status = http_status;
            state.headers = std::move(fields);
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
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

    static mvi_status store_fn(mvi_host* handle, mvi_str values) {
        FakeHost& host = self(handle);
        try {
            const auto parsed = parse(values);
            if (!parsed || !parsed->is_object() || parsed->empty()) {
                return MVI_INVALID_ARGUMENT;
            }
            for (const auto& item : parsed->items()) {
                if (!mvi::detail::is_valid_name(item.key())) {
                    return MVI_INVALID_ARGUMENT;
                }
            }
            std::lock_guard<std::mutex> lock(host.mutex_);
            if (host.store_refusals_ > 0) {
                --host.store_refusals_;
                return host.store_refusal_;
            }
            host.stored_.push_back(*parsed);
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status call_every_fn(mvi_host* handle, const mvi_timer_decl* timer) {
        FakeHost& host = self(handle);
        if (timer == nullptr || timer->size < sizeof(mvi_timer_decl) ||
            timer->callback == nullptr || timer->name.size > limits::kMaxNameBytes ||
            !std::isfinite(timer->interval_seconds) || timer->interval_seconds <= 0) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            std::lock_guard<std::mutex> lock(host.mutex_);
            host.timers_.push_back(TimerRecord{text(timer->name), timer->interval_seconds,
                                               timer->wait_first, timer->callback,
                                               timer->userdata});
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status call_service_fn(mvi_host* handle, const mvi_service_call* request,
                                      int32_t* http_status, mvi_plugin_receive_fn receive,
                                      mvi_plugin_buffer* buffer) {
        FakeHost& host = self(handle);
        if (request == nullptr || request->size < sizeof(mvi_service_call) ||
            http_status == nullptr || receive == nullptr || request->service.size == 0 ||
            request->entrypoint.size == 0) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            nlohmann::json arguments = nlohmann::json::object();
            if (request->arguments.size != 0) {
                auto parsed = parse(request->arguments);
                if (!parsed || !parsed->is_object()) {
                    return MVI_INVALID_ARGUMENT;
                }
                arguments = std::move(*parsed);
            }
            ServiceCallRecord record{text(request->service), text(request->version),
                                     text(request->entrypoint), arguments};
            ServiceCallHandler handler;
            {
                std::lock_guard<std::mutex> lock(host.mutex_);
                host.service_calls_.push_back(record);
                const auto it = host.call_handlers_.find({record.service, record.entrypoint});
                if (it != host.call_handlers_.end()) {
                    handler = it->second;
                }
            }
            CallResult answer{404, "service '" + record.service + "' entrypoint '" +
                                       record.entrypoint + "' has no handler in FakeHost"};
            if (handler) {
                answer = handler(arguments);
            }
            const std::string body = mvi::detail::dump_json(answer.body);
            *http_status = answer.status;
            receive(buffer, mvi::detail::to_mvi_str(body));
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    static mvi_status set_on_stop_fn(mvi_host* handle, mvi_plugin_stop_fn hook,
                                     mvi_plugin_userdata* userdata) {
        FakeHost& host = self(handle);
        std::lock_guard<std::mutex> lock(host.mutex_);
        if (host.stopped_) {
            return MVI_BAD_STATE;
        }
        host.stop_hook_ = hook;
        host.stop_userdata_ = hook == nullptr ? nullptr : userdata;
        return MVI_OK;
    }

    static mvi_status get_env_fn(mvi_host* handle, mvi_str name, mvi_plugin_receive_fn receive,
                                 mvi_plugin_buffer* buffer) {
        FakeHost& host = self(handle);
        if (receive == nullptr) {
            return MVI_INVALID_ARGUMENT;
        }
        try {
            std::string value;
            {
                std::lock_guard<std::mutex> lock(host.mutex_);
                const auto it = host.environment_.find(text(name));
                if (it == host.environment_.end()) {
                    return MVI_NOT_FOUND;
                }
                value = it->second;
            }
            receive(buffer, mvi::detail::to_mvi_str(value));
            return MVI_OK;
        } catch (...) {
            return MVI_ERROR;
        }
    }

    mvi_host_api api_{};
    mvi_status status_ = MVI_ERROR;
    bool registering_ = false;
    std::string registration_error_;
    std::string plugin_error_;
    std::uint32_t abi_minor_;
    std::vector<std::string> problems_;
    std::vector<EntrypointRecord> entrypoints_;
    std::vector<RouteRecord> routes_;

    mutable std::mutex mutex_;
    std::map<std::string, std::string> environment_;
    std::map<std::string, ParameterRecord> parameters_;
    std::vector<LogRecord> logs_;
    std::vector<NotificationRecord> notifications_;
    std::vector<nlohmann::json> stored_;
    mvi_status store_refusal_ = MVI_OK;
    int store_refusals_ = 0;
    std::vector<TimerRecord> timers_;
    std::map<std::pair<std::string, std::string>, ServiceCallHandler> call_handlers_;
    std::vector<ServiceCallRecord> service_calls_;
    mvi_plugin_stop_fn stop_hook_ = nullptr;
    mvi_plugin_userdata* stop_userdata_ = nullptr;
    bool stopped_ = false;
};

}  // namespace mvi::testing

#endif  // MVI_TESTING_HPP
