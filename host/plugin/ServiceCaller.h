#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace mvi::host {

struct CallResult;

/// What a loaded version needs of the host for `call_service`: a call of another service's
/// entrypoint. The plugin runtime owns this interface; the dispatcher (a layer above)
/// implements it.
class ServiceCaller {
  public:
    virtual ~ServiceCaller() = default;

    /// Calls `entrypoint` of `name` (by name when `version` is empty: the main version, mirrored
    /// to the shadows). Never throws; the body is the result or `{"detail": ...}`.
    virtual CallResult callService(const std::string& name, const std::string& version,
                                   const std::string& entrypoint,
                                   const nlohmann::json& arguments) const = 0;
};

}  // namespace mvi::host
