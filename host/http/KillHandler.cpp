#include "http/KillHandler.h"

#include <Poco/Path.h>
#include <fmt/format.h>

#include "deploy/VersionAssets.h"
#include "plugin/ServiceLookup.h"

namespace mvi::host {

void KillHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    ServiceId id = readServiceIdBody(request);
    std::string pluginPath =
        Poco::Path(Poco::Path::forDirectory(context_.config.plugins.dir), id.str() + ".so")
            .toString();
    switch (context_.deployer.kill(id, pluginPath)) {
        case Deployer::KillResult::Ok:
            // Its static files go with it (requests already reading one finish reading it).
            VersionAssets::remove(context_.config.plugins.dir, id);
            sendJson(response, 200, "OK");
            return;
        case Deployer::KillResult::UnknownService:
            throw ServiceLookup::unknownService(id.name);
        case Deployer::KillResult::UnknownVersion:
            throw ServiceLookup::unknownVersion(id.name, id.version);
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
