#include "plugin/ServiceLookup.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

namespace mvi::host {

HttpError ServiceLookup::unknownService(const std::string& name) {
    return HttpError(404, fmt::format("service '{}' not found", limits::shorten(name)));
}

HttpError ServiceLookup::unknownVersion(const std::string& name, const std::string& version) {
    return HttpError(404, fmt::format("service '{}' has no version {}", limits::shorten(name),
                                      limits::shorten(version)));
}

const ServiceRegistry::Route& ServiceLookup::route(const ServiceRegistry::Table& table,
                                                   const std::string& name) {
    auto found = table.find(name);
    if (found == table.end()) {
        throw unknownService(name);
    }
    return found->second;
}

std::shared_ptr<ServiceVersion> ServiceLookup::version(const ServiceRegistry::Table& table,
                                                       const std::string& name,
                                                       const std::string& version) {
    const ServiceRegistry::Route& entry = route(table, name);
    if (version.empty()) {
        if (!entry.main) {
            throw HttpError(404,
                            fmt::format("service {} has no main version; name the version", name));
        }
        return entry.main;
    }
    auto found = entry.versions.find(version);
    if (found == entry.versions.end()) {
        throw unknownVersion(name, version);
    }
    return found->second;
}

}  // namespace mvi::host
