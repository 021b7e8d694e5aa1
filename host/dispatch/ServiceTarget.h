#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin/ServiceRegistry.h"

namespace mvi::host {

/// The version a `/services/<svc>/...` request is for: `<svc>` is either a name (the main
/// version answers) or `<name>_<version>` (that version). Holds the routing snapshot, so the
/// versions stay alive for the request.
struct ServiceTarget {
    std::shared_ptr<const ServiceRegistry::Table> table;
    /// The version that answers.
    std::shared_ptr<ServiceVersion> version;
    /// Addressed by name (main) rather than by version.
    bool byName = false;
    /// When addressed by name: the other ready versions (the shadows).
    std::vector<std::shared_ptr<ServiceVersion>> shadows;

    /// Resolves `svc`. Throws HttpError: 404 for an unknown service or version, 503 when the
    /// name has no main or the version is not ready (with the reason).
    static ServiceTarget resolve(const ServiceRegistry& registry, const std::string& svc);
};

}  // namespace mvi::host
