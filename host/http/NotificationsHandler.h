#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `/notifications/`: `GET` lists the stacked notifications keyed by id; `POST` raises one
/// (body `{"service_name", "service_version", "msg", "severity", "emails"?, "timer"?}`; the
/// severity is 0, 1, 2 or its name) and answers its stack; `DELETE` removes them all.
class NotificationsHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    /// Validates a `POST` body and raises the notification it describes; HttpError 422 with a
    /// `detail` list for every problem found.
    Notification raise(const nlohmann::json& body);
};

}  // namespace mvi::host
