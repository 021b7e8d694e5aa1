#include "FleetCommand.h"

#include <memory>
#include <string>
#include <vector>

#include "CliError.h"
#include "TextTable.h"

namespace mvi::cli {
namespace {

struct FleetArguments {
    std::string name;
    std::vector<std::string> urls;
};

int addHosts(CommandContext& context, const FleetArguments& arguments) {
    const std::size_t before = context.config().fleetHosts(arguments.name).size();
    context.config().addToFleet(arguments.name, arguments.urls);
    context.config().save();
    const std::vector<std::string> hosts = context.config().fleetHosts(arguments.name);
    context.out << (before == 0 ? "Created fleet " : "Fleet ") << arguments.name << ": "
                << hosts.size() << (hosts.size() == 1 ? " host" : " hosts") << std::endl;
    return 0;
}

// One host's readiness as the READY column shows it: `ready`, `not ready: <why>`, or why the
// host could not be asked.
std::string readiness(const HostClient& host) {
    try {
        HostAnswer answer = host.request("GET", "/~ready");
        if (answer.status == 200) {
            return "ready";
        }
        nlohmann::json body = answer.json();
        if (answer.status == 503) {
            return body.is_object() && body.contains("detail")
                       ? "not ready: " + HostClient::describeDetail(body["detail"])
                       : "not ready";
        }
        return "answered " + std::to_string(answer.status);
    } catch (const CliError&) {
        return "unreachable";
    }
}

int listFleets(CommandContext& context, const FleetArguments& arguments) {
    std::vector<std::string> names = context.config().fleetNames();
    if (!arguments.name.empty()) {
        if (context.config().fleetHosts(arguments.name).empty()) {
            throw CliError("No fleet " + arguments.name + " (mvi fleet ls lists them)");
        }
        names = {arguments.name};
    }
    if (names.empty()) {
        context.out << "No fleets (mvi fleet add NAME URL... creates one)" << std::endl;
        return 0;
    }
    TextTable table({"FLEET", "HOST", "TOKEN", "READY"});
    for (const std::string& name : names) {
        for (const std::string& url : context.config().fleetHosts(name)) {
            const std::string token = context.config().token(url);
            table.addRow(
                {name, url, token.empty() ? "none" : "stored", readiness(HostClient(url, token))});
        }
    }
    table.print(context.out);
    return 0;
}

int removeHosts(CommandContext& context, const FleetArguments& arguments) {
    context.config().removeFromFleet(arguments.name, arguments.urls);
    context.config().save();
    const std::size_t left = context.config().fleetHosts(arguments.name).size();
    if (left == 0) {
        context.out << "Removed fleet " << arguments.name << std::endl;
    } else {
        context.out << "Fleet " << arguments.name << ": " << left
                    << (left == 1 ? " host" : " hosts") << std::endl;
    }
    return 0;
}

}  // namespace

void addFleetCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<FleetArguments>();
    CLI::App* command = mvi.add_subcommand(
        "fleet", "Name groups of hosts that deploy, assign, ls, ... work on with --fleet");
    command->require_subcommand(1);

    CLI::App* add = command->add_subcommand("add", "Create a fleet or add hosts to it");
    add->add_option("NAME", arguments->name, "the fleet")->required();
    add->add_option("URL", arguments->urls, "the hosts' URLs, in the order of rolling deploys")
        ->required();
    add->footer(
        "Each host keeps its own token: mvi login --fleet NAME logs in to all of them with one\n"
        "user name and password. Example:\n"
        "  mvi fleet add web http://10.0.0.1:8080 http://10.0.0.2:8080 http://10.0.0.3:8080");
    context.onRun(*add, [&context, arguments] { return addHosts(context, *arguments); });

    CLI::App* list =
        command->add_subcommand("ls", "List the fleets and ask each host whether it is ready");
    list->add_option("NAME", arguments->name, "only this fleet");
    context.onRun(*list, [&context, arguments] { return listFleets(context, *arguments); });

    CLI::App* remove =
        command->add_subcommand("rm", "Remove hosts from a fleet, or the whole fleet");
    remove->add_option("NAME", arguments->name, "the fleet")->required();
    remove->add_option("URL", arguments->urls, "only these hosts (default: the whole fleet)");
    remove->footer("The hosts themselves and their services are not touched.");
    context.onRun(*remove, [&context, arguments] { return removeHosts(context, *arguments); });
}

}  // namespace mvi::cli
