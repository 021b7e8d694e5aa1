#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/BrowserGuard.h"
#include "http/HostContext.h"

namespace mvi::host {

/// Maps each request to the handler of its route (DESIGN.md §3). Poco calls it once per
/// request, from the connection's thread. Before any route, the BrowserGuard's checks and then
/// the token check (when auth is on) may refuse the request.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    /// Throws Poco::SyntaxException for a malformed `http.allowed_hosts`.
    explicit RequestHandlerFactory(HostContext& context)
        : context_(context), guard_(context.config.httpHost, context.config.httpAllowedHosts) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

  private:
    HostContext& context_;
    const BrowserGuard guard_;
};

}  // namespace mvi::host
