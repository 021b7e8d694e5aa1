// mvi/store.hpp -- monitoring values from a service, kept by the host it is loaded in.
//
//     mvi::store({{"temperature", 21.5}, {"label", "ok"}});
//
// Numbers are stored as numbers, strings as text and any other JSON value as its JSON text; all
// values of one call share one timestamp. A background writer of the host commits them, several
// calls together; with the host's `monitor.durability = durable` (its default) store returns
// once they are committed, with `queued` as soon as they are queued. Read them back over HTTP with
// GET /services/<name>/~monitor. Works from any thread once the service is registered (not
// inside the MVI_SERVICE body).
#ifndef MVI_STORE_HPP
#define MVI_STORE_HPP

#include <mvi/plugin.h>
#include <mvi/error.hpp>
#include <mvi/log.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <string>

namespace mvi {

namespace detail {

/// Whether every number inside `value` is finite (NaN and infinity have no JSON form).
inline bool all_finite(const nlohmann::json& value) {
    if (value.is_number_float()) {
        return std::isfinite(value.get<double>());
    }
    if (value.is_structured()) {
        for (const auto& item : value) {
            if (!all_finite(item)) {
                return false;
            }
        }
    }
    return true;
}

}  // namespace detail

/// Stores monitoring values: `values` is a JSON object {"variable": value, ...} whose names
/// follow the entrypoint name rules. Throws mvi::Error: MVI_INVALID_ARGUMENT for values that are
/// not an object or hold a number that is not finite (NaN, infinity) or a string that is not
/// UTF-8; MVI_BAD_STATE when the service is not registered yet or its host is older than ABI
/// 1.1; otherwise the host's refusal (MVI_BUSY when its queue is full: nothing of the call was
/// stored, trying later may work; MVI_INVALID_ARGUMENT for an empty object or a bad name;
/// MVI_ERROR when a durable host could not write them, e.g. its disk is full).
inline void store(const nlohmann::json& values) {
    if (!values.is_object()) {
        throw Error(fmt::format("mvi::store needs a JSON object of variables, not a {}",
                                values.type_name()),
                    MVI_INVALID_ARGUMENT);
    }
    for (const auto& [variable, value] : values.items()) {
        if (!detail::all_finite(value)) {
            throw Error(fmt::format("mvi::store: variable '{}' holds NaN or infinity, which JSON "
                                    "cannot represent",
                                    variable),
                        MVI_INVALID_ARGUMENT);
        }
    }
    const auto [api, host] = detail::registered_host();
    if (api == nullptr) {
        throw Error(
            "mvi::store: the service is not registered with a host (values can be stored "
            "once the MVI_SERVICE body has returned)",
            MVI_BAD_STATE);
    }
    if (!MVI_HOST_API_HAS(api, store) || api->store == nullptr) {
        throw Error("mvi::store: the host is older than ABI 1.1 and keeps no monitoring values",
                    MVI_BAD_STATE);
    }
    std::string text;
    try {
        text = values.dump();
    } catch (const nlohmann::json::exception& error) {
        throw Error(
            fmt::format("mvi::store: the values cannot be written as JSON: {}", error.what()),
            MVI_INVALID_ARGUMENT);
    }
    const mvi_status status = api->store(host, detail::to_mvi_str(text));
    if (status != MVI_OK) {
        throw Error(fmt::format("mvi::store refused by the host: {} ({})", status_name(status),
                                status_meaning(status)),
                    status);
    }
}

}  // namespace mvi

#endif  // MVI_STORE_HPP
