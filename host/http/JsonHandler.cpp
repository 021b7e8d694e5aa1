#include "http/JsonHandler.h"

#include "schema/SchemaValidator.h"
#include "state/StorageError.h"

#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <ostream>
#include <sstream>

namespace mvi::host {

void JsonHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
    try {
        handle(request, response);
        return;
    } catch (const HttpError& error) {
        sendErrorAfterFailure(request, response, error.status(), error.detail());
    } catch (const StorageError& error) {
        // Nothing was changed: the write that failed came before any change in memory.
        sendErrorAfterFailure(request, response, error.httpStatus(), error.what());
    } catch (const Poco::Net::NetException&) {
        // The client went away; nothing can be sent.
    } catch (const std::exception& error) {
        sendErrorAfterFailure(request, response, 500,
                              fmt::format("internal error: {}", error.what()));
    }
}

void JsonHandler::sendErrorAfterFailure(Poco::Net::HTTPServerRequest& request,
                                        Poco::Net::HTTPServerResponse& response, int status,
                                        const nlohmann::json& detail) {
    if (response.sent()) {
        return;
    }
    // An unread body would be taken for the next request on this connection: close it instead.
    bool bodyPending = request.getChunkedTransferEncoding() ||
                       (request.hasContentLength() && request.getContentLength64() > 0);
    if (bodyPending && !bodyRead_) {
        response.setKeepAlive(false);
    }
    sendError(response, status, detail);
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

std::string JsonHandler::readBody(Poco::Net::HTTPServerRequest& request) {
    const std::size_t limit = context_.config.httpMaxBodyBytes;
    // A body somewhat over the limit is read and thrown away, so the client hears the 413
    // instead of a reset while it is still sending, and the connection stays usable. Past this
    // much more, the connection is closed instead of reading on.
    const std::uint64_t discardable = std::max<std::uint64_t>(limit, 1 << 20);
    auto refuse = [&](std::istream& stream, std::uint64_t alreadyRead) {
        char scratch[16384];
        std::uint64_t discarded = alreadyRead;
        while (stream && discarded <= limit + discardable) {
            stream.read(scratch, sizeof scratch);
            if (stream.gcount() <= 0) {
                break;
            }
            discarded += static_cast<std::uint64_t>(stream.gcount());
        }
        bodyRead_ = !stream.bad() && discarded <= limit + discardable;
        return HttpError(413,
                         fmt::format("request body is larger than the limit of {} bytes", limit));
    };
    // Without a length and without chunks a request has no body (RFC 9112, 6.3); reading on
    // would wait for the connection to close.
    if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) {
        bodyRead_ = true;
        return {};
    }
    std::istream& stream = request.stream();
    if (request.hasContentLength() && request.getContentLength64() > 0 &&
        static_cast<std::uint64_t>(request.getContentLength64()) > limit) {
        if (static_cast<std::uint64_t>(request.getContentLength64()) > limit + discardable) {
            throw refuse(stream, limit + discardable + 1);
        }
        throw refuse(stream, 0);
    }
    std::string body;
    char block[16384];
    while (stream) {
        stream.read(block, sizeof block);
        std::streamsize got = stream.gcount();
        if (got <= 0) {
            break;
        }
        if (body.size() + static_cast<std::size_t>(got) > limit) {
            throw refuse(stream, body.size() + static_cast<std::size_t>(got));
        }
        body.append(block, static_cast<std::size_t>(got));
    }
    bodyRead_ = true;
    return body;
}

nlohmann::json JsonHandler::readJsonBody(Poco::Net::HTTPServerRequest& request,
                                         const nlohmann::json& emptyValue) {
    std::string body = readBody(request);
    if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return emptyValue;
    }
    try {
        return nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& error) {
        throw HttpError(
            422, nlohmann::json::array({{{"loc", {"body", error.byte}},
                                         {"msg", "malformed JSON: " + std::string(error.what())},
                                         {"type", "value_error.jsondecode"}}}));
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
        throw HttpError(422, SchemaValidator::toDetail(errors));
    }
    return ServiceId{body["name"].get<std::string>(), body["version"].get<std::string>()};
}

void JsonHandler::requireMethod(const Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response,
                                const std::string& allowed) {
    std::istringstream methods(allowed);
    std::string method;
    while (std::getline(methods, method, ',')) {
        if (request.getMethod() == method) {
            return;
        }
    }
    response.set("Allow", allowed);
    throw HttpError(
        405, fmt::format("method {} not allowed here; use {}", request.getMethod(), allowed));
}

void ErrorHandler::handle(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
    sendError(response, status_, detail_);
}

}  // namespace mvi::host
