#include "http/ParametersHandler.h"

#include <fmt/format.h>
#include <mvi/limits.hpp>

#include "dispatch/ServiceTarget.h"
#include "state/StorageError.h"

namespace mvi::host {

ParameterSet::Parameter ParametersHandler::declared(const ServiceVersion& version) const {
    auto declared = version.parameters().describe(parameter_);
    if (!declared) {
        throw HttpError(404, fmt::format("service {} {} has no parameter '{}'", version.id().name,
                                         version.id().version, limits::shorten(parameter_)));
    }
    return *declared;
}

void ParametersHandler::all(Poco::Net::HTTPServerRequest&,
                            Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    sendJson(response, 200, target.version->parameters().values());
}

void ParametersHandler::schemas(Poco::Net::HTTPServerRequest&,
                                Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    const ParameterSet& parameters = target.version->parameters();
    nlohmann::json described = nlohmann::json::object();
    for (const std::string& name : parameters.names()) {
        if (auto parameter = parameters.describe(name)) {
            described[name] = {{"value", parameter->value},
                               {"schema", parameter->schema},
                               {"exposed", parameter->exposed}};
        }
    }
    sendJson(response, 200, described);
}

void ParametersHandler::get(Poco::Net::HTTPServerRequest&,
                            Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    sendJson(response, 200, declared(*target.version).value);
}

void ParametersHandler::set(Poco::Net::HTTPServerRequest& request,
                            Poco::Net::HTTPServerResponse& response) {
    ServiceTarget target = ServiceTarget::resolve(context_.registry, service_);
    ServiceVersion& version = *target.version;
    if (!declared(version).exposed) {
        response.set("Allow", "GET");
        throw HttpError(405, fmt::format("parameter '{}' is not exposed: it cannot be set over "
                                         "HTTP",
                                         parameter_));
    }
    nlohmann::json body = readJsonBody(request, nlohmann::json());
    if (!body.is_object() || !body.contains("value")) {
        throw HttpError::invalid({bodyProblem("value", "field required", "value_error.missing")});
    }
    std::vector<ValidationError> errors;
    if (context_.deployer.setParameter(version, parameter_, body["value"], &errors) !=
        ParameterSet::SetResult::Ok) {
        throw HttpError::invalid(errors);
    }
    // The log line quotes the value bounded; the value itself is kept whole.
    const std::string quoted = limits::shorten(body["value"].dump());
    version.log(LogLevel::Info, fmt::format("parameter {} set to {}", parameter_, quoted));
    for (const auto& shadow : target.shadows) {
        // A shadow whose declaration differs, or whose value cannot be saved, keeps its value;
        // the main's answer stands.
        try {
            if (context_.deployer.setParameter(*shadow, parameter_, body["value"]) ==
                ParameterSet::SetResult::Ok) {
                shadow->log(LogLevel::Info,
                            fmt::format("parameter {} set to {} (by name)", parameter_, quoted));
            }
        } catch (const StorageError& error) {
            shadow->log(LogLevel::Warning,
                        fmt::format("parameter {} keeps its value: {}", parameter_, error.what()));
        }
    }
    sendJson(response, 200, "OK");
}

}  // namespace mvi::host
