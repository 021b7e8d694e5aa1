#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// Answers 401 `{"detail": ...}` with `WWW-Authenticate: Bearer` to a request that lacks a valid
/// token while auth is on. The request body is never interpreted: a small one is drained so the
/// connection can serve the next request; a larger one, or one the client holds back until
/// `100 Continue`, closes the connection after the answer (see RequestBody::linger).
class UnauthorizedHandler : public JsonHandler {
  public:
    /// `detail` says why: missing, invalid, expired or revoked token.
    UnauthorizedHandler(HostContext& context, std::string detail)
        : JsonHandler(context), detail_(std::move(detail)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string detail_;
};

}  // namespace mvi::host
