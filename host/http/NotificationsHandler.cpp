#include "http/NotificationsHandler.h"

namespace mvi::host {

void NotificationsHandler::handle(Poco::Net::HTTPServerRequest& request,
                                  Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    sendJson(response, 200, context_.notifications.toJson());
}

}  // namespace mvi::host
