#include "ServiceTable.h"

#include "TimeText.h"

namespace mvi::cli {
namespace {

// A string field of a list entry; empty when absent or not a string.
std::string text(const nlohmann::json& entry, const char* field) {
    auto value = entry.find(field);
    return value != entry.end() && value->is_string() ? value->get<std::string>() : std::string();
}

}  // namespace

TextTable ServiceTable::build(const nlohmann::json& services, const std::string& name,
                              const std::string& version) {
    TextTable table({"MAIN", "NAME", "VERSION", "STATUS", "RUNNING"});
    addRows(table, {}, services, name, version);
    return table;
}

TextTable ServiceTable::build(const std::vector<std::pair<std::string, nlohmann::json>>& lists,
                              const std::string& name, const std::string& version) {
    TextTable table({"HOST", "MAIN", "NAME", "VERSION", "STATUS", "RUNNING"});
    for (const auto& [host, services] : lists) {
        addRows(table, {host}, services, name, version);
    }
    return table;
}

void ServiceTable::addRows(TextTable& table, const std::vector<std::string>& first,
                           const nlohmann::json& services, const std::string& name,
                           const std::string& version) {
    if (!services.is_array()) {
        return;
    }
    for (const auto& entry : services) {
        if ((!name.empty() && text(entry, "name") != name) ||
            (!version.empty() && text(entry, "version") != version)) {
            continue;
        }
        std::vector<std::string> cells = first;
        cells.insert(cells.end(), {entry.value("main", false) ? "*" : "", text(entry, "name"),
                                   text(entry, "version"), status(entry), running(entry)});
        table.addRow(std::move(cells));
    }
}

std::string ServiceTable::status(const nlohmann::json& entry) {
    std::string state = text(entry, "status");
    return state == "ready" ? "running" : state;
}

std::string ServiceTable::running(const nlohmann::json& entry) {
    std::string state = text(entry, "status");
    if (state == "ready") {
        std::string since = text(entry, "loaded_since");
        std::string line =
            since.empty() ? "Running" : "Running (since " + TimeText::localFromIso(since) + ")";
        std::string reloadError = text(entry, "reload_error");
        return reloadError.empty() ? line : line + "; last reload failed: " + reloadError;
    }
    if (state == "failed") {
        std::string error = text(entry, "error");
        return error.empty() ? "Failed" : error;
    }
    if (state == "quarantined") {
        return "Quarantined (mvi unquarantine to load it again): " + text(entry, "error");
    }
    if (state == "draining") {
        return "Draining (finishing its requests)";
    }
    if (state == "loading") {
        return "Loading";
    }
    if (state == "unloaded") {
        return "Unloaded";
    }
    return {};
}

}  // namespace mvi::cli
