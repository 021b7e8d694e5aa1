#include "CallCommand.h"

#include <Poco/URI.h>

#include <memory>

#include "CliError.h"

namespace mvi::cli {
namespace {

struct CallArguments {
    std::string service;
    std::string entrypoint;
    std::string json;
    const CLI::Option* jsonGiven = nullptr;
};

int call(CommandContext& context, const CallArguments& arguments) {
    nlohmann::json body = nlohmann::json::object();
    if (arguments.jsonGiven->count() > 0) {
        body = nlohmann::json::parse(arguments.json, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            throw CliError("The arguments must be a JSON object, e.g. '{\"name\": \"Bob\"}'", 2);
        }
    }
    HostClient host = context.client();
    std::string path = "/services/" + HostClient::segment(arguments.service) + "/" +
                       HostClient::segment(arguments.entrypoint);
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

}  // namespace

void addCallCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<CallArguments>();
    CLI::App* command =
        mvi.add_subcommand("call", "Call an entrypoint of a service and print its answer");
    command
        ->add_option("NAME", arguments->service,
                     "the service, or <name>_<version> to call one version")
        ->required();
    command->add_option("ENTRYPOINT", arguments->entrypoint, "the entrypoint to call")->required();
    arguments->jsonGiven =
        command->add_option("JSON", arguments->json, "the arguments (default: none)");
    command->footer(
        "JSON is an object with one key per argument, e.g. '{\"name\": \"Bob\"}'. NAME may be\n"
        "<name>_<version> (hello_2.0.0) to call that version instead of the main one.");
    context.onRun(*command, [&context, arguments] { return call(context, *arguments); });
}

}  // namespace mvi::cli
