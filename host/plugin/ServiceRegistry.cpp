#include "plugin/ServiceRegistry.h"

#include <algorithm>

namespace mvi::host {

ServiceRegistry::ServiceRegistry() : table_(std::make_shared<const Table>()) {}

std::shared_ptr<const ServiceRegistry::Table> ServiceRegistry::snapshot() const {
    return std::atomic_load(&table_);
}

std::shared_ptr<ServiceVersion> ServiceRegistry::publish(
    std::shared_ptr<ServiceVersion> version) {
    std::lock_guard lock(writeMutex_);
    auto next = std::make_shared<Table>(*snapshot());
    Route& route = (*next)[version->id().name];
    std::shared_ptr<ServiceVersion> replaced;
    auto existing = route.versions.find(version->id().version);
    if (existing != route.versions.end()) {
        replaced = existing->second;
    }
    route.versions[version->id().version] = version;
    bool ready = version->state() == VersionState::Ready;
    if (route.main == replaced && replaced) {
        route.main = ready ? version : nullptr;
    } else if (!route.main && ready) {
        route.main = version;
    }
    std::atomic_store(&table_, std::shared_ptr<const Table>(std::move(next)));
    return replaced;
}

std::shared_ptr<ServiceVersion> ServiceRegistry::find(const ServiceId& id) const {
    auto table = snapshot();
    auto route = table->find(id.name);
    if (route == table->end()) {
        return nullptr;
    }
    auto version = route->second.versions.find(id.version);
    return version == route->second.versions.end() ? nullptr : version->second;
}

nlohmann::json ServiceRegistry::describe() const {
    auto table = snapshot();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [name, route] : *table) {
        std::vector<std::shared_ptr<ServiceVersion>> versions;
        for (const auto& entry : route.versions) {
            versions.push_back(entry.second);
        }
        std::sort(versions.begin(), versions.end(), [](const auto& a, const auto& b) {
            return compareVersions(a->id().version, b->id().version) < 0;
        });
        for (const auto& version : versions) {
            list.push_back(version->describe(version == route.main));
        }
    }
    return list;
}

}  // namespace mvi::host
