#include "KillCommand.h"

#include <algorithm>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "CliError.h"

namespace mvi::cli {
namespace {

// One version to kill.
struct Target {
    std::string name;
    std::string version;
    bool main = false;
};

struct KillArguments {
    std::string name;
    std::string version;
    bool all = false;
    bool yes = false;
};

int killVersions(CommandContext& context, const KillArguments& arguments) {
    const bool all = arguments.all;
    const std::string& serviceName = arguments.name;
    const std::string& version = arguments.version;
    if (!all && serviceName.empty()) {
        throw CliError("mvi kill: name the service to kill, or pass --all to kill every service",
                       2);
    }

    HostClient host = context.client();
    std::vector<Target> targets;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& entry : host.get("/services/")) {
        Target target{entry.value("name", ""), entry.value("version", ""),
                      entry.value("main", false)};
        std::string status = entry.value("status", "");
        if (status == "draining" || status == "unloaded" ||
            (!serviceName.empty() && target.name != serviceName) ||
            (!version.empty() && target.version != version) ||
            !seen.insert({target.name, target.version}).second) {
            continue;
        }
        targets.push_back(target);
    }
    // Per name: its shadows first, then its main version, which the host refuses to remove
    // while shadows remain.
    std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
        return a.name != b.name ? a.name < b.name : !a.main && b.main;
    });
    if (targets.empty()) {
        if (all) {
            context.out << "No services to kill on " << host.url() << std::endl;
            return 0;
        }
        throw CliError("No service " + serviceName + (version.empty() ? "" : " " + version) +
                       " on " + host.url());
    }

    if (!arguments.yes && context.interactive && targets.size() > 1) {
        context.out << "These versions will be killed on " << host.url() << ":\n";
        for (const Target& target : targets) {
            context.out << "  " << target.name << " " << target.version
                        << (target.main ? " (main)" : "") << '\n';
        }
    }
    std::string question = targets.size() == 1
                               ? "Kill " + targets[0].name + " " + targets[0].version + "?"
                               : "Kill these " + std::to_string(targets.size()) + " versions?";
    if (!context.confirm(question, arguments.yes)) {
        throw CliError("Aborted: nothing was killed");
    }
    for (const Target& target : targets) {
        HostAnswer answer = host.request(
            "DELETE", "/services/",
            nlohmann::json({{"name", target.name}, {"version", target.version}}).dump());
        if (answer.status / 100 != 2) {
            try {
                host.fail(answer);
            } catch (const CliError& error) {
                throw CliError("Cannot kill " + target.name + " " + target.version + ": " +
                               error.what());
            }
        }
        context.out << "Killed " << target.name << " " << target.version << std::endl;
    }
    return 0;
}

}  // namespace

void addKillCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<KillArguments>();
    CLI::App* command = mvi.add_subcommand(
        "kill", "Undeploy a service version, all versions of a service, or every service");
    CLI::Option* name =
        command->add_option("NAME", arguments->name, "the service to kill (all its versions)");
    command->add_option("VERSION", arguments->version, "only this version of it");
    command->add_flag("-a,--all", arguments->all, "kill every service on the host")->excludes(name);
    command->add_flag("-y,--yes", arguments->yes, "do not ask for confirmation");
    context.onRun(*command, [&context, arguments] { return killVersions(context, *arguments); });
}

}  // namespace mvi::cli
