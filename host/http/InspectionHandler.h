#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/~inspection?name=&version=`: the state of one version (the main one when no
/// version is given) in the original platform's Docker-like shape: `Name`, `State` (`Status`,
/// `Running`, `StartedAt`, `FinishedAt`, `Error`), `Image` and `Config` (`Entrypoints`,
/// `Parameters`, and `Env`, the version's environment as docker lists it: `["NAME=VALUE"]`). 404
/// for an unknown service or version, or a name without a main version when none is given.
class InspectionHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
