#pragma once

#include <string>
#include <vector>

#include "monitor/MonitorStore.h"

namespace mvi::host {

/// Stored monitoring values as files a user downloads: one CSV per variable, and a zip of them.
/// Stateless; safe from any thread.
class MonitorExport {
  public:
    MonitorExport() = delete;

    /// `timestamp,value` lines of one variable (times ISO 8601 UTC with microseconds); text values
    /// as they are, other values as JSON; a field holding a comma, a quote or a line break is
    /// quoted with its quotes doubled.
    static std::string csv(const std::vector<MonitorStore::Point>& points);

    /// A zip holding `<variable>.csv` (see `csv`) for every variable of `series`. Throws
    /// std::runtime_error when the archive cannot be written.
    static std::string csvZip(const MonitorStore::Series& series);
};

}  // namespace mvi::host
