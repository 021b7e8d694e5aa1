// mvi/env.hpp -- the environment variables of this version of the service.
//
// Whoever deploys a version gives it its environment (`mvi deploy NAME VERSION SOURCE -e
// NAME=VALUE`, or the `environment` of the original platform's `run_args`). The host keeps it
// with the version and hands it to the service through the host table (get_env, ABI 1.4): it is
// not the environment of the host's process, which every version of every service shares, so a
// service reads its settings with mvi::env, never with getenv, and never calls setenv.
//
//     MVI_SERVICE(service) {
//         const std::string greeting = mvi::env("GREETING", "Hello");
//         service.entrypoint("hello", {"name"}, [greeting](const std::string& name) {
//             return greeting + " " + name;
//         });
//     }
//
// mvi::env works from any thread once the host calls the service's registration, inside the
// MVI_SERVICE body too, so a service configures itself while it registers. The environment does
// not change while the version is loaded. Under mvi::testing::FakeHost, the test chooses it.
#ifndef MVI_ENV_HPP
#define MVI_ENV_HPP

#include <mvi/plugin.h>
#include <mvi/error.hpp>
#include <mvi/log.hpp>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace mvi {

namespace detail {

/// Copies a value handed back by get_env into the std::string `buffer` points to.
inline void receive_env_value(mvi_plugin_buffer* buffer, mvi_str value) noexcept {
    try {
        reinterpret_cast<std::string*>(buffer)->assign(to_string_view(value));
    } catch (...) {
        reinterpret_cast<std::string*>(buffer)->clear();
    }
}

}  // namespace detail

/// The value of environment variable `name` of this version, or std::nullopt when it has none.
/// Also std::nullopt before the host registers the service (a static initialiser) and on a host
/// older than ABI 1.4, which gives services no environment. Throws mvi::Error when the host
/// fails to answer.
inline std::optional<std::string> env(std::string_view name) {
    const detail::HostContext& context = detail::host_context();
    if (context.phase.load(std::memory_order_acquire) ==
        static_cast<int>(detail::Phase::Unregistered)) {
        return std::nullopt;
    }
    const mvi_host_api* api = context.api.load(std::memory_order_acquire);
    mvi_host* host = context.host.load(std::memory_order_acquire);
    if (api == nullptr || !MVI_HOST_API_HAS(api, get_env) || api->get_env == nullptr) {
        return std::nullopt;
    }
    std::string value;
    const mvi_status status =
        api->get_env(host, detail::to_mvi_str(name), &detail::receive_env_value,
                     reinterpret_cast<mvi_plugin_buffer*>(&value));
    if (status == MVI_NOT_FOUND) {
        return std::nullopt;
    }
    if (status != MVI_OK) {
        throw Error(fmt::format("reading environment variable '{}' failed: {} ({})", name,
                                status_name(status), status_meaning(status)),
                    status);
    }
    return value;
}

/// The value of environment variable `name` of this version, or `fallback` when it has none
/// (see the other overload).
inline std::string env(std::string_view name, std::string_view fallback) {
    std::optional<std::string> value = env(name);
    return value ? std::move(*value) : std::string(fallback);
}

}  // namespace mvi

#endif  // MVI_ENV_HPP
