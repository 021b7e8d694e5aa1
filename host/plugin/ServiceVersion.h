#pragma once

#include <Poco/Timestamp.h>
#include <mvi/plugin.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/Environment.h"
#include "core/ServiceId.h"
#include "fault/CallWatchdog.h"
#include "logs/LogStore.h"
#include "metrics/CallStats.h"
#include "monitor/MonitorStore.h"
#include "notifications/NotificationStore.h"
#include "plugin/ParameterSet.h"
#include "plugin/PluginThreads.h"
#include "plugin/ServiceRoute.h"
#include "plugin/SharedObject.h"
#include "plugin/TimerService.h"

namespace mvi::host {
class ServiceCaller;
class ServiceVersion;
}  // namespace mvi::host

/// The host's side of the `mvi_host` handle: one per loaded version.
struct mvi_host {
    mvi::host::ServiceVersion* version;
};

namespace mvi::host {

/// Where a loaded version stands in its life.
enum class VersionState { Loading, Ready, Draining, Unloaded, Failed, Quarantined };

/// Lower-case name of a state ("ready").
const char* versionStateName(VersionState state);

/// The file a version was loaded from.
struct Artifact {
    /// The file in the plugins folder (or wherever it came from).
    std::string sourcePath;
    /// Hex SHA-256 of its content.
    std::string sha256;
    /// The private copy that was actually opened.
    std::string cachePath;
    std::uint64_t bytes = 0;
};

/// One entrypoint as the plugin declared it.
struct Entrypoint {
    std::string name;
    mvi_http_method method = MVI_METHOD_POST;
    /// JSON array of {"name", "schema", "required"}.
    nlohmann::json arguments;
    nlohmann::json resultSchema;
    std::string description;
    mvi_plugin_entrypoint_fn handler = nullptr;
    mvi_plugin_userdata* userdata = nullptr;
    /// Store each successful call's arguments and result as monitoring values.
    bool monitor = false;
    /// Seconds a call may run before it is answered 504 and counted stuck; 0: the host's default.
    double timeoutSeconds = 0;
    /// A key that is not a declared argument is refused (422) rather than ignored.
    bool strictArguments = false;
    /// Requests, errors and latency of the calls to this entrypoint (kept for `/metrics`).
    std::shared_ptr<CallStats> stats = std::make_shared<CallStats>();
};

/// Outcome of calling an entrypoint: an HTTP status and the JSON body to send (the result for
/// 2xx, `{"detail": ...}` otherwise).
struct CallResult {
    int status = 200;
    nlohmann::json body;
    /// The call passed its deadline and the caller was answered already (by `onTimeout`).
    bool answered = false;
};

/// Answers a caller whose call passed its deadline (504), from the watchdog's thread while the
/// call still runs.
using TimeoutAnswer = std::function<void(const CallResult&)>;

/// The host stores a version writes to.
struct HostServices {
    LogStore& logs;
    NotificationStore& notifications;
    /// Where monitoring values go; none: they are not kept.
    MonitorStore* monitor = nullptr;
    /// Watches entrypoint calls for their deadline; none: calls have no deadline.
    fault::CallWatchdog* watchdog = nullptr;
    /// The deadline of an entrypoint that declares none.
    std::chrono::milliseconds callTimeout{60000};
    /// How long unloading waits for the threads a plugin started to end (after its on_stop
    /// hook) before it keeps the library mapped instead of closing it.
    std::chrono::milliseconds stopTimeout{5000};
    /// Bytes a streamed route answer holds for a slow client (`http.stream_buffer_bytes`).
    std::size_t streamBufferBytes = 1 << 20;
    /// Runs the periodic tasks a plugin declares; none: `call_every` is refused.
    TimerService* timers = nullptr;
    /// Routes the calls a plugin makes to services (`call_service`); none: refused.
    ServiceCaller* caller = nullptr;
};

/// Which route of a version a request's method and path reach.
struct RouteMatch {
    /// The route; null when no route has the path (404) or none of its routes the method (405).
    const ServiceRoute* route = nullptr;
    /// Whether a route has the path (so a null `route` is a 405).
    bool pathFound = false;
    /// The methods of the matched path, comma-separated: the `Allow` header of a 405.
    std::string allowed;
    /// The values of the route's `{name}` segments.
    Fields parameters;
};

/// The calls a version answered, as counted by the dispatcher.
struct VersionCalls {
    /// As main (by name) or by version.
    CallStats served;
    /// Mirrored copies it served as a shadow.
    CallStats mirrored;
};

/// One loaded (or failed) version of a service: its library, what it declared, its parameters
/// and its state. Held by `shared_ptr`; every request holds it for its whole life, so the
/// library stays open until the last user lets go. Thread-safe after registration.
class ServiceVersion : public std::enable_shared_from_this<ServiceVersion> {
  public:
    /// A version of `id` built from `artifact`, given `environment` (see `environment()`).
    ServiceVersion(ServiceId id, Artifact artifact, HostServices services,
                   Environment environment = {});
    ~ServiceVersion();

    ServiceVersion(const ServiceVersion&) = delete;
    ServiceVersion& operator=(const ServiceVersion&) = delete;

    const ServiceId& id() const { return id_; }
    const Artifact& artifact() const { return artifact_; }
    VersionState state() const { return state_.load(); }
    Poco::Timestamp loadedAt() const { return loadedAt_; }

    /// The environment variables its deployer gave it, which the plugin reads through
    /// `get_env`. Fixed for the version's life.
    const Environment& environment() const { return environment_; }

    /// Why the version failed, empty otherwise.
    std::string error() const;

    /// Marks the version ready to serve.
    void markReady();

    /// Marks the version failed with `reason` (kept at most mvi::limits::kMaxReasonBytes long)
    /// and closes its library.
    void markFailed(const std::string& reason);

    /// Marks the version quarantined with `reason`: its build took the serving process down, so
    /// it was not loaded (a version in this state never has a library).
    void markQuarantined(const std::string& reason);

    /// Marks the version as taken out of routing: it finishes what it holds, then unloads.
    void markDraining();

    /// Records why a newer file for this version could not replace it (it keeps serving).
    void setReloadError(const std::string& reason);

    /// True while the library is open.
    bool hasLibrary() const { return library_ != nullptr; }
    /// Its library was left open because code of it may still run (threads it started, or an
    /// on_stop hook that never returned): the version must then outlive it, as that code may
    /// still call the host through its handle.
    bool keptMapped() const { return keptMapped_; }

    /// Runs the plugin's on_stop hook, waits for the threads it started to end, then closes the
    /// library and checks that the dynamic loader really unmapped it; logs either way and raises
    /// a Critical notification when it did not. A library whose threads still run is not closed
    /// at all (it stays mapped until the process exits). Returns whether it is unmapped. Called
    /// by the Unloader once the last user is gone.
    bool unload();

    /// Sets (null `hook`: removes) the plugin's on_stop hook. Returns false once the version is
    /// stopping (the hook ran or is about to).
    bool setOnStop(mvi_plugin_stop_fn hook, mvi_plugin_userdata* userdata);

    /// Why the last reload of its plugin file failed while this version kept serving (empty:
    /// none did).
    std::string reloadError() const;

    /// The calls it answered, served and mirrored (counted by the dispatcher).
    VersionCalls& calls() { return calls_; }
    const VersionCalls& calls() const { return calls_; }

    /// Calls past their deadline that have not returned yet.
    std::uint64_t stuck() const { return stuck_.load(); }

    /// The entrypoint `name`, or nullptr.
    const Entrypoint* entrypoint(const std::string& name) const;

    /// All entrypoints by name.
    const std::map<std::string, Entrypoint>& entrypoints() const { return entrypoints_; }

    /// Its routes, in the order they were declared.
    const std::vector<ServiceRoute>& routes() const { return routes_; }

    /// Opens a streamed answer of one of its routes (`route_stream`): the handle its plugin
    /// writes to, kept until the plugin closes it (`closeStream`) or the version is destroyed.
    /// Streams do not hold the version: when it unloads, each one still open ends (its client
    /// gets what was written, then the end; later writes are refused).
    mvi_stream* openStream();
    /// Ends the stream of `handle` after what was written and frees the handle (`stream_close`).
    void closeStream(mvi_stream* handle);
    /// Streams opened and not closed by the plugin.
    std::size_t openStreams() const;

    /// The route a request with `method` and path `segments` (below the service) reaches: when
    /// several paths match, the most specific (see ServiceRoute::moreSpecificThan) decides, and
    /// only its methods count.
    RouteMatch matchRoute(mvi_http_method method, const std::vector<std::string>& segments) const;

    ParameterSet& parameters() { return parameters_; }
    const ParameterSet& parameters() const { return parameters_; }

    /// Validates `arguments` against the entrypoint's declaration, calls the plugin and checks
    /// its answer. Never throws; every failure becomes an error status with a detail. Every
    /// call (direct or mirrored) is counted, with its latency, in the entrypoint's `stats`.
    /// A call that passes its deadline answers 504 through `onTimeout` (when given) at once and
    /// is counted as stuck; when it returns at last its result has `answered` set.
    CallResult call(const Entrypoint& entrypoint, const nlohmann::json& arguments,
                    const TimeoutAnswer* onTimeout = nullptr);

    /// Calls route `route` (one of `routes()`) with `request` and checks its answer, like
    /// `call`: never throws, counts the call in the route's `stats`, and answers 504 through
    /// `onTimeout` when it passes its deadline. Failures are JSON answers with a `detail`.
    RouteAnswer callRoute(const ServiceRoute& route, const RouteCall& request,
                          const TimeoutAnswer* onTimeout = nullptr);

    /// Stores monitoring values (a JSON object of variables) for this version with one
    /// timestamp (in durable mode, waits until they are committed). Returns false when the
    /// store's queue is full. Throws std::invalid_argument for values that are not such an
    /// object, StorageError when they could not be written (durable mode), std::runtime_error
    /// when the host keeps no monitoring data (unit tests without a store).
    bool store(const nlohmann::json& values);

    /// Writes a line to this version's log.
    void log(LogLevel level, std::string message);

    /// Raises a notification for this version.
    void notify(Severity severity, const std::string& message, std::vector<std::string> emails,
                double timerSeconds);

    /// The handle the plugin receives.
    mvi_host* handle() { return &handle_; }

    /// This build's record in the fault::PhaseTable (0 when the table was full): threads running
    /// its code are marked with it, so a crash is attributed to it.
    std::uint32_t phaseIndex() const { return phaseIndex_; }

    /// The router for calls this version makes to services, or null.
    ServiceCaller* caller() const { return services_.caller; }

    /// Hands a periodic task to the host's timers (TimerService::add). Returns false when the
    /// host runs none.
    bool addTimer(TimerSpec spec);

    // ---- used while loading ----

    /// Takes ownership of the opened library.
    void attachLibrary(std::unique_ptr<SharedObject> library);

    /// The open library, or null.
    const SharedObject* library() const { return library_.get(); }

    /// The record that counts the threads the library starts (tracked before it is opened).
    void trackThreads(std::shared_ptr<PluginThreads::Library> threads) {
        threads_ = std::move(threads);
    }

    /// The threads record, or null (a version without library).
    const std::shared_ptr<PluginThreads::Library>& threads() const { return threads_; }

    /// Records a declared entrypoint. Returns false when the name is taken.
    bool addEntrypoint(Entrypoint entrypoint);
    /// Records a declared route (checked by mvi/registration.hpp and against `routeTaken`).
    void addRoute(ServiceRoute route) { routes_.push_back(std::move(route)); }
    /// What already has the method and path of `route` ("route GET /x/{id}", "entrypoint
    /// 'x'"), or nothing.
    std::optional<std::string> routeTaken(const registration::RouteDeclaration& route) const;
    /// The one-segment route whose path is `/<name>`, or nullptr: an entrypoint may not take
    /// its name.
    const ServiceRoute* routeNamed(const std::string& name) const;

  private:
    /// A draining version with stuck calls can never finish: asks for a fresh serving process.
    void replaceServingProcess();

    /// Stores values the host itself monitors (calls, parameters); a refusal never fails the
    /// caller (a full queue is counted by the store, anything else is logged).
    void storeQuietly(const nlohmann::json& values) noexcept;
    /// Stores a monitored call's arguments and answer. In durable mode, values that could not be
    /// committed fail the call: the result to answer instead (507 disk full, 503 another storage
    /// cause or a stopping host, 500 otherwise), so every call answered 200 has its values.
    std::optional<CallResult> storeCallValues(const std::string& entrypoint,
                                              const nlohmann::json& arguments,
                                              const nlohmann::json& answer);
    /// `call` without the measuring.
    CallResult invoke(const Entrypoint& entrypoint, const nlohmann::json& arguments);
    /// `callRoute` without the measuring.
    RouteAnswer invokeRoute(const ServiceRoute& route, const RouteCall& request);

    /// Starts watching a call of `what` ("entrypoint x", "route GET /x") for its deadline
    /// (`timeoutSeconds`, 0: the host's default): past it, the call is counted stuck, logged,
    /// notified and answered 504 through `onTimeout`. Null when the host watches no calls.
    std::shared_ptr<fault::CallWatchdog::Watch> watch(const std::string& what,
                                                      double timeoutSeconds,
                                                      const TimeoutAnswer* onTimeout);
    /// Ends `watch`; true when the call had passed its deadline (it is no longer stuck).
    bool returnedLate(const std::shared_ptr<fault::CallWatchdog::Watch>& watch);

    /// Cancels the version's periodic tasks (a run in progress finishes).
    void stopTimers() noexcept;
    /// Ends every stream still open (the version unloads).
    void endStreams() noexcept;

    /// What became of the on_stop hook.
    enum class Hook {
        /// The plugin set none.
        None,
        /// It returned (its failures are logged).
        Returned,
        /// It was still running at the stop timeout.
        Hung,
    };

    /// How releasing the library went.
    struct Release {
        /// The dynamic loader no longer maps it.
        bool unmapped = true;
        /// Threads the plugin started that still ran when the wait ended (then it is not closed).
        std::size_t threadsRunning = 0;
        Hook hook = Hook::None;
    };

    /// Runs the on_stop hook once, on a thread of its own, and waits up to the stop timeout
    /// (`plugins.stop_timeout_seconds`) for it: a hook that never returns is left running.
    Hook runOnStop() noexcept;
    /// Logs how a hook that returned went.
    void reportHook(mvi_status status, bool threw, std::chrono::duration<double> took) noexcept;

    /// Runs the on_stop hook, waits for the plugin's threads, then closes the library unless
    /// some still run.
    Release closeLibrary();

    /// Why the library stays mapped (a hook that hung, or `release.threadsRunning` threads of it
    /// still running).
    std::string keptReason(const Release& release) const;

    ServiceId id_;
    Artifact artifact_;
    const Environment environment_;
    HostServices services_;
    mvi_host handle_{this};
    std::uint32_t phaseIndex_ = 0;
    std::atomic<VersionState> state_{VersionState::Loading};
    Poco::Timestamp loadedAt_;
    mutable std::mutex errorMutex_;
    std::string error_;
    std::string reloadError_;
    VersionCalls calls_;
    std::atomic<std::uint64_t> stuck_{0};
    std::map<std::string, Entrypoint> entrypoints_;
    std::vector<ServiceRoute> routes_;
    mutable std::mutex streamsMutex_;
    std::map<mvi_stream*, std::unique_ptr<mvi_stream>> streams_;
    ParameterSet parameters_;
    std::unique_ptr<SharedObject> library_;
    std::shared_ptr<PluginThreads::Library> threads_;
    /// The library was left mapped because code of it may still run.
    bool keptMapped_ = false;
    std::mutex stopMutex_;
    mvi_plugin_stop_fn onStop_ = nullptr;
    mvi_plugin_userdata* onStopData_ = nullptr;
    bool stopping_ = false;
};

}  // namespace mvi::host
