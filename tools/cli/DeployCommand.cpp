#include "DeployCommand.h"

#include <mvi/limits.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "CliError.h"
#include "FleetRollout.h"
#include "ProjectBuilder.h"
#include "ServiceTable.h"
#include "core/Environment.h"
#include "core/ServiceId.h"

namespace mvi::cli {
namespace fs = std::filesystem;
namespace {

// How long the host may take to answer an upload (it answers once the version is loaded).
const Poco::Timespan kDeployTimeout(300, 0);

bool endsWith(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Throws CliError unless `source` is a project folder or a file the host can load.
void checkSource(const std::string& source) {
    std::error_code error;
    fs::file_status status = fs::status(source, error);
    if (!fs::exists(status)) {
        throw CliError("No such file or folder: " + source);
    }
    if (fs::is_directory(status)) {
        if (!fs::exists(fs::path(source) / "CMakeLists.txt")) {
            throw CliError("The folder " + source +
                           " has no CMakeLists.txt: SOURCE must be a service project folder, a "
                           ".so or a .tar.gz holding one");
        }
        return;
    }
    if (!endsWith(source, ".so") && !endsWith(source, ".tar.gz") && !endsWith(source, ".tgz")) {
        throw CliError(
            "SOURCE must be a service project folder, a .so or a .tar.gz holding one, "
            "not " +
            source);
    }
}

struct DeployArguments {
    std::string name;
    std::string version;
    std::string source;
    /// The -e options as given: NAME=VALUE, or NAME alone.
    std::vector<std::string> environment;
    /// With --fleet: how the mains are switched, or not at all (`shadow`).
    RolloutOptions rollout;
    bool shadow = false;
};

// The environment the -e options give, as the original CLI reads them: NAME=VALUE (split at the
// first '='), or NAME alone for the value NAME has in this command's own environment (empty
// when it has none). A later option for the same name wins. Throws CliError for a name the host
// would refuse, before anything is built.
nlohmann::json environmentOf(const std::vector<std::string>& options) {
    nlohmann::json environment = nlohmann::json::object();
    for (const std::string& option : options) {
        const auto equals = option.find('=');
        std::string name = option.substr(0, equals);
        std::string value;
        if (equals != std::string::npos) {
            value = option.substr(equals + 1);
        } else if (const char* inherited = std::getenv(name.c_str())) {
            value = inherited;
        }
        if (auto problem = mvi::host::EnvironmentRules::nameProblem(name)) {
            throw CliError("Invalid -e " + mvi::limits::shorten(option) + ": " + *problem);
        }
        if (auto problem = mvi::host::EnvironmentRules::valueProblem(value)) {
            throw CliError("Invalid -e " + mvi::limits::shorten(option) + ": " + *problem);
        }
        environment[name] = value;
    }
    if (environment.size() > mvi::limits::kMaxEnvironmentVariables) {
        throw CliError("At most " + std::to_string(mvi::limits::kMaxEnvironmentVariables) +
                       " environment variables may be given");
    }
    return environment;
}

// Throws CliError unless the name, the version and the source can be deployed; returns the
// upload's `run_args` field (only `environment` means anything to this host).
std::string checkedRunArgs(const DeployArguments& arguments) {
    if (!mvi::host::isValidServiceName(arguments.name)) {
        throw CliError("Invalid service name '" + mvi::limits::shorten(arguments.name) +
                       "': use lowercase letters, digits and underscores, not starting or ending "
                       "with _, at most " +
                       std::to_string(mvi::limits::kMaxNameBytes) + " bytes");
    }
    if (!mvi::host::isValidVersion(arguments.version)) {
        throw CliError("Invalid version '" + arguments.version +
                       "': use a semantic version such as 1.0.0 or 2.1.0-rc.1");
    }
    checkSource(arguments.source);
    return nlohmann::json{{"environment", environmentOf(arguments.environment)}}.dump();
}

// The plugin file to upload: the source itself, or what building the project folder made.
std::string artifactOf(CommandContext& context, const std::string& source) {
    return fs::is_directory(source) ? ProjectBuilder(source, context.out).build() : source;
}

int deploy(CommandContext& context, const DeployArguments& arguments) {
    const std::string& serviceName = arguments.name;
    const std::string& version = arguments.version;
    const std::string runArgs = checkedRunArgs(arguments);

    HostClient host = context.client();
    for (const auto& entry : host.get("/services/")) {
        if (entry.value("name", "") == serviceName && entry.value("version", "") == version &&
            entry.value("status", "") != "draining") {
            throw CliError("Service " + serviceName + " " + version + " is already deployed on " +
                           host.url() + ": deploy a new version or kill this one first");
        }
    }

    const std::string artifact = artifactOf(context, arguments.source);
    context.out << "Deploying service..." << std::endl;
    HostAnswer answer = host.upload(
        "/services/~tar", {{"name", serviceName}, {"version", version}, {"run_args", runArgs}},
        artifact, kDeployTimeout);
    if (answer.status / 100 != 2) {
        try {
            host.fail(answer);
        } catch (const CliError& error) {
            throw CliError("Deploy failed: " + std::string(error.what()), error.exitCode());
        }
    }
    context.out << "Service deployed successfully" << std::endl;
    ServiceTable::build(host.get("/services/"), serviceName).print(context.out);
    return 0;
}

// `mvi deploy --fleet`: every host gets the version, then (unless --shadow) it becomes main
// host by host or all at once, as FleetRollout describes.
int deployToFleet(CommandContext& context, const DeployArguments& arguments) {
    const std::string runArgs = checkedRunArgs(arguments);
    const std::string what = arguments.name + " " + arguments.version;
    FleetRollout rollout("Fleet deploy", context.hosts(), arguments.name, arguments.version,
                         arguments.rollout, context.out);
    rollout.survey(false);
    rollout.upload(
        artifactOf(context, arguments.source),
        {{"name", arguments.name}, {"version", arguments.version}, {"run_args", runArgs}},
        kDeployTimeout);
    if (!arguments.shadow) {
        rollout.switchMains();
    }
    rollout.report();
    context.out << (arguments.shadow
                        ? "Deployed " + what + " to fleet " + context.fleet() +
                              " (a shadow where the service had a main version)"
                        : what + " is the main version on every host of fleet " + context.fleet())
                << std::endl;
    return 0;
}

}  // namespace

void addDeployCommand(CLI::App& mvi, CommandContext& context) {
    auto arguments = std::make_shared<DeployArguments>();
    CLI::App* command = mvi.add_subcommand(
        "deploy", "Build a service project (or take a .so) and deploy it as NAME VERSION");
    command->add_option("NAME", arguments->name, "the service's name")->required();
    command->add_option("VERSION", arguments->version, "a semantic version such as 1.0.0")
        ->required();
    command
        ->add_option("SOURCE", arguments->source,
                     "a project folder, a built plugin (.so) or a .tar.gz holding one")
        ->required();
    command
        ->add_option("-e,--env", arguments->environment,
                     "give the version environment variable NAME (repeatable); NAME alone "
                     "takes its value from this shell (empty when unset)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    CLI::Option* fleet = context.addFleetOption(*command);
    addRolloutOptions(*command, arguments->rollout, fleet);
    command
        ->add_flag("--shadow", arguments->shadow,
                   "with --fleet: deploy everywhere but do not make it main (mvi assign --fleet "
                   "does)")
        ->needs(fleet);
    command->footer(
        "SOURCE is a service project folder (configured and built with CMake in SOURCE/build, in\n"
        "Release; the build must produce exactly one .so), a built plugin (.so) or a .tar.gz\n"
        "holding one. The first version of a name becomes main, later ones shadows (see mvi "
        "assign).\n"
        "Each -e NAME=VALUE gives the version an environment variable, which the service reads\n"
        "with mvi::env(\"NAME\") (not getenv: all services share the host's process). They are\n"
        "kept with the version (also across host restarts) until it is killed; a new version\n"
        "gets only those given to its own deploy. Example:\n"
        "  mvi deploy hello 1.0.0 ./hello -e GREETING=Hej -e API_TOKEN\n"
        "With --fleet NAME the version goes to every host of the fleet (mvi fleet), is waited for\n"
        "until it serves everywhere, then becomes main host by host: each host must be ready\n"
        "before, and stay ready with at most --max-error-rate of the version's calls failing\n"
        "for --observe seconds after, or the hosts switched so far get their previous main\n"
        "version back. A table tells each host's state at the end.");
    context.onRun(*command, [&context, arguments] {
        return context.onFleet() ? deployToFleet(context, *arguments) : deploy(context, *arguments);
    });
}

}  // namespace mvi::cli
