#include "plugin/ServiceRegistry.h"

#include <algorithm>

namespace mvi::host {

ServiceRegistry::ServiceRegistry(Promotion promotion)
    : promotion_(promotion), table_(std::make_shared<const Table>()) {}

std::optional<ServiceRegistry::Promotion> ServiceRegistry::parsePromotion(const std::string& text) {
    if (text == "first") {
        return Promotion::First;
    }
    if (text == "newest") {
        return Promotion::Newest;
    }
    return std::nullopt;
}

std::shared_ptr<const ServiceRegistry::Table> ServiceRegistry::snapshot() const {
    return std::atomic_load(&table_);
}

std::shared_ptr<ServiceRegistry::Table> ServiceRegistry::copyForChange() const {
    return std::make_shared<Table>(*snapshot());
}

void ServiceRegistry::install(std::shared_ptr<Table> next) {
    std::atomic_store(&table_, std::shared_ptr<const Table>(std::move(next)));
}

void ServiceRegistry::retire(const std::shared_ptr<ServiceVersion>& version) {
    if (version->state() != VersionState::Ready) {
        return;
    }
    version->markDraining();
    draining_.erase(std::remove_if(draining_.begin(), draining_.end(),
                                   [](const auto& weak) { return weak.expired(); }),
                    draining_.end());
    draining_.push_back(version);
}

std::shared_ptr<ServiceVersion> ServiceRegistry::newestReady(const Route& route) {
    std::shared_ptr<ServiceVersion> best;
    for (const auto& [version, candidate] : route.versions) {
        if (candidate->state() == VersionState::Ready &&
            (!best || compareVersions(version, best->id().version) > 0)) {
            best = candidate;
        }
    }
    return best;
}

ServiceRegistry::PublishResult ServiceRegistry::publish(std::shared_ptr<ServiceVersion> version,
                                                        const Commit& commit) {
    std::lock_guard lock(writeMutex_);
    PublishResult result;
    const ServiceId& id = version->id();
    bool ready = version->state() == VersionState::Ready;
    auto current = snapshot();
    if (auto route = current->find(id.name); route != current->end()) {
        auto existing = route->second.versions.find(id.version);
        if (existing != route->second.versions.end()) {
            if (!ready && existing->second->state() == VersionState::Ready) {
                existing->second->setReloadError(version->error());
                return result;
            }
            result.replaced = existing->second;
        }
    }
    auto next = copyForChange();
    Route& route = (*next)[id.name];
    route.versions[id.version] = version;
    if (result.replaced && route.main == result.replaced) {
        route.main =
            ready ? version : (promotion_ == Promotion::Newest ? newestReady(route) : nullptr);
    } else if (ready &&
               (!route.main || (promotion_ == Promotion::Newest &&
                                compareVersions(id.version, route.main->id().version) > 0))) {
        route.main = version;
    }
    if (commit) {
        commit(&route);
    }
    install(std::move(next));
    if (result.replaced) {
        retire(result.replaced);
    }
    result.published = true;
    return result;
}

std::vector<std::shared_ptr<ServiceVersion>> ServiceRegistry::removeAll() {
    std::lock_guard lock(writeMutex_);
    auto current = snapshot();
    std::vector<std::shared_ptr<ServiceVersion>> removed;
    for (const auto& [name, route] : *current) {
        for (const auto& [version, loaded] : route.versions) {
            removed.push_back(loaded);
        }
    }
    install(std::make_shared<Table>());
    for (const auto& version : removed) {
        retire(version);
    }
    return removed;
}

std::shared_ptr<ServiceVersion> ServiceRegistry::remove(const ServiceId& id, const Commit& commit) {
    std::lock_guard lock(writeMutex_);
    auto current = snapshot();
    auto route = current->find(id.name);
    if (route == current->end() || route->second.versions.count(id.version) == 0) {
        return nullptr;
    }
    auto next = copyForChange();
    Route& changed = (*next)[id.name];
    std::shared_ptr<ServiceVersion> removed = changed.versions[id.version];
    changed.versions.erase(id.version);
    if (changed.main == removed) {
        changed.main = promotion_ == Promotion::Newest ? newestReady(changed) : nullptr;
    }
    if (commit) {
        commit(changed.versions.empty() ? nullptr : &changed);
    }
    if (changed.versions.empty()) {
        next->erase(id.name);
    }
    install(std::move(next));
    retire(removed);
    return removed;
}

ServiceRegistry::AssignResult ServiceRegistry::assign(const ServiceId& id, const Commit& commit) {
    std::lock_guard lock(writeMutex_);
    auto current = snapshot();
    auto route = current->find(id.name);
    if (route == current->end()) {
        return AssignResult::UnknownService;
    }
    auto version = route->second.versions.find(id.version);
    if (version == route->second.versions.end()) {
        return AssignResult::UnknownVersion;
    }
    if (version->second->state() != VersionState::Ready) {
        return AssignResult::NotReady;
    }
    if (route->second.main == version->second) {
        return AssignResult::Ok;
    }
    auto next = copyForChange();
    Route& changed = (*next)[id.name];
    changed.main = version->second;
    if (commit) {
        commit(&changed);
    }
    install(std::move(next));
    return AssignResult::Ok;
}

bool ServiceRegistry::holdMain(const ServiceId& id) {
    std::lock_guard lock(writeMutex_);
    auto current = snapshot();
    auto route = current->find(id.name);
    if (route == current->end() || route->second.versions.count(id.version) == 0) {
        return false;
    }
    auto next = copyForChange();
    Route& changed = (*next)[id.name];
    changed.main = changed.versions[id.version];
    install(std::move(next));
    return true;
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

std::optional<std::string> ServiceRegistry::mainVersion(const std::string& name) const {
    auto table = snapshot();
    auto route = table->find(name);
    if (route == table->end() || !route->second.main) {
        return std::nullopt;
    }
    return route->second.main->id().version;
}

std::vector<ServiceRegistry::Listed> ServiceRegistry::list() const {
    std::vector<Listed> entries;
    auto table = snapshot();
    for (const auto& [name, route] : *table) {
        for (const auto& entry : route.versions) {
            entries.push_back({entry.second, entry.second == route.main});
        }
    }
    {
        std::lock_guard lock(writeMutex_);
        for (const auto& weak : draining_) {
            if (auto version = weak.lock()) {
                entries.push_back({std::move(version), false});
            }
        }
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Listed& a, const Listed& b) {
        const ServiceId& left = a.version->id();
        const ServiceId& right = b.version->id();
        return left.name != right.name ? left.name < right.name
                                       : compareVersions(left.version, right.version) < 0;
    });
    return entries;
}

}  // namespace mvi::host
