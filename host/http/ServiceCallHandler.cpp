#include "http/ServiceCallHandler.h"

#include <Poco/URI.h>
#include <fmt/format.h>

#include "dispatch/Dispatcher.h"

namespace mvi::host {
namespace {

// Query values are text; an argument declared as a string takes the text as it is, any other
// argument reads it as JSON (so `?n=3` is the integer 3). Text that is not JSON stays a string
// and fails validation with a clear type error.
nlohmann::json argumentsFromQuery(const Entrypoint& entrypoint, const Poco::URI& uri) {
    nlohmann::json arguments = nlohmann::json::object();
    for (const auto& [key, text] : uri.getQueryParameters()) {
        const nlohmann::json* schema = nullptr;
        for (const auto& argument : entrypoint.arguments) {
            if (argument.value("name", "") == key) {
                schema = &argument["schema"];
            }
        }
        if (schema != nullptr && schema->value("type", "") == "string") {
            arguments[key] = text;
            continue;
        }
        nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
        arguments[key] = value.is_discarded() ? nlohmann::json(text) : value;
    }
    return arguments;
}

}  // namespace

void ServiceCallHandler::handle(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    Dispatcher::Route route = context_.dispatcher.resolve(service_, entrypoint_);
    bool isGet = route.entrypoint->method == MVI_METHOD_GET;
    requireMethod(request, response, isGet ? "GET" : "POST");
    nlohmann::json arguments =
        isGet ? argumentsFromQuery(*route.entrypoint, Poco::URI(request.getURI()))
              : readJsonBody(request, nlohmann::json::object());
    // Past its deadline the watchdog answers 504 while the call is still running; the connection
    // then closes, since this thread is held until the call returns.
    TimeoutAnswer onTimeout = [&response](const CallResult& timeout) {
        response.setKeepAlive(false);
        sendJsonNow(response, timeout.status, timeout.body);
    };
    CallResult result = context_.dispatcher.call(route, arguments, &onTimeout);
    if (result.answered) {
        return;
    }
    sendJson(response, result.status, result.body);
    // The main version has answered; now each shadow gets its copy.
    context_.dispatcher.mirror(route, std::move(arguments));
}

}  // namespace mvi::host
