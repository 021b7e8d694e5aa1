#include "Command.h"

#include <Poco/String.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include "CliError.h"

namespace mvi::cli {

void Command::defineOptions(Poco::Util::OptionSet& /*options*/) const {}

int Command::execute(CommandContext& context, const std::vector<std::string>& args) const {
    Poco::Util::OptionSet options;
    options.addOption(Poco::Util::Option("help", "h", "show this help"));
    defineOptions(options);
    Arguments arguments;
    try {
        Poco::Util::OptionProcessor processor(options);
        processor.setUnixStyle(true);
        for (const std::string& arg : args) {
            std::string optionName;
            std::string optionValue;
            if (!processor.process(arg, optionName, optionValue)) {
                arguments.positional.push_back(arg);
            } else if (!optionName.empty()) {
                arguments.options[optionName] = optionValue;
            }
        }
        processor.checkRequired();
    } catch (const Poco::Util::OptionException& error) {
        throw CliError(
            "mvi " + name() + ": " + error.displayText() + " (see mvi " + name() + " --help)", 2);
    }
    if (arguments.has("help")) {
        printHelp(context.out);
        return 0;
    }
    if (arguments.positional.size() < minArguments() ||
        arguments.positional.size() > maxArguments()) {
        throw CliError("Usage: mvi " + name() + " " + usage() + " (see mvi " + name() + " --help)",
                       2);
    }
    return run(context, arguments);
}

void Command::printHelp(std::ostream& out) const {
    Poco::Util::OptionSet options;
    options.addOption(Poco::Util::Option("help", "h", "show this help"));
    defineOptions(options);
    Poco::Util::HelpFormatter formatter(options);
    formatter.setUnixStyle(true);
    formatter.setCommand("mvi " + name());
    formatter.setUsage(usage() + " [options]");
    formatter.setHeader(summary());
    formatter.setFooter(details());
    formatter.setWidth(100);
    formatter.format(out);
}

HostClient Command::client(const CommandContext& context) {
    std::string host = context.config.activeHost();
    return HostClient(host, context.config.token(host));
}

bool Command::confirm(CommandContext& context, const std::string& question, bool assumeYes) {
    if (assumeYes) {
        return true;
    }
    if (!context.interactive) {
        throw CliError(
            "Not confirmed: standard input is not a terminal, so nobody can answer "
            "\"" +
            question + "\"; pass --yes to go ahead");
    }
    context.out << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(context.in, answer);
    answer = Poco::toLower(Poco::trim(answer));
    return answer == "y" || answer == "yes";
}

}  // namespace mvi::cli
