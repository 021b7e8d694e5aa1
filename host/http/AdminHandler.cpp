#include "http/AdminHandler.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <stdexcept>
#include <vector>

namespace mvi::host {
namespace {

using nlohmann::json;

/// A problem with the user name in the path (`loc` `["path", "name"]`).
ValidationError nameProblem(std::string msg) {
    return {json::array({"path", "name"}), std::move(msg), "value_error.user_name"};
}

/// The name as quoted in a detail.
std::string shown(const std::string& name) {
    return limits::shorten(name);
}

}  // namespace

void AdminHandler::requireAdministrator() const {
    if (!context_.auth.actsAsAdministrator(check_)) {
        throw HttpError(403, "This endpoint requires admin privileges");
    }
}

std::string AdminHandler::readPassword(Poco::Net::HTTPServerRequest& request,
                                       std::vector<ValidationError>& problems) {
    json body = readJsonBody(request, json());
    if (body.is_null()) {
        problems.push_back(bodyProblem("", "field required", "value_error.missing"));
        return {};
    }
    if (!body.is_object()) {
        problems.push_back(bodyProblem("", "value is not a valid object", "type_error.object"));
        return {};
    }
    for (const auto& [key, value] : body.items()) {
        if (key != "password") {
            problems.push_back(bodyProblem(key, "extra fields not permitted", "value_error.extra"));
        }
    }
    if (!body.contains("password")) {
        problems.push_back(bodyProblem("password", "field required", "value_error.missing"));
        return {};
    }
    if (!body["password"].is_string()) {
        problems.push_back(bodyProblem("password", "str type expected", "type_error.str"));
        return {};
    }
    std::string password = body["password"].get<std::string>();
    if (auto problem = Authenticator::passwordProblem(password)) {
        problems.push_back(bodyProblem("password", *problem, "value_error.password"));
    }
    return password;
}

void AdminHandler::listUsers(Poco::Net::HTTPServerRequest&,
                             Poco::Net::HTTPServerResponse& response) {
    requireAdministrator();
    sendJson(response, 200, context_.auth.users());
}

void AdminHandler::addUser(Poco::Net::HTTPServerRequest& request,
                           Poco::Net::HTTPServerResponse& response) {
    requireAdministrator();
    std::vector<ValidationError> problems;
    if (auto problem = Authenticator::userNameProblem(name_)) {
        problems.push_back(nameProblem(*problem));
    }
    std::string password = readPassword(request, problems);
    if (!problems.empty()) {
        throw HttpError::invalid(problems);
    }
    Authenticator::UserChange change;
    try {
        change = context_.auth.addUser(name_, password);
    } catch (const std::invalid_argument& error) {
        throw HttpError::invalid({bodyProblem("", error.what(), "value_error")});
    }
    if (change == Authenticator::UserChange::Exists) {
        throw HttpError(409, fmt::format("User {} already exists", shown(name_)));
    }
    sendJson(response, 201, "Created");
}

void AdminHandler::updateUser(Poco::Net::HTTPServerRequest& request,
                              Poco::Net::HTTPServerResponse& response) {
    requireAdministrator();
    std::vector<ValidationError> problems;
    std::string password = readPassword(request, problems);
    if (!problems.empty()) {
        throw HttpError::invalid(problems);
    }
    Authenticator::UserChange change;
    try {
        change = context_.auth.changePassword(name_, password);
    } catch (const std::invalid_argument& error) {
        throw HttpError::invalid({bodyProblem("password", error.what(), "value_error.password")});
    }
    switch (change) {
        case Authenticator::UserChange::Done:
        case Authenticator::UserChange::Exists:
            break;
        case Authenticator::UserChange::NotFound:
            throw HttpError(404, fmt::format("User {} not found", shown(name_)));
        case Authenticator::UserChange::Administrator:
            throw HttpError(
                403, fmt::format("User {} is the administrator, whose password is set by the "
                                 "configuration: change auth.admin_password or "
                                 "auth.admin_password_file and restart the host",
                                 shown(name_)));
    }
    sendJson(response, 200, "OK");
}

void AdminHandler::removeUser(Poco::Net::HTTPServerRequest&,
                              Poco::Net::HTTPServerResponse& response) {
    requireAdministrator();
    switch (context_.auth.removeUser(name_)) {
        case Authenticator::UserChange::Done:
        case Authenticator::UserChange::Exists:
            break;
        case Authenticator::UserChange::NotFound:
            throw HttpError(404, fmt::format("User {} not found", shown(name_)));
        case Authenticator::UserChange::Administrator:
            throw HttpError(403, fmt::format("User {} is the administrator and cannot be deleted: "
                                             "it is set by the configuration (auth.admin_user)",
                                             shown(name_)));
    }
    sendJson(response, 200, "OK");
}

}  // namespace mvi::host
