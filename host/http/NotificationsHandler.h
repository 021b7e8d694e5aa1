#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /notifications/`: the stacked notifications.
class NotificationsHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
