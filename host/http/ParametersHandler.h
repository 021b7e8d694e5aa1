#pragma once

#include <optional>
#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/<svc>/~parameters` (all), `GET .../~parameters/<p>` (one) and
/// `POST .../~parameters/<p>` with `{"value": v}`. Set by name, the value reaches the main
/// version and every shadow.
class ParametersHandler : public JsonHandler {
  public:
    ParametersHandler(HostContext& context, std::string service,
                      std::optional<std::string> parameter)
        : JsonHandler(context), service_(std::move(service)), parameter_(std::move(parameter)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
    std::optional<std::string> parameter_;
};

}  // namespace mvi::host
