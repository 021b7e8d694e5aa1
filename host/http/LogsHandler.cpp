#include "http/LogsHandler.h"

#include <Poco/NumberParser.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <limits>

namespace mvi::host {

void LogsHandler::handle(Poco::Net::HTTPServerRequest& request,
                         Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    std::string name;
    std::string version;
    std::size_t tail = std::numeric_limits<std::size_t>::max();
    for (const auto& [key, value] : Poco::URI(request.getURI()).getQueryParameters()) {
        if (key == "name") {
            name = value;
        } else if (key == "version") {
            version = value;
        } else if (key == "tail" && value != "all") {
            Poco::UInt64 count = 0;
            if (!Poco::NumberParser::tryParseUnsigned64(value, count)) {
                throw HttpError(422,
                                nlohmann::json::array({{{"loc", {"query", "tail"}},
                                                        {"msg", "value is not a valid integer"},
                                                        {"type", "type_error.integer"}}}));
            }
            tail = static_cast<std::size_t>(count);
        }
    }
    if (name.empty()) {
        throw HttpError(422, nlohmann::json::array({{{"loc", {"query", "name"}},
                                                     {"msg", "field required"},
                                                     {"type", "value_error.missing"}}}));
    }
    // Logs stay readable whatever state the version is in: a failed load explains itself there.
    ServiceId id{name, version};
    auto table = context_.registry.snapshot();
    auto route = table->find(name);
    if (route == table->end()) {
        throw HttpError(404, fmt::format("service '{}' not found", name));
    }
    if (version.empty()) {
        if (!route->second.main) {
            throw HttpError(404,
                            fmt::format("service {} has no main version; name the version", name));
        }
        id = route->second.main->id();
    } else if (route->second.versions.count(version) == 0) {
        throw HttpError(404, fmt::format("service '{}' has no version {}", name, version));
    }
    std::string text;
    for (const LogLine& line : context_.logs.tail(id, tail)) {
        text += line.format();
        text += '\n';
    }
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    response.setContentType("text/plain; charset=utf-8");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.sendBuffer(text.data(), text.size());
}

}  // namespace mvi::host
