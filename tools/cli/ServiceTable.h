#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "TextTable.h"

namespace mvi::cli {

/// The `mvi ls` table built from the host's service list (`GET /services/`).
///
/// Columns: MAIN (`*` for the main version), NAME, VERSION, STATUS (`running`, `loading`,
/// `draining`, `unloaded`, `failed`) and RUNNING (`Running (since <local time>)` for a version
/// that serves, the reason for one that failed).
class ServiceTable {
  public:
    /// The rows of `services` whose name is `name` and version is `version` (an empty filter
    /// matches everything).
    static TextTable build(const nlohmann::json& services, const std::string& name = "",
                           const std::string& version = "");

    /// The same table over several hosts (a fleet): a HOST column first, then each host's rows
    /// in the order given. `lists` pairs each host's URL with its service list.
    static TextTable build(const std::vector<std::pair<std::string, nlohmann::json>>& lists,
                           const std::string& name, const std::string& version);

    /// The STATUS column of one list entry.
    static std::string status(const nlohmann::json& entry);

    /// The RUNNING column of one list entry.
    static std::string running(const nlohmann::json& entry);

  private:
    /// Adds the rows of `services` that match the filters, each starting with `first` cells.
    static void addRows(TextTable& table, const std::vector<std::string>& first,
                        const nlohmann::json& services, const std::string& name,
                        const std::string& version);
};

}  // namespace mvi::cli
