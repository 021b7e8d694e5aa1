#include "http/InspectionHandler.h"

#include "core/Environment.h"
#include "core/IsoTime.h"
#include "http/ServiceViews.h"
#include "plugin/ServiceLookup.h"

namespace mvi::host {
namespace {

/// The time Docker reports for "never", with the fraction the original platform's CLI expects
/// (it cuts a time at its `.` before reading it).
constexpr const char* kNever = "0001-01-01T00:00:00.000000Z";

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
        throw HttpError::invalid({queryProblem("name", "field required", "value_error.missing")});
    }
    auto table = context_.registry.snapshot();
    std::shared_ptr<ServiceVersion> target = ServiceLookup::version(*table, name, version);

    VersionState state = target->state();
    bool running = state == VersionState::Ready || state == VersionState::Draining;
    // A failed load ends where it started; other versions have not finished while listed.
    std::string finishedAt = state == VersionState::Failed || state == VersionState::Quarantined
                                 ? formatIsoTime(target->loadedAt())
                                 : kNever;
    nlohmann::json entrypoints = nlohmann::json::array();
    for (const auto& entrypoint : target->entrypoints()) {
        entrypoints.push_back(entrypoint.first);
    }
    sendJson(response, 200,
             {{"Name", target->id().str()},
              {"State",
               {{"Status", statusName(state)},
                {"Running", running},
                {"StartedAt", formatIsoTime(target->loadedAt())},
                {"FinishedAt", finishedAt},
                {"Error", target->error()}}},
              {"Image", ServiceViews::image(*target)},
              {"Config",
               {{"Entrypoints", entrypoints},
                {"Parameters", target->parameters().names()},
                {"Env", EnvironmentRules::toList(target->environment())}}}});
}

}  // namespace mvi::host
