#pragma once

#include "http/JsonHandler.h"
#include "http/RouteRequest.h"

namespace mvi::host {

/// `GET /services/`: every version of every service with its state.
class ServiceListHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

/// `PUT /services/~assign` with `{"name", "version"}`: makes that version main, atomically.
class AssignHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

/// `POST /services/~unquarantine` with `{"name", "version"}`: ends the quarantine of that
/// version's build and loads it again.
class UnquarantineHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

/// `GET /`: a page for a person at a browser (see Pages::home). With auth on and no valid token,
/// a browser is sent to the login page (303) and any other client answered 401.
class HomeHandler : public JsonHandler {
  public:
    explicit HomeHandler(const RouteRequest& route) : JsonHandler(route), caller_(route.caller) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    Authenticator::Check caller_;
};

/// What the host says about itself, without a service: its actions are bound to routes.
class HostInfoHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

    /// `GET /~version`: `{"version", "abi"}`.
    void version(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `GET /~health`: `{"status": "alive"}`, with a `detail` warning when the host serves
    /// plain HTTP off loopback.
    void health(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
};

}  // namespace mvi::host
