#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/<svc>/openapi.json`: the OpenAPI document of the version `<svc>` resolves to.
class OpenApiHandler : public JsonHandler {
  public:
    /// Serves `{svc}`.
    explicit OpenApiHandler(const RouteRequest& route)
        : JsonHandler(route), service_(route.parameter("svc")) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
};

/// `GET /services/<svc>/docs`: an HTML page showing that service's OpenAPI document in the API
/// viewer served by the host itself (`/~docs/...`, no outside address). 503 when the viewer's
/// files are not installed.
class DocsPageHandler : public JsonHandler {
  public:
    /// Serves `{svc}`.
    explicit DocsPageHandler(const RouteRequest& route)
        : JsonHandler(route), service_(route.parameter("svc")) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
};

/// `GET /~docs/<file>`: one file of the API viewer, with its content type.
class DocsAssetHandler : public JsonHandler {
  public:
    /// Serves `{file}`.
    explicit DocsAssetHandler(const RouteRequest& route)
        : JsonHandler(route), fileName_(route.parameter("file")) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string fileName_;
};

}  // namespace mvi::host
