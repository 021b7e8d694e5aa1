#include "UnquarantineCommand.h"

#include <memory>

#include "CliError.h"
#include "ServiceTable.h"

namespace mvi::cli {

namespace {

struct UnquarantineArguments {
    std::string name;
    std::string version;
};

int unquarantine(CommandContext& context, const UnquarantineArguments& arguments) {
    const std::string& serviceName = arguments.name;
    const std::string& version = arguments.version;
    HostClient host = context.client();
    nlohmann::json loaded =
        host.send("POST", "/services/~unquarantine", {{"name", serviceName}, {"version", version}});
    std::string status = loaded.is_object() ? loaded.value("status", "") : "";
    if (status == "ready") {
        context.out << serviceName << " " << version << " is out of quarantine and loaded"
                    << std::endl;
    } else {
        context.out << serviceName << " " << version << " is out of quarantine; it did not load"
                    << std::endl;
    }
    ServiceTable::build(host.get("/services/"), serviceName).print(context.out);
    return status == "ready" || status.empty() ? 0 : 1;
}

}  // namespace

void addUnquarantineCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<UnquarantineArguments>();
    CLI::App* command = mvi.add_subcommand(
        "unquarantine", "Load a quarantined version again (after it crashed the host)");
    command->add_option("NAME", arguments->name, "the service")->required();
    command->add_option("VERSION", arguments->version, "the quarantined version")->required();
    context.onRun(*command, [&context, arguments] { return unquarantine(context, *arguments); });
}

}  // namespace mvi::cli
