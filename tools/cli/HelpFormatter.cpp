#include "HelpFormatter.h"

#include <sstream>
#include <vector>

namespace mvi::cli {
namespace {

/// The commands of `app` that its help lists (hidden ones have no group).
std::vector<const CLI::App*> listedCommands(const CLI::App& app) {
    return app.get_subcommands(
        [](const CLI::App* command) { return !command->get_group().empty(); });
}

/// The positionals of `app` in order, optional ones in brackets: `NAME [VERSION]`.
std::string positionalsOf(const CLI::App& app) {
    std::string text;
    for (const CLI::Option* option : app.get_options(
             [](const CLI::Option* candidate) { return candidate->get_positional(); })) {
        std::string name = option->get_name(true, false);
        text += " " + (option->get_required() ? name : "[" + name + "]");
    }
    return text;
}

/// The words that lead to `command`, with the positionals of the commands it is nested in:
/// `mvi parameters NAME [VERSION] set`.
std::string invocation(const CLI::App& command) {
    const CLI::App* parent = command.get_parent();
    return parent == nullptr
               ? command.get_name()
               : invocation(*parent) + positionalsOf(*parent) + " " + command.get_name();
}

}  // namespace

std::string HelpFormatter::path(const CLI::App& command) {
    const CLI::App* parent = command.get_parent();
    return parent == nullptr ? command.get_name() : path(*parent) + " " + command.get_name();
}

std::string HelpFormatter::usage(const CLI::App& command) {
    std::ostringstream line;
    line << invocation(command) << positionalsOf(command);
    const std::vector<const CLI::App*> commands = listedCommands(command);
    if (commands.size() == 1) {
        line << " [" << commands.front()->get_name() << positionalsOf(*commands.front()) << "]";
    } else if (!commands.empty()) {
        line << " COMMAND [ARGUMENTS]";
    }
    for (const CLI::Option* option : command.get_options([&command](const CLI::Option* candidate) {
             return candidate->nonpositional() && candidate != command.get_help_ptr();
         })) {
        const std::string name = option->get_lnames().empty() ? "-" + option->get_snames().front()
                                                              : "--" + option->get_lnames().front();
        const std::string value = option->get_type_name();
        line << " [" << name << (value.empty() ? "" : " " + value) << "]";
    }
    return line.str();
}

std::string HelpFormatter::make_usage(const CLI::App* app, std::string /*name*/) const {
    return "usage: " + usage(*app) + "\n";
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string name,
                                     CLI::AppFormatMode mode) const {
    if (mode == CLI::AppFormatMode::Sub) {
        return CLI::Formatter::make_help(app, name, mode);
    }
    return make_usage(app, name) + make_description(app) + make_positionals(app) +
           make_groups(app, mode) + make_subcommands(app, mode) + "\n" + make_footer(app);
}

}  // namespace mvi::cli
