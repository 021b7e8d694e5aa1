#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "CliConfig.h"
#include "HostClient.h"

namespace mvi::cli {

/// What the commands of one `mvi` run work with: the user's streams, whether a person is at the
/// terminal (standard input is a terminal), the configuration (read when first used) and the exit
/// status the command ended with.
class CommandContext {
  public:
    /// A context writing to `out` and `err` and reading answers from `in`.
    CommandContext(std::istream& input, std::ostream& output, std::ostream& errors,
                   bool personAtTerminal)
        : in(input), out(output), err(errors), interactive(personAtTerminal) {}

    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    const bool interactive;

    /// The user's configuration, read from CliConfig::defaultPath() on first use. Throws
    /// CliError when it cannot be read.
    CliConfig& config();

    /// A client of the active host with its stored token. Throws CliError when `--fleet` named
    /// a fleet: a command that works on fleets asks for `hosts()` instead.
    HostClient client();

    /// Gives `command` the option `--fleet NAME`: the command then works on every host of that
    /// fleet (see `hosts()`).
    CLI::Option* addFleetOption(CLI::App& command);

    /// Whether `--fleet` named a fleet.
    bool onFleet() const { return !fleet_.empty(); }

    /// The fleet `--fleet` named (empty when none).
    const std::string& fleet() const { return fleet_; }

    /// The hosts the command works on: every host of the fleet `--fleet` named, in the fleet's
    /// order, each with its own stored token; else the active host alone. Throws CliError when
    /// there is no such fleet.
    std::vector<HostClient> hosts();

    /// Runs `action` on each host of `hosts()` in turn. On a fleet, a host where it throws
    /// CliError is named on `err` with the error and the other hosts go on; the result then
    /// says how many hosts failed (empty when none did), for the command to throw once it has
    /// printed what it could. Off a fleet, the error is thrown as it is.
    std::string eachHost(const std::function<void(HostClient&)>& action);

    /// Asks `question` and returns whether the answer is yes. With `assumeYes` it does not ask.
    /// When nobody is at the terminal it refuses (throws CliError telling to pass `--yes`).
    bool confirm(const std::string& question, bool assumeYes);

    /// Asks for a secret at the terminal with `prompt` (on the error stream), without echo, and
    /// returns the line typed. Only for when a person is at the terminal (`interactive`).
    std::string askSecret(const std::string& prompt);

    /// The exit status of the command that ran (0 until one ran).
    int exitCode() const { return exitCode_; }

    /// Makes `command` run `action` when the command line names it; what `action` returns becomes
    /// mvi's exit status. A failure is thrown as CliError (or any exception) out of the parse.
    void onRun(CLI::App& command, std::function<int()> action);

  private:
    std::optional<CliConfig> config_;
    std::string fleet_;
    int exitCode_ = 0;
};

}  // namespace mvi::cli
