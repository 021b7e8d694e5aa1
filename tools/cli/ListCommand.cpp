#include "ListCommand.h"

#include <memory>

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {
namespace {

struct ListArguments {
    std::string name;
    std::string version;
};

int list(CommandContext& context, const ListArguments& arguments) {
    HostClient host = context.client();
    TextTable table =
        ServiceTable::build(host.get("/services/"), arguments.name, arguments.version);
    if (table.empty() && !arguments.name.empty()) {
        throw CliError("No service " + arguments.name +
                       (arguments.version.empty() ? "" : " " + arguments.version) + " on " +
                       host.url());
    }
    table.print(context.out);
    return 0;
}

}  // namespace

void addListCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<ListArguments>();
    CLI::App* command = mvi.add_subcommand(
        "ls", "List the deployed services (all, one name's versions, or one version)");
    command->add_option("NAME", arguments->name, "only the versions of this service");
    command->add_option("VERSION", arguments->version, "only this version of it");
    context.onRun(*command, [&context, arguments] { return list(context, *arguments); });
}

}  // namespace mvi::cli
