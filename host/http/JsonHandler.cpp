#include "http/JsonHandler.h"

#include "schema/SchemaValidator.h"
#include "state/StorageError.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <fmt/format.h>

#include <chrono>
#include <ostream>

namespace mvi::host {

void JsonHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    try {
        body_.emplace(request, response);
        handle(request, response);
        return;
    } catch (const HttpError& error) {
        sendErrorAfterFailure(response, error.status(), error.detail());
    } catch (const StorageError& error) {
        // Nothing was changed: the write that failed came before any change in memory.
        sendErrorAfterFailure(response, error.httpStatus(), error.what());
    } catch (const Poco::Net::NetException&) {
        // The client went away; nothing can be sent.
    } catch (const std::exception& error) {
        sendErrorAfterFailure(response, 500, fmt::format("internal error: {}", error.what()));
    }
}

void JsonHandler::sendErrorAfterFailure(Poco::Net::HTTPServerResponse& response, int status,
                                        const nlohmann::json& detail) {
    if (response.sent()) {
        return;
    }
    if (!body_ || !body_->pending()) {
        sendError(response, status, detail);
        return;
    }
    // An unread body would be taken for the next request on this connection: it closes after
    // the answer, which goes out first; then what the client still sends is read and dropped.
    try {
        response.setKeepAlive(false);
        sendJsonNow(response, status, {{"detail", detail}});
    } catch (const Poco::Exception&) {
        return;
    }
    body_->linger(context_.config.http.linger);
}

void JsonHandler::sendJson(Poco::Net::HTTPServerResponse& response, int status,
                           const nlohmann::json& body) {
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    response.sendBuffer(text.data(), text.size());
}

void JsonHandler::sendJsonNow(Poco::Net::HTTPServerResponse& response, int status,
                              const nlohmann::json& body) {
    std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(text.size()));
    // sendBuffer leaves the bytes in the response's stream until the request's thread finishes
    // with it; this stream is flushed here.
    std::ostream& out = response.send();
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
}

void JsonHandler::sendError(Poco::Net::HTTPServerResponse& response, int status,
                            const nlohmann::json& detail) {
    sendJson(response, status, {{"detail", detail}});
}

std::string JsonHandler::readBody(Poco::Net::HTTPServerRequest&) {
    return body_->read(context_.config.http.maxBodyBytes, "http.max_body_bytes");
}

nlohmann::json JsonHandler::readJsonBody(Poco::Net::HTTPServerRequest& request,
                                         const nlohmann::json& emptyValue) {
    std::string body = readBody(request);
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return emptyValue;
    }
    try {
        return JsonInput::parse(body, context_.config.http.maxJsonDepth);
    } catch (const JsonInput::Error& error) {
        throw jsonRefused(error, nlohmann::json::array({"body"}));
    }
}

HttpError JsonHandler::jsonRefused(const JsonInput::Error& error, const nlohmann::json& where) {
    nlohmann::json loc = where;
    std::string msg = error.what();
    std::string type;
    switch (error.problem()) {
        case JsonInput::Problem::Syntax:
            loc.push_back(error.byte());
            msg = "malformed JSON: " + msg;
            type = "value_error.jsondecode";
            break;
        case JsonInput::Problem::TooDeep:
            // The whole path is as long as the limit: the field it starts in is enough.
            if (!error.path().empty()) {
                loc.push_back(error.path().front());
            }
            msg += " (http.max_json_depth)";
            type = "value_error.jsondepth";
            break;
        case JsonInput::Problem::NumberOverflow:
            loc.insert(loc.end(), error.path().begin(), error.path().end());
            type = "value_error.jsonnumber";
            break;
        case JsonInput::Problem::InvalidUtf8:
            loc.insert(loc.end(), error.path().begin(), error.path().end());
            type = "value_error.utf8";
            break;
    }
    return HttpError::invalid({ValidationError{loc, msg, type}});
}

Poco::URI::QueryParameters JsonHandler::queryParameters(
    const Poco::Net::HTTPServerRequest& request) {
    Poco::URI::QueryParameters parameters;
    try {
        parameters = Poco::URI(request.getURI()).getQueryParameters();
    } catch (const Poco::SyntaxException& error) {
        throw HttpError::invalid({queryProblem(
            "", "malformed query string: " + JsonInput::withValidUtf8(error.message()),
            "value_error.query")});
    }
    for (const auto& [name, value] : parameters) {
        if (!JsonInput::isValidUtf8(name)) {
            throw HttpError::invalid({queryProblem("", "a query parameter name is not valid UTF-8",
                                                   "value_error.utf8")});
        }
        if (!JsonInput::isValidUtf8(value)) {
            throw HttpError::invalid(
                {queryProblem(name, "value is not valid UTF-8", "value_error.utf8")});
        }
    }
    return parameters;
}

void JsonHandler::requireUtf8Fields(const Poco::Net::NameValueCollection& fields) {
    for (const auto& [name, value] : fields) {
        if (!JsonInput::isValidUtf8(name)) {
            throw HttpError::invalid(
                {bodyProblem("", "a form field name is not valid UTF-8", "value_error.utf8")});
        }
        if (!JsonInput::isValidUtf8(value)) {
            throw HttpError::invalid(
                {bodyProblem(name, "value is not valid UTF-8", "value_error.utf8")});
        }
    }
}

ServiceId JsonHandler::readServiceIdBody(Poco::Net::HTTPServerRequest& request) {
    static const nlohmann::json schema = {
        {"type", "object"},
        {"properties", {{"name", {{"type", "string"}}}, {"version", {{"type", "string"}}}}},
        {"required", {"name", "version"}}};
    nlohmann::json body = readJsonBody(request, nlohmann::json());
    std::vector<ValidationError> errors;
    SchemaValidator::validate(schema, body, nlohmann::json::array({"body"}), errors);
    if (!errors.empty()) {
        throw HttpError::invalid(errors);
    }
    return ServiceId{body["name"].get<std::string>(), body["version"].get<std::string>()};
}

void ErrorHandler::handle(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
    for (const auto& [name, value] : headers_) {
        response.set(name, value);
    }
    throw HttpError(status_, detail_);
}

}  // namespace mvi::host
