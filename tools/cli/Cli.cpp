#include "Cli.h"

#include <Poco/Exception.h>

#include <memory>

#include "AssignCommand.h"
#include "CallCommand.h"
#include "CliError.h"
#include "Command.h"
#include "DeployCommand.h"
#include "FleetCommand.h"
#include "HelpFormatter.h"
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
#include "UserCommand.h"

#ifndef MVI_CLI_VERSION
#define MVI_CLI_VERSION "0.0.0"
#endif

namespace mvi::cli {
namespace {

/// `mvi --version`: the CLI's version, then the active host's (or why it is not known).
std::string versionText() {
    std::string text = std::string("mvi ") + MVI_CLI_VERSION + "\n";
    try {
        CliConfig config(CliConfig::defaultPath());
        const std::string host = config.activeHost();
        HostClient client(host, config.token(host));
        HostAnswer answer = client.request("GET", "/~version");
        nlohmann::json body = answer.json();
        if (answer.status == 200 && body.is_object()) {
            text += "mvi-host " + body.value("version", "?") + " (ABI " + body.value("abi", "?") +
                    ") at " + host;
        } else {
            text += "mvi-host at " + host + ": answered " + std::to_string(answer.status);
        }
    } catch (const CliError& error) {
        text += error.what();
    }
    return text;
}

/// `mvi help [COMMAND]` and `mvi version`, the spelled-out forms of `--help` and `--version`
/// (not listed in the help).
void addHelpAndVersionWords(CLI::App& mvi, CommandContext& context) {
    auto topic = std::make_shared<std::string>();
    CLI::App* help = mvi.add_subcommand("help", "Show the help of mvi or of one command");
    help->group("");
    help->add_option("COMMAND", *topic, "the command to explain");
    context.onRun(*help, [&mvi, &context, topic] {
        const CLI::App* shown = &mvi;
        for (const CLI::App* command : mvi.get_subcommands({})) {
            if (command->get_name() == *topic && !command->get_group().empty()) {
                shown = command;
            }
        }
        context.out << mvi.get_formatter()->make_help(shown, shown->get_name(),
                                                      CLI::AppFormatMode::Normal);
        return 0;
    });
    CLI::App* version = mvi.add_subcommand("version", "Show the versions of mvi and the host");
    version->group("");
    context.onRun(*version, [&context] {
        context.out << versionText() << std::endl;
        return 0;
    });
}

/// The deepest command named on the parsed command line (`mvi` itself when none was).
const CLI::App& chosenCommand(const CLI::App& mvi) {
    const CLI::App* command = &mvi;
    while (!command->get_subcommands().empty()) {
        command = command->get_subcommands().front();
    }
    return *command;
}

bool isOption(const std::string& word) {
    return word.size() > 1 && word.front() == '-';
}

/// The one line that says what is wrong with a command line CLI11 could not parse. Words CLI11
/// did not expect and options without their value are named with the command's usage; missing
/// positionals show the usage alone; anything else is CLI11's own message.
std::string describe(const CLI::App& mvi, const CLI::ParseError& error) {
    const CLI::App& command = chosenCommand(mvi);
    const std::string usage = HelpFormatter::usage(command);
    if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr && !mvi.remaining().empty()) {
        const std::string word = mvi.remaining().front();
        if (&command == &mvi) {
            return isOption(word) ? "unknown option " + word + " (see mvi --help)"
                                  : "Unknown command '" + word + "' (see mvi --help)";
        }
        return (isOption(word) ? "unknown option " : "unexpected argument ") + word +
               "; usage: " + usage;
    }
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr) {
        return "Usage: " + usage + " (see " + HelpFormatter::path(command) + " --help)";
    }
    // CLI11 says "--name: 1 required NAME missing" for an option given without its value.
    const std::string message = error.what();
    const std::size_t colon = message.find(": ");
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
        colon != std::string::npos && message.size() > 8 &&
        message.compare(message.size() - 8, 8, " missing") == 0) {
        return message.substr(0, colon) + " needs a value; usage: " + usage;
    }
    return message;
}

}  // namespace

int runMvi(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err, bool interactive) {
    CommandContext context(in, out, err, interactive);
    CLI::App mvi("Deploy and operate services on an mvi-host.", "mvi");
    // Set before the commands are added, which take them over: the help's layout and the
    // heading the commands are listed under, global options that may follow the command's own
    // words, and one command per line (so a word after the command is never taken for another
    // command).
    auto formatter = std::make_shared<HelpFormatter>();
    formatter->column_width(24);
    mvi.formatter(formatter);
    mvi.group("Commands");
    mvi.fallthrough();
    mvi.require_subcommand(0, 1);

    TlsTrust trust;
    mvi.add_option("--ca-file", trust.caFile,
                   "trust only the certificates in FILE (PEM) for an https:// host")
        ->type_name("FILE")
        ->envname("MVI_CA_FILE")
        ->check(CLI::ExistingFile.description(""));
    mvi.add_flag("--insecure", trust.insecure,
                 "do not check an https:// host's certificate at all");
    mvi.set_version_flag(
        "-V,--version",
        [&trust] {
            HostClient::setTrust(trust);
            return versionText();
        },
        "the versions of mvi and of the active host");
    mvi.parse_complete_callback([&trust] { HostClient::setTrust(trust); });

    addInitCommand(mvi, context);
    addDeployCommand(mvi, context);
    addListCommand(mvi, context);
    addLogsCommand(mvi, context);
    addAssignCommand(mvi, context);
    addKillCommand(mvi, context);
    addUnquarantineCommand(mvi, context);
    addParametersCommand(mvi, context);
    addCallCommand(mvi, context);
    addNotificationsCommand(mvi, context);
    addLoginCommand(mvi, context);
    addLogoutCommand(mvi, context);
    addTokenCommand(mvi, context);
    addUserCommand(mvi, context);
    addFleetCommand(mvi, context);
    addHelpAndVersionWords(mvi, context);
    mvi.footer(
        "mvi COMMAND --help shows the arguments and options of a command.\n"
        "The active host is http://127.0.0.1:8080 until mvi login chooses another; the "
        "environment\nvariable MVI_HOST overrides it, MVI_CONFIG names the configuration file.\n"
        "An https:// host's certificate is checked against the system's CA store, or only\n"
        "against --ca-file FILE (or MVI_CA_FILE); --insecure skips the check.");

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        mvi.parse(reversed);
        if (mvi.get_subcommands().empty()) {
            err << mvi.help();
            return 2;
        }
        return context.exitCode();
    } catch (const CLI::Success& done) {
        // --help and --version.
        return mvi.exit(done, out, err);
    } catch (const CLI::ParseError& error) {
        out.flush();
        err << "Error: " << describe(mvi, error) << std::endl;
        return 2;
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

}  // namespace mvi::cli
