#include "dispatch/ServiceTarget.h"

#include <fmt/format.h>

#include "core/HttpError.h"
#include "plugin/ServiceLookup.h"

namespace mvi::host {
namespace {

// A draining version still serves: a request that resolved it just before a swap published the
// new table holds it alive and finishes on it.
void requireServing(const ServiceVersion& version) {
    VersionState state = version.state();
    if (state == VersionState::Ready || state == VersionState::Draining) {
        return;
    }
    if (state == VersionState::Failed) {
        throw HttpError(503, fmt::format("service {} {} failed to load: {}", version.id().name,
                                         version.id().version, version.error()));
    }
    if (state == VersionState::Quarantined) {
        throw HttpError(503, fmt::format("service {} {} is quarantined: {}", version.id().name,
                                         version.id().version, version.error()));
    }
    throw HttpError(503, fmt::format("service {} {} is {}", version.id().name, version.id().version,
                                     versionStateName(state)));
}

}  // namespace

ServiceTarget ServiceTarget::resolve(const ServiceRegistry& registry, const std::string& svc) {
    ServiceTarget target;
    target.table = registry.snapshot();
    auto route = target.table->find(svc);
    if (route != target.table->end()) {
        target.byName = true;
        target.version = route->second.main;
        if (!target.version) {
            throw HttpError(503, fmt::format("service {} has no main version; assign one with "
                                             "PUT /services/~assign",
                                             svc));
        }
        requireServing(*target.version);
        for (const auto& [version, candidate] : route->second.versions) {
            if (candidate != target.version && candidate->state() == VersionState::Ready) {
                target.shadows.push_back(candidate);
            }
        }
        return target;
    }
    auto id = parseServiceId(svc);
    if (!id) {
        throw ServiceLookup::unknownService(svc);
    }
    target.version = ServiceLookup::version(*target.table, id->name, id->version);
    requireServing(*target.version);
    return target;
}

}  // namespace mvi::host
