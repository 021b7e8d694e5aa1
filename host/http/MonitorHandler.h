#pragma once

#include <string>

#include "http/JsonHandler.h"

namespace mvi::host {

/// `GET /services/<svc>/~monitor[/csv|/db]?start=&end=&variables=`: the monitoring values a
/// service stored.
///
/// - `<svc>` is a name (the rows of every version of that name) or `<name>_<version>` (that
///   version's rows only). The version need not be loaded: stored data is enough. 404 when there
///   is neither data nor a loaded version.
/// - `start`, `end`: ISO 8601 times, inclusive (422 when malformed or when start is after end).
/// - `variables`: comma-separated names (default: every stored variable); 412 naming the first
///   one that has no data for the service.
///
/// Formats: JSON `{"<var>": {"timestamp": [...], "value": [...]}}` (timestamps ISO 8601 UTC with
/// microseconds); `csv`: a zip of `<var>.csv` files (`timestamp,value`); `db`: an SQLite file
/// holding the matching rows of the `monitor_values` table, copied in one read transaction.
class MonitorHandler : public JsonHandler {
  public:
    /// `format` is empty (JSON), "csv" or "db".
    MonitorHandler(HostContext& context, std::string service, std::string format)
        : JsonHandler(context), service_(std::move(service)), format_(std::move(format)) {}

  protected:
    void handle(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response) override;

  private:
    std::string service_;
    std::string format_;
};

}  // namespace mvi::host
