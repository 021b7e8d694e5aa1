#pragma once

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /~ready`: 200 `{"status": "ready", "ready": true, ...}` when start-up is over, every
/// deployed version is loaded and the database is sound; 503 with a detail naming each version
/// that is not (still loading, failed to load, or a file in the plugins folder not loaded yet)
/// and each problem of the database (damaged, deleted or replaced while the host runs; also
/// listed in `database`).
///
/// The details name plugin files, loader errors and the database's state, so with auth on a
/// request without a valid token gets only `{"status", "ready"}` (and the same status code).
class ReadyHandler : public JsonHandler {
  public:
    explicit ReadyHandler(const RouteRequest& route)
        : JsonHandler(route),
          detailed_(!route.context.auth.enabled() || route.caller.authenticated()) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    /// Whether the answer may carry the details.
    bool detailed_;
};

/// `GET /metrics`: the host's counters in the Prometheus text format: calls, errors and latency
/// per service, version and entrypoint; mirrored copies; loads, swaps, unloads and load
/// failures; versions by state; login attempts by outcome.
class MetricsHandler : public JsonHandler {
  public:
    using JsonHandler::JsonHandler;

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;
};

}  // namespace mvi::host
