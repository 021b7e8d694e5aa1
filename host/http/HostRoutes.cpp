#include "http/HostRoutes.h"

#include <mvi/plugin.h>

#include "dispatch/ServiceTarget.h"
#include "http/AdminHandler.h"
#include "http/AuthHandler.h"
#include "http/DashboardHandlers.h"
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
#include "http/RefusalHandler.h"
#include "http/RouteRequest.h"
#include "http/ServiceCallHandler.h"
#include "http/ServiceRouteHandler.h"
#include "http/StaticFilesHandler.h"

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

/// A route reading the logs of `source`.
RouteTable::Factory logs(LogsHandler::Source source) {
    return [source](const RouteRequest& route) { return new LogsHandler(route, source); };
}

/// The answer to a way of deploying the original platform had and this one cannot have.
std::string unsupportedDeployment(const char* way) {
    return std::string("deploying ") + way +
           " is not supported: services here are C++ shared libraries loaded into the host, "
           "not containers. Deploy a .tar.gz holding the built .so with POST /services/~tar "
           "(mvi deploy NAME VERSION ./folder, or the original CLI's deploy with a folder or "
           ".tar.gz), or copy NAME_VERSION.so into the plugins folder";
}

}  // namespace

RouteTable HostRoutes::table() {
    RouteTable routes;
    auto add = [&routes](const char* method, const char* pattern, RouteTable::Factory factory,
                         Access access = Access::Token) {
        routes.add(method, pattern, access, std::move(factory));
    };

    // The host itself.
    add("GET", "/", serve<HomeHandler>(), Access::Public);
    add("GET", "/~version", serve(&HostInfoHandler::version), Access::Public);
    add("GET", "/~health", serve(&HostInfoHandler::health), Access::Public);
    add("GET", "/~ready", serve<ReadyHandler>(), Access::Public);
    add("GET", "/metrics", serve<MetricsHandler>());
    add("GET", "/~docs/{file}", serve<DocsAssetHandler>());
    add("GET", "/~web/{file}", serve<WebAssetHandler>(), Access::Public);
    add("GET", "/logs", logs(LogsHandler::Source::HostRecent));
    add("GET", "/logs/stream", logs(LogsHandler::Source::Host));

    // Logging in and tokens.
    add("POST", "/auth/login", serve(&AuthHandler::login), Access::Public);
    add("GET", "/auth/login", serve(&AuthHandler::loginPage), Access::Public);
    add("POST", "/auth/logout", serve(&AuthHandler::logout), Access::Caller);
    add("GET", "/auth/logout", serve(&AuthHandler::logout), Access::Public);
    add("GET", "/auth/verify", serve(&AuthHandler::verify), Access::Caller);
    add("GET", "/auth/token", serve(&AuthHandler::listTokens), Access::Caller);
    add("POST", "/auth/token", serve(&AuthHandler::createToken), Access::Caller);
    add("DELETE", "/auth/token", serve(&AuthHandler::revokeTokenByQuery), Access::Caller);
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
    // The original platform's ways of deploying that need containers.
    for (const auto& [pattern, way] :
         {std::pair{"/services/~image", "from a container image"},
          std::pair{"/services/~upload-image", "from a container image"},
          std::pair{"/services/~git", "from a git repository"},
          std::pair{"/services/~pickle", "from a pickled Python object"}}) {
        std::string detail = unsupportedDeployment(way);
        add("POST", pattern, [detail](const RouteRequest& route) {
            return new RefusalHandler(route.context, 501, detail);
        });
    }
    add("GET", "/services/~inspection", serve<InspectionHandler>());
    add("PUT", "/services/~assign", serve<AssignHandler>());
    add("POST", "/services/~unquarantine", serve<UnquarantineHandler>());
    add("GET", "/services/~logs", logs(LogsHandler::Source::Service));

    // One service, by name (`<svc>` = `<name>`) or version (`<name>_<version>`).
    add("GET", "/services/{svc}/~parameters", serve(&ParametersHandler::all));
    add("GET", "/services/{svc}/~parameters/~schema", serve(&ParametersHandler::schemas));
    add("GET", "/services/{svc}/~parameters/{name}", serve(&ParametersHandler::get));
    add("POST", "/services/{svc}/~parameters/{name}", serve(&ParametersHandler::set));
    add("GET", "/services/{svc}/~monitor", serve(&MonitorHandler::json));
    add("GET", "/services/{svc}/~monitor/csv", serve(&MonitorHandler::csv));
    add("GET", "/services/{svc}/~monitor/db", serve(&MonitorHandler::db));
    add("GET", "/services/{svc}/openapi.json", serve<OpenApiHandler>());
    add("GET", "/services/{svc}/docs", docsPageOrCall);
    add("POST", "/services/{svc}/docs",
        [](const RouteRequest& route) { return new ServiceCallHandler(route, "docs"); });
    // The static files shipped with a version (its assets folder).
    add("GET", "/services/{svc}/static/{file...}", serve<StaticFilesHandler>());
    add("HEAD", "/services/{svc}/static/{file...}", serve<StaticFilesHandler>());
    // Entrypoints: each declares GET or POST, which the handler checks. A service's own routes
    // (ABI 1.5) have any of the four methods, and paths of one segment or more.
    for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
        add(method, "/services/{svc}/{entrypoint}", serve<ServiceCallHandler>());
        add(method, "/services/{svc}/{path...}", serve<ServiceRouteHandler>());
    }
    return routes;
}

}  // namespace mvi::host
