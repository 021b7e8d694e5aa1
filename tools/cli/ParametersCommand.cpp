#include "ParametersCommand.h"

#include <memory>

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
    HostClient host = context.client();
    std::string path = "/services/" + HostClient::segment(service) + "/~parameters";
    if (arguments.set->parsed()) {
        nlohmann::json value = nlohmann::json::parse(arguments.value, nullptr, false);
        if (value.is_discarded()) {
            value = arguments.value;
        }
        host.send("POST", path + "/" + HostClient::segment(arguments.parameter),
                  {{"value", value}});
        context.out << "Set " << arguments.parameter << " of " << arguments.name
                    << (arguments.version.empty() ? "" : " " + arguments.version) << " to "
                    << value.dump() << std::endl;
        return 0;
    }
    nlohmann::json parameters = host.get(path);
    if (!parameters.is_object() || parameters.empty()) {
        context.out << "No parameters" << std::endl;
        return 0;
    }
    TextTable table({"PARAMETER", "VALUE"});
    for (const auto& [parameter, value] : parameters.items()) {
        table.addRow({parameter, value.dump()});
    }
    table.print(context.out);
    return 0;
}

}  // namespace

void addParametersCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<ParametersArguments>();
    CLI::App* command = mvi.add_subcommand("parameters", "Show or set the parameters of a service");
    command->add_option("NAME", arguments->name, "the service")->required();
    command->add_option("VERSION", arguments->version,
                        "only this version (default: the main one; set reaches the shadows too)");
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
