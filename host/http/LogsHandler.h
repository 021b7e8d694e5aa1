#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/~logs?name=&version=&tail=`: a version's log as plain text; the version
/// defaults to the main one, `tail` to all kept lines.
class LogsHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
