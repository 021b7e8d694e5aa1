#include "plugin/ParameterSet.h"

#include <mutex>

namespace mvi::host {

bool ParameterSet::declare(const std::string& name, Parameter parameter) {
    std::unique_lock lock(mutex_);
    return parameters_.emplace(name, std::move(parameter)).second;
}

std::size_t ParameterSet::size() const {
    std::shared_lock lock(mutex_);
    return parameters_.size();
}

std::optional<nlohmann::json> ParameterSet::get(const std::string& name) const {
    std::shared_lock lock(mutex_);
    auto found = parameters_.find(name);
    if (found == parameters_.end()) {
        return std::nullopt;
    }
    return found->second.value;
}

std::optional<ParameterSet::Parameter> ParameterSet::describe(const std::string& name) const {
    std::shared_lock lock(mutex_);
    auto found = parameters_.find(name);
    if (found == parameters_.end()) {
        return std::nullopt;
    }
    return found->second;
}

nlohmann::json ParameterSet::values() const {
    std::shared_lock lock(mutex_);
    nlohmann::json result = nlohmann::json::object();
    for (const auto& [name, parameter] : parameters_) {
        result[name] = parameter.value;
    }
    return result;
}

nlohmann::json ParameterSet::monitoredValues() const {
    std::shared_lock lock(mutex_);
    nlohmann::json result = nlohmann::json::object();
    for (const auto& [name, parameter] : parameters_) {
        if (parameter.monitor) {
            result[name] = parameter.value;
        }
    }
    return result;
}

std::vector<std::string> ParameterSet::names() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> result;
    for (const auto& entry : parameters_) {
        result.push_back(entry.first);
    }
    return result;
}

ParameterSet::SetResult ParameterSet::check(const std::string& name, const nlohmann::json& value,
                                            std::vector<ValidationError>* errors) const {
    std::shared_lock lock(mutex_);
    return checkLocked(name, value, errors);
}

ParameterSet::SetResult ParameterSet::checkLocked(const std::string& name,
                                                  const nlohmann::json& value,
                                                  std::vector<ValidationError>* errors) const {
    auto found = parameters_.find(name);
    if (found == parameters_.end()) {
        return SetResult::NotFound;
    }
    std::vector<ValidationError> problems;
    SchemaValidator::validate(found->second.schema, value, nlohmann::json::array({"body", "value"}),
                              problems);
    if (!problems.empty()) {
        if (errors != nullptr) {
            errors->insert(errors->end(), problems.begin(), problems.end());
        }
        return SetResult::TypeMismatch;
    }
    return SetResult::Ok;
}

ParameterSet::SetResult ParameterSet::set(const std::string& name, const nlohmann::json& value,
                                          std::vector<ValidationError>* errors) {
    std::unique_lock lock(mutex_);
    SetResult result = checkLocked(name, value, errors);
    if (result != SetResult::Ok) {
        return result;
    }
    auto found = parameters_.find(name);
    found->second.value = value;
    bool monitored = found->second.monitor;
    lock.unlock();
    if (monitored && observer_) {
        observer_(name, value);
    }
    return SetResult::Ok;
}

}  // namespace mvi::host
