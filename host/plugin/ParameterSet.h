#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "schema/SchemaValidator.h"

namespace mvi::host {

/// The runtime parameters of one loaded version: declared by the plugin at registration, read
/// and written by the plugin and over HTTP. Thread-safe.
class ParameterSet {
  public:
    /// One declared parameter.
    struct Parameter {
        nlohmann::json value;
        nlohmann::json schema;
        bool exposed = true;
        /// Store every value the parameter takes as a monitoring value.
        bool monitor = false;
    };

    /// Outcome of `set`.
    enum class SetResult { Ok, NotFound, TypeMismatch };

    /// Receives the name and new value of a monitored parameter after each successful `set`.
    using MonitorObserver = std::function<void(const std::string&, const nlohmann::json&)>;

    /// Sets the observer of monitored parameters (before the version is shared).
    void observeMonitored(MonitorObserver observer) { observer_ = std::move(observer); }

    /// The current values of the monitored parameters as a JSON object (empty when none).
    nlohmann::json monitoredValues() const;

    /// Declares a parameter. Returns false when the name is already declared.
    bool declare(const std::string& name, Parameter parameter);

    /// The current value, or nothing for an unknown name.
    std::optional<nlohmann::json> get(const std::string& name) const;

    /// The declaration and current value, or nothing for an unknown name.
    std::optional<Parameter> describe(const std::string& name) const;

    /// All parameters as a JSON object name -> value.
    nlohmann::json values() const;

    /// Names of all parameters, sorted.
    std::vector<std::string> names() const;

    /// How many parameters are declared.
    std::size_t size() const;

    /// Validates `value` against the parameter's schema and stores it. On TypeMismatch the
    /// validation errors (located at `["body", "value"]`) are appended to `errors` when given.
    SetResult set(const std::string& name, const nlohmann::json& value,
                  std::vector<ValidationError>* errors = nullptr);

    /// What `set` would answer, without storing anything (so a value can be saved durably
    /// before it is applied).
    SetResult check(const std::string& name, const nlohmann::json& value,
                    std::vector<ValidationError>* errors = nullptr) const;

  private:
    /// `check` with the lock held.
    SetResult checkLocked(const std::string& name, const nlohmann::json& value,
                          std::vector<ValidationError>* errors) const;

    MonitorObserver observer_;
    mutable std::shared_mutex mutex_;
    std::map<std::string, Parameter> parameters_;
};

}  // namespace mvi::host
