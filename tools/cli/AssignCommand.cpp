#include "AssignCommand.h"

#include <memory>

#include "CliError.h"
#include "FleetRollout.h"
#include "ServiceTable.h"

namespace mvi::cli {
namespace {

struct AssignArguments {
    std::string name;
    std::string version;
    bool yes = false;
    RolloutOptions rollout;
};

// `mvi assign --fleet`: the version becomes main on every host of the fleet, host by host or all
// at once, as FleetRollout describes.
int assignOnFleet(CommandContext& context, const AssignArguments& arguments) {
    const std::string what = arguments.name + " " + arguments.version;
    FleetRollout rollout("Fleet assign", context.hosts(), arguments.name, arguments.version,
                         arguments.rollout, context.out);
    rollout.survey(true);
    if (!context.confirm(
            "Make " + what + " the main version on every host of fleet " + context.fleet() + "?",
            arguments.yes)) {
        throw CliError("Aborted: the main version was not changed");
    }
    rollout.switchMains();
    rollout.report();
    context.out << what << " is the main version on every host of fleet " << context.fleet()
                << std::endl;
    return 0;
}

int assign(CommandContext& context, const AssignArguments& arguments) {
    HostClient host = context.client();
    std::string currentMain;
    bool known = false;
    for (const auto& entry : host.get("/services/")) {
        if (entry.value("name", "") != arguments.name) {
            continue;
        }
        if (entry.value("main", false)) {
            currentMain = entry.value("version", "");
        }
        known = known || entry.value("version", "") == arguments.version;
    }
    if (!known) {
        throw CliError("No service " + arguments.name + " " + arguments.version + " on " +
                       host.url());
    }
    if (currentMain == arguments.version) {
        context.out << arguments.name << " " << arguments.version << " is already the main version"
                    << std::endl;
        return 0;
    }
    std::string question = "Make " + arguments.name + " " + arguments.version +
                           " the main version" +
                           (currentMain.empty() ? "" : " instead of " + currentMain) + "?";
    if (!context.confirm(question, arguments.yes)) {
        throw CliError("Aborted: the main version was not changed");
    }
    host.send("PUT", "/services/~assign",
              {{"name", arguments.name}, {"version", arguments.version}});
    context.out << arguments.name << " " << arguments.version << " is now the main version"
                << std::endl;
    ServiceTable::build(host.get("/services/"), arguments.name).print(context.out);
    return 0;
}

}  // namespace

void addAssignCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<AssignArguments>();
    CLI::App* command = mvi.add_subcommand("assign", "Make a version the main one of its service");
    command->add_option("NAME", arguments->name, "the service's name")->required();
    command->add_option("VERSION", arguments->version, "the version to make main")->required();
    command->add_flag("-y,--yes", arguments->yes, "do not ask for confirmation");
    addRolloutOptions(*command, arguments->rollout, context.addFleetOption(*command));
    command->footer(
        "With --fleet NAME the version becomes main on every host of the fleet, host by host:\n"
        "each host must be ready before, and stay ready with at most --max-error-rate of the\n"
        "version's calls failing for --observe seconds after, or the hosts switched so far get\n"
        "their previous main version back.");
    context.onRun(*command, [&context, arguments] {
        return context.onFleet() ? assignOnFleet(context, *arguments) : assign(context, *arguments);
    });
}

}  // namespace mvi::cli
