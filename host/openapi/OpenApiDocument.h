#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "plugin/ServiceVersion.h"

namespace mvi::host {

/// Builds the OpenAPI 3.1 description of one loaded version from what it declared: one path per
/// entrypoint (a JSON request body for POST, query parameters for GET, the declared result
/// schema), the service's own routes, the `~parameters` routes (setting only for exposed
/// parameters), the `~monitor` routes and, when the version ships static files, `static/{path}`,
/// each with the host's error answers (`{"detail": ...}`).
///
/// OpenAPI 3.1 takes JSON Schema (2020-12) as it is, so the schemas the SDK declares (`anyOf`
/// with `{"type": "null"}` for optionals, `"type": [...]` lists) go into the document unchanged.
class OpenApiDocument {
  public:
    /// The OpenAPI version the documents declare.
    static constexpr const char* kOpenApiVersion = "3.1.0";

    /// The document for `version` with its paths under `/services/<svc>/`, where `svc` is the
    /// name or `<name>_<version>` the request used (`byName`: calls by name reach the main
    /// version, and the document says so).
    static nlohmann::json build(const ServiceVersion& version, const std::string& svc, bool byName);
};

}  // namespace mvi::host
