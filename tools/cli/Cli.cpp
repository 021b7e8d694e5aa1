#include "Cli.h"

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/File.h>

#include <iomanip>

#include "AssignCommand.h"
#include "CallCommand.h"
#include "CliError.h"
#include "DeployCommand.h"
#include "HostClient.h"
#include "InitCommand.h"
#include "KillCommand.h"
#include "ListCommand.h"
#include "LoginCommand.h"
#include "LogoutCommand.h"
#include "LogsCommand.h"
#include "NotificationsCommand.h"
#include "ParametersCommand.h"
#include "TokenCommand.h"
#include "UnquarantineCommand.h"

#ifndef MVI_CLI_VERSION
#define MVI_CLI_VERSION "0.0.0"
#endif

namespace mvi::cli {

Cli::Cli() {
    commands_.push_back(std::make_unique<DeployCommand>());
    commands_.push_back(std::make_unique<ListCommand>());
    commands_.push_back(std::make_unique<LogsCommand>());
    commands_.push_back(std::make_unique<AssignCommand>());
    commands_.push_back(std::make_unique<KillCommand>());
    commands_.push_back(std::make_unique<UnquarantineCommand>());
    commands_.push_back(std::make_unique<ParametersCommand>());
    commands_.push_back(std::make_unique<CallCommand>());
    commands_.push_back(std::make_unique<NotificationsCommand>());
    commands_.push_back(std::make_unique<LoginCommand>());
    commands_.push_back(std::make_unique<LogoutCommand>());
    commands_.push_back(std::make_unique<TokenCommand>());
}

namespace {

/// Takes `--ca-file FILE` (or `--ca-file=FILE`) and `--insecure` out of `given`, wherever they
/// stand, into the trust of every HostClient; returns the other arguments.
std::vector<std::string> takeTlsOptions(const std::vector<std::string>& given) {
    TlsTrust trust;
    trust.caFile = Poco::Environment::get("MVI_CA_FILE", "");
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < given.size(); ++i) {
        const std::string& word = given[i];
        if (word == "--insecure") {
            trust.insecure = true;
        } else if (word == "--ca-file") {
            if (i + 1 == given.size()) {
                throw CliError("--ca-file needs a file (PEM certificates to trust)", 2);
            }
            trust.caFile = given[++i];
        } else if (word.rfind("--ca-file=", 0) == 0) {
            trust.caFile = word.substr(std::string("--ca-file=").size());
        } else {
            rest.push_back(word);
        }
    }
    if (!trust.caFile.empty() && !Poco::File(trust.caFile).exists()) {
        throw CliError("--ca-file " + trust.caFile + " does not exist", 2);
    }
    HostClient::setTrust(std::move(trust));
    return rest;
}

}  // namespace

int Cli::run(const std::vector<std::string>& given, std::istream& in, std::ostream& out,
             std::ostream& err, bool interactive) {
    std::vector<std::string> args;
    try {
        args = takeTlsOptions(given);
    } catch (const CliError& error) {
        err << "Error: " << error.what() << std::endl;
        return error.exitCode();
    }
    if (args.empty()) {
        printUsage(err);
        return 2;
    }
    const std::string& word = args.front();
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        if (word == "--help" || word == "-h" || word == "help") {
            if (!rest.empty()) {
                for (const auto& command : commands_) {
                    if (command->name() == rest.front()) {
                        command->printHelp(out);
                        return 0;
                    }
                }
            }
            printUsage(out);
            return 0;
        }
        if (word == "--version" || word == "-V" || word == "version") {
            return printVersion(out);
        }
        if (word == "init") {
            return runInit(rest, in, out, err);
        }
        for (const auto& command : commands_) {
            if (command->name() == word) {
                CliConfig config(CliConfig::defaultPath());
                CommandContext context{in, out, err, config, interactive};
                return command->execute(context, rest);
            }
        }
        throw CliError("Unknown command '" + word + "' (see mvi --help)", 2);
    } catch (const CliError& error) {
        out.flush();
        err << "Error: " << error.what() << std::endl;
        return error.exitCode();
    } catch (const Poco::Exception& error) {
        out.flush();
        err << "Error: " << error.displayText() << std::endl;
        return 1;
    } catch (const std::exception& error) {
        out.flush();
        err << "Error: " << error.what() << std::endl;
        return 1;
    }
}

void Cli::printUsage(std::ostream& out) const {
    out << "usage: mvi COMMAND [ARGUMENTS] [options]\n\n"
           "Deploy and operate services on an mvi-host.\n\n"
           "Commands:\n";
    out << "  " << std::left << std::setw(15) << "init"
        << "Create a new service project\n";
    for (const auto& command : commands_) {
        out << "  " << std::left << std::setw(15) << command->name() << command->summary() << '\n';
    }
    out << "\n  mvi --version    the versions of mvi and of the active host\n"
           "  mvi COMMAND --help    the arguments and options of a command\n\n"
           "The active host is http://127.0.0.1:8080 until mvi login chooses another; the "
           "environment\nvariable MVI_HOST overrides it, MVI_CONFIG names the configuration "
           "file.\n"
           "An https:// host's certificate is checked against the system's CA store, or only\n"
           "against --ca-file FILE (or MVI_CA_FILE); --insecure skips the check.\n";
}

int Cli::printVersion(std::ostream& out) const {
    out << "mvi " << MVI_CLI_VERSION << std::endl;
    std::string host = CliConfig::kDefaultHost;
    try {
        CliConfig config(CliConfig::defaultPath());
        host = config.activeHost();
        HostClient client(host, config.token(host));
        HostAnswer answer = client.request("GET", "/~version");
        nlohmann::json body = answer.json();
        if (answer.status == 200 && body.is_object()) {
            out << "mvi-host " << body.value("version", "?") << " (ABI " << body.value("abi", "?")
                << ") at " << host << std::endl;
        } else {
            out << "mvi-host at " << host << ": answered " << answer.status << std::endl;
        }
    } catch (const CliError& error) {
        out << error.what() << std::endl;
    }
    return 0;
}

}  // namespace mvi::cli
