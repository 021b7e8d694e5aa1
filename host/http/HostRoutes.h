#pragma once

#include "http/RouteTable.h"

namespace mvi::host {

/// The host's HTTP API (DESIGN.md §3): every route it serves, declared in one table.
class HostRoutes {
  public:
    HostRoutes() = delete;

    /// The table; RequestHandlerFactory matches every request against it.
    static RouteTable table();

    /// The deployment upload's route, whose body may reach `http.max_upload_bytes`.
    static constexpr const char* kUploadPattern = "/services/~tar";
};

}  // namespace mvi::host
