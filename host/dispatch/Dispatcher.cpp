#include "dispatch/Dispatcher.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <chrono>
#include <utility>
#include <vector>

#include "core/CallChain.h"
#include "core/HttpError.h"
#include "core/ServiceId.h"

namespace mvi::host {

Dispatcher::Dispatcher(ServiceRegistry& registry, std::size_t maxDepth,
                       const MirrorSettings& mirror)
    : registry_(registry),
      maxDepth_(maxDepth),
      maxMirroredBody_(mirror.maxBodyBytes),
      mirror_(mirror.queueCapacity, mirror.threads,
              [](Mirror::Copy& copy) { return serveCopy(copy); }) {}

Dispatcher::Route Dispatcher::resolve(const std::string& svc, const std::string& entrypoint) const {
    return resolve(ServiceTarget::resolve(registry_, svc), entrypoint);
}

Dispatcher::Route Dispatcher::resolve(ServiceTarget target, const std::string& entrypoint) const {
    Route route;
    route.target = std::move(target);
    route.entrypoint = route.target.version->entrypoint(entrypoint);
    if (route.entrypoint == nullptr) {
        throw HttpError(
            404,
            fmt::format("service {} {} has no entrypoint '{}'", route.target.version->id().name,
                        route.target.version->id().version, limits::shorten(entrypoint)));
    }
    route.entrypointName = entrypoint;
    return route;
}

CallResult Dispatcher::call(const Route& route, const nlohmann::json& arguments,
                            const TimeoutAnswer* onTimeout) const {
    ServiceVersion& version = *route.target.version;
    return invoke(version, *route.entrypoint, arguments, onTimeout, version.calls().served);
}

CallResult Dispatcher::invoke(ServiceVersion& version, const Entrypoint& entrypoint,
                              const nlohmann::json& arguments, const TimeoutAnswer* onTimeout,
                              CallStats& counted) {
    auto started = std::chrono::steady_clock::now();
    std::vector<std::string> chain = CallChain::current();
    chain.push_back(version.id().name);
    CallChain::Scope scope(std::move(chain));
    CallResult result = version.call(entrypoint, arguments, onTimeout);
    counted.record(result.status, std::chrono::steady_clock::now() - started);
    return result;
}

int Dispatcher::serveCopy(Mirror::Copy& copy) {
    ServiceVersion& shadow = *copy.shadow;
    if (copy.route) {
        return serveRouteCopy(shadow, *copy.route, std::move(copy.chain));
    }
    CallStats& counted = shadow.calls().mirrored;
    const Entrypoint* entrypoint = shadow.entrypoint(copy.entrypoint);
    if (entrypoint == nullptr) {
        // The shadow cannot serve what its main serves: a failure of the shadow.
        counted.record(500, std::chrono::nanoseconds(0));
        return 500;
    }
    // The copy runs as if called from where the original call was made.
    CallChain::Scope scope(std::move(copy.chain));
    return invoke(shadow, *entrypoint, copy.arguments, nullptr, counted).status;
}

void Dispatcher::mirror(Route& route, nlohmann::json arguments) const {
    auto& shadows = route.target.shadows;
    for (std::size_t i = 0; i < shadows.size(); ++i) {
        bool last = i + 1 == shadows.size();
        mirror_.enqueue(Mirror::Copy{std::move(shadows[i]), route.entrypointName,
                                     last ? std::move(arguments) : arguments, CallChain::current(),
                                     nullptr});
    }
    shadows.clear();
}

RouteAnswer Dispatcher::callRoute(const ServiceTarget& target, const ServiceRoute& route,
                                  const RouteCall& request, const TimeoutAnswer* onTimeout) const {
    ServiceVersion& version = *target.version;
    auto started = std::chrono::steady_clock::now();
    std::vector<std::string> chain = CallChain::current();
    chain.push_back(version.id().name);
    CallChain::Scope scope(std::move(chain));
    RouteAnswer answer = version.callRoute(route, request, onTimeout);
    version.calls().served.record(answer.status, std::chrono::steady_clock::now() - started);
    return answer;
}

int Dispatcher::serveRouteCopy(ServiceVersion& shadow, const RouteCall& request,
                               std::vector<std::string> chain) {
    CallStats& counted = shadow.calls().mirrored;
    RouteMatch match = shadow.matchRoute(request.method, request.segments);
    if (match.route == nullptr) {
        // The shadow cannot serve what its main serves: a failure of the shadow.
        counted.record(500, std::chrono::nanoseconds(0));
        return 500;
    }
    RouteCall copy = request;
    copy.parameters = std::move(match.parameters);
    auto started = std::chrono::steady_clock::now();
    chain.push_back(shadow.id().name);
    CallChain::Scope scope(std::move(chain));
    RouteAnswer answer = shadow.callRoute(*match.route, copy);
    if (answer.stream) {
        // A mirrored copy has no client: the shadow's writes to its stream are refused.
        answer.stream->close();
    }
    counted.record(answer.status, std::chrono::steady_clock::now() - started);
    return answer.status;
}

void Dispatcher::mirrorRoute(ServiceTarget& target, RouteCall request) const {
    auto& shadows = target.shadows;
    if (shadows.empty()) {
        return;
    }
    if (request.body.size() > maxMirroredBody_) {
        for (std::size_t i = 0; i < shadows.size(); ++i) {
            mirror_.countDropped();
        }
        shadows.clear();
        return;
    }
    auto shared = std::make_shared<const RouteCall>(std::move(request));
    for (auto& shadow : shadows) {
        mirror_.enqueue(Mirror::Copy{std::move(shadow), {}, {}, CallChain::current(), shared});
    }
    shadows.clear();
}

CallResult Dispatcher::callService(const std::string& name, const std::string& version,
                                   const std::string& entrypoint,
                                   const nlohmann::json& arguments) const {
    const auto& chain = CallChain::current();
    if (chain.size() >= maxDepth_) {
        return {508,
                {{"detail",
                  fmt::format("calling {} from {} would nest more than {} service "
                              "calls (services.call_depth): {} -> {}",
                              name, chain.back(), maxDepth_, CallChain::describe(chain), name)}}};
    }
    try {
        std::string svc = version.empty() ? name : ServiceId{name, version}.str();
        Route route = resolve(svc, entrypoint);
        CallResult result = call(route, arguments);
        mirror(route, arguments);
        return result;
    } catch (const HttpError& error) {
        return {error.status(), {{"detail", error.detail()}}};
    } catch (const std::exception& error) {
        return {500,
                {{"detail", fmt::format("host error while calling {} {}: {}", name, entrypoint,
                                        error.what())}}};
    }
}

}  // namespace mvi::host
