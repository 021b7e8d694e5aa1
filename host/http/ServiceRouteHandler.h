#pragma once

#include <string>
#include <vector>

#include "dispatch/ServiceTarget.h"
#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET|POST|PUT|DELETE /services/<svc>/<path...>`: a route the service declared itself (ABI
/// 1.5), served by the main version (by name, mirrored to the shadows) or by one version. The
/// service gets the method, the path parameters, the raw query, the headers and the body's
/// bytes, and answers any status, headers and body. 404 when the version has no route with the
/// path, 405 (with `Allow`) when none of the path's routes has the method, 413 for a body over
/// `http.max_body_bytes`; a malformed answer is the host's 500, never a broken HTTP answer.
class ServiceRouteHandler : public JsonHandler {
  public:
    /// Serves `{path}` of `{svc}`.
    explicit ServiceRouteHandler(const RouteRequest& route);

  protected:
    /// For a handler of a route pattern without `{path}`.
    ServiceRouteHandler(const RouteRequest& route, std::string service);

    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

    /// Serves the request to path `segments` (below the service) with a route of `target`.
    void serveRoute(ServiceTarget target, const std::vector<std::string>& segments,
                    Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    const std::string service_;

  private:
    std::vector<std::string> segments_;
};

}  // namespace mvi::host
