#include "http/KillHandler.h"

#include <Poco/Path.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

namespace mvi::host {

void KillHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    // `GET /services/` (the list) shares this path; every other method comes here.
    requireMethod(request, response, "GET,DELETE");
    ServiceId id = readServiceIdBody(request);
    std::string pluginPath =
        Poco::Path(Poco::Path::forDirectory(context_.config.pluginsDir), id.str() + ".so")
            .toString();
    switch (context_.deployer.kill(id, pluginPath)) {
        case Deployer::KillResult::Ok:
            sendJson(response, 200, "OK");
            return;
        case Deployer::KillResult::UnknownService:
            throw HttpError(404, fmt::format("service '{}' not found", limits::shorten(id.name)));
        case Deployer::KillResult::UnknownVersion:
            throw HttpError(404, fmt::format("service '{}' has no version {}", id.name,
                                             limits::shorten(id.version)));
        case Deployer::KillResult::MainWithShadows: {
            std::string shadows;
            auto table = context_.registry.snapshot();
            if (auto route = table->find(id.name); route != table->end()) {
                for (const auto& [version, candidate] : route->second.versions) {
                    if (version != id.version) {
                        shadows += (shadows.empty() ? "" : ", ") + version;
                    }
                }
            }
            throw HttpError(403, fmt::format("{} {} is the main version and {} still has shadows "
                                             "({}); assign another main version (PUT "
                                             "/services/~assign) or kill the shadows first",
                                             id.name, id.version, id.name, shadows));
        }
    }
}

}  // namespace mvi::host
