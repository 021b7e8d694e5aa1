#pragma once

#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "Command.h"

namespace mvi::cli {

/// The `mvi` program: finds the command named by the first word and runs it.
///
/// `mvi --version` prints the CLI's version and, when the active host answers, the host's;
/// `mvi --help` lists the commands and `mvi COMMAND --help` explains one. Failures print one line
/// on the error stream; the exit status is 0 on success, 1 when an operation failed and 2 for a
/// command line that cannot be understood.
class Cli {
  public:
    /// The program with every command.
    Cli();

    /// Runs the command line `args` (without the program name). `interactive` says whether a
    /// person is at the terminal to answer questions.
    int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
            std::ostream& err, bool interactive);

  private:
    /// Writes the list of commands.
    void printUsage(std::ostream& out) const;

    /// `mvi --version`.
    int printVersion(std::ostream& out) const;

    std::vector<std::unique_ptr<Command>> commands_;
};

}  // namespace mvi::cli
