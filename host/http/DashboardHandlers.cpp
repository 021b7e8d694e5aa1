#include "http/DashboardHandlers.h"

#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <sstream>

#ifndef MVI_WEB_RELATIVE_DIR
#define MVI_WEB_RELATIVE_DIR "../share/mvi/web"
#endif

namespace mvi::host {

DashboardAssets::DashboardAssets(const std::string& directory)
    : AssetFolder(directory.empty() ? besideExecutable(MVI_WEB_RELATIVE_DIR) : directory, kPage) {}

void setPageHeaders(Poco::Net::HTTPServerResponse& response) {
    response.set("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                 "frame-ancestors 'none'");
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "same-origin");
}

void WebAssetHandler::handle(Poco::Net::HTTPServerRequest&,
                             Poco::Net::HTTPServerResponse& response) {
    DashboardAssets assets(context_.config.dashboard.assetsDir);
    auto path = assets.find(fileName_);
    if (!path) {
        throw HttpError(404, fmt::format("no dashboard file named '{}' in {}",
                                         limits::shorten(fileName_), assets.directory()));
    }
    Poco::FileInputStream input(*path);
    std::ostringstream content;
    Poco::StreamCopier::copyStream(input, content);
    std::string bytes = content.str();
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType(AssetFolder::contentType(fileName_));
    response.set("Cache-Control", "no-cache");
    response.set("X-Content-Type-Options", "nosniff");
    response.sendBuffer(bytes.data(), bytes.size());
}

}  // namespace mvi::host
