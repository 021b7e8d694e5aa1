#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `POST|GET /services/<svc>/<entrypoint>`: calls an entrypoint of the main version (by name)
/// or of one version, with arguments from the JSON body (POST) or the query (GET).
class ServiceCallHandler : public JsonHandler {
  public:
    ServiceCallHandler(HostContext& context, std::string service, std::string entrypoint)
        : JsonHandler(context), service_(std::move(service)), entrypoint_(std::move(entrypoint)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
    std::string entrypoint_;
};

}  // namespace mvi::host
