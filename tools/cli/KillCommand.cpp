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

// The versions of one host the arguments name, per name its shadows first, then its main
// version (which the host refuses to remove while shadows remain).
std::vector<Target> targetsOn(const HostClient& host, const KillArguments& arguments) {
    std::vector<Target> targets;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& entry : host.get("/services/")) {
        Target target{entry.value("name", ""), entry.value("version", ""),
                      entry.value("main", false)};
        std::string status = entry.value("status", "");
        if (status == "draining" || status == "unloaded" ||
            (!arguments.name.empty() && target.name != arguments.name) ||
            (!arguments.version.empty() && target.version != arguments.version) ||
            !seen.insert({target.name, target.version}).second) {
            continue;
        }
        targets.push_back(target);
    }
    std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
        return a.name != b.name ? a.name < b.name : !a.main && b.main;
    });
    return targets;
}

// Removes `target` from `host`; throws CliError saying why when the host refuses.
void killOn(const HostClient& host, const Target& target) {
    HostAnswer answer =
        host.request("DELETE", "/services/",
                     nlohmann::json({{"name", target.name}, {"version", target.version}}).dump());
    if (answer.status / 100 != 2) {
        try {
            host.fail(answer);
        } catch (const CliError& error) {
            throw CliError("Cannot kill " + target.name + " " + target.version + ": " +
                           error.what());
        }
    }
}

int killVersions(CommandContext& context, const KillArguments& arguments) {
    const bool all = arguments.all;
    const std::string& serviceName = arguments.name;
    const std::string& version = arguments.version;
    if (!all && serviceName.empty()) {
        throw CliError("mvi kill: name the service to kill, or pass --all to kill every service",
                       2);
    }

    // Every host is asked first: on a fleet, nothing is killed unless every host answered.
    std::vector<std::pair<HostClient, std::vector<Target>>> plan;
    std::size_t count = 0;
    for (HostClient& host : context.hosts()) {
        std::vector<Target> targets = targetsOn(host, arguments);
        count += targets.size();
        plan.emplace_back(std::move(host), std::move(targets));
    }
    const std::string where =
        context.onFleet() ? "fleet " + context.fleet() : plan.front().first.url();
    if (count == 0) {
        if (all) {
            context.out << "No services to kill on " << where << std::endl;
            return 0;
        }
        throw CliError("No service " + serviceName + (version.empty() ? "" : " " + version) +
                       " on " + where);
    }

    const Target first = context.onFleet() ? Target{} : plan.front().second.front();
    if (!arguments.yes && context.interactive && (count > 1 || context.onFleet())) {
        context.out << "These versions will be killed:\n";
        for (const auto& [host, targets] : plan) {
            for (const Target& target : targets) {
                context.out << "  " << target.name << " " << target.version
                            << (target.main ? " (main)" : "") << " on " << host.url() << '\n';
            }
        }
    }
    std::string question = count == 1 && !context.onFleet()
                               ? "Kill " + first.name + " " + first.version + "?"
                               : "Kill these " + std::to_string(count) + " versions?";
    if (!context.confirm(question, arguments.yes)) {
        throw CliError("Aborted: nothing was killed");
    }
    std::size_t failed = 0;
    for (const auto& [host, targets] : plan) {
        const std::string onHost = context.onFleet() ? " on " + host.url() : "";
        for (const Target& target : targets) {
            try {
                killOn(host, target);
            } catch (const CliError& error) {
                if (!context.onFleet()) {
                    throw;
                }
                ++failed;
                context.err << host.url() << ": " << error.what() << std::endl;
                break;
            }
            context.out << "Killed " << target.name << " " << target.version << onHost << std::endl;
        }
    }
    if (failed > 0) {
        throw CliError(std::to_string(failed) + " of " + std::to_string(plan.size()) +
                       " hosts of fleet " + context.fleet() + " failed (see above)");
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
    context.addFleetOption(*command);
    context.onRun(*command, [&context, arguments] { return killVersions(context, *arguments); });
}

}  // namespace mvi::cli
