#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/HttpError.h"
#include "core/JsonInput.h"
#include "core/ServiceId.h"
#include "http/HostContext.h"
#include "http/RequestBody.h"
#include "http/RouteRequest.h"

namespace mvi::host {

/// Base of every handler of the host's API: runs `handle` and turns any HttpError or other
/// exception into a JSON error answer, so no request ends without a response. A StorageError
/// (the data folder refused a write) answers 507 when the disk is full and 503 otherwise, with
/// its message as `detail`. The route table (HostRoutes) has checked the method before a handler
/// is made.
class JsonHandler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit JsonHandler(HostContext& context) : context_(context) {}
    explicit JsonHandler(const RouteRequest& route) : context_(route.context) {}

    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) final;

    /// Sends `body` as JSON with `status`.
    static void sendJson(Poco::Net::HTTPServerResponse& response, int status,
                         const nlohmann::json& body);

    /// Sends `body` as JSON with `status` and pushes it onto the connection at once, for an answer
    /// given from another thread while the request's own thread is still busy.
    static void sendJsonNow(Poco::Net::HTTPServerResponse& response, int status,
                            const nlohmann::json& body);

    /// Sends `{"detail": detail}` with `status`.
    static void sendError(Poco::Net::HTTPServerResponse& response, int status,
                          const nlohmann::json& detail);

    /// The 422 answer for JSON that JsonInput refused; `where` starts each `loc` (`["body"]`,
    /// `["query", "n"]`), followed by the place in the value where it is known.
    static HttpError jsonRefused(const JsonInput::Error& error, const nlohmann::json& where);

  protected:
    /// Serves one request; may throw HttpError.
    virtual void handle(Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response) = 0;

    /// Reads the whole body, refusing (413) more than `http.max_body_bytes`.
    std::string readBody(Poco::Net::HTTPServerRequest& request);

    /// Reads the body as JSON, nested at most `http.max_json_depth` levels; 422 with a `detail`
    /// list when it is malformed, too deep, holds a number beyond a double or a string that is
    /// not UTF-8. An empty body reads as `emptyValue`.
    nlohmann::json readJsonBody(Poco::Net::HTTPServerRequest& request,
                                const nlohmann::json& emptyValue);

    /// The request's body, for a handler that reads it otherwise than whole (uploads).
    RequestBody& body() { return *body_; }

    /// The decoded query parameters; 422 when the query is malformed or a name or value is not
    /// valid UTF-8.
    static Poco::URI::QueryParameters queryParameters(const Poco::Net::HTTPServerRequest& request);

    /// Throws 422 when a name or value of the form `fields` is not valid UTF-8 (`loc`
    /// `["body", name]`).
    static void requireUtf8Fields(const Poco::Net::NameValueCollection& fields);

    /// Reads a body `{"name": ..., "version": ...}` (both strings); 422 with a `detail` list
    /// otherwise. The values are returned as sent, not checked against the naming rules.
    ServiceId readServiceIdBody(Poco::Net::HTTPServerRequest& request);

    HostContext& context_;

  private:
    void sendErrorAfterFailure(Poco::Net::HTTPServerResponse& response, int status,
                               const nlohmann::json& detail);

    std::optional<RequestBody> body_;
};

/// Answers a fixed error to any request, with `headers` set: routes that do not exist, methods a
/// route does not have, refusals before routing.
class ErrorHandler : public JsonHandler {
  public:
    ErrorHandler(HostContext& context, int status, std::string detail,
                 Poco::Net::NameValueCollection headers = {})
        : JsonHandler(context),
          status_(status),
          detail_(std::move(detail)),
          headers_(std::move(headers)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    int status_;
    std::string detail_;
    Poco::Net::NameValueCollection headers_;
};

}  // namespace mvi::host
