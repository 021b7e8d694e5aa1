#include "http/ManagerHandlers.h"

#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>
#include <fmt/format.h>
#include <mvi/plugin.h>
#include <mvi/limits.hpp>

#include "http/DashboardHandlers.h"
#include "http/Pages.h"
#include "http/ServiceViews.h"
#include "plugin/ServiceLookup.h"

#ifndef MVI_HOST_VERSION
#define MVI_HOST_VERSION "0.0.0"
#endif

namespace mvi::host {

void ServiceListHandler::handle(Poco::Net::HTTPServerRequest&,
                                Poco::Net::HTTPServerResponse& response) {
    sendJson(response, 200, ServiceViews::list(context_.registry));
}

void AssignHandler::handle(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) {
    ServiceId id = readServiceIdBody(request);
    switch (context_.deployer.assign(id)) {
        case ServiceRegistry::AssignResult::Ok:
            sendJson(response, 200, "OK");
            return;
        case ServiceRegistry::AssignResult::UnknownService:
            throw ServiceLookup::unknownService(id.name);
        case ServiceRegistry::AssignResult::UnknownVersion:
            throw ServiceLookup::unknownVersion(id.name, id.version);
        case ServiceRegistry::AssignResult::NotReady:
            throw HttpError(
                409, fmt::format("service {} {} is not ready to be main", id.name, id.version));
    }
}

void UnquarantineHandler::handle(Poco::Net::HTTPServerRequest& request,
                                 Poco::Net::HTTPServerResponse& response) {
    ServiceId id = readServiceIdBody(request);
    if (context_.deployer.unquarantine(id) != Deployer::UnquarantineResult::Ok) {
        throw HttpError(404, fmt::format("{} {} is not quarantined", limits::shorten(id.name),
                                         limits::shorten(id.version)));
    }
    auto version = context_.registry.find(id);
    sendJson(response, 200,
             version ? ServiceViews::version(*version,
                                             context_.registry.mainVersion(id.name) == id.version)
                     : nlohmann::json("OK"));
}

void HostInfoHandler::health(Poco::Net::HTTPServerRequest&,
                             Poco::Net::HTTPServerResponse& response) {
    nlohmann::json health = {{"status", "alive"}};
    std::string warning = context_.config.plainTextWarning();
    if (!warning.empty()) {
        health["detail"] = "warning: " + warning;
    }
    sendJson(response, 200, health);
}

void HomeHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    if (context_.auth.enabled() && !caller_.authenticated()) {
        if (Pages::accepts(request.get("Accept", ""), "text/html")) {
            response.set("Location", "/auth/login?destination=%2F");
            sendJson(response, 303, caller_.detail);
            return;
        }
        response.set("WWW-Authenticate", "Bearer");
        throw HttpError(401, caller_.detail);
    }
    DashboardAssets dashboard(context_.config.dashboard.assetsDir);
    if (auto page = dashboard.find(DashboardAssets::kPage)) {
        Poco::FileInputStream input(*page);
        std::string html;
        Poco::StreamCopier::copyToString(input, html);
        Pages::send(response, 200, html);
        return;
    }
    Pages::send(response, 200,
                Pages::home(MVI_HOST_VERSION, context_.auth.enabled(), caller_.user));
}

void HostInfoHandler::version(Poco::Net::HTTPServerRequest&,
                              Poco::Net::HTTPServerResponse& response) {
    sendJson(response, 200,
             {{"version", MVI_HOST_VERSION},
              {"abi", fmt::format("{}.{}", MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR)}});
}

}  // namespace mvi::host
