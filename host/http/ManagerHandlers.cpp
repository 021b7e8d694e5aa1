#include "http/ManagerHandlers.h"

#include <Poco/NumberParser.h>
#include <Poco/URI.h>
#include <fmt/format.h>
#include <mvi/plugin.h>

#include <limits>

#ifndef MVI_HOST_VERSION
#define MVI_HOST_VERSION "0.0.0"
#endif

namespace mvi::host {

void ServiceListHandler::handle(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    sendJson(response, 200, context_.registry.describe());
}

void AssignHandler::handle(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "PUT");
    nlohmann::json body = readJsonBody(request, nlohmann::json());
    nlohmann::json problems = nlohmann::json::array();
    if (!body.is_object()) {
        problems.push_back({{"loc", {"body"}},
                            {"msg", "value is not a valid object"},
                            {"type", "type_error.object"}});
    } else {
        for (const char* field : {"name", "version"}) {
            if (!body.contains(field)) {
                problems.push_back({{"loc", {"body", field}},
                                    {"msg", "field required"},
                                    {"type", "value_error.missing"}});
            } else if (!body[field].is_string()) {
                problems.push_back({{"loc", {"body", field}},
                                    {"msg", "value is not a valid string"},
                                    {"type", "type_error.string"}});
            }
        }
    }
    if (!problems.empty()) {
        throw HttpError(422, problems);
    }
    ServiceId id{body["name"].get<std::string>(), body["version"].get<std::string>()};
    switch (context_.deployer.assign(id)) {
        case ServiceRegistry::AssignResult::Ok:
            sendJson(response, 200, "OK");
            return;
        case ServiceRegistry::AssignResult::UnknownService:
            throw HttpError(404, fmt::format("service '{}' not found", id.name));
        case ServiceRegistry::AssignResult::UnknownVersion:
            throw HttpError(404,
                            fmt::format("service '{}' has no version {}", id.name, id.version));
        case ServiceRegistry::AssignResult::NotReady:
            throw HttpError(
                409, fmt::format("service {} {} is not ready to be main", id.name, id.version));
    }
}

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

void NotificationsHandler::handle(Poco::Net::HTTPServerRequest& request,
                                  Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    sendJson(response, 200, context_.notifications.toJson());
}

void HostInfoHandler::handle(Poco::Net::HTTPServerRequest& request,
                             Poco::Net::HTTPServerResponse& response) {
    requireMethod(request, response, "GET");
    if (health_) {
        sendJson(response, 200, {{"status", "alive"}});
        return;
    }
    sendJson(response, 200,
             {{"version", MVI_HOST_VERSION},
              {"abi", fmt::format("{}.{}", MVI_ABI_VERSION_MAJOR, MVI_ABI_VERSION_MINOR)}});
}

}  // namespace mvi::host
