#include "http/NotificationsHandler.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <vector>

#include "notifications/EmailAddress.h"
#include "schema/SchemaValidator.h"

namespace mvi::host {
namespace {

using nlohmann::json;

/// The fields of a `POST /notifications/` body, as entrypoint arguments for the schema
/// validator. `dashboard` and `timestamp`, which the original's services send, are accepted and
/// ignored (the host keeps its own time).
const json& postArguments() {
    static const json arguments = json::array({
        {{"name", "service_name"}, {"schema", {{"type", "string"}}}},
        {{"name", "service_version"}, {"schema", {{"type", "string"}}}},
        {{"name", "msg"}, {"schema", {{"type", "string"}}}},
        {{"name", "severity"},
         {"schema",
          {{"anyOf", json::array({{{"type", "integer"}, {"minimum", 0}, {"maximum", 2}},
                                  {{"type", "string"}}})}}}},
        {{"name", "emails"},
         {"schema", {{"type", "array"}, {"items", {{"type", "string"}}}}},
         {"required", false}},
        {{"name", "timer"}, {"schema", {{"type", "number"}, {"minimum", 0}}}, {"required", false}},
        {{"name", "dashboard"}, {"schema", json::object()}, {"required", false}},
        {{"name", "timestamp"}, {"schema", json::object()}, {"required", false}},
    });
    return arguments;
}

}  // namespace

void NotificationsHandler::list(Poco::Net::HTTPServerRequest&,
                                Poco::Net::HTTPServerResponse& response) {
    sendJson(response, 200, context_.notifications.toJson());
}

void NotificationsHandler::add(Poco::Net::HTTPServerRequest& request,
                               Poco::Net::HTTPServerResponse& response) {
    Notification stack = raise(readJsonBody(request, json()));
    json answer = stack.toJson();
    answer["id"] = stack.id;
    sendJson(response, 200, answer);
}

void NotificationsHandler::clear(Poco::Net::HTTPServerRequest&,
                                 Poco::Net::HTTPServerResponse& response) {
    context_.notifications.clear();
    sendJson(response, 200, "OK");
}

Notification NotificationsHandler::raise(const json& body) {
    std::vector<ValidationError> errors = SchemaValidator::validateArguments(
        postArguments(), body, SchemaValidator::Undeclared::Refuse);
    if (!errors.empty()) {
        throw HttpError::invalid(errors);
    }
    const std::string name = body["service_name"].get<std::string>();
    const std::string version = body["service_version"].get<std::string>();
    if (!isValidServiceName(name)) {
        errors.push_back(
            bodyProblem("service_name",
                        fmt::format("not a service name: lowercase letters, digits and "
                                    "underscores, not starting or ending with _, at "
                                    "most {} bytes",
                                    limits::kMaxNameBytes),
                        "value_error.service_name"));
    }
    if (!isValidVersion(version)) {
        errors.push_back(bodyProblem("service_version",
                                     "not a semantic version (MAJOR.MINOR.PATCH[-pre][+build])",
                                     "value_error.version"));
    }
    Severity severity = Severity::Info;
    const json& severityValue = body["severity"];
    if (severityValue.is_string()) {
        auto parsed = parseSeverity(severityValue.get<std::string>());
        if (parsed) {
            severity = *parsed;
        } else {
            errors.push_back(
                bodyProblem("severity",
                            "value is not a valid enumeration member; permitted: 0, 1, "
                            "2, 'INFO', 'WARNING', 'CRITICAL'",
                            "type_error.enum"));
        }
    } else {
        severity = static_cast<Severity>(severityValue.get<int>());
    }
    std::vector<std::string> emails;
    if (body.contains("emails") && !body["emails"].is_null()) {
        const json& list = body["emails"];
        for (std::size_t i = 0; i < list.size(); ++i) {
            emails.push_back(list[i].get<std::string>());
            if (!isEmailAddress(emails.back())) {
                errors.push_back(ValidationError{json::array({"body", "emails", i}),
                                                 "value is not a valid email address",
                                                 "value_error.email"});
            }
        }
    }
    double timer = 0;
    if (body.contains("timer") && !body["timer"].is_null()) {
        timer = body["timer"].get<double>();
    }
    if (!errors.empty()) {
        throw HttpError::invalid(errors);
    }
    return context_.notifications.raise(ServiceId{name, version}, severity,
                                        body["msg"].get<std::string>(), std::move(emails), timer);
}

}  // namespace mvi::host
