#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi kill [NAME] [VERSION] [--all] [--yes]`: undeploys one version, every version of a name,
/// or every service (`--all`). The shadows of a name go first, then its main version. Asks for
/// confirmation unless `--yes` is given.
void addKillCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
