#include "dispatch/Dispatcher.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include "core/ServiceId.h"
#include "dispatch/CallChain.h"
#include "http/HttpError.h"

namespace mvi::host {

Dispatcher::Dispatcher(ServiceRegistry& registry, Mirror& mirror, std::size_t maxDepth)
    : registry_(registry), mirror_(mirror), maxDepth_(maxDepth) {}

Dispatcher::Route Dispatcher::resolve(const std::string& svc, const std::string& entrypoint) const {
    Route route;
    route.target = ServiceTarget::resolve(registry_, svc);
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
    std::vector<std::string> chain = CallChain::current();
    chain.push_back(route.target.version->id().name);
    CallChain::Scope scope(std::move(chain));
    CallResult result = route.target.version->call(*route.entrypoint, arguments, onTimeout);
    route.target.version->countRequest(result.status >= 500);
    return result;
}

void Dispatcher::mirror(Route& route, nlohmann::json arguments) const {
    auto& shadows = route.target.shadows;
    for (std::size_t i = 0; i < shadows.size(); ++i) {
        bool last = i + 1 == shadows.size();
        mirror_.enqueue(Mirror::Copy{std::move(shadows[i]), route.entrypointName,
                                     last ? std::move(arguments) : arguments,
                                     CallChain::current()});
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
