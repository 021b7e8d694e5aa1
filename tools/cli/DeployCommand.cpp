#include "DeployCommand.h"

#include <mvi/limits.hpp>

#include <filesystem>
#include <memory>

#include "CliError.h"
#include "ProjectBuilder.h"
#include "ServiceTable.h"
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
};

int deploy(CommandContext& context, const DeployArguments& arguments) {
    const std::string& serviceName = arguments.name;
    const std::string& version = arguments.version;
    const std::string& source = arguments.source;
    if (!mvi::host::isValidServiceName(serviceName)) {
        throw CliError("Invalid service name '" + mvi::limits::shorten(serviceName) +
                       "': use lowercase letters, digits and underscores, not starting or ending "
                       "with _, at most " +
                       std::to_string(mvi::limits::kMaxNameBytes) + " bytes");
    }
    if (!mvi::host::isValidVersion(version)) {
        throw CliError("Invalid version '" + version +
                       "': use a semantic version such as 1.0.0 or 2.1.0-rc.1");
    }
    checkSource(source);

    HostClient host = context.client();
    for (const auto& entry : host.get("/services/")) {
        if (entry.value("name", "") == serviceName && entry.value("version", "") == version &&
            entry.value("status", "") != "draining") {
            throw CliError("Service " + serviceName + " " + version + " is already deployed on " +
                           host.url() + ": deploy a new version or kill this one first");
        }
    }

    std::string artifact = source;
    if (fs::is_directory(source)) {
        artifact = ProjectBuilder(source, context.out).build();
    }

    context.out << "Deploying service..." << std::endl;
    HostAnswer answer = host.upload("/services/~tar", {{"name", serviceName}, {"version", version}},
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
    command->footer(
        "SOURCE is a service project folder (configured and built with CMake in SOURCE/build, in\n"
        "Release; the build must produce exactly one .so), a built plugin (.so) or a .tar.gz\n"
        "holding one. The first version of a name becomes main, later ones shadows (see mvi "
        "assign).");
    context.onRun(*command, [&context, arguments] { return deploy(context, *arguments); });
}

}  // namespace mvi::cli
