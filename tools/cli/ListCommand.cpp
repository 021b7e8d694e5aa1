#include "ListCommand.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {
namespace {

struct ListArguments {
    std::string name;
    std::string version;
};

int list(CommandContext& context, const ListArguments& arguments) {
    const std::string what =
        arguments.name + (arguments.version.empty() ? "" : " " + arguments.version);
    if (!context.onFleet()) {
        HostClient host = context.client();
        TextTable table =
            ServiceTable::build(host.get("/services/"), arguments.name, arguments.version);
        if (table.empty() && !arguments.name.empty()) {
            throw CliError("No service " + what + " on " + host.url());
        }
        table.print(context.out);
        return 0;
    }
    std::vector<std::pair<std::string, nlohmann::json>> lists;
    const std::string failed = context.eachHost(
        [&lists](HostClient& host) { lists.emplace_back(host.url(), host.get("/services/")); });
    TextTable table = ServiceTable::build(lists, arguments.name, arguments.version);
    if (table.empty() && !arguments.name.empty() && failed.empty()) {
        throw CliError("No service " + what + " on fleet " + context.fleet());
    }
    table.print(context.out);
    if (!failed.empty()) {
        throw CliError(failed);
    }
    return 0;
}

}  // namespace

void addListCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<ListArguments>();
    CLI::App* command = mvi.add_subcommand(
        "ls", "List the deployed services (all, one name's versions, or one version)");
    command->add_option("NAME", arguments->name, "only the versions of this service");
    command->add_option("VERSION", arguments->version, "only this version of it");
    context.addFleetOption(*command);
    context.onRun(*command, [&context, arguments] { return list(context, *arguments); });
}

}  // namespace mvi::cli
