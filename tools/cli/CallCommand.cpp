#include "CallCommand.h"

#include <Poco/URI.h>

#include "CliError.h"

namespace mvi::cli {

std::string CallCommand::details() const {
    return "JSON is an object with one key per argument, e.g. '{\"name\": \"Bob\"}'. NAME may be "
           "<name>_<version> (hello_2.0.0) to call that version instead of the main one.";
}

int CallCommand::run(CommandContext& context, const Arguments& arguments) const {
    const std::string& service = arguments.positional[0];
    const std::string& entrypoint = arguments.positional[1];
    nlohmann::json body = nlohmann::json::object();
    if (arguments.positional.size() > 2) {
        body = nlohmann::json::parse(arguments.positional[2], nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            throw CliError("The arguments must be a JSON object, e.g. '{\"name\": \"Bob\"}'", 2);
        }
    }
    HostClient host = client(context);
    std::string path =
        "/services/" + HostClient::segment(service) + "/" + HostClient::segment(entrypoint);
    HostAnswer answer = host.request("POST", path, body.dump());
    if (answer.status == 405 && answer.allow.find("GET") != std::string::npos) {
        // A GET entrypoint: strings as they are, anything else as JSON, in the query.
        Poco::URI query(path);
        for (const auto& [argument, value] : body.items()) {
            query.addQueryParameter(argument,
                                    value.is_string() ? value.get<std::string>() : value.dump());
        }
        answer = host.request("GET", query.getPathAndQuery());
    }
    if (answer.status / 100 != 2) {
        host.fail(answer);
    }
    context.out << answer.json().dump(2) << std::endl;
    return 0;
}

}  // namespace mvi::cli
