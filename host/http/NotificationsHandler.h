#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `/notifications/`; its actions are bound to routes.
class NotificationsHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

    /// `GET`: the stacked notifications keyed by id.
    void list(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `POST` with `{"service_name", "service_version", "msg", "severity", "emails"?, "timer"?}`
    /// (the severity is 0, 1, 2 or its name): raises one and answers its stack.
    void add(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `DELETE`: removes them all.
    void clear(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    /// Validates a `POST` body and raises the notification it describes; HttpError 422 with a
    /// `detail` list for every problem found.
    Notification raise(const nlohmann::json& body);
};

}  // namespace mvi::host
