#include "http/DocsHandlers.h"

#include <Poco/FileStream.h>
#include <Poco/Net/Net.h>
#include <Poco/StreamCopier.h>
#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <sstream>

#include "dispatch/ServiceTarget.h"
#include "openapi/DocsAssets.h"
#include "openapi/OpenApiDocument.h"

namespace mvi::host {
namespace {

// The page: the viewer's stylesheet and script from /~docs, pointed at the service's document;
// the viewer's online validator badge (an outside address) is off.
// The document URL is a JSON string inside the script, with '<' escaped so it cannot end it.
std::string docsPage(const std::string& title, const std::string& documentUrl) {
    std::string url = nlohmann::json(documentUrl).dump();
    std::string safeUrl;
    for (char c : url) {
        safeUrl += c == '<' ? std::string("\\u003c") : std::string(1, c);
    }
    return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{0} - API</title>
<link rel="stylesheet" href="/~docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/~docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/~docs/swagger-ui-bundle.js"></script>
<script>
window.addEventListener("load", function () {{
  window.ui = SwaggerUIBundle({{
    url: {1},
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: true,
    validatorUrl: null
  }});
}});
</script>
</body>
</html>
)",
                       Poco::Net::htmlize(title), safeUrl);
}

std::string missingViewerDetail(const DocsAssets& assets) {
    return fmt::format(
        "the API viewer's files are not installed in {} (docs.assets_dir): run "
        "tools/setup/fetch-web-assets.sh, then configure and build again (or point "
        "docs.assets_dir at a folder holding swagger-ui-dist's files); /services/<svc>/"
        "openapi.json works without them",
        assets.directory());
}

}  // namespace

void OpenApiHandler::handle(Poco::Net::HTTPServerRequest&,
                            Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    sendJson(response, 200, OpenApiDocument::build(*target.version, service_, target.byName));
}

void DocsPageHandler::handle(Poco::Net::HTTPServerRequest&,
                             Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    DocsAssets assets(context_.config.docs.assetsDir);
    if (!assets.available()) {
        throw HttpError(503, missingViewerDetail(assets));
    }
    const ServiceId& id = target.version->id();
    std::string page = docsPage(fmt::format("{} {}", id.name, id.version),
                                "/services/" + service_ + "/openapi.json");
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/html; charset=utf-8");
    response.set("Cache-Control", "no-cache");
    response.sendBuffer(page.data(), page.size());
}

void DocsAssetHandler::handle(Poco::Net::HTTPServerRequest&,
                              Poco::Net::HTTPServerResponse& response) {
    DocsAssets assets(context_.config.docs.assetsDir);
    auto path = assets.find(fileName_);
    if (!path) {
        if (!assets.available()) {
            throw HttpError(503, missingViewerDetail(assets));
        }
        throw HttpError(404,
                        fmt::format("no API viewer file named '{}'", limits::shorten(fileName_)));
    }
    Poco::FileInputStream input(*path);
    std::ostringstream content;
    Poco::StreamCopier::copyStream(input, content);
    std::string bytes = content.str();
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType(DocsAssets::contentType(fileName_));
    response.set("Cache-Control", "public, max-age=3600");
    response.sendBuffer(bytes.data(), bytes.size());
}

}  // namespace mvi::host
