#pragma once

#include <Poco/Util/OptionSet.h>

#include <cstddef>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "CliConfig.h"
#include "HostClient.h"

namespace mvi::cli {

/// What a command works with: the user's streams and configuration, and whether a person is at
/// the terminal (standard input is a terminal).
struct CommandContext {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    CliConfig& config;
    bool interactive;
};

/// A command line after option parsing: the positional arguments in order and the options by
/// full name (a flag has an empty value).
struct Arguments {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;

    /// Whether option `name` was given.
    bool has(const std::string& name) const { return options.count(name) != 0; }

    /// The value of option `name`, or `fallback` when it was not given.
    std::string value(const std::string& name, const std::string& fallback = "") const {
        auto found = options.find(name);
        return found == options.end() ? fallback : found->second;
    }
};

/// One `mvi` sub-command: its name, help, options and what it does.
///
/// `execute` parses the command line with Poco's option processor (Unix style: `-n 5`, `-n5`,
/// `--tail 5`, `--tail=5`; `--` ends the options), answers `--help`, checks the number of
/// positional arguments and calls `run`.
class Command {
  public:
    virtual ~Command() = default;

    /// The word after `mvi`.
    virtual std::string name() const = 0;

    /// One line for `mvi --help`.
    virtual std::string summary() const = 0;

    /// The positional part of the usage line, e.g. `NAME VERSION SOURCE`.
    virtual std::string usage() const = 0;

    /// Fewest and most positional arguments.
    virtual std::size_t minArguments() const = 0;
    virtual std::size_t maxArguments() const = 0;

    /// Declares the command's options (`--help` is always there).
    virtual void defineOptions(Poco::Util::OptionSet& options) const;

    /// More help text, shown under the options by `mvi COMMAND --help`.
    virtual std::string details() const { return {}; }

    /// Does the work; returns the exit status. Throws CliError for a failure.
    virtual int run(CommandContext& context, const Arguments& arguments) const = 0;

    /// Parses `args` (the words after the command's name) and runs the command. Throws CliError
    /// with exit status 2 for a command line that cannot be understood.
    int execute(CommandContext& context, const std::vector<std::string>& args) const;

    /// Writes the command's help.
    void printHelp(std::ostream& out) const;

  protected:
    /// A client of the active host with its stored token.
    static HostClient client(const CommandContext& context);

    /// Asks `question` and returns whether the answer is yes. With `assumeYes` it does not ask.
    /// When nobody is at the terminal it refuses (throws CliError telling to pass `--yes`).
    static bool confirm(CommandContext& context, const std::string& question, bool assumeYes);
};

}  // namespace mvi::cli
