#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

#include "config/HostConfig.h"
#include "dispatch/ServiceTarget.h"
#include "mirror/Mirror.h"
#include "plugin/ServiceCaller.h"
#include "plugin/ServiceRegistry.h"

namespace mvi::host {

/// Routes a call to an entrypoint, whether it came over HTTP or from another service through
/// `call_service`: resolves the target (by name: main plus shadows; `<name>_<version>`: that
/// version), calls it (arguments validated by the version), counts it, and mirrors calls by name
/// to the shadows: it owns the mirror, whose threads serve each copy through the same call path.
/// Holds no lock while service code runs, so a service may call itself.
class Dispatcher : public ServiceCaller {
  public:
    /// A resolved call: the routing snapshot, the version that answers and its entrypoint.
    struct Route {
        ServiceTarget target;
        const Entrypoint* entrypoint = nullptr;
        std::string entrypointName;
    };

    /// `maxDepth`: the most service calls nested on one thread (a deeper call gets 508);
    /// `mirror`: the copies the mirror queues at most and the threads serving them.
    Dispatcher(ServiceRegistry& registry, std::size_t maxDepth, const MirrorSettings& mirror);

    /// Resolves `svc` (a name or `<name>_<version>`) and its entrypoint. Throws HttpError: 404
    /// for an unknown service, version or entrypoint, 503 when it cannot serve.
    Route resolve(const std::string& svc, const std::string& entrypoint) const;
    /// The same for a resolved `target`.
    Route resolve(ServiceTarget target, const std::string& entrypoint) const;

    /// Calls the resolved version with `arguments` and counts the call in its `served` calls.
    /// The callee's name is on this thread's CallChain while it runs. Never throws.
    /// A call that passes its deadline is answered through `onTimeout` (see ServiceVersion::call).
    CallResult call(const Route& route, const nlohmann::json& arguments,
                    const TimeoutAnswer* onTimeout = nullptr) const;

    /// Queues a copy of the call for each shadow (calls by name only), carrying this thread's
    /// CallChain.
    void mirror(Route& route, nlohmann::json arguments) const;

    /// Calls `route` of `target`'s version with `request` (its own route, ABI 1.5), counted in
    /// its `served` calls, with the callee on this thread's CallChain. Never throws.
    RouteAnswer callRoute(const ServiceTarget& target, const ServiceRoute& route,
                          const RouteCall& request, const TimeoutAnswer* onTimeout = nullptr) const;

    /// Queues a copy of a route call for each shadow of `target` (calls by name only); a body
    /// larger than `mirror.max_body_bytes` is not copied (counted as dropped).
    void mirrorRoute(ServiceTarget& target, RouteCall request) const;

    /// The whole in-process call of `call_service`: depth check (508), resolve, call, mirror.
    /// `version` empty: by name. Never throws; the body is the result or `{"detail": ...}`.
    CallResult callService(const std::string& name, const std::string& version,
                           const std::string& entrypoint,
                           const nlohmann::json& arguments) const override;

    /// The configured most nested calls.
    std::size_t maxDepth() const { return maxDepth_; }

    /// The queue of copies for shadows (its counters; stopping it when the host stops).
    Mirror& mirror() { return mirror_; }
    const Mirror& mirror() const { return mirror_; }

  private:
    /// Calls `entrypoint` of `version` with the callee on this thread's CallChain, and records
    /// the call in `counted`.
    static CallResult invoke(ServiceVersion& version, const Entrypoint& entrypoint,
                             const nlohmann::json& arguments, const TimeoutAnswer* onTimeout,
                             CallStats& counted);

    /// Serves one mirrored copy on a mirror thread (counted in the shadow's `mirrored` calls);
    /// returns the status it answered.
    static int serveCopy(Mirror::Copy& copy);

    /// Serves a mirrored copy of a route call (Copy::route) on `shadow`.
    static int serveRouteCopy(ServiceVersion& shadow, const RouteCall& request,
                              std::vector<std::string> chain);

    ServiceRegistry& registry_;
    std::size_t maxDepth_;
    std::size_t maxMirroredBody_;
    /// Last: its threads call through this dispatcher until it has stopped. Queueing a copy
    /// (thread-safe) is part of a const call.
    mutable Mirror mirror_;
};

}  // namespace mvi::host
