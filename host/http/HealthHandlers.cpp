#include "http/HealthHandlers.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/Exception.h>
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "core/BackgroundTask.h"
#include "fault/PhaseTable.h"
#include "metrics/PrometheusText.h"
#include "state/DataFolder.h"
#include "state/DatabaseHealth.h"

namespace mvi::host {
namespace {

// One version that keeps the host from being ready.
nlohmann::json notReady(const ServiceId& id, const std::string& state, const std::string& reason) {
    return {{"name", id.name}, {"version", id.version}, {"state", state}, {"reason", reason}};
}

// Every version of every service in the table, in table order.
template <typename Visit>
void forEachVersion(const ServiceRegistry::Table& table, Visit visit) {
    for (const auto& [name, route] : table) {
        for (const auto& [version, candidate] : route.versions) {
            visit(*candidate, route.main == candidate);
        }
    }
}

// What became of monitoring values: how they are written, and how many could not be kept.
nlohmann::json monitoringHealth(const MonitorStore& monitor) {
    nlohmann::json health = {{"durability", MonitorStore::durabilityName(monitor.durability())},
                             {"refused_calls", monitor.droppedBatches()},
                             {"failed_batches", monitor.failedBatches()}};
    std::string lastError = monitor.lastError();
    if (!lastError.empty()) {
        health["last_error"] = lastError;
    }
    return health;
}

}  // namespace

void ReadyHandler::handle(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
    nlohmann::json waiting = nlohmann::json::array();
    std::vector<std::string> reasons;
    if (!context_.deployer.startedUp()) {
        reasons.push_back("the plugins folder is still being scanned");
    }
    auto table = context_.registry.snapshot();
    std::size_t loaded = 0;
    forEachVersion(*table, [&](const ServiceVersion& version, bool) {
        VersionState state = version.state();
        if (state == VersionState::Ready || state == VersionState::Draining) {
            ++loaded;
            return;
        }
        std::string reason = state == VersionState::Failed ? "failed to load: " + version.error()
                             : state == VersionState::Quarantined
                                 ? "is quarantined: " + version.error()
                                 : std::string("is ") + versionStateName(state);
        reasons.push_back(fmt::format("{} {} {}", version.id().name, version.id().version, reason));
        waiting.push_back(notReady(version.id(), versionStateName(state), reason));
    });
    if (context_.config.reload.watch) {
        // A file that was dropped in the folder but is not loaded yet (its writer may still be
        // writing it) is a deployment in progress.
        try {
            for (Poco::DirectoryIterator it(context_.config.plugins.dir), end; it != end; ++it) {
                auto id = parsePluginFileName(it.name());
                if (!id || it.name().front() == '.') {
                    continue;
                }
                auto route = table->find(id->name);
                if (route == table->end() || route->second.versions.count(id->version) == 0) {
                    std::string reason = fmt::format("{} is not loaded yet", it.name());
                    reasons.push_back(fmt::format("{} {}: {}", id->name, id->version, reason));
                    waiting.push_back(notReady(*id, "pending", reason));
                }
            }
        } catch (const Poco::Exception& error) {
            reasons.push_back("cannot read the plugins folder: " + error.displayText());
        }
    }
    std::vector<std::string> database =
        DatabaseHealth::problems(DataFolder::databasePath(context_.config.data.dir));
    reasons.insert(reasons.end(), database.begin(), database.end());
    if (!detailed_) {
        if (reasons.empty()) {
            sendJson(response, 200, {{"status", "ready"}, {"ready", true}});
        } else {
            sendJson(response, 503,
                     {{"detail", "not ready (send a token to see why)"},
                      {"status", "not ready"},
                      {"ready", false}});
        }
        return;
    }
    if (reasons.empty()) {
        sendJson(response, 200,
                 {{"status", "ready"},
                  {"ready", true},
                  {"loaded_versions", loaded},
                  {"monitoring", monitoringHealth(context_.monitor)}});
        return;
    }
    std::string detail = "not ready: ";
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        detail += (i == 0 ? "" : "; ") + reasons[i];
    }
    sendJson(response, 503,
             {{"detail", detail},
              {"status", "not ready"},
              {"ready", false},
              {"loaded_versions", loaded},
              {"not_ready", waiting},
              {"database", database},
              {"monitoring", monitoringHealth(context_.monitor)}});
}

void MetricsHandler::handle(Poco::Net::HTTPServerRequest&,
                            Poco::Net::HTTPServerResponse& response) {
    auto table = context_.registry.snapshot();

    // One snapshot of every entrypoint's counters, so each family reads the same numbers.
    struct Series {
        PrometheusText::Labels labels;
        CallStats::Snapshot stats;
    };
    std::vector<Series> series;
    std::map<std::string, std::size_t> versionsByState = {
        {"loading", 0}, {"ready", 0}, {"draining", 0}, {"failed", 0}, {"quarantined", 0}};
    forEachVersion(*table, [&](const ServiceVersion& version, bool) {
        ++versionsByState[versionStateName(version.state())];
        for (const auto& [name, entrypoint] : version.entrypoints()) {
            series.push_back({{{"service", version.id().name},
                               {"version", version.id().version},
                               {"entrypoint", name}},
                              entrypoint.stats->snapshot()});
        }
        // A service's own routes: the same series, labelled by `route` ("GET /files/{name}").
        for (const ServiceRoute& route : version.routes()) {
            series.push_back({{{"service", version.id().name},
                               {"version", version.id().version},
                               {"route", route.describe()}},
                              route.stats->snapshot()});
        }
    });

    PrometheusText text;
    text.family("mvi_requests_total", "counter",
                "Calls answered by a version's entrypoint (direct or mirrored), whatever the "
                "status.");
    for (const Series& one : series) {
        text.sample("mvi_requests_total", one.labels, static_cast<double>(one.stats.requests));
    }
    text.family("mvi_request_errors_total", "counter",
                "Calls answered with an error status, by class: 4xx (bad input) or 5xx (the "
                "service failed).");
    for (const Series& one : series) {
        PrometheusText::Labels labels = one.labels;
        labels.emplace_back("class", "4xx");
        text.sample("mvi_request_errors_total", labels,
                    static_cast<double>(one.stats.clientErrors));
        labels.back().second = "5xx";
        text.sample("mvi_request_errors_total", labels,
                    static_cast<double>(one.stats.serverErrors));
    }
    text.family("mvi_request_duration_seconds", "histogram",
                "Time the host spent on a call: argument validation, the service and the check "
                "of its answer.");
    std::vector<double> bounds(CallStats::kBounds.begin(), CallStats::kBounds.end());
    for (const Series& one : series) {
        text.histogram("mvi_request_duration_seconds", one.labels, bounds,
                       {one.stats.buckets.begin(), one.stats.buckets.end()}, one.stats.sumSeconds);
    }

    auto counter = [&text](const std::string& name, const std::string& help, std::uint64_t value) {
        text.family(name, "counter", help);
        text.sample(name, {}, static_cast<double>(value));
    };
    counter("mvi_mirror_sent_total",
            "Mirrored copies of by-name calls served by a shadow (whatever it answered).",
            context_.mirror.sent());
    counter("mvi_mirror_failed_total",
            "Mirrored copies a shadow answered with a status of 500 or more, or could not serve.",
            context_.mirror.failed());
    counter("mvi_mirror_dropped_total", "Mirrored copies dropped because the queue was full.",
            context_.mirror.dropped());
    counter("mvi_monitor_dropped_total",
            "Calls storing monitoring values refused because the writer's queue was full.",
            context_.monitor.droppedBatches());
    counter("mvi_monitor_failed_total",
            "Calls' batches of monitoring values the database refused to write (logged; the last "
            "error is in /~ready).",
            context_.monitor.failedBatches());
    counter("mvi_loads_total", "Plugin files loaded successfully.", context_.loader.loaded());
    counter("mvi_load_failures_total", "Plugin files that failed to load.",
            context_.loader.failed());
    counter("mvi_swaps_total",
            "New builds that replaced the serving build of the same version without a restart.",
            context_.deployer.swaps());
    counter("mvi_unloads_total", "Versions whose library was closed after their last user left.",
            context_.unloader.unloaded());
    counter("mvi_unloads_stuck_total",
            "Closed libraries the dynamic loader kept mapped (they stay until a restart).",
            context_.unloader.stuck());

    counter("mvi_calls_timed_out_total",
            "Entrypoint calls that passed their deadline (answered 504, counted stuck).",
            context_.watchdog.expired());
    text.family("mvi_calls_stuck", "gauge",
                "Calls past their deadline that are still running inside a plugin.");
    text.sample("mvi_calls_stuck", {}, static_cast<double>(context_.watchdog.stuck()));
    text.family("mvi_background_errors_total", "counter",
                "Exceptions caught in the host's background threads (logged; the thread goes "
                "on), by thread.");
    for (const auto& [thread, errors] : BackgroundTask::errors()) {
        text.sample("mvi_background_errors_total", {{"thread", thread}},
                    static_cast<double>(errors));
    }
    // The supervisor's figures, kept in the memory it shares with this process.
    const auto& supervisor = fault::PhaseTable::instance().header();
    counter("mvi_supervisor_restarts_total",
            "Serving processes the supervisor started after one died or asked to be replaced.",
            supervisor.restarts.load());
    counter("mvi_supervisor_quarantined_total",
            "Builds the supervisor quarantined because they took the serving process down.",
            supervisor.quarantined.load());
    text.family("mvi_supervisor_last_outage_seconds", "gauge",
                "From the last death of a serving process until its successor served again.");
    text.sample("mvi_supervisor_last_outage_seconds", {},
                static_cast<double>(supervisor.lastOutageMs.load()) / 1000.0);
    text.family("mvi_supervisor_outage_seconds_total", "counter",
                "Time without a serving process, summed over every restart.");
    text.sample("mvi_supervisor_outage_seconds_total", {},
                static_cast<double>(supervisor.totalOutageMs.load()) / 1000.0);

    LoginThrottle::Counts logins = context_.auth.loginCounts();
    text.family("mvi_login_attempts_total", "counter",
                "Attempts at POST /auth/login by outcome: succeeded, failed (wrong credentials), "
                "throttled (429: too many failures from the address or for the user name) or "
                "busy (503: every password check stayed busy).");
    for (const auto& [outcome, value] :
         {std::pair{"succeeded", logins.succeeded}, std::pair{"failed", logins.failed},
          std::pair{"throttled", logins.throttled}, std::pair{"busy", logins.busy}}) {
        text.sample("mvi_login_attempts_total", {{"outcome", outcome}}, static_cast<double>(value));
    }

    const front::Stats& http = context_.http;
    text.family("mvi_http_connections", "gauge", "Open client connections (event front).");
    text.sample("mvi_http_connections", {},
                static_cast<double>(http.connections.load(std::memory_order_relaxed)));
    counter("mvi_http_connections_accepted_total", "Client connections accepted (event front).",
            http.accepted.load(std::memory_order_relaxed));
    counter("mvi_http_requests_read_total",
            "Requests read in full and handed to a worker or stream thread (event front).",
            http.requests.load(std::memory_order_relaxed));
    text.family("mvi_http_queued_requests", "gauge",
                "Complete requests waiting for a worker (event front).");
    text.sample("mvi_http_queued_requests", {},
                static_cast<double>(http.queued.load(std::memory_order_relaxed)));
    text.family("mvi_http_streams", "gauge", "Streaming answers being served (event front).");
    text.sample("mvi_http_streams", {},
                static_cast<double>(http.streaming.load(std::memory_order_relaxed)));
    text.family("mvi_http_route_streams", "gauge",
                "Streamed answers of services' routes being written (event front).");
    text.sample("mvi_http_route_streams", {},
                static_cast<double>(http.feeds.load(std::memory_order_relaxed)));
    text.family("mvi_http_rejected_total", "counter",
                "Requests and connections the event front refused or closed, by reason: "
                "connections (http.max_connections), address "
                "(http.max_connections_per_address), head_timeout (408), body_timeout (408), "
                "head_too_large (431), body_too_large (413), queue_full (503, http.max_queued), "
                "streams_full (503, http.max_streams), buffer_full (503, "
                "http.max_buffered_bytes), bad_request (400, 501, 505), send_timeout, idle "
                "(keep-alive connections closed at http.keep_alive_seconds).");
    for (const auto& [reason, value] :
         {std::pair{"connections", &http.tooManyConnections},
          std::pair{"address", &http.tooManyFromAddress},
          std::pair{"head_timeout", &http.headTimeout},
          std::pair{"body_timeout", &http.bodyTimeout},
          std::pair{"head_too_large", &http.headTooLarge},
          std::pair{"body_too_large", &http.bodyTooLarge}, std::pair{"queue_full", &http.queueFull},
          std::pair{"streams_full", &http.streamsFull}, std::pair{"buffer_full", &http.bufferFull},
          std::pair{"bad_request", &http.badRequest}, std::pair{"send_timeout", &http.sendTimeout},
          std::pair{"idle", &http.idleClosed}}) {
        text.sample("mvi_http_rejected_total", {{"reason", reason}},
                    static_cast<double>(value->load(std::memory_order_relaxed)));
    }

    text.family("mvi_loaded_versions", "gauge", "Versions loaded and serving (ready).");
    text.sample("mvi_loaded_versions", {}, static_cast<double>(versionsByState["ready"]));
    text.family("mvi_versions", "gauge", "Versions in the routing table, by state.");
    for (const auto& [state, count] : versionsByState) {
        text.sample("mvi_versions", {{"state", state}}, static_cast<double>(count));
    }

    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType(PrometheusText::kContentType);
    response.sendBuffer(text.text().data(), text.text().size());
}

}  // namespace mvi::host
