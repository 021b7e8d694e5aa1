#include "http/InspectionHandler.h"

#include <Poco/DateTimeFormatter.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

namespace mvi::host {
namespace {

/// The time Docker reports for "never".
constexpr const char* kNever = "0001-01-01T00:00:00Z";

std::string isoTime(const Poco::Timestamp& time) {
    return Poco::DateTimeFormatter::format(time, "%Y-%m-%dT%H:%M:%S.%FZ");
}

/// The original's status words for a version's state.
const char* statusName(VersionState state) {
    switch (state) {
        case VersionState::Loading:
            return "loading";
        case VersionState::Ready:
            return "running";
        case VersionState::Draining:
            return "draining";
        case VersionState::Unloaded:
            return "exited";
        case VersionState::Failed:
            return "failed";
        case VersionState::Quarantined:
            return "quarantined";
    }
    return "failed";
}

}  // namespace

void InspectionHandler::handle(Poco::Net::HTTPServerRequest& request,
                               Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    std::string name;
    std::string version;
    for (const auto& [key, value] : queryParameters(request)) {
        if (key == "name") {
            name = value;
        } else if (key == "version") {
            version = value;
        }
    }
    if (name.empty()) {
        throw HttpError(422, nlohmann::json::array({{{"loc", {"query", "name"}},
                                                     {"msg", "field required"},
                                                     {"type", "value_error.missing"}}}));
    }
    auto table = context_.registry.snapshot();
    auto route = table->find(name);
    if (route == table->end()) {
        throw HttpError(404, fmt::format("service '{}' not found", limits::shorten(name)));
    }
    std::shared_ptr<ServiceVersion> target;
    if (version.empty()) {
        if (!route->second.main) {
            throw HttpError(404,
                            fmt::format("service {} has no main version; name the version", name));
        }
        target = route->second.main;
    } else {
        auto found = route->second.versions.find(version);
        if (found == route->second.versions.end()) {
            throw HttpError(
                404, fmt::format("service '{}' has no version {}", name, limits::shorten(version)));
        }
        target = found->second;
    }

    nlohmann::json described = target->describe(target == route->second.main);
    VersionState state = target->state();
    bool running = state == VersionState::Ready || state == VersionState::Draining;
    // A failed load ends where it started; other versions have not finished while listed.
    std::string finishedAt = state == VersionState::Failed || state == VersionState::Quarantined
                                 ? isoTime(target->loadedAt())
                                 : kNever;
    nlohmann::json entrypoints = nlohmann::json::array();
    for (const auto& entrypoint : described["entrypoints"]) {
        entrypoints.push_back(entrypoint["name"]);
    }
    sendJson(response, 200,
             {{"Name", target->id().str()},
              {"State",
               {{"Status", statusName(state)},
                {"Running", running},
                {"StartedAt", isoTime(target->loadedAt())},
                {"FinishedAt", finishedAt},
                {"Error", target->error()}}},
              {"Image", described["image"]},
              {"Config", {{"Entrypoints", entrypoints}, {"Parameters", described["parameters"]}}}});
}

}  // namespace mvi::host
