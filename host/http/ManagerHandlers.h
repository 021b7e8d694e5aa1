#pragma once

#include "http/JsonHandler.h"

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
