#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace mvi::cli {

/// Runs the `mvi` command line `args` (without the program name) and returns its exit status.
///
/// CLI11 parses the line: the first word names the command, which declares its positionals and
/// options and runs. The global options `--ca-file FILE` (or `MVI_CA_FILE`) and `--insecure` may
/// stand anywhere. `mvi --version` prints the CLI's version and, when the active host answers,
/// the host's; `mvi --help` lists the commands and `mvi COMMAND --help` explains one. Failures
/// print one line on `err`; the exit status is 0 on success, 1 when an operation failed and 2
/// for a command line that cannot be understood. `interactive` says whether a person is at the
/// terminal to answer questions on `in`.
int runMvi(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
           std::ostream& err, bool interactive);

}  // namespace mvi::cli
