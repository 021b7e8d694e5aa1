#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "front/Connection.h"
#include "http/BrowserGuard.h"
#include "http/HostContext.h"
#include "http/RouteTable.h"

namespace mvi::host {

/// Maps each request to the handler of its route in the host's route table (HostRoutes). Poco
/// calls it once per request, from the connection's thread. Before the route's handler, in this
/// order: the BrowserGuard's checks (421, 403), the token check when auth is on (401 unless the
/// route is public; 503 when tokens cannot be checked), then 404 for a path no route has and 405
/// (with `Allow`) for a method the path lacks.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    /// Throws Poco::SyntaxException for a malformed `http.allowed_hosts`.
    explicit RequestHandlerFactory(HostContext& context);

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

    /// The largest body `request` may send, from its head: `http.max_upload_bytes` for a
    /// deployment upload, `http.max_body_bytes` for anything else. Thread-safe.
    front::BodyLimit bodyLimit(const Poco::Net::HTTPRequest& request) const;

  private:
    HostContext& context_;
    const BrowserGuard guard_;
    const RouteTable routes_;
};

}  // namespace mvi::host
