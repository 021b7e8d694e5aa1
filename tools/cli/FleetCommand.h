#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi fleet add NAME URL...`, `mvi fleet ls [NAME]`, `mvi fleet rm NAME [URL...]`: the named
/// groups of hosts that `--fleet NAME` makes a command work on.
void addFleetCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
