#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

#include "http/ServiceTarget.h"
#include "mirror/Mirror.h"
#include "plugin/ServiceCaller.h"
#include "plugin/ServiceRegistry.h"

namespace mvi::host {

/// Routes a call to an entrypoint, whether it came over HTTP or from another service through
/// `call_service`: resolves the target (by name: main plus shadows; `<name>_<version>`: that
/// version), calls it (arguments validated by the version), counts it, and mirrors calls by name
/// to the shadows. Holds no lock while service code runs, so a service may call itself.
class Dispatcher : public ServiceCaller {
  public:
    /// A resolved call: the routing snapshot, the version that answers and its entrypoint.
    struct Route {
        ServiceTarget target;
        const Entrypoint* entrypoint = nullptr;
        std::string entrypointName;
    };

    /// `maxDepth`: the most service calls nested on one thread (a deeper call gets 508).
    Dispatcher(ServiceRegistry& registry, Mirror& mirror, std::size_t maxDepth);

    /// Resolves `svc` (a name or `<name>_<version>`) and its entrypoint. Throws HttpError: 404
    /// for an unknown service, version or entrypoint, 503 when it cannot serve.
    Route resolve(const std::string& svc, const std::string& entrypoint) const;

    /// Calls the resolved version with `arguments` and counts the call. The callee's name is on
    /// this thread's CallChain while it runs. Never throws.
    /// A call that passes its deadline is answered through `onTimeout` (see ServiceVersion::call).
    CallResult call(const Route& route, const nlohmann::json& arguments,
                    const TimeoutAnswer* onTimeout = nullptr) const;

    /// Queues a copy of the call for each shadow (calls by name only), carrying this thread's
    /// CallChain.
    void mirror(Route& route, nlohmann::json arguments) const;

    /// The whole in-process call of `call_service`: depth check (508), resolve, call, mirror.
    /// `version` empty: by name. Never throws; the body is the result or `{"detail": ...}`.
    CallResult callService(const std::string& name, const std::string& version,
                           const std::string& entrypoint,
                           const nlohmann::json& arguments) const override;

    /// The configured most nested calls.
    std::size_t maxDepth() const { return maxDepth_; }

  private:
    ServiceRegistry& registry_;
    Mirror& mirror_;
    std::size_t maxDepth_;
};

}  // namespace mvi::host
