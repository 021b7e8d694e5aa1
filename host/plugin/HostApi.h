#pragma once

#include <mvi/plugin.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "plugin/ServiceRoute.h"

namespace mvi::host {
class ServiceVersion;
}

/// The host's side of the `mvi_registrar` handle: lives for one mvi_plugin_register call.
struct mvi_registrar {
    mvi::host::ServiceVersion* version = nullptr;
    /// The ABI minor the plugin reported: fields added in a later minor are not read from it.
    std::uint32_t abiMinor = 0;
    /// False once registration returned: later registration calls get MVI_BAD_STATE.
    bool open = true;
    /// Every declaration the host refused, in order; any entry fails the version.
    std::vector<std::string> problems;
    /// What the plugin said through registration_error.
    std::string pluginError;
};

/// The host's side of the `mvi_call` handle: lives for one entrypoint handler call.
struct mvi_call {
    bool answered = false;
    int status = 200;
    /// The result for 2xx, the detail value otherwise.
    nlohmann::json body;
    /// Why the plugin's answer was refused, if it was.
    std::string problem;
    /// A call of a route (which may answer with route_answer).
    bool route = false;
    /// The answer came from route_answer: `status`, `headers` and `rawBody` hold it.
    bool raw = false;
    mvi::host::Fields headers;
    std::string rawBody;
    /// The version whose route is called (for route_stream).
    mvi::host::ServiceVersion* version = nullptr;
    /// The answer came from route_stream: its body is this feed.
    std::shared_ptr<mvi::host::StreamFeed> stream;
};

namespace mvi::host {

/// The function table every plugin receives. It lives for the whole process; each function
/// catches everything, so no exception ever reaches plugin code.
const mvi_host_api& hostApi();

}  // namespace mvi::host
