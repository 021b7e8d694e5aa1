#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/ServiceId.h"
#include "plugin/ServiceVersion.h"

namespace mvi::host {

/// The routing table: every deployed version of every service, and which one is main.
///
/// Readers take an immutable snapshot (one atomic load, no lock held while serving); writers
/// copy the table, change the copy and publish it atomically, one writer at a time. So a load or
/// an unload never blocks requests, and a request sees either the old or the new table whole.
class ServiceRegistry {
public:
    /// All versions of one service name.
    struct Route {
        /// The version that answers calls by name; null when the name has none.
        std::shared_ptr<ServiceVersion> main;
        /// Every version by version string, failed ones included.
        std::map<std::string, std::shared_ptr<ServiceVersion>> versions;
    };
    using Table = std::map<std::string, Route>;

    ServiceRegistry();

    /// The current table. Holding the snapshot keeps its versions alive.
    std::shared_ptr<const Table> snapshot() const;

    /// Adds (or replaces) a version. A ready version becomes main when its name has none.
    /// Returns the version it replaced, if any.
    std::shared_ptr<ServiceVersion> publish(std::shared_ptr<ServiceVersion> version);

    /// The version `id`, or null.
    std::shared_ptr<ServiceVersion> find(const ServiceId& id) const;

    /// The `GET /services/` list, sorted by name then version.
    nlohmann::json describe() const;

private:
    static std::shared_ptr<const Table> load(const std::shared_ptr<const Table>& table);

    std::mutex writeMutex_;
    std::shared_ptr<const Table> table_;
};

}  // namespace mvi::host
