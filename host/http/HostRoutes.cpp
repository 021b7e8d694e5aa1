#include "http/HostRoutes.h"

#include <mvi/plugin.h>

#include "dispatch/ServiceTarget.h"
#include "http/AdminHandler.h"
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
#include "http/RouteRequest.h"
#include "http/ServiceCallHandler.h"

namespace mvi::host {
namespace {

using Access = RouteTable::Access;
using Request = Poco::Net::HTTPServerRequest;
using Response = Poco::Net::HTTPServerResponse;

/// A route served by `Handler::handle`.
template <typename Handler>
RouteTable::Factory serve() {
    return [](const RouteRequest& route) { return new Handler(route); };
}

/// The handler that runs one action of `Controller`, a JsonHandler whose actions are bound to
/// routes.
template <typename Controller>
class Action final : public Controller {
  public:
    using Method = void (Controller::*)(Request&, Response&);

    Action(const RouteRequest& route, Method method) : Controller(route), method_(method) {}

  protected:
    void handle(Request& request, Response& response) override {
        (this->*method_)(request, response);
    }

  private:
    Method method_;
};

/// A route served by `Controller::*method`.
template <typename Controller>
RouteTable::Factory serve(void (Controller::*method)(Request&, Response&)) {
    return [method](const RouteRequest& route) { return new Action<Controller>(route, method); };
}

/// `GET /services/<svc>/docs`: the API viewer page, unless the service declares a GET entrypoint
/// named `docs`, which then answers as any entrypoint.
Poco::Net::HTTPRequestHandler* docsPageOrCall(const RouteRequest& route) {
    try {
        const Entrypoint* entrypoint =
            ServiceTarget::resolve(route.context.registry, route.parameter("svc"))
                .version->entrypoint("docs");
        if (entrypoint != nullptr && entrypoint->method == MVI_METHOD_GET) {
            return new ServiceCallHandler(route, "docs");
        }
    } catch (const HttpError&) {
        // The page answers for a service that cannot be resolved.
    }
    return new DocsPageHandler(route);
}

}  // namespace

RouteTable HostRoutes::table() {
    RouteTable routes;
    auto add = [&routes](const char* method, const char* pattern, RouteTable::Factory factory,
                         Access access = Access::Token) {
        routes.add(method, pattern, access, std::move(factory));
    };

    // The host itself.
    add("GET", "/~version", serve(&HostInfoHandler::version), Access::Public);
    add("GET", "/~health", serve(&HostInfoHandler::health), Access::Public);
    add("GET", "/~ready", serve<ReadyHandler>(), Access::Public);
    add("GET", "/metrics", serve<MetricsHandler>());
    add("GET", "/~docs/{file}", serve<DocsAssetHandler>());

    // Logging in and tokens.
    add("POST", "/auth/login", serve(&AuthHandler::login), Access::Public);
    add("POST", "/auth/logout", serve(&AuthHandler::logout), Access::Caller);
    add("GET", "/auth/verify", serve(&AuthHandler::verify), Access::Caller);
    add("GET", "/auth/token", serve(&AuthHandler::listTokens), Access::Caller);
    add("POST", "/auth/token", serve(&AuthHandler::createToken), Access::Caller);
    add("DELETE", "/auth/token/{id}", serve(&AuthHandler::revokeToken), Access::Caller);

    // Users (the administrator only).
    add("GET", "/admin/user", serve(&AdminHandler::listUsers));
    add("POST", "/admin/user/{name}", serve(&AdminHandler::addUser));
    add("PUT", "/admin/user/{name}", serve(&AdminHandler::updateUser));
    add("DELETE", "/admin/user/{name}", serve(&AdminHandler::removeUser));

    // Notifications.
    add("GET", "/notifications", serve(&NotificationsHandler::list));
    add("POST", "/notifications", serve(&NotificationsHandler::add));
    add("DELETE", "/notifications", serve(&NotificationsHandler::clear));

    // Deployments.
    add("GET", "/services", serve<ServiceListHandler>());
    add("DELETE", "/services", serve<KillHandler>());
    add("POST", kUploadPattern, serve<DeployHandler>());
    add("GET", "/services/~inspection", serve<InspectionHandler>());
    add("PUT", "/services/~assign", serve<AssignHandler>());
    add("POST", "/services/~unquarantine", serve<UnquarantineHandler>());
    add("GET", "/services/~logs", serve<LogsHandler>());

    // One service, by name (`<svc>` = `<name>`) or version (`<name>_<version>`).
    add("GET", "/services/{svc}/~parameters", serve(&ParametersHandler::all));
    add("GET", "/services/{svc}/~parameters/{name}", serve(&ParametersHandler::get));
    add("POST", "/services/{svc}/~parameters/{name}", serve(&ParametersHandler::set));
    add("GET", "/services/{svc}/~monitor", serve(&MonitorHandler::json));
    add("GET", "/services/{svc}/~monitor/csv", serve(&MonitorHandler::csv));
    add("GET", "/services/{svc}/~monitor/db", serve(&MonitorHandler::db));
    add("GET", "/services/{svc}/openapi.json", serve<OpenApiHandler>());
    add("GET", "/services/{svc}/docs", docsPageOrCall);
    add("POST", "/services/{svc}/docs",
        [](const RouteRequest& route) { return new ServiceCallHandler(route, "docs"); });
    // Entrypoints: each declares GET or POST, which the handler checks.
    add("GET", "/services/{svc}/{entrypoint}", serve<ServiceCallHandler>());
    add("POST", "/services/{svc}/{entrypoint}", serve<ServiceCallHandler>());
    return routes;
}

}  // namespace mvi::host
