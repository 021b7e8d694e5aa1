#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "plugin/ServiceRegistry.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {

/// The JSON views of loaded versions that the HTTP routes answer with, built from what the
/// versions and the registry hold. Stateless.
class ServiceViews {
  public:
    ServiceViews() = delete;

    /// The `GET /services/` entry of `version` (also the answer to a deployment): identity,
    /// state, artifact, errors, call counters, entrypoints, parameter names and environment
    /// (`"environment": {"NAME": "VALUE"}`), and whether it has static files (`"static"`: its
    /// folder `<name>_<version>/assets` next to its `.so`).
    static nlohmann::json version(const ServiceVersion& version, bool isMain);

    /// The file a version was loaded from and its build: `<file>@sha256:<first 12 hex digits>`.
    static std::string image(const ServiceVersion& version);

    /// The `GET /services/` list: every version, sorted by name then version, draining ones
    /// included; each name has exactly one entry with `"main": true` (its newest version when
    /// none of its versions serves as main).
    static nlohmann::json list(const ServiceRegistry& registry);
};

}  // namespace mvi::host
