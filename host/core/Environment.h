#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mvi::host {

/// The environment variables a deployed version is given (name to value), chosen by whoever
/// deployed it (`mvi deploy -e`, the `environment` of an upload's `run_args`). The host keeps
/// them with the version and hands them to the service through the host table (`get_env`, ABI
/// 1.4); they never touch the environment of the host's processes.
using Environment = std::map<std::string, std::string>;

/// Checks environments against the bounds of mvi/limits.hpp.
class EnvironmentRules {
  public:
    /// Why `name` cannot name a variable (empty, longer than limits::kMaxEnvironmentNameBytes,
    /// holding `=` or NUL, not UTF-8); nothing when it can.
    static std::optional<std::string> nameProblem(std::string_view name);

    /// Why `value` cannot be a variable's value (longer than limits::kMaxEnvironmentValueBytes,
    /// holding NUL, not UTF-8); nothing when it can.
    static std::optional<std::string> valueProblem(std::string_view value);

    /// The environment as a JSON object of strings.
    static nlohmann::json toJson(const Environment& environment);

    /// The environment as docker's `Config.Env` shows it: `NAME=VALUE` texts, by name.
    static std::vector<std::string> toList(const Environment& environment);

    /// Reads an environment written by `toJson`; throws std::invalid_argument when `value` is
    /// not an object of strings.
    static Environment fromJson(const nlohmann::json& value);
};

}  // namespace mvi::host
