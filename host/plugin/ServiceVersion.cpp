#include "plugin/ServiceVersion.h"

#include <Poco/File.h>
#include <Poco/String.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <chrono>
#include <condition_variable>
#include <thread>

#include "fault/PhaseTable.h"
#include "plugin/HostApi.h"
#include "schema/SchemaValidator.h"
#include "state/StorageError.h"

namespace mvi::host {
namespace {

nlohmann::json detail(nlohmann::json value) {
    return {{"detail", std::move(value)}};
}

/// Keeps a library that must never be closed (threads it started still run in it) open and
/// reachable until the process exits.
void keepOpenForever(std::unique_ptr<SharedObject> library) {
    static std::mutex mutex;
    static auto* kept = new std::vector<std::unique_ptr<SharedObject>>();
    std::lock_guard lock(mutex);
    kept->push_back(std::move(library));
}

}  // namespace

const char* versionStateName(VersionState state) {
    switch (state) {
        case VersionState::Loading:
            return "loading";
        case VersionState::Ready:
            return "ready";
        case VersionState::Draining:
            return "draining";
        case VersionState::Unloaded:
            return "unloaded";
        case VersionState::Failed:
            return "failed";
        case VersionState::Quarantined:
            return "quarantined";
    }
    return "failed";
}

ServiceVersion::ServiceVersion(ServiceId id, Artifact artifact, HostServices services,
                               Environment environment)
    : id_(std::move(id)),
      artifact_(std::move(artifact)),
      environment_(std::move(environment)),
      services_(services),
      phaseIndex_(
          fault::PhaseTable::instance().addVersion(id_.name, id_.version, artifact_.sha256)) {
    services_.logs.beginStream(id_);
    parameters_.observeMonitored([this](const std::string& name, const nlohmann::json& value) {
        storeQuietly({{name, value}});
    });
}

ServiceVersion::~ServiceVersion() {
    // Tasks declared while loading wait for the version by its address.
    stopTimers();
    closeLibrary();
    if (keptMapped_) {
        // Its threads still run its code: a crash in one of them must still name this build.
        return;
    }
    if (threads_) {
        PluginThreads::instance().untrack(threads_);
    }
    fault::PhaseTable::instance().removeVersion(phaseIndex_);
}

void ServiceVersion::markDraining() {
    VersionState expected = VersionState::Ready;
    if (state_.compare_exchange_strong(expected, VersionState::Draining)) {
        stopTimers();
        log(LogLevel::Info,
            fmt::format("draining (build sha256 {})", artifact_.sha256.substr(0, 12)));
        if (stuck_.load() > 0) {
            replaceServingProcess();
        }
    }
}

void ServiceVersion::replaceServingProcess() {
    if (services_.watchdog == nullptr) {
        return;
    }
    std::string reason = fmt::format(
        "{} {} is draining, but {} of its calls are stuck past their deadline: it can never "
        "finish",
        id_.name, id_.version, stuck_.load());
    log(LogLevel::Warning, reason);
    services_.watchdog->requestReplacement(reason);
}

void ServiceVersion::setReloadError(const std::string& reason) {
    std::lock_guard lock(errorMutex_);
    reloadError_ = limits::shorten(reason, limits::kMaxReasonBytes);
}

bool ServiceVersion::unload() {
    stopTimers();
    endStreams();
    if (!library_) {
        return true;
    }
    std::string build = artifact_.sha256.substr(0, 12);
    Release release = closeLibrary();
    state_ = VersionState::Unloaded;
    if (release.unmapped) {
        log(LogLevel::Info, fmt::format("unloaded (build sha256 {}; library unmapped)", build));
    } else {
        std::string message =
            release.threadsRunning > 0 || release.hook == Hook::Hung
                ? fmt::format(
                      "build sha256 {} could not be unmapped from the host process: {}; it "
                      "was not closed and keeps its memory until the host restarts",
                      build, keptReason(release))
                : fmt::format(
                      "build sha256 {} could not be unmapped from the host process after "
                      "closing: it keeps its memory until the host restarts (a unique "
                      "symbol or thread-local destructor pins it; build plugins with "
                      "mvi_add_plugin)",
                      build);
        log(LogLevel::Error, message);
        services_.notifications.raise(id_, Severity::Critical, message);
    }
    services_.logs.endStream(id_);
    return release.unmapped;
}

mvi_stream* ServiceVersion::openStream() {
    auto handle = std::make_unique<mvi_stream>();
    handle->feed = std::make_shared<StreamFeed>(services_.streamBufferBytes);
    handle->version = this;
    mvi_stream* opened = handle.get();
    std::lock_guard lock(streamsMutex_);
    streams_.emplace(opened, std::move(handle));
    return opened;
}

void ServiceVersion::closeStream(mvi_stream* handle) {
    std::unique_ptr<mvi_stream> closed;
    {
        std::lock_guard lock(streamsMutex_);
        auto found = streams_.find(handle);
        if (found == streams_.end()) {
            return;
        }
        closed = std::move(found->second);
        streams_.erase(found);
    }
    closed->feed->end();
}

std::size_t ServiceVersion::openStreams() const {
    std::lock_guard lock(streamsMutex_);
    return streams_.size();
}

void ServiceVersion::endStreams() noexcept {
    std::lock_guard lock(streamsMutex_);
    for (const auto& [handle, stream] : streams_) {
        stream->feed->end();
    }
}

std::string ServiceVersion::error() const {
    std::lock_guard lock(errorMutex_);
    return error_;
}

void ServiceVersion::markReady() {
    loadedAt_.update();
    state_ = VersionState::Ready;
    nlohmann::json initial = parameters_.monitoredValues();
    if (!initial.empty()) {
        storeQuietly(initial);
    }
    auto self = weak_from_this().lock();
    if (services_.timers != nullptr && self) {
        services_.timers->ready(self);
    }
}

bool ServiceVersion::addTimer(TimerSpec spec) {
    auto self = weak_from_this().lock();
    if (services_.timers == nullptr || !self) {
        return false;
    }
    services_.timers->add(self, std::move(spec));
    return true;
}

void ServiceVersion::stopTimers() noexcept {
    if (services_.timers != nullptr) {
        services_.timers->cancel(this);
    }
}

void ServiceVersion::markFailed(const std::string& reason) {
    {
        std::lock_guard lock(errorMutex_);
        error_ = limits::shorten(reason, limits::kMaxReasonBytes);
    }
    state_ = VersionState::Failed;
    stopTimers();
    entrypoints_.clear();
    Release release = closeLibrary();
    if (!release.unmapped && (release.threadsRunning > 0 || release.hook == Hook::Hung)) {
        log(LogLevel::Error, "its library stays mapped: " + keptReason(release));
    }
    services_.logs.endStream(id_);
}

void ServiceVersion::markQuarantined(const std::string& reason) {
    {
        std::lock_guard lock(errorMutex_);
        error_ = limits::shorten(reason, limits::kMaxReasonBytes);
    }
    state_ = VersionState::Quarantined;
    services_.logs.endStream(id_);
}

const Entrypoint* ServiceVersion::entrypoint(const std::string& name) const {
    auto found = entrypoints_.find(name);
    return found == entrypoints_.end() ? nullptr : &found->second;
}

bool ServiceVersion::addEntrypoint(Entrypoint entrypoint) {
    std::string name = entrypoint.name;
    return entrypoints_.emplace(std::move(name), std::move(entrypoint)).second;
}

void ServiceVersion::attachLibrary(std::unique_ptr<SharedObject> library) {
    library_ = std::move(library);
}

std::shared_ptr<fault::CallWatchdog::Watch> ServiceVersion::watch(const std::string& what,
                                                                  double timeoutSeconds,
                                                                  const TimeoutAnswer* onTimeout) {
    if (services_.watchdog == nullptr) {
        return nullptr;
    }
    auto timeout = timeoutSeconds > 0
                       ? std::chrono::milliseconds(static_cast<long long>(timeoutSeconds * 1000))
                       : services_.callTimeout;
    // Runs on the watchdog's thread while the call is still inside the plugin, which holds this
    // version alive.
    return services_.watchdog->begin(timeout, [this, what, timeout, onTimeout] {
        ++stuck_;
        if (state_.load() == VersionState::Draining) {
            replaceServingProcess();
        }
        std::string message = fmt::format(
            "{} did not return within {:g} s: its caller got 504 and the call is "
            "counted as stuck until it returns",
            what, std::chrono::duration<double>(timeout).count());
        log(LogLevel::Warning, message);
        notify(Severity::Warning, message, {}, 0);
        if (onTimeout != nullptr) {
            (*onTimeout)(CallResult{504, detail(message), true});
        }
    });
}

bool ServiceVersion::returnedLate(const std::shared_ptr<fault::CallWatchdog::Watch>& watch) {
    if (watch && !services_.watchdog->end(watch)) {
        --stuck_;
        return true;
    }
    return false;
}

CallResult ServiceVersion::call(const Entrypoint& entrypoint, const nlohmann::json& arguments,
                                const TimeoutAnswer* onTimeout) {
    auto started = std::chrono::steady_clock::now();
    auto watched = watch("entrypoint " + entrypoint.name, entrypoint.timeoutSeconds, onTimeout);
    CallResult result = invoke(entrypoint, arguments);
    if (returnedLate(watched)) {
        result = CallResult{
            504, detail(fmt::format("entrypoint {} returned after its deadline", entrypoint.name)),
            onTimeout != nullptr};
    }
    entrypoint.stats->record(result.status, std::chrono::steady_clock::now() - started);
    return result;
}

RouteAnswer ServiceVersion::callRoute(const ServiceRoute& route, const RouteCall& request,
                                      const TimeoutAnswer* onTimeout) {
    auto started = std::chrono::steady_clock::now();
    const std::string what = "route " + route.describe();
    auto watched = watch(what, route.declaration.timeout_seconds, onTimeout);
    RouteAnswer answer = invokeRoute(route, request);
    if (returnedLate(watched)) {
        if (answer.stream) {
            // Its caller was answered 504 already: nobody reads the stream.
            answer.stream->close();
        }
        answer = RouteAnswer::json(504, detail(what + " returned after its deadline"));
        answer.answered = onTimeout != nullptr;
    }
    route.stats->record(answer.status, std::chrono::steady_clock::now() - started);
    return answer;
}

RouteAnswer ServiceVersion::invokeRoute(const ServiceRoute& route, const RouteCall& request) {
    const std::string what = "route " + route.describe();
    try {
        auto fields = [](const Fields& from) {
            std::vector<mvi_field> to;
            to.reserve(from.size());
            for (const auto& [name, value] : from) {
                to.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
            }
            return to;
        };
        const std::vector<mvi_field> parameters = fields(request.parameters);
        const std::vector<mvi_field> headers = fields(request.headers);
        mvi_route_request passed{sizeof(mvi_route_request),
                                 request.method,
                                 {request.path.data(), request.path.size()},
                                 parameters.data(),
                                 parameters.size(),
                                 {request.query.data(), request.query.size()},
                                 headers.data(),
                                 headers.size(),
                                 {request.body.data(), request.body.size()}};
        mvi_call call;
        call.route = true;
        call.version = this;
        mvi_status status;
        {
            fault::PhaseScope phase(phaseIndex_, fault::Phase::Entrypoint, route.describe());
            status = route.declaration.handler(route.declaration.userdata, &call, &passed);
        }
        if (!call.answered) {
            std::string reason = !call.problem.empty() ? call.problem
                                 : status == MVI_OK
                                     ? "the service returned without an answer"
                                     : fmt::format("the service failed with status {}", status);
            log(LogLevel::Error, fmt::format("{}: {}", what, reason));
            return RouteAnswer::json(500, detail(reason));
        }
        if (!call.raw) {
            return RouteAnswer::json(call.status,
                                     call.status == 200 ? call.body : detail(std::move(call.body)));
        }
        RouteAnswer answer{call.status, std::move(call.headers), std::move(call.rawBody),
                           std::move(call.stream)};
        bool typed = false;
        for (const auto& [name, value] : answer.headers) {
            typed = typed || Poco::icompare(name, "Content-Type") == 0;
        }
        if (!typed) {
            answer.headers.emplace_back("Content-Type", "application/octet-stream");
        }
        return answer;
    } catch (const std::exception& error) {
        return RouteAnswer::json(
            500, detail(fmt::format("host error while calling the service: {}", error.what())));
    } catch (...) {
        log(LogLevel::Error, what + ": an exception crossed the C ABI");
        return RouteAnswer::json(
            500, detail("the service let an exception cross the C ABI (only status codes may "
                        "cross; the SDK's trampolines do this for you)"));
    }
}

RouteMatch ServiceVersion::matchRoute(mvi_http_method method,
                                      const std::vector<std::string>& segments) const {
    const ServiceRoute* best = nullptr;
    for (const ServiceRoute& route : routes_) {
        if (route.matches(segments) && (best == nullptr || route.moreSpecificThan(*best))) {
            best = &route;
        }
    }
    RouteMatch match;
    if (best == nullptr) {
        return match;
    }
    match.pathFound = true;
    const std::string shape = best->declaration.shape();
    for (const ServiceRoute& route : routes_) {
        if (route.declaration.shape() != shape) {
            continue;
        }
        match.allowed += (match.allowed.empty() ? "" : ", ") + std::string(route.method());
        if (route.declaration.method == method) {
            match.route = &route;
            route.matches(segments, &match.parameters);
        }
    }
    return match;
}

std::optional<std::string> ServiceVersion::routeTaken(
    const registration::RouteDeclaration& route) const {
    const std::string shape = route.shape();
    for (const ServiceRoute& other : routes_) {
        if (other.declaration.method == route.method && other.declaration.shape() == shape) {
            return "route " + other.describe();
        }
    }
    if (route.segments.size() == 1 && entrypoint(route.segments.front().text) != nullptr) {
        return fmt::format("entrypoint '{}'", route.segments.front().text);
    }
    return std::nullopt;
}

const ServiceRoute* ServiceVersion::routeNamed(const std::string& name) const {
    for (const ServiceRoute& route : routes_) {
        const auto& segments = route.declaration.segments;
        if (segments.size() == 1 && segments.front().text == name) {
            return &route;
        }
    }
    return nullptr;
}

CallResult ServiceVersion::invoke(const Entrypoint& entrypoint, const nlohmann::json& arguments) {
    auto errors = SchemaValidator::validateArguments(entrypoint.arguments, arguments,
                                                     entrypoint.strictArguments
                                                         ? SchemaValidator::Undeclared::Refuse
                                                         : SchemaValidator::Undeclared::Ignore);
    if (!errors.empty()) {
        return {422, detail(SchemaValidator::toDetail(errors))};
    }
    try {
        // The handler gets the declared arguments only; the caller's object stays as it was sent
        // (a mirrored copy carries it to each shadow, which validates it by its own declaration).
        // Strings in arguments are valid UTF-8 (bodies and query values are checked as they are
        // read), so this dump does not throw for what a client sent.
        std::optional<nlohmann::json> declared =
            SchemaValidator::withoutUndeclared(entrypoint.arguments, arguments);
        const nlohmann::json& passed = declared ? *declared : arguments;
        std::string text = passed.dump();
        mvi_call call;
        mvi_status status;
        {
            fault::PhaseScope phase(phaseIndex_, fault::Phase::Entrypoint, entrypoint.name);
            status =
                entrypoint.handler(entrypoint.userdata, &call, mvi_str{text.data(), text.size()});
        }
        if (!call.answered) {
            std::string reason = !call.problem.empty() ? call.problem
                                 : status == MVI_OK
                                     ? "the service returned without an answer"
                                     : fmt::format("the service failed with status {}", status);
            log(LogLevel::Error, fmt::format("entrypoint {}: {}", entrypoint.name, reason));
            return {500, detail(reason)};
        }
        if (call.status != 200) {
            return {call.status, detail(std::move(call.body))};
        }
        std::vector<ValidationError> resultErrors;
        SchemaValidator::validate(entrypoint.resultSchema, call.body,
                                  nlohmann::json::array({"response"}), resultErrors);
        if (!resultErrors.empty()) {
            std::string reason = fmt::format(
                "the service answered a value that does not match its declared result type: {}",
                resultErrors.front().msg);
            log(LogLevel::Error, fmt::format("entrypoint {}: {}", entrypoint.name, reason));
            return {500, detail(reason)};
        }
        if (entrypoint.monitor) {
            if (auto failed = storeCallValues(entrypoint.name, passed, call.body)) {
                return std::move(*failed);
            }
        }
        return {200, std::move(call.body)};
    } catch (const std::exception& error) {
        return {500, detail(fmt::format("host error while calling the service: {}", error.what()))};
    } catch (...) {
        // A plugin written without the SDK threw through the C ABI.
        log(LogLevel::Error,
            fmt::format("entrypoint {}: an exception crossed the C ABI", entrypoint.name));
        return {500, detail("the service let an exception cross the C ABI (only status codes "
                            "may cross; the SDK's trampolines do this for you)")};
    }
}

bool ServiceVersion::store(const nlohmann::json& values) {
    if (services_.monitor == nullptr) {
        throw std::runtime_error("this host keeps no monitoring data");
    }
    return services_.monitor->store(id_, values);
}

std::optional<CallResult> ServiceVersion::storeCallValues(const std::string& entrypoint,
                                                          const nlohmann::json& arguments,
                                                          const nlohmann::json& answer) {
    nlohmann::json values = {{entrypoint + "_request", arguments},
                             {entrypoint + "_response", answer}};
    if (services_.monitor == nullptr ||
        services_.monitor->durability() != MonitorStore::Durability::Durable) {
        storeQuietly(values);
        return std::nullopt;
    }
    // Durable: a call is acknowledged (200) only once its values are committed.
    const std::string notKept =
        fmt::format("entrypoint {} ran, but its monitoring values could not be stored", entrypoint);
    try {
        if (store(values)) {
            return std::nullopt;
        }
        return CallResult{503, detail(notKept + ": the host is stopping")};
    } catch (const StorageError& error) {
        log(LogLevel::Warning, fmt::format("{}: {}", notKept, error.what()));
        return CallResult{error.httpStatus(), detail(fmt::format("{}: {}", notKept, error.what()))};
    } catch (const std::exception& error) {
        log(LogLevel::Warning, fmt::format("{}: {}", notKept, error.what()));
        return CallResult{500, detail(fmt::format("{}: {}", notKept, error.what()))};
    }
}

void ServiceVersion::storeQuietly(const nlohmann::json& values) noexcept {
    try {
        store(values);
    } catch (const std::exception& error) {
        try {
            log(LogLevel::Warning, fmt::format("monitoring values not kept: {}", error.what()));
        } catch (...) {
            // Out of memory while reporting: the values are lost either way.
        }
    }
}

void ServiceVersion::log(LogLevel level, std::string message) {
    services_.logs.append(id_, level, std::move(message));
}

void ServiceVersion::notify(Severity severity, const std::string& message,
                            std::vector<std::string> emails, double timerSeconds) {
    services_.notifications.raise(id_, severity, message, std::move(emails), timerSeconds);
}

std::string ServiceVersion::reloadError() const {
    std::lock_guard lock(errorMutex_);
    return reloadError_;
}

bool ServiceVersion::setOnStop(mvi_plugin_stop_fn hook, mvi_plugin_userdata* userdata) {
    std::lock_guard lock(stopMutex_);
    if (stopping_) {
        return false;
    }
    onStop_ = hook;
    onStopData_ = hook == nullptr ? nullptr : userdata;
    return true;
}

ServiceVersion::Hook ServiceVersion::runOnStop() noexcept {
    mvi_plugin_stop_fn hook = nullptr;
    mvi_plugin_userdata* userdata = nullptr;
    {
        std::lock_guard lock(stopMutex_);
        stopping_ = true;
        std::swap(hook, onStop_);
        std::swap(userdata, onStopData_);
    }
    if (hook == nullptr) {
        return Hook::None;
    }
    // Shared with the hook's thread, which may outlive this version when the hook hangs.
    struct Run {
        std::mutex mutex;
        std::condition_variable done;
        bool finished = false;
        mvi_status status = MVI_ERROR;
        bool threw = false;
    };
    auto started = std::chrono::steady_clock::now();
    std::shared_ptr<Run> run;
    try {
        run = std::make_shared<Run>();
        std::thread([run, hook, userdata, phase = phaseIndex_] {
            mvi_status status = MVI_ERROR;
            bool threw = false;
            try {
                fault::PhaseScope scope(phase, fault::Phase::Stop, "");
                status = hook(userdata);
            } catch (...) {
                threw = true;
            }
            {
                std::lock_guard lock(run->mutex);
                run->status = status;
                run->threw = threw;
                run->finished = true;
            }
            run->done.notify_all();
        }).detach();
    } catch (const std::exception&) {
        // No thread to be had: the hook runs here, without a deadline.
        mvi_status status = MVI_ERROR;
        bool threw = false;
        try {
            fault::PhaseScope scope(phaseIndex_, fault::Phase::Stop, "");
            status = hook(userdata);
        } catch (...) {
            threw = true;
        }
        reportHook(status, threw, std::chrono::steady_clock::now() - started);
        return Hook::Returned;
    }
    std::unique_lock lock(run->mutex);
    if (!run->done.wait_for(lock, services_.stopTimeout, [&run] { return run->finished; })) {
        return Hook::Hung;
    }
    reportHook(run->status, run->threw, std::chrono::steady_clock::now() - started);
    return Hook::Returned;
}

void ServiceVersion::reportHook(mvi_status status, bool threw,
                                std::chrono::duration<double> took) noexcept {
    try {
        if (threw) {
            // A plugin written without the SDK threw through the C ABI.
            log(LogLevel::Error,
                "on_stop hook let an exception cross the C ABI (only status codes may cross; the "
                "SDK's trampolines do this for you)");
        } else if (status == MVI_OK) {
            log(LogLevel::Info, fmt::format("on_stop hook returned after {:.3f} s", took.count()));
        } else {
            log(LogLevel::Error, fmt::format("on_stop hook failed with status {} after {:.3f} s",
                                             status, took.count()));
        }
    } catch (...) {
        // Out of memory while reporting: unloading goes on regardless.
    }
}

ServiceVersion::Release ServiceVersion::closeLibrary() {
    Release release;
    if (!library_) {
        return release;
    }
    release.hook = runOnStop();
    if (release.hook != Hook::Hung && threads_) {
        release.threadsRunning = threads_->waitUntilNone(services_.stopTimeout);
    }
    if (release.hook == Hook::Hung || release.threadsRunning > 0) {
        // Closing would unmap code that still runs: the library stays open.
        keptMapped_ = true;
        release.unmapped = false;
        keepOpenForever(std::move(library_));
        return release;
    }
    std::string path = library_->path();
    {
        fault::PhaseScope phase(phaseIndex_, fault::Phase::Unload, "");
        library_->close();
    }
    library_.reset();
    release.unmapped = !SharedObject::isMapped(path);
    if (threads_) {
        PluginThreads::instance().untrack(threads_);
    }
    try {
        Poco::File(path).remove();
    } catch (const Poco::Exception&) {
        // The cache is cleaned at the next start anyway.
    }
    return release;
}

std::string ServiceVersion::keptReason(const Release& release) const {
    double seconds = std::chrono::duration<double>(services_.stopTimeout).count();
    if (release.hook == Hook::Hung) {
        return fmt::format(
            "its on_stop hook did not return within {:g} s (plugins.stop_timeout_seconds) and "
            "still runs; make the hook return once it has ended what the service started",
            seconds);
    }
    if (release.hook == Hook::Returned) {
        return fmt::format(
            "{} threads it started are still running {:g} s after its on_stop hook returned "
            "(plugins.stop_timeout_seconds); make its on_stop hook end them",
            release.threadsRunning, seconds);
    }
    return fmt::format(
        "{} threads it started are still running; give it an on_stop hook that ends them "
        "(waited {:g} s, plugins.stop_timeout_seconds)",
        release.threadsRunning, seconds);
}

}  // namespace mvi::host
