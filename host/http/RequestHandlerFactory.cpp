#include "http/RequestHandlerFactory.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>
#include <mvi/limits.hpp>

#include <string>

#include "http/HostRoutes.h"
#include "http/JsonHandler.h"
#include "http/RefusalHandler.h"
#include "http/RequestBody.h"
#include "http/RouteRequest.h"

namespace mvi::host {

RequestHandlerFactory::RequestHandlerFactory(HostContext& context)
    : context_(context),
      guard_(context.config.http.host, context.config.http.allowedHosts),
      routes_(HostRoutes::table()) {}

front::BodyLimit RequestHandlerFactory::bodyLimit(const Poco::Net::HTTPRequest& request) const {
    const HttpSettings& http = context_.config.http;
    try {
        RouteTable::Match match = routes_.match(
            request.getMethod(), RouteTable::segments(Poco::URI(request.getURI()).getPath()));
        if (match.route != nullptr && match.route->pattern == HostRoutes::kUploadPattern) {
            return {http.maxUploadBytes, "http.max_upload_bytes"};
        }
    } catch (const Poco::Exception&) {
        // A malformed URI gets its 400 from the handler; its body is held to the common limit.
    }
    return {http.maxBodyBytes, "http.max_body_bytes"};
}

Poco::Net::HTTPRequestHandler* RequestHandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest& request) {
    RequestBody::deferContinue(request);
    if (auto refusal = guard_.check(request)) {
        return new ErrorHandler(context_, refusal->status, refusal->detail);
    }
    std::string path;
    try {
        path = Poco::URI(request.getURI()).getPath();
    } catch (const Poco::Exception&) {
        return new ErrorHandler(context_, 400, "malformed request URI");
    }
    RouteTable::Match match = routes_.match(request.getMethod(), RouteTable::segments(path));
    // With auth on, only the public routes are served without a valid token. The decision reads
    // the request's headers only.
    bool caller = match.route != nullptr && match.route->access == RouteTable::Access::Caller;
    RouteRequest route{context_, std::move(match.parameters), {}};
    if (context_.auth.enabled() || caller) {
        try {
            route.caller = context_.auth.authenticate(request);
        } catch (const std::exception& error) {
            return new ErrorHandler(context_, 503,
                                    std::string("cannot check credentials: ") + error.what());
        }
        if (context_.auth.enabled() && !route.caller.authenticated() && !match.isPublic()) {
            return new RefusalHandler(context_, 401, route.caller.detail);
        }
    }
    if (!match.pathFound) {
        return new ErrorHandler(context_, 404, "no route for " + limits::shorten(path));
    }
    if (match.route == nullptr) {
        Poco::Net::NameValueCollection allow;
        allow.set("Allow", match.allowed);
        return new ErrorHandler(
            context_, 405, HttpError::methodNotAllowed(request.getMethod(), match.allowed).detail(),
            std::move(allow));
    }
    return match.route->factory(route);
}

}  // namespace mvi::host
