#include "http/ServiceCallHandler.h"

#include <Poco/URI.h>

#include "dispatch/Dispatcher.h"

namespace mvi::host {
namespace {

// Query values are text; an argument declared as a string takes the text as it is, any other
// argument reads it as JSON (so `?n=3` is the integer 3). Text that is not JSON stays a string
// and fails validation with a clear type error; JSON nested too deep or a number beyond a double
// is refused here.
nlohmann::json argumentsFromQuery(const Entrypoint& entrypoint,
                                  const Poco::URI::QueryParameters& query, std::size_t maxDepth) {
    nlohmann::json arguments = nlohmann::json::object();
    for (const auto& [key, text] : query) {
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
        try {
            arguments[key] = JsonInput::parse(text, maxDepth);
        } catch (const JsonInput::Error& error) {
            if (error.problem() != JsonInput::Problem::Syntax) {
                throw JsonHandler::jsonRefused(error, nlohmann::json::array({"query", key}));
            }
            arguments[key] = text;
        }
    }
    return arguments;
}

}  // namespace

void ServiceCallHandler::handle(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    if (target.version->entrypoint(entrypoint_) == nullptr && !target.version->routes().empty()) {
        serveRoute(std::move(target), {entrypoint_}, request, response);
        return;
    }
    Dispatcher::Route route = context_.dispatcher.resolve(std::move(target), entrypoint_);
    // The route has both methods; each entrypoint declares the one it is called with.
    bool isGet = route.entrypoint->method == MVI_METHOD_GET;
    const std::string declared = isGet ? "GET" : "POST";
    if (request.getMethod() != declared) {
        response.set("Allow", declared);
        throw HttpError::methodNotAllowed(request.getMethod(), declared);
    }
    nlohmann::json arguments = isGet
                                   ? argumentsFromQuery(*route.entrypoint, queryParameters(request),
                                                        context_.config.http.maxJsonDepth)
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
