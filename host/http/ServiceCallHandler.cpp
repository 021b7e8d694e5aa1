#include "http/ServiceCallHandler.h"

#include <Poco/URI.h>
#include <fmt/format.h>

#include "http/ServiceTarget.h"

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
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    const Entrypoint* entrypoint = target.version->entrypoint(entrypoint_);
    if (entrypoint == nullptr) {
        throw HttpError(
            404, fmt::format("service {} {} has no entrypoint '{}'", target.version->id().name,
                             target.version->id().version, entrypoint_));
    }
    bool isGet = entrypoint->method == MVI_METHOD_GET;
    requireMethod(request, response, isGet ? "GET" : "POST");
    nlohmann::json arguments = isGet ? argumentsFromQuery(*entrypoint, Poco::URI(request.getURI()))
                                     : readJsonBody(request, nlohmann::json::object());
    CallResult result = target.version->call(*entrypoint, arguments);
    target.version->countRequest(result.status >= 500);
    sendJson(response, result.status, result.body);
    // The main version has answered; now each shadow gets its copy.
    for (std::size_t i = 0; i < target.shadows.size(); ++i) {
        bool last = i + 1 == target.shadows.size();
        context_.mirror.enqueue(Mirror::Copy{std::move(target.shadows[i]), entrypoint_,
                                             last ? std::move(arguments) : arguments});
    }
}

}  // namespace mvi::host
