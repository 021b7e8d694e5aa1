#include "http/ServiceViews.h"

#include <Poco/Path.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "core/Environment.h"
#include "core/IsoTime.h"
#include "deploy/VersionAssets.h"

namespace mvi::host {

namespace {

/// The counters of an entrypoint's or a route's calls, as `GET /services/` shows them.
nlohmann::json callCounts(const CallStats& stats) {
    CallStats::Snapshot calls = stats.snapshot();
    return {{"requests", calls.requests},
            {"client_errors", calls.clientErrors},
            {"errors", calls.serverErrors},
            {"seconds", calls.sumSeconds}};
}

}  // namespace

nlohmann::json ServiceViews::version(const ServiceVersion& version, bool isMain) {
    VersionState state = version.state();
    nlohmann::json entrypoints = nlohmann::json::array();
    for (const auto& [name, entrypoint] : version.entrypoints()) {
        entrypoints.push_back({{"name", name},
                               {"method", entrypoint.method == MVI_METHOD_GET ? "GET" : "POST"},
                               {"arguments", entrypoint.arguments},
                               {"result", entrypoint.resultSchema},
                               {"description", entrypoint.description},
                               {"stats", callCounts(*entrypoint.stats)}});
    }
    nlohmann::json routes = nlohmann::json::array();
    for (const ServiceRoute& route : version.routes()) {
        const auto& declared = route.declaration;
        routes.push_back({{"method", route.method()},
                          {"path", declared.path},
                          {"description", declared.description},
                          {"content_type", declared.content_type},
                          {"stats", callCounts(*route.stats)}});
    }
    const Artifact& artifact = version.artifact();
    std::string reloadError = version.reloadError();
    bool running = state == VersionState::Ready || state == VersionState::Draining;
    bool refused = state == VersionState::Failed || state == VersionState::Quarantined;
    CallStats::Snapshot served = version.calls().served.snapshot();
    CallStats::Snapshot mirrored = version.calls().mirrored.snapshot();
    return {
        {"name", version.id().name},
        {"version", version.id().version},
        {"main", isMain},
        {"image", image(version)},
        {"status", versionStateName(state)},
        {"loaded_since",
         running ? nlohmann::json(formatIsoTime(version.loadedAt())) : nlohmann::json()},
        {"artifact",
         {{"file", artifact.sourcePath},
          {"sha256", artifact.sha256},
          {"bytes", artifact.bytes},
          {"cache_path", artifact.cachePath}}},
        {"error", refused ? nlohmann::json(version.error()) : nlohmann::json()},
        {"reload_error", reloadError.empty() ? nlohmann::json() : nlohmann::json(reloadError)},
        {"stats",
         {{"requests", served.requests},
          {"errors", served.serverErrors},
          {"mirrored", mirrored.requests},
          {"mirror_errors", mirrored.serverErrors},
          {"stuck", version.stuck()}}},
        {"entrypoints", entrypoints},
        {"routes", routes},
        {"parameters", version.parameters().names()},
        {"environment", EnvironmentRules::toJson(version.environment())},
        {"static", VersionAssets::exists(VersionAssets::besidePlugin(artifact.sourcePath))},
    };
}

std::string ServiceViews::image(const ServiceVersion& version) {
    const Artifact& artifact = version.artifact();
    std::string fileName = Poco::Path(artifact.sourcePath).getFileName();
    return artifact.sha256.empty() ? fileName
                                   : fileName + "@sha256:" + artifact.sha256.substr(0, 12);
}

nlohmann::json ServiceViews::list(const ServiceRegistry& registry) {
    std::vector<ServiceRegistry::Listed> listed = registry.list();
    // Every listed name has exactly one main entry, as the original platform guaranteed (its
    // CLI picks a name's main from this list): a name without a main serving version (its only
    // version failed to load, or is quarantined) lists its newest version as main. The list is
    // sorted by name, then version.
    for (auto first = listed.begin(); first != listed.end();) {
        auto end = std::find_if(first, listed.end(), [&first](const auto& entry) {
            return entry.version->id().name != first->version->id().name;
        });
        if (std::none_of(first, end, [](const auto& entry) { return entry.isMain; })) {
            std::prev(end)->isMain = true;
        }
        first = end;
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& entry : listed) {
        list.push_back(version(*entry.version, entry.isMain));
    }
    return list;
}

}  // namespace mvi::host
