#pragma once

#include <string>

#include "http/ServiceRouteHandler.h"

namespace mvi::host {

/// `POST|GET /services/<svc>/<entrypoint>`: calls an entrypoint of the main version (by name)
/// or of one version, with arguments from the JSON body (POST) or the query (GET). 405 (with
/// `Allow`) for the method the entrypoint does not declare. A one-segment path that is no
/// entrypoint's may be a route the service declared (any method; see ServiceRouteHandler).
class ServiceCallHandler : public ServiceRouteHandler {
  public:
    /// Calls `{entrypoint}` of `{svc}`.
    explicit ServiceCallHandler(const RouteRequest& route)
        : ServiceCallHandler(route, route.parameter("entrypoint")) {}

    /// Calls `entrypoint` of `{svc}`, for a route whose last segment is literal.
    ServiceCallHandler(const RouteRequest& route, std::string entrypoint)
        : ServiceRouteHandler(route, route.parameter("svc")), entrypoint_(std::move(entrypoint)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string entrypoint_;
};

}  // namespace mvi::host
