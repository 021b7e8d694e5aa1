#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/<svc>/~monitor[/csv|/db]?start=&end=&variables=`: the monitoring values a
/// service stored; its actions are bound to routes.
///
/// - `<svc>` is a name (the rows of every version of that name) or `<name>_<version>` (that
///   version's rows only). The version need not be loaded: stored data is enough. 404 when there
///   is neither data nor a loaded version.
/// - `start`, `end`: ISO 8601 times, inclusive (422 when malformed or when start is after end).
/// - `variables`: comma-separated names (default: every stored variable); 412 naming the first
///   one that has no data for the service.
class MonitorHandler : public JsonHandler {
  public:
    /// Serves `{svc}`.
    explicit MonitorHandler(const RouteRequest& route)
        : JsonHandler(route), service_(route.parameter("svc")) {}

    /// JSON `{"<var>": {"timestamp": [...], "value": [...]}}` (timestamps ISO 8601 UTC with
    /// microseconds).
    void json(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `/csv`: a zip of `<var>.csv` files (MonitorExport).
    void csv(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// `/db`: an SQLite file holding the matching rows of the `monitor_values` table, copied in
    /// one read transaction.
    void db(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

  private:
    /// The query the request asks for, checked against what is loaded and stored.
    MonitorStore::Query readQuery(Poco::Net::HTTPServerRequest& request);
    /// The values `readQuery` selects.
    MonitorStore::Series readSeries(Poco::Net::HTTPServerRequest& request);

    std::string service_;
};

}  // namespace mvi::host
