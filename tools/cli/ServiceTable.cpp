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
    if (!services.is_array()) {
        return table;
    }
    for (const auto& entry : services) {
        if ((!name.empty() && text(entry, "name") != name) ||
            (!version.empty() && text(entry, "version") != version)) {
            continue;
        }
        bool isMain = entry.value("main", false);
        table.addRow({isMain ? "*" : "", text(entry, "name"), text(entry, "version"), status(entry),
                      running(entry)});
    }
    return table;
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
