#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi logs NAME [VERSION] [-n N|all] [-f] [--since TIME]`: a version's log (the main
/// version's when VERSION is left out); `-f` keeps printing new lines as they are logged.
void addLogsCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
