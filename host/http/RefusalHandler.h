#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// Refuses a request without interpreting its body: answers `status` with `{"detail": ...}`
/// (401 also with `WWW-Authenticate: Bearer`). A small body is drained so the connection can
/// serve the next request; a larger one, or one the client holds back until `100 Continue`,
/// closes the connection after the answer (see RequestBody::linger).
///
/// Used for a request that lacks a valid token while auth is on (401), and for the original
/// platform's ways of deploying that need containers (501).
class RefusalHandler : public JsonHandler {
  public:
    RefusalHandler(HostContext& context, int status, std::string detail)
        : JsonHandler(context), status_(status), detail_(std::move(detail)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    int status_;
    std::string detail_;
};

}  // namespace mvi::host
