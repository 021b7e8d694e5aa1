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

/// `GET /~version` and `GET /~health`.
class HostInfoHandler : public JsonHandler {
  public:
    HostInfoHandler(HostContext& context, bool health) : JsonHandler(context), health_(health) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    bool health_;
};

}  // namespace mvi::host
