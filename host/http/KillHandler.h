#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `DELETE /services/` with `{"name", "version"}`: kills a version. Its file, and its folder of
/// static files (`<name>_<version>/`) if any, are deleted from the plugins folder and it is taken
/// out of routing (it drains, then unloads) before the answer
/// `"OK"`. 404 for an unknown service or version; 403 for the main version of a name that still
/// has other versions (assign another main or kill those first). Failed versions can be killed
/// too.
class KillHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
