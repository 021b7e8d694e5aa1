#include "core/Environment.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include <stdexcept>

#include "core/JsonInput.h"

namespace mvi::host {

std::optional<std::string> EnvironmentRules::nameProblem(std::string_view name) {
    if (name.empty()) {
        return std::string("the name of an environment variable must not be empty");
    }
    if (name.size() > limits::kMaxEnvironmentNameBytes) {
        return fmt::format("the name of an environment variable is at most {} bytes long",
                           limits::kMaxEnvironmentNameBytes);
    }
    if (name.find('=') != std::string_view::npos) {
        return std::string("the name of an environment variable must not hold '='");
    }
    if (name.find('\0') != std::string_view::npos) {
        return std::string("the name of an environment variable must not hold a NUL byte");
    }
    if (!JsonInput::isValidUtf8(name)) {
        return std::string("the name of an environment variable must be valid UTF-8");
    }
    return std::nullopt;
}

std::optional<std::string> EnvironmentRules::valueProblem(std::string_view value) {
    if (value.size() > limits::kMaxEnvironmentValueBytes) {
        return fmt::format("the value of an environment variable is at most {} bytes long",
                           limits::kMaxEnvironmentValueBytes);
    }
    if (value.find('\0') != std::string_view::npos) {
        return std::string("the value of an environment variable must not hold a NUL byte");
    }
    if (!JsonInput::isValidUtf8(value)) {
        return std::string("the value of an environment variable must be valid UTF-8");
    }
    return std::nullopt;
}

nlohmann::json EnvironmentRules::toJson(const Environment& environment) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [name, value] : environment) {
        object[name] = value;
    }
    return object;
}

std::vector<std::string> EnvironmentRules::toList(const Environment& environment) {
    std::vector<std::string> list;
    list.reserve(environment.size());
    for (const auto& [name, value] : environment) {
        list.push_back(name + "=" + value);
    }
    return list;
}

Environment EnvironmentRules::fromJson(const nlohmann::json& value) {
    if (!value.is_object()) {
        throw std::invalid_argument("an environment is a JSON object of strings");
    }
    Environment environment;
    for (const auto& [name, text] : value.items()) {
        if (!text.is_string()) {
            throw std::invalid_argument("the value of environment variable " +
                                        limits::shorten(name) + " is not a string");
        }
        environment.emplace(name, text.get<std::string>());
    }
    return environment;
}

}  // namespace mvi::host
