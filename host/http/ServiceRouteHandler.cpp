#include "http/ServiceRouteHandler.h"

#include <Poco/URI.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include "dispatch/Dispatcher.h"
#include "http/StreamAnswer.h"

namespace mvi::host {

ServiceRouteHandler::ServiceRouteHandler(const RouteRequest& route)
    : JsonHandler(route),
      service_(route.parameter("svc")),
      segments_(RouteTable::segments(route.parameter("path"))) {}

ServiceRouteHandler::ServiceRouteHandler(const RouteRequest& route, std::string service)
    : JsonHandler(route), service_(std::move(service)) {}

void ServiceRouteHandler::handle(Poco::Net::HTTPServerRequest& request,
                                 Poco::Net::HTTPServerResponse& response) {
    serveRoute(ServiceTarget::resolve(context_.registry, service_), segments_, request, response);
}

void ServiceRouteHandler::serveRoute(ServiceTarget target, const std::vector<std::string>& segments,
                                     Poco::Net::HTTPServerRequest& request,
                                     Poco::Net::HTTPServerResponse& response) {
    RouteCall call;
    for (const std::string& segment : segments) {
        call.path += '/' + segment;
    }
    call.segments = segments;
    const ServiceVersion& version = *target.version;
    const std::optional<mvi_http_method> method = routeMethodNamed(request.getMethod());
    RouteMatch match = version.matchRoute(method.value_or(MVI_METHOD_GET), segments);
    if (!match.pathFound) {
        throw HttpError(
            404, fmt::format("service {} {} has no route or entrypoint {}", version.id().name,
                             version.id().version, limits::shorten(call.path)));
    }
    if (match.route == nullptr || !method) {
        response.set("Allow", match.allowed);
        throw HttpError::methodNotAllowed(request.getMethod(), match.allowed);
    }
    call.method = *method;
    call.parameters = std::move(match.parameters);
    call.query = Poco::URI(request.getURI()).getRawQuery();
    for (const auto& [name, value] : request) {
        call.headers.emplace_back(name, value);
    }
    call.body = readBody(request);

    // Past its deadline the watchdog answers 504 while the call is still running; the connection
    // then closes, since this thread is held until the call returns.
    TimeoutAnswer onTimeout = [&response](const CallResult& timeout) {
        response.setKeepAlive(false);
        sendJsonNow(response, timeout.status, timeout.body);
    };
    RouteAnswer answer = context_.dispatcher.callRoute(target, *match.route, call, &onTimeout);
    if (answer.answered) {
        return;
    }
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
    for (const auto& [name, value] : answer.headers) {
        response.add(name, value);
    }
    if (answer.stream) {
        // The shadows get their copies as soon as the stream is under way (under the threads
        // front this thread writes it until it ends).
        context_.dispatcher.mirrorRoute(target, std::move(call));
        // A stream does not hold its version: it unloads when it would without the stream, which
        // then ends (under the threads front this thread writes the stream until then).
        target = ServiceTarget{};
        sendStream(request, response, std::move(answer.stream));
        return;
    }
    response.setContentLength(static_cast<std::streamsize>(answer.body.size()));
    response.sendBuffer(answer.body.data(), answer.body.size());
    // The main version has answered; now each shadow gets its copy.
    context_.dispatcher.mirrorRoute(target, std::move(call));
}

}  // namespace mvi::host
