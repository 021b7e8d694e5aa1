#include "http/RequestHandlerFactory.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/URI.h>
#include <mvi/limits.hpp>

#include <string>
#include <vector>

#include "http/AuthHandler.h"
#include "http/DeployHandler.h"
#include "http/DocsHandlers.h"
#include "http/HealthHandlers.h"
#include "http/InspectionHandler.h"
#include "http/KillHandler.h"
#include "http/LogsHandler.h"
#include "http/ManagerHandlers.h"
#include "http/MonitorHandler.h"
#include "http/NotificationsHandler.h"
#include "http/ParametersHandler.h"
#include "http/RequestBody.h"
#include "http/ServiceCallHandler.h"
#include "http/ServiceTarget.h"
#include "http/UnauthorizedHandler.h"

namespace mvi::host {
namespace {

// Splits a decoded path into its non-empty segments; remembers a trailing slash.
std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : path) {
        if (c == '/') {
            if (!current.empty()) {
                parts.push_back(std::move(current));
                current.clear();
            }
        } else {
            current += c;
        }
    }
    if (!current.empty()) {
        parts.push_back(std::move(current));
    }
    return parts;
}

// Routes served without a token when auth is on: logging in, liveness, readiness and the
// version.
bool isPublicRoute(const std::vector<std::string>& parts) {
    if (parts.size() == 1) {
        return parts[0] == "~health" || parts[0] == "~ready" || parts[0] == "~version";
    }
    return parts.size() == 2 && parts[0] == "auth" && parts[1] == "login";
}

// Whether `svc` resolves to a version declaring a GET entrypoint `name` (which then takes
// precedence over a host route of the same name).
bool declaresGetEntrypoint(const ServiceRegistry& registry, const std::string& svc,
                           const std::string& name) {
    try {
        const Entrypoint* entrypoint =
            ServiceTarget::resolve(registry, svc).version->entrypoint(name);
        return entrypoint != nullptr && entrypoint->method == MVI_METHOD_GET;
    } catch (const HttpError&) {
        return false;
    }
}

}  // namespace

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
    auto parts = segments(path);
    // With auth on, only the public routes are served without a valid token. The decision reads
    // the request's headers only.
    bool authRoute = !parts.empty() && parts[0] == "auth";
    Authenticator::Check check;
    if (context_.auth.enabled() || authRoute) {
        try {
            check = context_.auth.authenticate(request);
        } catch (const std::exception& error) {
            return new ErrorHandler(context_, 503,
                                    std::string("cannot check credentials: ") + error.what());
        }
        if (context_.auth.enabled() && !check.authenticated() && !isPublicRoute(parts)) {
            return new UnauthorizedHandler(context_, check.detail);
        }
        if (authRoute) {
            return new AuthHandler(context_, {parts.begin() + 1, parts.end()}, std::move(check));
        }
    }
    if (parts.size() == 1 && parts[0] == "~version") {
        return new HostInfoHandler(context_, false);
    }
    if (parts.size() == 1 && parts[0] == "~health") {
        return new HostInfoHandler(context_, true);
    }
    if (parts.size() == 1 && parts[0] == "~ready") {
        return new ReadyHandler(context_, !context_.auth.enabled() || check.authenticated());
    }
    if (parts.size() == 1 && parts[0] == "metrics") {
        return new MetricsHandler(context_);
    }
    if (parts.size() == 2 && parts[0] == "~docs") {
        return new DocsAssetHandler(context_, parts[1]);
    }
    if (parts.size() == 1 && parts[0] == "notifications") {
        return new NotificationsHandler(context_);
    }
    if (parts.empty() || parts[0] != "services") {
        return new ErrorHandler(context_, 404, "no route for " + limits::shorten(path));
    }
    if (parts.size() == 1) {
        if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_GET) {
            return new KillHandler(context_);
        }
        return new ServiceListHandler(context_);
    }
    if (parts.size() == 2 && parts[1] == "~tar") {
        return new DeployHandler(context_);
    }
    if (parts.size() == 2 && parts[1] == "~inspection") {
        return new InspectionHandler(context_);
    }
    if (parts.size() == 2 && parts[1] == "~assign") {
        return new AssignHandler(context_);
    }
    if (parts.size() == 2 && parts[1] == "~unquarantine") {
        return new UnquarantineHandler(context_);
    }
    if (parts.size() == 2 && parts[1] == "~logs") {
        return new LogsHandler(context_);
    }
    if (parts.size() >= 3 && parts[2] == "~parameters" && parts.size() <= 4) {
        return new ParametersHandler(context_, parts[1],
                                     parts.size() == 4 ? std::optional(parts[3]) : std::nullopt);
    }
    if (parts.size() >= 3 && parts[2] == "~monitor" && parts.size() <= 4 &&
        (parts.size() == 3 || parts[3] == "csv" || parts[3] == "db")) {
        return new MonitorHandler(context_, parts[1], parts.size() == 4 ? parts[3] : "");
    }
    if (parts.size() == 3 && parts[2] == "openapi.json") {
        return new OpenApiHandler(context_, parts[1]);
    }
    if (parts.size() == 3 && parts[2] == "docs" &&
        request.getMethod() == Poco::Net::HTTPRequest::HTTP_GET &&
        !declaresGetEntrypoint(context_.registry, parts[1], "docs")) {
        return new DocsPageHandler(context_, parts[1]);
    }
    if (parts.size() == 3 && parts[2].rfind('~', 0) != 0) {
        return new ServiceCallHandler(context_, parts[1], parts[2]);
    }
    return new ErrorHandler(context_, 404, "no route for " + limits::shorten(path));
}

}  // namespace mvi::host
