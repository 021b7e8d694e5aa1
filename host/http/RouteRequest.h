#pragma once

#include <string>

#include "auth/Authenticator.h"
#include "http/HostContext.h"
#include "http/RouteTable.h"

namespace mvi::host {

/// What the handler of a matched route is made from, for one request.
struct RouteRequest {
    HostContext& context;
    /// The values of the route pattern's named segments.
    RouteTable::Parameters parameters;
    /// The check of the request's token: made when auth is on, and for `Caller` routes.
    Authenticator::Check caller;

    /// The value of the named segment `name`; std::out_of_range when the pattern has none.
    const std::string& parameter(const std::string& name) const { return parameters.at(name); }
};

}  // namespace mvi::host
