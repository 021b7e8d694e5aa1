#pragma once

#include "Command.h"

namespace mvi::cli {

/// `mvi unquarantine NAME VERSION`: ends the quarantine of a build that took the host's serving
/// process down, so the host loads it again (and quarantines it again if it crashes again).
void addUnquarantineCommand(CLI::App& mvi, CommandContext& context);

}  // namespace mvi::cli
