#pragma once

#include <memory>
#include <string>

#include "core/HttpError.h"
#include "plugin/ServiceRegistry.h"

namespace mvi::host {

/// Finding a service or one of its versions in a routing snapshot, with the 404 answers every
/// route that names one gives (names quoted bounded). Stateless.
class ServiceLookup {
  public:
    ServiceLookup() = delete;

    /// 404 "service '<name>' not found".
    static HttpError unknownService(const std::string& name);

    /// 404 "service '<name>' has no version <version>".
    static HttpError unknownVersion(const std::string& name, const std::string& version);

    /// The entry of `name` in `table`; 404 when there is none.
    static const ServiceRegistry::Route& route(const ServiceRegistry::Table& table,
                                               const std::string& name);

    /// Version `version` of `name`, or its main version when `version` is empty, whatever its
    /// state; 404 for an unknown name or version, or a name without a main version when none is
    /// given.
    static std::shared_ptr<ServiceVersion> version(const ServiceRegistry::Table& table,
                                                   const std::string& name,
                                                   const std::string& version);
};

}  // namespace mvi::host
