#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include "http/HostContext.h"

namespace mvi::host {

/// Maps each request to the handler of its route (DESIGN.md §3). Poco calls it once per
/// request, from the connection's thread.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit RequestHandlerFactory(HostContext& context) : context_(context) {}

    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override;

  private:
    HostContext& context_;
};

}  // namespace mvi::host
