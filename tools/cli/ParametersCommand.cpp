#include "ParametersCommand.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CliError.h"
#include "TextTable.h"

namespace mvi::cli {
namespace {

struct ParametersArguments {
    std::string name;
    std::string version;
    std::string parameter;
    std::string value;
    const CLI::App* set = nullptr;  ///< The `set` part, to tell whether it was given.
};

int showOrSetParameters(CommandContext& context, const ParametersArguments& arguments) {
    const std::string service =
        arguments.name + (arguments.version.empty() ? "" : "_" + arguments.version);
    const std::string path = "/services/" + HostClient::segment(service) + "/~parameters";
    const std::string onHost = context.onFleet() ? " on " : "";
    if (arguments.set->parsed()) {
        nlohmann::json value = nlohmann::json::parse(arguments.value, nullptr, false);
        if (value.is_discarded()) {
            value = arguments.value;
        }
        const std::string failed = context.eachHost([&](HostClient& host) {
            host.send("POST", path + "/" + HostClient::segment(arguments.parameter),
                      {{"value", value}});
            context.out << "Set " << arguments.parameter << " of " << arguments.name
                        << (arguments.version.empty() ? "" : " " + arguments.version) << " to "
                        << value.dump() << (onHost.empty() ? "" : onHost + host.url()) << std::endl;
        });
        if (!failed.empty()) {
            throw CliError(failed);
        }
        return 0;
    }
    std::vector<std::string> headers{"PARAMETER", "VALUE"};
    if (context.onFleet()) {
        headers.insert(headers.begin(), "HOST");
    }
    TextTable table(headers);
    const std::string failed = context.eachHost([&](HostClient& host) {
        nlohmann::json parameters = host.get(path);
        if (!parameters.is_object()) {
            return;
        }
        for (const auto& [parameter, value] : parameters.items()) {
            std::vector<std::string> cells{parameter, value.dump()};
            if (context.onFleet()) {
                cells.insert(cells.begin(), host.url());
            }
            table.addRow(std::move(cells));
        }
    });
    if (table.empty()) {
        context.out << "No parameters" << std::endl;
    } else {
        table.print(context.out);
    }
    if (!failed.empty()) {
        throw CliError(failed);
    }
    return 0;
}

}  // namespace

void addParametersCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<ParametersArguments>();
    CLI::App* command = mvi.add_subcommand("parameters", "Show or set the parameters of a service");
    command->add_option("NAME", arguments->name, "the service")->required();
    command->add_option("VERSION", arguments->version,
                        "only this version (default: the main one; set reaches the shadows too)");
    context.addFleetOption(*command);
    CLI::App* set = command->add_subcommand("set", "Set a parameter to VALUE");
    set->add_option("PARAMETER", arguments->parameter, "the parameter")->required();
    set->add_option("VALUE", arguments->value, "the value, read as JSON, else as a string")
        ->required();
    const std::string valueHelp =
        "VALUE is read as JSON (42, true, [1,2], \"text\"); anything that is not JSON is taken as\n"
        "a string, so `set greeting_phrase Howdy` works. To set a string that looks like JSON,\n"
        "quote it: '\"42\"'. Put -- before a VALUE that starts with a dash.";
    set->footer(valueHelp);
    arguments->set = set;
    command->footer(valueHelp);
    context.onRun(*command,
                  [&context, arguments] { return showOrSetParameters(context, *arguments); });
}

}  // namespace mvi::cli
