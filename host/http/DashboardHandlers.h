#pragma once

#include <string>

#include "core/AssetFolder.h"
#include "http/JsonHandler.h"
#include "http/RouteRequest.h"

namespace mvi::host {

/// The dashboard's files (its page, script and style from host/web, and the chart library),
/// served under `/~web/<file>` from one folder (`dashboard.assets_dir`).
class DashboardAssets : public AssetFolder {
  public:
    /// The dashboard's page; when it is missing `/` shows a plain page instead.
    static constexpr const char* kPage = "index.html";

    /// Serves files from `directory`; empty means `<bin>/../share/mvi/web` beside mvi-host.
    explicit DashboardAssets(const std::string& directory);
};

/// Headers of every page the host serves to a browser: a Content-Security-Policy that allows
/// only the host's own scripts, styles and requests (no inline script or style), no framing by
/// another site, no sniffing, a referrer (and an `Origin` on forms) only to this host.
void setPageHeaders(Poco::Net::HTTPServerResponse& response);

/// `GET /~web/<file>`: one file of the dashboard's folder (404 for any other name). Public: the
/// login page uses its style, and the files hold nothing a token protects.
class WebAssetHandler : public JsonHandler {
  public:
    explicit WebAssetHandler(const RouteRequest& route)
        : JsonHandler(route), fileName_(route.parameter("file")) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string fileName_;
};

}  // namespace mvi::host
